import type { Core } from '@strapi/strapi';

import { UIDS } from '../../utils/plugin-id';
import type { MailboxRef } from '../mailbox/types';
import type { ImportResult } from './email-importer';

export interface FailedImportInput {
  mailbox: MailboxRef;
  folder: string;
  uidValidity: string;
  uid: number;
  source: Buffer;
  internalDate?: Date | null;
  headersOnly?: boolean;
  size?: number;
  error: unknown;
}

function errorText(error: unknown) {
  const err = error as Error;
  return (err?.stack || err?.message || String(error)).slice(0, 4000);
}

/** Reads Message-ID and Subject from the raw header block, for an administrator's list. */
function peekHeader(source: Buffer, name: string): string | null {
  const headerEnd = source.indexOf('\r\n\r\n') >= 0 ? source.indexOf('\r\n\r\n') : source.indexOf('\n\n');
  const head = source.subarray(0, headerEnd >= 0 ? headerEnd : Math.min(source.length, 64 * 1024)).toString('latin1');
  const match = head.match(new RegExp(`^${name}:[ \\t]*(.*(?:\\r?\\n[ \\t].*)*)`, 'im'));
  return match ? match[1].replace(/\r?\n[ \t]+/g, ' ').trim().slice(0, 250) : null;
}

/**
 * Keeps messages that could not be imported, with their raw source, so the folder cursor can move
 * on without losing them. Later fetch runs retry them up to `maxImportAttempts` times, and an
 * administrator can reprocess any of them at any time.
 */
const failedMessages = ({ strapi }: { strapi: Core.Strapi }) => {
  const query = () => strapi.db.query(UIDS.failedMessage);
  const importer = () => strapi.plugin('inbox').service('emailImporter');

  async function attempt(row: any): Promise<ImportResult | null> {
    const source = Buffer.from(row.rawSource, 'base64');

    try {
      const result: ImportResult = await importer().importMessage({
        mailbox: { kind: row.mailboxKind, id: row.mailboxId },
        folder: row.folder,
        uidValidity: row.uidValidity,
        uid: Number(row.uid),
        source,
        headersOnly: row.rawSize > source.length,
        size: row.rawSize,
      });

      await query().update({ where: { id: row.id }, data: { status: 'imported', email: result.emailId, lastAttemptAt: new Date() } });
      strapi.log.info('[inbox] Failed message imported on retry.', { failedMessageId: row.id, mailboxKind: row.mailboxKind, mailboxId: row.mailboxId, folder: row.folder, uid: row.uid });
      return result;
    } catch (error) {
      const attempts = (row.attempts ?? 1) + 1;
      const maxAttempts = strapi.plugin('inbox').config('maxImportAttempts') as number;

      await query().update({
        where: { id: row.id },
        data: {
          attempts,
          error: errorText(error),
          lastAttemptAt: new Date(),
          status: attempts >= maxAttempts ? 'abandoned' : 'pending',
        },
      });
      strapi.log.warn('[inbox] Retry of a failed message failed again.', { failedMessageId: row.id, folder: row.folder, uid: row.uid, attempts, error: (error as Error).message });
      return null;
    }
  }

  return {
    /** Stores a message whose import threw; a second failure of the same copy counts an attempt. */
    async record(input: FailedImportInput) {
      const where = {
        mailboxKind: input.mailbox.kind,
        mailboxId: input.mailbox.id,
        folder: input.folder,
        uidValidity: input.uidValidity,
        uid: input.uid,
      };

      const existing = await query().findOne({ where });

      if (existing) {
        return query().update({
          where: { id: existing.id },
          data: { attempts: (existing.attempts ?? 1) + 1, error: errorText(input.error), lastAttemptAt: new Date() },
        });
      }

      return query().create({
        data: {
          ...where,
          messageId: peekHeader(input.source, 'Message-ID'),
          subject: peekHeader(input.source, 'Subject'),
          rawSource: input.source.toString('base64'),
          rawSize: input.size ?? input.source.length,
          error: errorText(input.error),
          attempts: 1,
          lastAttemptAt: new Date(),
          status: 'pending',
        },
      });
    },

    /** Retries the pending failed messages of one mailbox; returns how many imported now. */
    async retryPending(mailbox: MailboxRef): Promise<number> {
      const rows = await query().findMany({
        where: { mailboxKind: mailbox.kind, mailboxId: mailbox.id, status: 'pending' },
        orderBy: { id: 'asc' },
        limit: 50,
      });

      let imported = 0;

      for (const row of rows) {
        if (await attempt(row)) {
          imported += 1;
        }
      }

      return imported;
    },

    /** Imports one failed message again at an administrator's request, whatever its attempt count. */
    async reprocess(id: number) {
      const row = await query().findOne({ where: { id } });

      if (!row) {
        return null;
      }

      if (row.status === 'imported') {
        return { status: 'imported', emailId: row.email?.id ?? null, alreadyImported: true };
      }

      const result = await attempt(row);
      const updated = await query().findOne({ where: { id }, select: ['id', 'status', 'attempts', 'error'] });
      return { ...updated, emailId: result?.emailId ?? null };
    },

    async findMany(where: Record<string, unknown> = {}) {
      return query().findMany({
        where,
        orderBy: { id: 'desc' },
        select: ['id', 'mailboxKind', 'mailboxId', 'folder', 'uidValidity', 'uid', 'messageId', 'subject', 'rawSize', 'error', 'attempts', 'lastAttemptAt', 'status', 'createdAt'],
        limit: 200,
      });
    },
  };
};

export default failedMessages;
