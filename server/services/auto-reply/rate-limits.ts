import type { Core } from '@strapi/strapi';

import { UIDS } from '../../utils/plugin-id';

export interface SlidingWindow {
  max: number;
  windowMinutes: number;
}

export interface AutoReplyLimits {
  perAddress: SlidingWindow;
  perCase: SlidingWindow;
}

const AUTO_REPLIES = { direction: 'outgoing', classification: 'auto-reply' };

function windowStart(window: SlidingWindow, now: number) {
  return new Date(now - window.windowMinutes * 60_000);
}

/**
 * Counts the auto-replies stored for an address within the window, whatever their send status,
 * so a limit applies across app instances that share the database. Recipients are a JSON column,
 * which no query operator matches on every supported database, so the window's rows are read and
 * matched here.
 *
 * NOTE: this reads every auto-reply of the window; at thousands of auto-replies per window a
 * recipient column would be needed to keep it cheap.
 */
export async function countAutoRepliesTo(strapi: Core.Strapi, address: string, window: SlidingWindow, now = Date.now()): Promise<number> {
  const rows = await strapi.db.query(UIDS.email).findMany({
    where: { ...AUTO_REPLIES, createdAt: { $gte: windowStart(window, now) } },
    select: ['id', 'to'],
  });
  const target = address.toLowerCase();

  return rows.filter((row: { to: { address: string }[] | null }) => (row.to ?? []).some((entry) => entry.address?.toLowerCase() === target)).length;
}

/** Counts the auto-replies stored on a case within the window. */
export async function countAutoRepliesOnCase(strapi: Core.Strapi, caseId: number, window: SlidingWindow, now = Date.now()): Promise<number> {
  return strapi.db.query(UIDS.email).count({
    where: { ...AUTO_REPLIES, case: { id: caseId }, createdAt: { $gte: windowStart(window, now) } },
  });
}

/** Returns which limit an auto-reply would exceed, or null when both leave room. */
export async function exceededLimit(strapi: Core.Strapi, limits: AutoReplyLimits, address: string, caseId: number | null): Promise<'address-limit' | 'case-limit' | null> {
  if ((await countAutoRepliesTo(strapi, address, limits.perAddress)) >= limits.perAddress.max) {
    return 'address-limit';
  }

  if (caseId && (await countAutoRepliesOnCase(strapi, caseId, limits.perCase)) >= limits.perCase.max) {
    return 'case-limit';
  }

  return null;
}
