import { randomBytes } from 'crypto';
import fs from 'fs';
import os from 'os';
import path from 'path';

import { createStrapi, type Core } from '@strapi/strapi';

import { createScratchDatabase } from './database';

const playgroundDir = path.join(__dirname, '..', '..', 'playground');

function randomKey() {
  return randomBytes(32).toString('base64');
}

export interface TestApp {
  strapi: Core.Strapi;
  dbFile: string | null;
  stop: () => Promise<void>;
}

/**
 * Boots the playground app with the built plugin on a fresh temporary SQLite file (or the
 * database that DATABASE_CLIENT names), with generated secrets and scheduling off, so each test
 * file drives fetching itself.
 */
export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'inbox-test-'));
  const client = process.env.DATABASE_CLIENT ?? 'sqlite';
  const dbFile = client === 'sqlite' ? path.join(tmp, 'data.db') : null;
  const scratch = client === 'sqlite' ? null : await createScratchDatabase(client);

  Object.assign(process.env, {
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    APP_KEYS: [randomKey(), randomKey()].join(','),
    API_TOKEN_SALT: randomKey(),
    ADMIN_JWT_SECRET: randomKey(),
    TRANSFER_TOKEN_SALT: randomKey(),
    JWT_SECRET: randomKey(),
    ENCRYPTION_KEY: randomKey(),
    INBOX_SCHEDULER_ENABLED: 'false',
    INBOX_IDLE_ENABLED: 'false',
    STRAPI_TELEMETRY_DISABLED: 'true',
    ...(dbFile ? { DATABASE_FILENAME: dbFile } : {}),
    ...(scratch ? { DATABASE_NAME: scratch.name } : {}),
    ...env,
  });

  fs.mkdirSync(path.join(playgroundDir, 'public', 'uploads'), { recursive: true });

  const strapi = createStrapi({ appDir: playgroundDir, distDir: path.join(playgroundDir, 'dist') });
  strapi.log.level = process.env.INBOX_TEST_LOG_LEVEL ?? 'fatal';
  await strapi.load();
  await strapi.server.mount();

  return {
    strapi,
    dbFile,
    async stop() {
      await strapi.destroy();
      await scratch?.drop();
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}
