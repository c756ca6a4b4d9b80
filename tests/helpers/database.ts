import { randomBytes } from 'crypto';

/**
 * Creates an empty database for one test file on the PostgreSQL or MariaDB server that the
 * DATABASE_* variables name, and returns its name with a function that drops it again.
 */
export async function createScratchDatabase(client: string): Promise<{ name: string; drop: () => Promise<void> }> {
  const name = `inbox_test_${randomBytes(4).toString('hex')}`;
  const host = process.env.DATABASE_HOST ?? '127.0.0.1';

  if (client === 'postgres') {
    const { Client } = require('pg');
    const admin = new Client({
      host,
      port: Number(process.env.DATABASE_PORT ?? 5432),
      user: process.env.DATABASE_USERNAME ?? 'postgres',
      password: process.env.DATABASE_PASSWORD ?? '',
      database: 'postgres',
    });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();

    return {
      name,
      async drop() {
        const dropper = new Client({ host, port: Number(process.env.DATABASE_PORT ?? 5432), user: process.env.DATABASE_USERNAME ?? 'postgres', password: process.env.DATABASE_PASSWORD ?? '', database: 'postgres' });
        await dropper.connect();
        await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await dropper.end();
      },
    };
  }

  if (client === 'mysql') {
    const mysql = require('mysql2/promise');
    const options = { host, port: Number(process.env.DATABASE_PORT ?? 3306), user: process.env.DATABASE_USERNAME ?? 'root', password: process.env.DATABASE_PASSWORD ?? '' };
    const admin = await mysql.createConnection(options);
    await admin.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    await admin.end();

    return {
      name,
      async drop() {
        const dropper = await mysql.createConnection(options);
        await dropper.query(`DROP DATABASE IF EXISTS ${name}`);
        await dropper.end();
      },
    };
  }

  throw new Error(`Unsupported DATABASE_CLIENT "${client}": use sqlite, postgres or mysql.`);
}
