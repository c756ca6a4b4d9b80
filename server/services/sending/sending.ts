import type { Core } from '@strapi/strapi';

import { UIDS } from '../../utils/plugin-id';
import type { EmailAddress } from '../parse/parse-message';
import { attemptDelivery, claimAttempt } from './delivery';
import { storeOutgoingEmail, type OutgoingDraft } from './outgoing-email';
import { loadOwnAddresses } from './own-addresses';
import { referencesFor, replyRecipients, replySubject } from './reply-fields';
import { SendError } from './send-error';
import {
  assertRecipientCount,
  readAddressList,
  readBody,
  readMailboxChoice,
  readOptionalId,
  readSubject,
  type MailboxChoice,
  type MessageInput,
} from './send-input';

/** Outgoing emails retried per run of the retry job. */
const RETRY_BATCH = 20;

const PARENT_POPULATE = {
  groupMailboxes: { select: ['id'] },
  personalMailboxes: { select: ['id'], populate: { owner: { select: ['id'] } } },
  case: { select: ['id'] },
};

type CaseRow = { id: number; number: number; title?: string | null; customerAddress?: string | null; customerName?: string | null; groupMailbox?: { id: number; name: string; emailAddress: string } | null };

/**
 * Sends mail through a mailbox's SMTP server: new emails, replies to an email and replies on a
 * case for users, and the plugin's own auto-replies. Every message is stored before it is sent,
 * and a failed send stays stored as `failed` with the SMTP error until a retry succeeds.
 */
const sending = ({ strapi }: { strapi: Core.Strapi }) => {
  const service = (name: string) => strapi.plugin('inbox').service(name);

  async function queue(draft: OutgoingDraft) {
    const stored = await storeOutgoingEmail(strapi, draft);

    if (draft.caseRow) {
      await service('cases').attachEmail(draft.caseRow.id, stored.id, 'out');
    }

    return attemptDelivery(strapi, stored.id);
  }

  /** Sets Reply-To on mail of a case, so the customer replies to the case's group mailbox, not to the agent. */
  function caseReplyTo(caseRow: CaseRow | null): EmailAddress[] {
    const groupMailbox = caseRow?.groupMailbox;
    return groupMailbox ? [{ address: groupMailbox.emailAddress.toLowerCase(), name: groupMailbox.name }] : [];
  }

  async function readableCase(userId: number, caseId: number): Promise<CaseRow> {
    if (!(await service('caseAccess').canRead(userId, caseId))) {
      throw new SendError(404, `Case ${caseId} not found.`);
    }

    return service('cases').findById(caseId);
  }

  function defaultMailbox(userId: number, parent: Record<string, any> | null, caseRow: CaseRow | null): MailboxChoice {
    if (caseRow?.groupMailbox) {
      return { kind: 'group', id: caseRow.groupMailbox.id };
    }

    if (parent?.groupMailboxes?.length) {
      return { kind: 'group', id: parent.groupMailboxes[0].id };
    }

    const own = parent?.personalMailboxes?.find((mailbox: any) => mailbox.owner?.id === userId);

    if (own) {
      return { kind: 'personal', id: own.id };
    }

    throw new SendError(400, 'Choose a mailbox to send from: give "mailbox": { "kind": "group" | "personal", "id": <id> }.');
  }

  async function reply(userId: number, parent: Record<string, any> | null, caseRow: CaseRow | null, input: MessageInput) {
    const body = readBody(input);
    const choice = readMailboxChoice(input.mailbox) ?? defaultMailbox(userId, parent, caseRow);
    const mailbox = await service('sendPermissions').mailboxForUser(userId, choice.kind, choice.id);

    const fallback = caseRow?.customerAddress ? { to: [{ address: caseRow.customerAddress.toLowerCase(), name: caseRow.customerName ?? '' }], cc: [] } : { to: [], cc: [] };
    const recipients = parent ? replyRecipients(parent, await loadOwnAddresses(strapi), input.replyAll === true) : fallback;
    const to = readAddressList(input.to, 'to') ?? recipients.to;
    const cc = readAddressList(input.cc, 'cc') ?? recipients.cc;
    const bcc = readAddressList(input.bcc, 'bcc') ?? [];
    assertRecipientCount(to, cc, bcc);

    const subject = input.subject !== undefined ? readSubject(input.subject) : replySubject(parent?.subject ?? caseRow?.title);

    return queue({
      mailboxKind: choice.kind,
      mailbox,
      caseRow,
      to,
      cc,
      bcc,
      replyTo: caseReplyTo(caseRow),
      subject,
      ...body,
      inReplyTo: parent?.messageId ?? null,
      references: parent ? referencesFor(parent) : [],
      classification: 'normal',
      userId,
    });
  }

  return {
    /** Sends a new email; with `caseId` it goes on that case's stream like a reply on the case. */
    async sendNew(userId: number, input: MessageInput) {
      const choice = readMailboxChoice(input.mailbox);

      if (!choice) {
        throw new SendError(400, 'Missing "mailbox": give { "kind": "group" | "personal", "id": <id> } to send from.');
      }

      const to = readAddressList(input.to, 'to') ?? [];
      const cc = readAddressList(input.cc, 'cc') ?? [];
      const bcc = readAddressList(input.bcc, 'bcc') ?? [];
      assertRecipientCount(to, cc, bcc);

      const body = readBody(input);
      const subject = readSubject(input.subject);
      const caseId = readOptionalId(input.caseId, 'caseId');
      const caseRow = caseId ? await readableCase(userId, caseId) : null;
      const mailbox = await service('sendPermissions').mailboxForUser(userId, choice.kind, choice.id);

      return queue({
        mailboxKind: choice.kind,
        mailbox,
        caseRow,
        to,
        cc,
        bcc,
        replyTo: caseReplyTo(caseRow),
        subject,
        ...body,
        inReplyTo: null,
        references: [],
        classification: 'normal',
        userId,
      });
    },

    /** Replies to an email the user may read; when the email is on a case, the reply goes on that case. */
    async replyToEmail(userId: number, emailId: number, input: MessageInput) {
      if (!(await service('emailAccess').canRead(userId, emailId))) {
        throw new SendError(404, `Email ${emailId} not found.`);
      }

      const parent = await strapi.db.query(UIDS.email).findOne({ where: { id: emailId }, populate: PARENT_POPULATE });
      const caseRow = parent.case ? await service('cases').findById(parent.case.id) : null;
      return reply(userId, parent, caseRow, input);
    },

    /** Replies on a case, to the email named by `emailId` or else to the case's latest incoming email. */
    async replyToCase(userId: number, caseId: number, input: MessageInput) {
      const caseRow = await readableCase(userId, caseId);
      const emailId = readOptionalId(input.emailId, 'emailId');

      const parent = await strapi.db.query(UIDS.email).findOne({
        where: emailId ? { id: emailId, case: { id: caseId } } : { case: { id: caseId }, direction: 'incoming' },
        populate: PARENT_POPULATE,
        orderBy: { id: 'desc' },
      });

      if (emailId && !parent) {
        throw new SendError(404, `Email ${emailId} not found on case ${caseId}.`);
      }

      return reply(userId, parent, caseRow, input);
    },

    /** Stores and sends a message that the plugin writes itself, such as an auto-reply; no user permission applies. */
    async sendAutomatic(draft: OutgoingDraft) {
      return queue(draft);
    },

    /** Sends a failed email again at once, for a user who may read it and send through its mailbox. */
    async resend(userId: number, emailId: number) {
      if (!(await service('emailAccess').canRead(userId, emailId))) {
        throw new SendError(404, `Email ${emailId} not found.`);
      }

      const row = await strapi.db.query(UIDS.email).findOne({ where: { id: emailId }, populate: PARENT_POPULATE });

      if (row.direction !== 'outgoing' || row.status !== 'failed') {
        throw new SendError(400, `Email ${emailId} is not a failed outgoing email, so there is nothing to send again.`);
      }

      const choice = row.groupMailboxes?.length ? { kind: 'group' as const, id: row.groupMailboxes[0].id } : { kind: 'personal' as const, id: row.personalMailboxes?.[0]?.id };
      await service('sendPermissions').mailboxForUser(userId, choice.kind, choice.id);

      if (!(await claimAttempt(strapi, row))) {
        throw new SendError(400, `Email ${emailId} is already being sent.`);
      }

      return attemptDelivery(strapi, emailId);
    },

    /**
     * Retries the outgoing emails whose next attempt is due, and those left in `sending` by an
     * instance that stopped mid-send. Returns how many were attempted and sent.
     */
    async retryDue(now = new Date()): Promise<{ attempted: number; sent: number }> {
      const maxAttempts = strapi.plugin('inbox').config('sendMaxAttempts') as number;
      const due = await strapi.db.query(UIDS.email).findMany({
        where: { direction: 'outgoing', status: { $in: ['failed', 'sending'] }, nextSendAt: { $lte: now } },
        select: ['id', 'status', 'sendAttempts'],
        orderBy: { nextSendAt: 'asc' },
        limit: RETRY_BATCH,
      });

      let attempted = 0;
      let sent = 0;

      for (const row of due) {
        if (row.sendAttempts >= maxAttempts) {
          // Only an interrupted last attempt lands here: a failed last attempt has no next time.
          await strapi.db.query(UIDS.email).updateMany({
            where: { id: row.id, status: row.status, sendAttempts: row.sendAttempts },
            data: { status: 'failed', nextSendAt: null, sendError: `Sending was interrupted on attempt ${row.sendAttempts} of ${maxAttempts}, and no automatic attempts are left. Send it again by hand.` },
          });
          continue;
        }

        if (!(await claimAttempt(strapi, row, now.getTime()))) {
          continue;
        }

        const result = await attemptDelivery(strapi, row.id);
        attempted += 1;
        sent += result.status === 'sent' ? 1 : 0;
      }

      return { attempted, sent };
    },
  };
};

export default sending;
