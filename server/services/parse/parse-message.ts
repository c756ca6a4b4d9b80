import { createHash } from 'crypto';
import { simpleParser, type AddressObject, type Attachment, type HeaderValue } from 'mailparser';

import { extractDsn, type DsnReport } from './dsn';
import { repairHeaderCharsets } from './header-charset';
import { normalizeMessageId, splitMessageIds } from './message-id';
import { safeFilename } from './safe-filename';
import { sanitizeEmailHtml } from './sanitize-html';

export interface EmailAddress {
  address: string;
  name: string;
}

export interface ParsedAttachment {
  filename: string;
  originalFilename: string | null;
  contentType: string;
  size: number;
  content: Buffer;
  contentId: string | null;
  inline: boolean;
  checksum: string;
}

/** Headers that tell automatic mail apart from a person's; kept for classification. */
export interface AutomationHeaders {
  autoSubmitted?: string;
  precedence?: string;
  listId?: string;
  listUnsubscribe?: string;
  xAutoResponseSuppress?: string;
  xLoop?: string;
  returnPath?: string;
  contentType?: string;
  reportType?: string;
  xAutoreply?: string;
  xAutorespond?: string;
  xFailedRecipients?: string;
  feedbackId?: string;
}

export interface ParsedEmail {
  messageId: string | null;
  subject: string;
  from: EmailAddress | null;
  to: EmailAddress[];
  cc: EmailAddress[];
  bcc: EmailAddress[];
  replyTo: EmailAddress[];
  date: Date | null;
  inReplyTo: string | null;
  references: string[];
  text: string;
  html: string | null;
  hasRemoteContent: boolean;
  attachments: ParsedAttachment[];
  automationHeaders: AutomationHeaders;
  /** Hash of sender, date, subject, bodies and attachments, equal for one message fetched from two mailboxes. */
  contentHash: string;
  /** Delivery status notification read from a bounce, or null for other mail. */
  dsn: DsnReport | null;
}

/** Bytes of HTML that mailparser still converts to text; larger bodies keep only their HTML. */
const MAX_HTML_TO_TEXT = 2 * 1024 * 1024;

function flattenAddresses(value: AddressObject | AddressObject[] | undefined): EmailAddress[] {
  let objects: AddressObject[] = [];

  if (Array.isArray(value)) {
    objects = value;
  } else if (value) {
    objects = [value];
  }
  const addresses: EmailAddress[] = [];

  for (const object of objects) {
    for (const entry of object.value ?? []) {
      const members = entry.group ?? [entry];

      for (const member of members) {
        if (member.address) {
          addresses.push({ address: member.address.trim().toLowerCase(), name: (member.name ?? '').trim() });
        }
      }
    }
  }

  return addresses;
}

function headerText(value: HeaderValue | undefined): string | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }

  if (typeof value === 'string') {
    return value;
  }

  if (Array.isArray(value)) {
    return value.map((item) => headerText(item as HeaderValue)).join(', ');
  }

  if (value instanceof Date) {
    return value.toISOString();
  }

  const structured = value as { value?: unknown; text?: string; params?: Record<string, string> };

  if (typeof structured.text === 'string') {
    return structured.text;
  }

  return typeof structured.value === 'string' ? structured.value : JSON.stringify(value);
}

/**
 * Returns one List-* header as text. mailparser 3.14 folds every List-* header into a single
 * `list` entry such as `{ id: { id, name }, unsubscribe: { url, mail } }`, so `list-id` is never set.
 */
function listHeaderText(headers: Map<string, HeaderValue>, key: 'id' | 'unsubscribe'): string | undefined {
  const list = headers.get('list') as unknown as Record<string, Record<string, string | undefined> | undefined> | undefined;
  const entry = list?.[key];
  return entry ? entry.id ?? entry.url ?? entry.mail ?? entry.name : undefined;
}

function readAutomationHeaders(headers: Map<string, HeaderValue>): AutomationHeaders {
  const contentType = headers.get('content-type') as { value?: string; params?: Record<string, string> } | undefined;

  const result: AutomationHeaders = {
    autoSubmitted: headerText(headers.get('auto-submitted')),
    precedence: headerText(headers.get('precedence')),
    listId: headerText(headers.get('list-id')) ?? listHeaderText(headers, 'id'),
    listUnsubscribe: headerText(headers.get('list-unsubscribe')) ?? listHeaderText(headers, 'unsubscribe'),
    xAutoResponseSuppress: headerText(headers.get('x-auto-response-suppress')),
    xLoop: headerText(headers.get('x-loop')),
    returnPath: headerText(headers.get('return-path')),
    contentType: contentType?.value,
    reportType: contentType?.params?.['report-type'],
    xAutoreply: headerText(headers.get('x-autoreply')),
    xAutorespond: headerText(headers.get('x-autorespond')),
    xFailedRecipients: headerText(headers.get('x-failed-recipients')),
    feedbackId: headerText(headers.get('feedback-id')),
  };

  for (const key of Object.keys(result) as (keyof AutomationHeaders)[]) {
    if (result[key] === undefined) {
      delete result[key];
    }
  }

  return result;
}

function toAttachment(attachment: Attachment, index: number): ParsedAttachment {
  const contentType = (attachment.contentType || 'application/octet-stream').toLowerCase();
  const contentId = normalizeMessageId(attachment.contentId ?? attachment.cid ?? null);

  return {
    filename: safeFilename(attachment.filename, contentType, index),
    originalFilename: attachment.filename ?? null,
    contentType,
    size: attachment.size ?? attachment.content.length,
    content: attachment.content,
    contentId,
    inline: attachment.contentDisposition === 'inline' || Boolean(attachment.related && contentId),
    checksum: createHash('sha256').update(attachment.content).digest('hex'),
  };
}

function computeContentHash(parts: {
  from: EmailAddress | null;
  date: Date | null;
  subject: string;
  text: string;
  html: string | null;
  attachments: ParsedAttachment[];
}) {
  const hash = createHash('sha256');

  hash.update(JSON.stringify([
    parts.from?.address ?? '',
    parts.date ? parts.date.toISOString() : '',
    parts.subject,
    parts.text,
    parts.html ?? '',
    parts.attachments.map((attachment) => attachment.checksum).sort(),
  ]));

  return hash.digest('hex');
}

/**
 * Parses one raw RFC 5322 message. Decoding is tolerant (mailparser with iconv-lite handles the
 * legacy charsets and broken encoded words), so this throws only for input it cannot read at all.
 */
export async function parseMessage(source: Buffer): Promise<ParsedEmail> {
  const parsed = await simpleParser(repairHeaderCharsets(source), {
    keepCidLinks: true,
    skipImageLinks: true,
    skipTextToHtml: true,
    maxHtmlLengthToParse: MAX_HTML_TO_TEXT,
  });

  const from = flattenAddresses(parsed.from)[0] ?? null;
  const date = parsed.date instanceof Date && !Number.isNaN(parsed.date.getTime()) ? parsed.date : null;
  const subject = (parsed.subject ?? '').replace(/\u0000/g, '');
  const text = (parsed.text ?? '').replace(/\u0000/g, '');
  const attachments = (parsed.attachments ?? []).map(toAttachment);

  const rawHtml = typeof parsed.html === 'string' && parsed.html.trim() !== '' ? parsed.html.replace(/\u0000/g, '') : null;
  const sanitized = rawHtml ? sanitizeEmailHtml(rawHtml) : null;

  const references = splitMessageIds(parsed.references);
  const inReplyTo = splitMessageIds(parsed.inReplyTo)[0] ?? null;

  const automationHeaders = readAutomationHeaders(parsed.headers);
  const dsn = await extractDsn(source, { ...automationHeaders, fromAddress: from?.address ?? null, text, attachments });

  return {
    messageId: normalizeMessageId(parsed.messageId),
    subject,
    from,
    to: flattenAddresses(parsed.to),
    cc: flattenAddresses(parsed.cc),
    bcc: flattenAddresses(parsed.bcc),
    replyTo: flattenAddresses(parsed.replyTo),
    date,
    inReplyTo,
    references,
    text,
    html: sanitized ? sanitized.html : null,
    hasRemoteContent: sanitized?.hasRemoteContent ?? false,
    attachments,
    automationHeaders,
    contentHash: computeContentHash({ from, date, subject, text, html: rawHtml, attachments }),
    dsn,
  };
}
