import type { Core } from '@strapi/strapi';

import { UIDS, type MailboxKind } from '../../utils/plugin-id';
import type { MailboxRecord } from '../mailbox/types';
import type { AutomationHeaders, EmailAddress } from '../parse/parse-message';
import { sanitizeEmailHtml } from '../parse/sanitize-html';
import { SENDING_TIMEOUT_MS } from './delivery';
import { domainOf, withCaseToken } from './reply-fields';

/** Everything an outgoing email is stored from, before it gets its Message-ID and case token. */
export interface OutgoingDraft {
  mailboxKind: MailboxKind;
  mailbox: MailboxRecord;
  caseRow: { id: number; number: number } | null;
  to: EmailAddress[];
  cc: EmailAddress[];
  bcc: EmailAddress[];
  replyTo: EmailAddress[];
  subject: string;
  text: string;
  html: string | null;
  inReplyTo: string | null;
  references: string[];
  /** `auto-reply` for the plugin's own automatic replies, which the rate limits count. */
  classification: 'normal' | 'auto-reply';
  /** Automation headers besides X-Loop, such as Auto-Submitted for an auto-reply. */
  headers?: AutomationHeaders;
  userId: number | null;
}

function senderName(mailbox: MailboxRecord) {
  return mailbox.smtp?.fromName?.trim() || mailbox.name;
}

/**
 * Stores an outgoing email in `sending` state with the attempt already counted: a signed
 * Message-ID that names the case, the case token in the subject, X-Loop set to the mailbox
 * address, and links to the sending mailbox and the user. Storing first means a crash before the
 * SMTP reply leaves a row that the retry job picks up.
 *
 * NOTE: HTML is sanitised like incoming mail before it is stored and sent, so remote images in
 * an agent's HTML are held back (`data-remote-src`) and do not reach the recipient.
 */
export async function storeOutgoingEmail(strapi: Core.Strapi, draft: OutgoingDraft) {
  const signatures = strapi.plugin('inbox').service('signatures');
  const address = draft.mailbox.emailAddress.toLowerCase();
  const messageId: string = signatures.createMessageId(draft.caseRow?.id ?? null, domainOf(address));

  const subject = draft.caseRow ? withCaseToken(draft.subject, draft.caseRow.number, signatures.subjectToken(draft.caseRow.number)) : draft.subject;
  const sanitized = draft.html ? sanitizeEmailHtml(draft.html) : null;
  const relation = draft.mailboxKind === 'group' ? 'groupMailboxes' : 'personalMailboxes';

  return strapi.db.query(UIDS.email).create({
    data: {
      messageId,
      subject,
      fromAddress: address,
      fromName: senderName(draft.mailbox),
      to: draft.to,
      cc: draft.cc,
      bcc: draft.bcc,
      replyTo: draft.replyTo,
      inReplyTo: draft.inReplyTo,
      references: draft.references,
      textBody: draft.text,
      htmlBody: sanitized?.html ?? null,
      hasRemoteContent: sanitized?.hasRemoteContent ?? false,
      direction: 'outgoing',
      status: 'sending',
      classification: draft.classification,
      autoHeaders: { ...draft.headers, xLoop: address },
      attachments: [],
      sendAttempts: 1,
      nextSendAt: new Date(Date.now() + SENDING_TIMEOUT_MS),
      sentByUser: draft.userId,
      [relation]: [draft.mailbox.id],
    },
  });
}
