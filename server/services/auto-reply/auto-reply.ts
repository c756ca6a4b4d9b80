import type { Core } from '@strapi/strapi';
import { randomUUID } from 'crypto';

import { UIDS } from '../../utils/plugin-id';
import type { MessageClass } from '../classify/classify-message';
import type { MailboxRecord } from '../mailbox/types';
import { loadOwnAddresses } from '../sending/own-addresses';
import { referencesFor } from '../sending/reply-fields';
import { addressSkipReason, headerSkipReason } from './eligibility';
import { exceededLimit, type AutoReplyLimits } from './rate-limits';
import { renderAutoReply } from './templates';

export interface IncomingContext {
  email: Record<string, any>;
  classification: MessageClass;
  mailbox: MailboxRecord & Record<string, any>;
  caseRow: Record<string, any> | null;
  caseOpened: boolean;
}

export interface AutoReplyOutcome {
  sent: boolean;
  reason: string;
}

/** How long one address stays locked while its limit is checked and the reply stored, in milliseconds. */
const ADDRESS_LOCK_MS = 60_000;
const ADDRESS_LOCK_WAIT_MS = 10_000;
const ADDRESS_LOCK_POLL_MS = 100;

/** An address that bounced within this many days gets no auto-reply. */
const FLAGGED_DAYS = 7;

/** Headers of every auto-reply (RFC 3834, section 5, and Microsoft's X-Auto-Response-Suppress). */
const AUTO_REPLY_HEADERS = { autoSubmitted: 'auto-replied', xAutoResponseSuppress: 'All', precedence: 'auto_reply' };

/**
 * Sends a group mailbox's auto-reply to incoming mail. Only normal mail that opened a case gets
 * one, or every normal message where email-to-case is off. Machines, the plugin's own addresses,
 * bounced addresses and senders over the rate limits get nothing, so two auto-responders cannot
 * keep mailing each other.
 */
const autoReply = ({ strapi }: { strapi: Core.Strapi }) => {
  const service = (name: string) => strapi.plugin('inbox').service(name);

  async function isFlagged(address: string) {
    const since = new Date(Date.now() - FLAGGED_DAYS * 24 * 60 * 60_000);
    return (await strapi.db.query(UIDS.flaggedAddress).count({ where: { address, lastBouncedAt: { $gte: since } } })) > 0;
  }

  async function alreadyAnswered(messageId: string | null) {
    if (!messageId) {
      return false;
    }

    return (await strapi.db.query(UIDS.email).count({ where: { direction: 'outgoing', classification: 'auto-reply', inReplyTo: messageId } })) > 0;
  }

  /** Returns why the message gets no auto-reply, or the address to send it to. */
  async function decide({ email, classification, mailbox, caseOpened }: IncomingContext): Promise<{ skip: string } | { recipient: string }> {
    if (!mailbox.autoReplyEnabled) {
      return { skip: 'disabled' };
    }

    if (email.direction !== 'incoming') {
      return { skip: 'not-incoming' };
    }

    if (classification !== 'normal') {
      return { skip: `classified-${classification}` };
    }

    if (mailbox.caseEnabled && !caseOpened) {
      return { skip: 'no-new-case' };
    }

    const headerReason = headerSkipReason(email.autoHeaders);

    if (headerReason) {
      return { skip: headerReason };
    }

    const recipient: string | null = email.replyTo?.[0]?.address ?? email.fromAddress ?? null;
    const ownAddresses = await loadOwnAddresses(strapi);
    const addressReason = addressSkipReason(email.fromAddress, ownAddresses) ?? addressSkipReason(recipient, ownAddresses);

    if (addressReason) {
      return { skip: addressReason };
    }

    if (!mailbox.smtpEnabled || !mailbox.smtp?.host) {
      strapi.log.warn('[inbox] Auto-reply is on but the mailbox has no SMTP settings, so none was sent.', { mailbox: mailbox.name, mailboxId: mailbox.id, emailId: email.id });
      return { skip: 'no-smtp' };
    }

    if (await isFlagged(recipient!.toLowerCase())) {
      return { skip: 'flagged-address' };
    }

    if (await alreadyAnswered(email.messageId)) {
      return { skip: 'already-answered' };
    }

    return { recipient: recipient!.toLowerCase() };
  }

  /** Holds a per-address lease while the limit is checked and the reply stored, so two instances cannot both pass the limit. */
  async function withAddressLock<T>(address: string, action: () => Promise<T>): Promise<T | null> {
    const name = `auto-reply:${address}`;
    const owner = randomUUID();
    const deadline = Date.now() + ADDRESS_LOCK_WAIT_MS;

    while (!(await service('lease').acquire(name, owner, ADDRESS_LOCK_MS))) {
      if (Date.now() > deadline) {
        return null;
      }

      await new Promise((resolve) => setTimeout(resolve, ADDRESS_LOCK_POLL_MS));
    }

    try {
      return await action();
    } finally {
      await service('lease').release(name, owner);
    }
  }

  async function send(context: IncomingContext, recipient: string): Promise<AutoReplyOutcome> {
    const { email, mailbox, caseRow } = context;
    const limits = strapi.plugin('inbox').config('autoReplyLimits') as AutoReplyLimits;
    const exceeded = await exceededLimit(strapi, limits, recipient, caseRow?.id ?? null);

    if (exceeded) {
      strapi.log.warn('[inbox] Auto-reply withheld: rate limit reached.', { mailbox: mailbox.name, mailboxId: mailbox.id, caseId: caseRow?.id ?? null, emailId: email.id, limit: exceeded });
      return { sent: false, reason: exceeded };
    }

    const rendered = renderAutoReply(mailbox, {
      caseNumber: caseRow?.number ?? null,
      subject: email.subject,
      customerName: caseRow?.customerName ?? email.fromName,
    });

    const stored = await service('sending').sendAutomatic({
      mailboxKind: 'group',
      mailbox,
      caseRow: caseRow ? { id: caseRow.id, number: caseRow.number } : null,
      to: [{ address: recipient, name: email.fromName ?? '' }],
      cc: [],
      bcc: [],
      replyTo: [{ address: mailbox.emailAddress.toLowerCase(), name: mailbox.name }],
      subject: rendered.subject,
      text: rendered.text,
      html: null,
      inReplyTo: email.messageId ?? null,
      references: referencesFor(email),
      classification: 'auto-reply',
      headers: AUTO_REPLY_HEADERS,
      userId: null,
    });

    return stored.status === 'sent' ? { sent: true, reason: 'sent' } : { sent: false, reason: 'send-failed' };
  }

  return {
    /** Decides whether an incoming email gets the mailbox's auto-reply and sends it. */
    async onIncoming(context: IncomingContext): Promise<AutoReplyOutcome> {
      const logContext = { mailbox: context.mailbox.name, mailboxId: context.mailbox.id, caseId: context.caseRow?.id ?? null, emailId: context.email.id };
      const decision = await decide(context);

      if ('skip' in decision) {
        strapi.log.debug('[inbox] No auto-reply for this email.', { ...logContext, reason: decision.skip });
        return { sent: false, reason: decision.skip };
      }

      const outcome = await withAddressLock(decision.recipient, () => send(context, decision.recipient));

      if (!outcome) {
        strapi.log.warn('[inbox] Auto-reply withheld: another instance kept the address locked for 10 seconds.', logContext);
        return { sent: false, reason: 'address-locked' };
      }

      return outcome;
    },
  };
};

export default autoReply;
