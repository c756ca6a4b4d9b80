import type { Core } from '@strapi/strapi';
import type { ImapFlow, MailboxObject } from 'imapflow';

import type { ImapSettings, MailboxRef } from '../mailbox/types';
import type { ImportResult } from '../import/email-importer';
import { emptyCounts, type FetchCounts } from './fetch-runs';

export interface FolderSyncOptions {
  client: ImapFlow;
  mailbox: MailboxRef & { name: string };
  folder: string;
  settings: ImapSettings;
  /** Called after every message; throws when the mailbox lease was lost, which stops the run. */
  renewLease: () => Promise<void>;
}

export interface FolderSyncResult extends FetchCounts {
  backlog: number;
  uidValidityChanged: boolean;
}

/** How far before the newest archived message a re-scan starts after a UIDVALIDITY change. */
const RESCAN_MARGIN_MS = 24 * 60 * 60 * 1000;

function toDate(value: unknown): Date | null {
  if (!value) {
    return null;
  }

  const date = value instanceof Date ? value : new Date(String(value));
  return Number.isNaN(date.getTime()) ? null : date;
}

/**
 * Fetches the new messages of one folder. The first run takes everything since the mailbox's
 * fetch-since date; later runs take the UIDs above the stored last UID. A new UIDVALIDITY, or a
 * UIDNEXT at or below the stored last UID, means the old UIDs are void (RFC 3501, 2.3.1.1). Then
 * the folder is scanned again by date, and the importer recognises the messages it already has by
 * Message-ID and content hash. The cursor moves past a message only once it is stored, either as
 * an email or as a failed message with its raw source.
 */
const folderSync = ({ strapi }: { strapi: Core.Strapi }) => {
  const service = (name: string) => strapi.plugin('inbox').service(name);

  return {
    async sync(options: FolderSyncOptions): Promise<FolderSyncResult> {
      const { client, mailbox, folder, settings } = options;
      const keepUnread = Boolean(settings.keepUnread);
      const batchSize = settings.batchSize || (strapi.plugin('inbox').config('defaultBatchSize') as number);
      const maxBytes = strapi.plugin('inbox').config('maxMessageBytes') as number;
      const result: FolderSyncResult = { ...emptyCounts(), backlog: 0, uidValidityChanged: false };

      // EXAMINE (read-only) guarantees that fetching leaves \Seen untouched when mail must stay unread.
      const lock = await client.getMailboxLock(folder, { readOnly: keepUnread });

      try {
        const status = client.mailbox as MailboxObject;
        const uidValidity = String(status.uidValidity);
        const state = await service('folderStates').findOrCreate(mailbox, folder);
        const logContext = { mailbox: mailbox.name, mailboxKind: mailbox.kind, mailboxId: mailbox.id, folder };

        let fromUid = state.lastUid + 1;
        let since = toDate(settings.fetchSince);

        const validityChanged = state.uidValidity !== null && state.uidValidity !== uidValidity;
        const uidsWentBack = !validityChanged && state.uidValidity !== null && status.uidNext <= state.lastUid;

        if (validityChanged || uidsWentBack) {
          strapi.log.warn('[inbox] Folder UIDs were reset; scanning the folder again by date.', {
            ...logContext,
            storedUidValidity: state.uidValidity,
            uidValidity,
            storedLastUid: state.lastUid,
            uidNext: status.uidNext,
          });

          result.uidValidityChanged = true;
          fromUid = 1;
          since = state.lastMessageAt ? new Date(state.lastMessageAt.getTime() - RESCAN_MARGIN_MS) : since;
          await service('folderStates').update(state.id, { uidValidity, lastUid: 0 });
        } else if (state.uidValidity === null) {
          await service('folderStates').update(state.id, { uidValidity });
        }

        if (status.exists === 0) {
          await service('folderStates').update(state.id, { lastSuccessAt: new Date(), backlog: 0 });
          return result;
        }

        const criteria: Record<string, unknown> = { uid: `${fromUid}:*` };

        if (since) {
          criteria.since = since;
        }

        // `n:*` also matches the highest UID when it is below n, so the list is filtered again.
        const found = (await client.search(criteria, { uid: true })) || [];
        const uids = found.filter((uid) => uid >= fromUid).sort((a, b) => a - b);
        const batch = uids.slice(0, batchSize);
        result.backlog = uids.length - batch.length;

        let lastMessageAt = state.lastMessageAt;

        for (const uid of batch) {
          const messageDate = await this.fetchAndImport({ ...options, uid, uidValidity, keepUnread, maxBytes, result, logContext });

          if (messageDate && (!lastMessageAt || messageDate > lastMessageAt)) {
            lastMessageAt = messageDate;
          }

          await service('folderStates').update(state.id, { lastUid: uid, lastMessageAt });
          await options.renewLease();
        }

        await service('folderStates').update(state.id, { lastSuccessAt: new Date(), backlog: result.backlog });
        return result;
      } finally {
        lock.release();
      }
    },

    /** Fetches one UID and stores it; returns its internal date, or null when it vanished. */
    async fetchAndImport(args: FolderSyncOptions & {
      uid: number;
      uidValidity: string;
      keepUnread: boolean;
      maxBytes: number;
      result: FolderSyncResult;
      logContext: Record<string, unknown>;
    }): Promise<Date | null> {
      const { client, mailbox, folder, uid, uidValidity, keepUnread, maxBytes, result, logContext } = args;
      const range = String(uid);

      const meta = await client.fetchOne(range, { uid: true, size: true, flags: true, internalDate: true }, { uid: true });

      if (!meta) {
        // Expunged between SEARCH and FETCH: nothing left to store.
        return null;
      }

      const size = meta.size ?? 0;
      const headersOnly = size > maxBytes;
      let source: Buffer | undefined;

      if (headersOnly) {
        const content = await client.fetchOne(range, { uid: true, headers: true }, { uid: true });
        source = content ? content.headers : undefined;
      } else {
        const content = await client.fetchOne(range, { uid: true, source: true }, { uid: true });
        source = content ? content.source : undefined;
      }

      if (!source) {
        return null;
      }

      const internalDate = toDate(meta.internalDate);
      result.fetched += 1;

      if (headersOnly) {
        strapi.log.warn('[inbox] Message over the size limit archived as headers only.', { ...logContext, uid, size, maxBytes });
      }

      try {
        const imported: ImportResult = await service('emailImporter').importMessage({
          mailbox, folder, uidValidity, uid, source, internalDate, headersOnly, size,
        });

        if (imported.status === 'imported') {
          result.imported += 1;
          await service('processEmail').processSafely(imported.emailId, mailbox);
        } else {
          result.duplicates += 1;
        }
      } catch (error) {
        // Recording the failure may throw too (database down); then the cursor stays before this UID.
        await service('failedMessages').record({ mailbox, folder, uidValidity, uid, source, internalDate, headersOnly, size, error });
        result.failed += 1;
        strapi.log.error('[inbox] Message import failed; kept as a failed message for retry.', { ...logContext, uid, error: (error as Error).message });
      }

      if (!keepUnread && !meta.flags?.has('\\Seen')) {
        await client.messageFlagsAdd(range, ['\\Seen'], { uid: true });
      }

      return internalDate;
    },
  };
};

export default folderSync;
