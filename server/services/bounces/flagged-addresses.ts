import type { Core } from '@strapi/strapi';

import { UIDS } from '../../utils/plugin-id';
import type { DsnRecipient } from '../parse/dsn';

/**
 * Records a failed recipient of a bounce: a new flagged address, or one more bounce on an existing
 * one with the latest status. A bounce that is handled twice counts once.
 */
export async function flagAddress(strapi: Core.Strapi, recipient: DsnRecipient, bounceEmailId: number) {
  const query = strapi.db.query(UIDS.flaggedAddress);
  const address = recipient.address.toLowerCase();
  const existing = await query.findOne({ where: { address }, populate: { email: { select: ['id'] } } });

  const data = {
    status: recipient.status,
    diagnostic: recipient.diagnosticCode,
    lastBouncedAt: new Date(),
    email: bounceEmailId,
  };

  if (!existing) {
    return query.create({ data: { address, bounceCount: 1, ...data } });
  }

  if (existing.email?.id === bounceEmailId) {
    return existing;
  }

  return query.update({ where: { id: existing.id }, data: { ...data, bounceCount: (existing.bounceCount ?? 0) + 1 } });
}
