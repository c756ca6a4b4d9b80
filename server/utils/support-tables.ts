import type { Core } from '@strapi/strapi';

export const LEASE_TABLE = 'inbox_leases';
export const EMAIL_KEY_TABLE = 'inbox_email_keys';
export const COUNTER_TABLE = 'inbox_counters';

/**
 * Creates the plugin's coordination tables: leases, dedupe keys and counters. They are plain tables rather than content types
 * because they rely on a primary key that the database enforces across app instances, which
 * Strapi attributes do not give.
 */
export async function ensureSupportTables(strapi: Core.Strapi) {
  const knex = strapi.db.connection;

  await createIfMissing(strapi, LEASE_TABLE, (table) => {
    table.string('name', 191).primary();
    table.string('owner', 191).notNullable();
    table.bigInteger('expires_at').notNullable();
  });

  await createIfMissing(strapi, EMAIL_KEY_TABLE, (table) => {
    table.string('dedupe_key', 191).primary();
    table.integer('email_id').nullable();
    table.bigInteger('claimed_at').notNullable();
  });

  await createIfMissing(strapi, COUNTER_TABLE, (table) => {
    table.string('name', 191).primary();
    table.bigInteger('value').notNullable();
  });

  return knex;
}

async function createIfMissing(strapi: Core.Strapi, name: string, build: (table: any) => void) {
  const schema = strapi.db.connection.schema;

  if (await schema.hasTable(name)) {
    return;
  }

  try {
    await schema.createTable(name, build);
  } catch (error) {
    // Another instance booting at the same moment may have created it first.
    if (!(await schema.hasTable(name))) {
      throw error;
    }
  }
}
