import type { Core } from '@strapi/strapi';
import { randomUUID } from 'crypto';
import type { ImapFlow } from 'imapflow';

import type { MailboxKind } from '../../utils/plugin-id';
import { mailboxKey, type MailboxRecord, type MailboxRef } from '../mailbox/types';
import { addCounts, emptyCounts, type FetchCounts } from './fetch-runs';
import { closeImapConnection, describeImapError, openImapConnection } from './imap-connection';

/** Identifies this app instance in leases and fetch runs. */
export const INSTANCE_ID = `${process.pid}-${randomUUID().slice(0, 8)}`;

export type FetchTrigger = 'schedule' | 'idle' | 'manual';

export interface FetchSummary extends FetchCounts {
  mailbox: MailboxRef & { name?: string };
  status: 'succeeded' | 'failed' | 'skipped';
  backlog: number;
  retried: number;
  error: string | null;
  folderErrors: { folder: string; error: string }[];
}

/** Errors after which the connection is unusable, so the remaining folders are not tried. */
function isConnectionError(error: unknown) {
  const code = (error as { code?: string }).code ?? '';
  return ['NoConnection', 'EConnectionClosed', 'ETIMEOUT', 'ETIMEDOUT', 'ECONNRESET', 'EPIPE', 'StateLogout'].includes(code);
}

/**
 * Runs one fetch of one mailbox: takes the mailbox lease, retries earlier failed imports, syncs
 * each monitored folder and records the run and the mailbox's health. Any failure ends in the run
 * record and the mailbox's last error, never in an exception that would stop other mailboxes.
 */
const mailboxFetcher = ({ strapi }: { strapi: Core.Strapi }) => {
  const service = (name: string) => strapi.plugin('inbox').service(name);
  const config = (key: string) => strapi.plugin('inbox').config(key) as any;

  async function syncFolders(client: ImapFlow, mailbox: MailboxRecord, ref: MailboxRef, summary: FetchSummary, renewLease: () => Promise<void>) {
    const folders = mailbox.imap?.monitoredFolders?.length ? mailbox.imap.monitoredFolders : ['INBOX'];

    for (const folder of folders) {
      try {
        const result = await service('folderSync').sync({
          client,
          mailbox: { ...ref, name: mailbox.name },
          folder,
          settings: mailbox.imap!,
          renewLease,
        });

        addCounts(summary, result);
        summary.backlog += result.backlog;
      } catch (error) {
        if (isConnectionError(error) || (error as Error).message === LEASE_LOST) {
          throw error;
        }

        const message = describeImapError(error, { folder });
        summary.folderErrors.push({ folder, error: message });
        strapi.log.error('[inbox] Folder fetch failed.', { mailbox: mailbox.name, mailboxKind: ref.kind, mailboxId: ref.id, folder, error: message });
      }
    }
  }

  return {
    async fetchMailbox(ref: MailboxRef, trigger: FetchTrigger = 'manual'): Promise<FetchSummary> {
      const summary: FetchSummary = { ...emptyCounts(), mailbox: ref, status: 'skipped', backlog: 0, retried: 0, error: null, folderErrors: [] };
      const leaseName = `fetch:${mailboxKey(ref)}`;
      const owner = `${INSTANCE_ID}:${randomUUID()}`;
      const ttlMs = (config('leaseSeconds') as number) * 1000;

      if (!(await service('lease').acquire(leaseName, owner, ttlMs))) {
        strapi.log.debug('[inbox] Fetch skipped: another run has the mailbox lease.', { mailboxKind: ref.kind, mailboxId: ref.id, trigger });
        summary.error = 'Another fetch run is working on this mailbox.';
        return summary;
      }

      let client: ImapFlow | null = null;
      let run: { id: number } | null = null;

      try {
        const mailbox: MailboxRecord | null = await service('mailboxes').findRaw(ref.kind, ref.id);

        if (!mailbox || !mailbox.active || !mailbox.imap) {
          summary.error = mailbox ? 'Mailbox is inactive or has no IMAP settings.' : 'Mailbox not found.';
          return summary;
        }

        summary.mailbox = { ...ref, name: mailbox.name };
        run = await service('fetchRuns').start({ ...ref, name: mailbox.name }, trigger, INSTANCE_ID);

        const renewLease = async () => {
          if (!(await service('lease').renew(leaseName, owner, ttlMs))) {
            throw new Error(LEASE_LOST);
          }
        };

        try {
          summary.retried = await service('failedMessages').retryPending(ref);
          await service('processEmail').processPending(ref);

          client = await openImapConnection(strapi, {
            settings: mailbox.imap,
            password: service('mailboxes').imapPassword(mailbox),
            timeoutMs: config('connectionTimeoutMs'),
            logContext: { mailbox: mailbox.name, mailboxKind: ref.kind, mailboxId: ref.id },
          });

          await syncFolders(client, mailbox, ref, summary, renewLease);

          summary.status = summary.folderErrors.length ? 'failed' : 'succeeded';
          summary.error = summary.folderErrors.length ? summary.folderErrors.map((item) => item.error).join(' ') : null;
        } catch (error) {
          summary.status = 'failed';
          summary.error = describeImapError(error);
          strapi.log.error('[inbox] Mailbox fetch failed.', { mailbox: mailbox.name, mailboxKind: ref.kind, mailboxId: ref.id, error: summary.error });
        }

        const now = new Date();
        await service('mailboxes').recordHealth(ref.kind, ref.id, {
          lastFetchAt: now,
          lastSuccessAt: summary.status === 'succeeded' ? now : undefined,
          lastError: summary.error,
        });
        await service('fetchRuns').finish(run!.id, summary.status, summary, summary.error);
        await service('fetchRuns').prune();

        return summary;
      } finally {
        await closeImapConnection(client);
        await service('lease').release(leaseName, owner);
      }
    },

    /** Fetches every active mailbox of both kinds, one after the other. */
    async fetchAll(trigger: FetchTrigger = 'schedule'): Promise<FetchSummary[]> {
      const summaries: FetchSummary[] = [];

      for (const kind of ['group', 'personal'] as MailboxKind[]) {
        const mailboxes: MailboxRecord[] = await service('mailboxes').listActive(kind);

        for (const mailbox of mailboxes) {
          try {
            summaries.push(await this.fetchMailbox({ kind, id: mailbox.id }, trigger));
          } catch (error) {
            // Only the bookkeeping queries can land here (the database failed); the next mailbox still runs.
            strapi.log.error('[inbox] Fetch run could not be recorded.', { mailbox: mailbox.name, mailboxKind: kind, mailboxId: mailbox.id, error: (error as Error).message });
          }
        }
      }

      return summaries;
    },
  };
};

const LEASE_LOST = 'The mailbox lease expired and another run took the mailbox over; this run stopped.';

export default mailboxFetcher;
