import type { AutomationHeaders, EmailAddress } from '../parse/parse-message';

export type MessageClass = 'normal' | 'auto-reply' | 'bounce' | 'list' | 'own';

/** The parts of a message that classification reads; a ClassifiableMessage or a stored email provides them. */
export interface ClassifiableMessage {
  messageId: string | null;
  subject: string;
  from: EmailAddress | null;
  automationHeaders: AutomationHeaders;
}

export interface ClassifyContext {
  /** Addresses of the site's group mailboxes, which the plugin sends from, in lower case. */
  ownAddresses: Set<string>;
  /** True for a Message-ID that the plugin itself signed. */
  isOwnMessageId: (messageId: string | null) => boolean;
}

/** Subject prefixes of out-of-office and other automatic replies, compared in lower case. */
const AUTO_REPLY_SUBJECTS = [
  'auto:',
  'automatic reply',
  'autoreply',
  'auto-reply',
  'auto reply',
  'out of office',
  'out of the office',
  'balasan otomatis',
  'sedang di luar kantor',
  'abwesenheitsnotiz',
  'automatische antwort',
  'réponse automatique',
  'respuesta automática',
  'risposta automatica',
];

const BOUNCE_SUBJECTS = ['undeliverable', 'undelivered mail', 'delivery status notification (failure)', 'mail delivery failed', 'returned mail', 'delivery failure', 'failure notice'];

const SYSTEM_SENDER = /^(mailer-daemon|postmaster)@/i;

function lower(value: string | undefined) {
  return (value ?? '').trim().toLowerCase();
}

function isBounce(parsed: ClassifiableMessage) {
  const headers = parsed.automationHeaders;
  const sender = parsed.from?.address ?? '';
  const subject = lower(parsed.subject);

  if (lower(headers.contentType) === 'multipart/report' && lower(headers.reportType) === 'delivery-status') {
    return true;
  }

  if (headers.xFailedRecipients) {
    return true;
  }

  return SYSTEM_SENDER.test(sender) && BOUNCE_SUBJECTS.some((prefix) => subject.includes(prefix));
}

function isAutoReply(parsed: ClassifiableMessage) {
  const headers = parsed.automationHeaders;
  const autoSubmitted = lower(headers.autoSubmitted);
  const subject = lower(parsed.subject).replace(/^(re|aw|fw|fwd|balas):\s*/i, '');

  // RFC 3834: any Auto-Submitted value other than "no" marks machine-generated mail.
  if (autoSubmitted && autoSubmitted !== 'no') {
    return true;
  }

  if (headers.xAutoreply || headers.xAutorespond || lower(headers.precedence) === 'auto_reply') {
    return true;
  }

  // Disposition notifications (read receipts, RFC 8098) and abuse reports (RFC 5965) are automatic too.
  if (lower(headers.contentType) === 'multipart/report' && ['disposition-notification', 'feedback-report'].includes(lower(headers.reportType))) {
    return true;
  }

  return AUTO_REPLY_SUBJECTS.some((prefix) => subject.startsWith(prefix));
}

function isList(parsed: ClassifiableMessage) {
  const headers = parsed.automationHeaders;
  return Boolean(headers.listId || headers.listUnsubscribe || ['bulk', 'list', 'junk'].includes(lower(headers.precedence)));
}

/**
 * Classifies an incoming message before anything acts on it, because only normal mail may open a
 * case or receive an auto-reply. The checks run from the most to the least specific: the plugin's
 * own mail coming back, bounces (DSN, RFC 3464), automatic replies (RFC 3834 and vendor headers),
 * then list and bulk mail.
 */
export function classifyMessage(parsed: ClassifiableMessage, context: ClassifyContext): MessageClass {
  const sender = parsed.from?.address ?? '';
  const loopAddress = lower(parsed.automationHeaders.xLoop);

  if (context.isOwnMessageId(parsed.messageId)) {
    return 'own';
  }

  if (sender && context.ownAddresses.has(sender)) {
    return 'own';
  }

  if (loopAddress && context.ownAddresses.has(loopAddress)) {
    return 'own';
  }

  if (isBounce(parsed)) {
    return 'bounce';
  }

  if (isAutoReply(parsed)) {
    return 'auto-reply';
  }

  if (isList(parsed)) {
    return 'list';
  }

  return 'normal';
}
