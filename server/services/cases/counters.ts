import type { Core } from '@strapi/strapi';

import { COUNTER_TABLE } from '../../utils/support-tables';

/**
 * Named counters that hand out each value once, also to app instances that share the database.
 * Case numbers and the round-robin cursor use them.
 */
const counters = ({ strapi }: { strapi: Core.Strapi }) => ({
  /** Increments the counter and returns its new value; the first call returns 1. */
  async next(name: string): Promise<number> {
    const knex = strapi.db.connection;

    for (let attempt = 0; attempt < 5; attempt += 1) {
      try {
        return await knex.transaction(async (trx: any) => {
          // The UPDATE locks the row until commit, so the SELECT reads this transaction's value.
          const updated = await trx(COUNTER_TABLE).where({ name }).increment('value', 1);

          if (!updated) {
            await trx(COUNTER_TABLE).insert({ name, value: 1 });
            return 1;
          }

          const row = await trx(COUNTER_TABLE).where({ name }).first();
          return Number(row.value);
        });
      } catch (error) {
        // Two first calls may both try the INSERT; the loser retries and takes the UPDATE path.
        if (attempt === 4) {
          throw error;
        }
      }
    }

    throw new Error(`Counter "${name}" could not be incremented.`);
  },

  /** Raises the counter to at least `value`, for numbers that already exist. */
  async ensureAtLeast(name: string, value: number) {
    const knex = strapi.db.connection;
    const row = await knex(COUNTER_TABLE).where({ name }).first();

    if (!row) {
      await knex(COUNTER_TABLE).insert({ name, value }).catch(() => undefined);
      return;
    }

    await knex(COUNTER_TABLE).where({ name }).andWhere('value', '<', value).update({ value });
  },
});

export default counters;
