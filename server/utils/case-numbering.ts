import type { Core } from '@strapi/strapi';

import { CASE_NUMBER_COUNTER } from '../services/cases/cases';
import { UIDS } from './plugin-id';

/**
 * Gives every case a number, also cases created in the Content Manager: the counter starts above
 * the highest number already stored, and a lifecycle fills in a missing number on create.
 */
export async function registerCaseNumbering(strapi: Core.Strapi) {
  const counters = strapi.plugin('inbox').service('counters');
  const highest = await strapi.db.query(UIDS.case).findOne({ select: ['number'], orderBy: { number: 'desc' }, where: { number: { $notNull: true } } });

  if (highest?.number) {
    await counters.ensureAtLeast(CASE_NUMBER_COUNTER, highest.number);
  }

  strapi.db.lifecycles.subscribe({
    models: [UIDS.case],
    async beforeCreate(event: any) {
      if (!event.params.data.number) {
        event.params.data.number = await counters.next(CASE_NUMBER_COUNTER);
      }
    },
  });
}
