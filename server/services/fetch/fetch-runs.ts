import type { Core } from '@strapi/strapi';

import { UIDS } from '../../utils/plugin-id';
import type { MailboxRef } from '../mailbox/types';

export interface FetchCounts {
  fetched: number;
  imported: number;
  duplicates: number;
  failed: number;
  skipped: number;
}

const COUNT_KEYS: (keyof FetchCounts)[] = ['fetched', 'imported', 'duplicates', 'failed', 'skipped'];

export function emptyCounts(): FetchCounts {
  return { fetched: 0, imported: 0, duplicates: 0, failed: 0, skipped: 0 };
}

export function addCounts(total: FetchCounts, part: FetchCounts) {
  for (const key of COUNT_KEYS) {
    total[key] += part[key];
  }
}

export function pickCounts(source: FetchCounts): FetchCounts {
  return { fetched: source.fetched, imported: source.imported, duplicates: source.duplicates, failed: source.failed, skipped: source.skipped };
}

/** Fetch runs older than this are deleted after each run, in days. */
const RETENTION_DAYS = 14;

/** Records each fetch run; administrators read these rows as the mailbox's history. */
const fetchRuns = ({ strapi }: { strapi: Core.Strapi }) => {
  const query = () => strapi.db.query(UIDS.fetchRun);

  return {
    async start(mailbox: MailboxRef & { name: string }, trigger: string, instanceId: string) {
      return query().create({
        data: {
          mailboxKind: mailbox.kind,
          mailboxId: mailbox.id,
          mailboxName: mailbox.name,
          trigger,
          startedAt: new Date(),
          status: 'running',
          instanceId,
        },
      });
    },

    async finish(id: number, status: 'succeeded' | 'failed' | 'skipped', counts: FetchCounts, error: string | null) {
      await query().update({ where: { id }, data: { ...pickCounts(counts), status, error, finishedAt: new Date() } });
    },

    async prune() {
      const cutoff = new Date(Date.now() - RETENTION_DAYS * 24 * 60 * 60 * 1000);
      await query().deleteMany({ where: { startedAt: { $lt: cutoff } } });
    },

    async findRecent(mailbox: MailboxRef, limit = 20) {
      return query().findMany({ where: { mailboxKind: mailbox.kind, mailboxId: mailbox.id }, orderBy: { id: 'desc' }, limit });
    },
  };
};

export default fetchRuns;
