import type { Core } from '@strapi/strapi';

import { UIDS, type MailboxKind } from '../../utils/plugin-id';
import type { MailboxRecord } from '../mailbox/types';
import { composeMessage, type ComposedMessage, type OutgoingFields } from './compose-message';
import { appendToSentFolder } from './sent-folder';
import { createSmtpTransport, describeSmtpFailure, type SmtpFailure } from './smtp-transport';

/**
 * How long an attempt may keep an email in `sending` before a retry run treats it as interrupted
 * (the instance stopped mid-send), in milliseconds. It is well above the SMTP timeouts.
 */
export const SENDING_TIMEOUT_MS = 10 * 60_000;

const EMAIL_POPULATE = {
  groupMailboxes: { select: ['id'] },
  personalMailboxes: { select: ['id'] },
  case: { select: ['id'] },
};

function mailboxRefOf(row: Record<string, any>): { kind: MailboxKind; id: number } | null {
  if (row.groupMailboxes?.length) {
    return { kind: 'group', id: row.groupMailboxes[0].id };
  }

  if (row.personalMailboxes?.length) {
    return { kind: 'personal', id: row.personalMailboxes[0].id };
  }

  return null;
}

/** Each retry waits this many times longer than the one before. */
const BACKOFF_FACTOR = 4;

/**
 * Returns when the next automatic attempt is due after `attempts` attempts, or null when the
 * failure is permanent or no attempts are left.
 */
export function nextAttemptAt(strapi: Core.Strapi, attempts: number, failure: SmtpFailure, now = Date.now()): Date | null {
  const config = (key: string) => strapi.plugin('inbox').config(key) as number;

  if (failure.permanent || attempts >= config('sendMaxAttempts')) {
    return null;
  }

  return new Date(now + config('sendRetryBaseSeconds') * 1000 * BACKOFF_FACTOR ** (attempts - 1));
}

async function sendWithSmtp(strapi: Core.Strapi, mailbox: MailboxRecord, composed: ComposedMessage) {
  const smtp = mailbox.smtp!;
  const password = smtp.auth && smtp.password ? strapi.plugin('inbox').service('secrets').decrypt(smtp.password) : null;
  const transport = createSmtpTransport(smtp, password, strapi.plugin('inbox').config('connectionTimeoutMs') as number);

  try {
    return await transport.sendMail({ envelope: composed.envelope, raw: composed.raw });
  } finally {
    transport.close();
  }
}

type SendOutcome = { failure: SmtpFailure } | { composed: ComposedMessage; rejected: string[] };

/** Builds the message of a stored email and hands it to the mailbox's SMTP server once. */
async function sendOnce(strapi: Core.Strapi, mailbox: MailboxRecord | null, row: Record<string, any>): Promise<SendOutcome> {
  if (!mailbox) {
    return { failure: { permanent: true, message: 'The mailbox this email was sent from no longer exists.' } };
  }

  if (!mailbox.smtpEnabled || !mailbox.smtp?.host) {
    return { failure: { permanent: true, message: `Mailbox "${mailbox.name}" has no SMTP settings. Turn on SMTP, enter its server, then send again.` } };
  }

  try {
    const composed = await composeMessage(row as OutgoingFields);
    const info = await sendWithSmtp(strapi, mailbox, composed);
    const rejected = (info.rejected ?? []).map((entry) => (typeof entry === 'string' ? entry : entry.address));
    return { composed, rejected };
  } catch (error) {
    return { failure: describeSmtpFailure(error) };
  }
}

/**
 * Makes one delivery attempt of a stored outgoing email whose attempt the caller has already
 * counted and marked `sending`. Records the outcome on the email: `sent` with the time, or
 * `failed` with the reason and the time of the next automatic attempt. Returns the updated row.
 */
export async function attemptDelivery(strapi: Core.Strapi, emailId: number): Promise<Record<string, any>> {
  const query = strapi.db.query(UIDS.email);
  const row = await query.findOne({ where: { id: emailId }, populate: EMAIL_POPULATE });

  if (!row) {
    throw new Error(`Outgoing email ${emailId} not found.`);
  }

  const ref = mailboxRefOf(row);
  const mailbox: MailboxRecord | null = ref ? await strapi.plugin('inbox').service('mailboxes').findRaw(ref.kind, ref.id) : null;
  const logContext = { emailId, caseId: row.case?.id ?? null, mailbox: mailbox?.name ?? null, mailboxKind: ref?.kind ?? null, mailboxId: ref?.id ?? null, attempt: row.sendAttempts };
  const outcome = await sendOnce(strapi, mailbox, row);

  if ('failure' in outcome) {
    const nextSendAt = nextAttemptAt(strapi, row.sendAttempts, outcome.failure);
    const details = { ...logContext, nextSendAt, error: outcome.failure.message };

    if (nextSendAt) {
      strapi.log.warn('[inbox] Sending an email failed; it will be retried.', details);
    } else {
      strapi.log.error('[inbox] Sending an email failed, and no automatic attempt is left.', details);
    }

    return query.update({ where: { id: emailId }, data: { status: 'failed', sendError: outcome.failure.message, nextSendAt } });
  }

  const sendError = outcome.rejected.length ? `The SMTP server accepted the message but rejected these recipients: ${outcome.rejected.join(', ')}.` : null;
  const sent = await query.update({ where: { id: emailId }, data: { status: 'sent', sentAt: new Date(), sendError, nextSendAt: null } });
  strapi.log.info('[inbox] Email sent.', { ...logContext, messageId: row.messageId, rejected: outcome.rejected.length });

  await appendToSentFolder(strapi, mailbox!, outcome.composed.raw);
  return sent;
}

/**
 * Marks an email as taken for one attempt, counting the attempt. The update matches the status and
 * attempt count that were read, so of two instances that race for the same email only one wins.
 */
export async function claimAttempt(strapi: Core.Strapi, row: { id: number; status: string; sendAttempts: number | null }, now = Date.now()): Promise<boolean> {
  const attempts = row.sendAttempts ?? 0;
  const result = await strapi.db.query(UIDS.email).updateMany({
    where: { id: row.id, status: row.status, sendAttempts: attempts },
    data: { status: 'sending', sendAttempts: attempts + 1, nextSendAt: new Date(now + SENDING_TIMEOUT_MS) },
  });

  return result.count === 1;
}
