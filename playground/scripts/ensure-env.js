#!/usr/bin/env node
// Writes playground/.env with freshly generated secrets on first start. The file is ignored by
// git, so every checkout gets its own keys and none is ever committed.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const envPath = path.join(__dirname, '..', '.env');

function randomKey(bytes = 32) {
  return crypto.randomBytes(bytes).toString('base64');
}

function generateEnv() {
  return [
    'HOST=127.0.0.1',
    'PORT=1337',
    `APP_KEYS=${[randomKey(), randomKey(), randomKey(), randomKey()].join(',')}`,
    `API_TOKEN_SALT=${randomKey()}`,
    `ADMIN_JWT_SECRET=${randomKey()}`,
    `TRANSFER_TOKEN_SALT=${randomKey()}`,
    `JWT_SECRET=${randomKey()}`,
    // AES-256-GCM key for the plugin's encrypted mailbox passwords: losing it makes them unreadable.
    `ENCRYPTION_KEY=${randomKey()}`,
    '',
  ].join('\n');
}

function ensureEnv() {
  if (fs.existsSync(envPath)) {
    return false;
  }

  fs.writeFileSync(envPath, generateEnv(), { mode: 0o600 });
  return true;
}

/** Creates the file when missing and copies its values into process.env, keeping values already set. */
function loadEnv() {
  ensureEnv();

  for (const line of fs.readFileSync(envPath, 'utf8').split(/\r?\n/)) {
    const match = line.match(/^\s*([A-Z0-9_]+)\s*=\s*(.*)\s*$/);

    if (match && process.env[match[1]] === undefined) {
      process.env[match[1]] = match[2];
    }
  }
}

if (require.main === module) {
  if (ensureEnv()) {
    console.log(`Generated ${envPath} with new secrets.`);
  }
}

module.exports = { ensureEnv, loadEnv, envPath };
