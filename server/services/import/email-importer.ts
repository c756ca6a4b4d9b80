import type { Core } from '@strapi/strapi';
import { createHash } from 'crypto';

import { UIDS } from '../../utils/plugin-id';
import { EMAIL_KEY_TABLE } from '../../utils/support-tables';
import type { MailboxRef } from '../mailbox/types';
import { parseMessage, type ParsedEmail } from '../parse/parse-message';
import type { StoredAttachment } from './attachment-store';

export interface ImportSource {
  mailbox: MailboxRef;
  folder: string;
  uidValidity: string;
  uid: number;
  source: Buffer;
  internalDate?: Date | null;
  /** The IMAP message was larger than the limit, so `source` contains only its headers. */
  headersOnly?: boolean;
  size?: number;
}

export type ImportStatus = 'imported' | 'linked' | 'duplicate';

export interface ImportResult {
  status: ImportStatus;
  emailId: number;
  parsed?: ParsedEmail;
}

/** How long an import waits for a concurrent import of the same message to finish, in milliseconds. */
const CLAIM_WAIT_MS = 10_000;
const CLAIM_POLL_MS = 100;

const HEADERS_ONLY_NOTICE = 'This message was larger than the size limit, so only its headers were archived. It is still in the mailbox on the mail server.';

/** Removes NUL characters from every string in a value; PostgreSQL rejects them in text columns. */
function stripNul<T>(value: T): T {
  if (typeof value === 'string') {
    return value.replace(/\u0000/g, '') as T;
  }

  if (Array.isArray(value)) {
    return value.map((item) => stripNul(item)) as T;
  }

  if (value && typeof value === 'object' && !(value instanceof Date) && !Buffer.isBuffer(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, stripNul(item)])) as T;
  }

  return value;
}

function dedupeKeyOf(parsed: ParsedEmail) {
  return createHash('sha256').update(`${parsed.messageId ?? ''}\n${parsed.contentHash}`).digest('hex');
}

/**
 * Imports one fetched message. A message is keyed on (mailbox, folder, UIDVALIDITY, UID), so a
 * second fetch of the same copy does nothing. Across mailboxes and UIDVALIDITY changes the same
 * message is recognised by Message-ID plus a content hash, stored once and linked to every mailbox
 * that received it. A sender that reuses one Message-ID for different messages loses nothing,
 * because the content hash differs.
 */
const emailImporter = ({ strapi }: { strapi: Core.Strapi }) => {
  const keys = () => strapi.db.connection(EMAIL_KEY_TABLE);
  const attachmentStore = () => strapi.plugin('inbox').service('attachmentStore');

  async function findLocation(input: ImportSource) {
    return strapi.db.query(UIDS.imapMessage).findOne({
      where: {
        mailboxKind: input.mailbox.kind,
        mailboxId: input.mailbox.id,
        folder: input.folder,
        uidValidity: input.uidValidity,
        uid: input.uid,
      },
      populate: ['email'],
    });
  }

  async function linkToMailbox(emailId: number, input: ImportSource) {
    const relation = input.mailbox.kind === 'group' ? 'groupMailboxes' : 'personalMailboxes';

    await strapi.db.query(UIDS.email).update({
      where: { id: emailId },
      data: { [relation]: { connect: [{ id: input.mailbox.id }] } },
    });

    await recordLocation(emailId, input);
  }

  /** Stores the IMAP copy (mailbox, folder, UIDVALIDITY, UID) that the email came from. */
  async function recordLocation(emailId: number, input: ImportSource) {
    await strapi.db.query(UIDS.imapMessage).create({
      data: {
        mailboxKind: input.mailbox.kind,
        mailboxId: input.mailbox.id,
        folder: input.folder,
        uidValidity: input.uidValidity,
        uid: input.uid,
        email: emailId,
      },
    });
  }

  /** Claims a dedupe key; returns the id of the email that already has it, or null once this import owns it. */
  async function claimKey(dedupeKey: string): Promise<number | null> {
    try {
      await keys().insert({ dedupe_key: dedupeKey, email_id: null, claimed_at: Date.now() });
      return null;
    } catch (insertError) {
      const deadline = Date.now() + CLAIM_WAIT_MS;

      while (Date.now() < deadline) {
        const row = await keys().where({ dedupe_key: dedupeKey }).first();

        if (!row) {
          throw insertError;
        }

        if (row.email_id) {
          return Number(row.email_id);
        }

        await new Promise((resolve) => setTimeout(resolve, CLAIM_POLL_MS));
      }

      throw new Error('Another import of the same message did not finish within 10 seconds; it will be retried.');
    }
  }

  async function createEmail(parsed: ParsedEmail, input: ImportSource, dedupeKey: string, stored: StoredAttachment[]) {
    const relation = input.mailbox.kind === 'group' ? 'groupMailboxes' : 'personalMailboxes';
    const fileIds = stored.filter((item) => item.fileId).map((item) => item.fileId as number);

    return strapi.db.query(UIDS.email).create({
      data: stripNul({
        messageId: parsed.messageId,
        subject: parsed.subject,
        fromAddress: parsed.from?.address ?? null,
        fromName: parsed.from?.name || null,
        to: parsed.to,
        cc: parsed.cc,
        bcc: parsed.bcc,
        replyTo: parsed.replyTo,
        sentAt: parsed.date ?? input.internalDate ?? null,
        receivedAt: input.internalDate ?? new Date(),
        inReplyTo: parsed.inReplyTo,
        references: parsed.references,
        textBody: input.headersOnly ? HEADERS_ONLY_NOTICE : parsed.text,
        htmlBody: input.headersOnly ? null : parsed.html,
        hasRemoteContent: parsed.hasRemoteContent,
        headersOnly: Boolean(input.headersOnly),
        size: input.size ?? input.source.length,
        direction: 'incoming',
        status: 'archived',
        classification: 'normal',
        autoHeaders: parsed.dsn ? { ...parsed.automationHeaders, dsn: parsed.dsn } : parsed.automationHeaders,
        attachments: stored,
        files: fileIds,
        contentHash: parsed.contentHash,
        dedupeKey,
        [relation]: [input.mailbox.id],
      }),
    });
  }

  return {
    /** Parses a raw message without storing it; exposed so a caller can check input first. */
    parse(source: Buffer) {
      return parseMessage(source);
    },

    async importMessage(input: ImportSource): Promise<ImportResult> {
      const location = await findLocation(input);

      if (location?.email) {
        return { status: 'duplicate', emailId: location.email.id };
      }

      const parsed = await this.parse(input.source);
      const dedupeKey = dedupeKeyOf(parsed);

      const existing = await strapi.db.query(UIDS.email).findOne({ where: { dedupeKey }, select: ['id'] });
      const existingId = existing?.id ?? (await claimKey(dedupeKey));

      if (existingId) {
        await linkToMailbox(existingId, input);
        return { status: 'linked', emailId: existingId, parsed };
      }

      const stored: StoredAttachment[] = [];

      try {
        for (const attachment of input.headersOnly ? [] : parsed.attachments) {
          stored.push(await attachmentStore().store(attachment));
        }

        const email = await createEmail(parsed, input, dedupeKey, stored);
        await keys().where({ dedupe_key: dedupeKey }).update({ email_id: email.id });

        await recordLocation(email.id, input);

        return { status: 'imported', emailId: email.id, parsed };
      } catch (error) {
        await attachmentStore().remove(stored);
        await keys().where({ dedupe_key: dedupeKey, email_id: null }).delete();
        throw error;
      }
    },
  };
};

export default emailImporter;
