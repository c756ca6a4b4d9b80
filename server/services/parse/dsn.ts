import { simpleParser } from 'mailparser';

import { normalizeMessageId } from './message-id';

/** One recipient of a delivery status notification. */
export interface DsnRecipient {
  address: string;
  /** `failed`, `delayed`, `delivered`, `relayed` or `expanded` (RFC 3464, section 2.3.3). */
  action: string | null;
  /** Enhanced status code such as `5.1.1` (RFC 3463). */
  status: string | null;
  diagnosticCode: string | null;
  remoteMta: string | null;
}

/** Contents of a DSN: the recipients and the Message-ID and Subject of the returned message. */
export interface DsnReport {
  reportingMta: string | null;
  recipients: DsnRecipient[];
  originalMessageId: string | null;
  originalSubject: string | null;
}

/** The parts of a parsed message that a DSN is read from. */
export interface DsnSource {
  fromAddress: string | null;
  text: string;
  contentType?: string;
  reportType?: string;
  xFailedRecipients?: string;
  attachments: { contentType: string; content: Buffer }[];
}

const MAX_RECIPIENTS = 100;
const MAX_DIAGNOSTIC_LENGTH = 1000;

const STATUS_TYPES = ['message/delivery-status', 'message/global-delivery-status'];
const RETURNED_MESSAGE_TYPES = ['message/rfc822', 'message/global', 'text/rfc822-headers', 'message/global-headers'];
const SYSTEM_SENDER = /^(mailer-daemon|postmaster)@/i;

/** Splits a header-like block into lower-case field names and unfolded values. */
function readFields(block: string): Map<string, string> {
  const fields = new Map<string, string>();
  const unfolded = block.replace(/\r?\n[ \t]+/g, ' ');

  for (const line of unfolded.split(/\r?\n/)) {
    const match = line.match(/^([A-Za-z0-9-]+):\s*(.*)$/);

    if (match && !fields.has(match[1].toLowerCase())) {
      fields.set(match[1].toLowerCase(), match[2].trim());
    }
  }

  return fields;
}

/** Removes the type prefix of a typed field such as `rfc822; user@example.org` or `smtp; 550 ...`. */
function withoutType(value: string | undefined): string | null {
  if (!value) {
    return null;
  }

  const separator = value.indexOf(';');
  const text = separator === -1 ? value : value.slice(separator + 1);
  return text.trim() || null;
}

function cleanAddress(value: string | null): string | null {
  const address = value?.replace(/^<|>$/g, '').trim().toLowerCase();
  return address || null;
}

/**
 * Reads a message/delivery-status body (RFC 3464): a per-message block, then one block per
 * recipient, separated by empty lines.
 */
export function parseDeliveryStatus(body: string): { reportingMta: string | null; recipients: DsnRecipient[] } {
  const blocks = body.split(/\r?\n[ \t]*\r?\n/).filter((block) => block.trim() !== '');
  const perMessage = readFields(blocks[0] ?? '');
  const recipients: DsnRecipient[] = [];

  for (const block of blocks.slice(1, MAX_RECIPIENTS + 1)) {
    const fields = readFields(block);
    const address = cleanAddress(withoutType(fields.get('final-recipient') ?? fields.get('original-recipient')));

    if (!address) {
      continue;
    }

    recipients.push({
      address,
      action: fields.get('action')?.toLowerCase() ?? null,
      status: fields.get('status')?.match(/\d\.\d{1,3}\.\d{1,3}/)?.[0] ?? null,
      diagnosticCode: withoutType(fields.get('diagnostic-code'))?.slice(0, MAX_DIAGNOSTIC_LENGTH) ?? null,
      remoteMta: withoutType(fields.get('remote-mta')),
    });
  }

  return { reportingMta: withoutType(perMessage.get('reporting-mta')), recipients };
}

/**
 * Reads the Message-ID and the decoded Subject from the header block of a returned message or
 * headers part. Only the header block is parsed, so a large returned body costs nothing here.
 */
async function readReturnedHeaders(part: Buffer): Promise<{ messageId: string | null; subject: string | null }> {
  const text = part.toString('latin1');
  const headerEnd = text.search(/\r?\n\r?\n/);
  const headers = headerEnd === -1 ? part : part.subarray(0, headerEnd);
  const parsed = await simpleParser(Buffer.concat([headers, Buffer.from('\r\n\r\n')]), { skipHtmlToText: true, skipTextToHtml: true });

  return { messageId: normalizeMessageId(parsed.messageId ?? null), subject: parsed.subject ?? null };
}

/** Finds a Message-ID in a bounce's text, which often quotes the returned headers, indented or not. */
function readQuotedMessageId(text: string): string | null {
  const quoted = text.match(/^[ \t>]*Message-ID:\s*(<[^<>\s]+>)/im);
  return normalizeMessageId(quoted?.[1] ?? null);
}

/** Returns true when the message may be a bounce, so reading a DSN from it is worth the cost. */
function mayBeBounce(source: DsnSource) {
  const isStatusReport = source.contentType?.toLowerCase() === 'multipart/report' && source.reportType?.toLowerCase() === 'delivery-status';
  return isStatusReport || Boolean(source.xFailedRecipients) || SYSTEM_SENDER.test(source.fromAddress ?? '');
}

/**
 * Reads a DSN from a bounce: recipients with action and status from the message/delivery-status
 * part, else from X-Failed-Recipients, and the returned message's Message-ID. Returns null for a
 * message that is no bounce.
 *
 * mailparser 3.14 merges a message/delivery-status part into `text` unless `keepDeliveryStatus` is
 * set. The main parse keeps that default, so the stored text stays as the reader sees it, and this
 * function parses a report a second time with the option on.
 */
export async function extractDsn(raw: Buffer, source: DsnSource): Promise<DsnReport | null> {
  if (!mayBeBounce(source)) {
    return null;
  }

  let attachments = source.attachments;

  if (source.contentType?.toLowerCase() === 'multipart/report') {
    const reparsed = await simpleParser(raw, { keepDeliveryStatus: true, skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true });
    attachments = reparsed.attachments.map((item) => ({ contentType: (item.contentType || '').toLowerCase(), content: item.content }));
  }

  const statusPart = attachments.find((item) => STATUS_TYPES.includes(item.contentType));
  const status = statusPart ? parseDeliveryStatus(statusPart.content.toString('utf8')) : { reportingMta: null, recipients: [] };

  if (!status.recipients.length && source.xFailedRecipients) {
    for (const address of source.xFailedRecipients.split(/[\s,]+/).slice(0, MAX_RECIPIENTS)) {
      const cleaned = cleanAddress(address);

      if (cleaned) {
        status.recipients.push({ address: cleaned, action: 'failed', status: null, diagnosticCode: null, remoteMta: null });
      }
    }
  }

  const returnedPart = attachments.find((item) => RETURNED_MESSAGE_TYPES.includes(item.contentType));
  const returned = returnedPart ? await readReturnedHeaders(returnedPart.content) : { messageId: null, subject: null };

  if (!returned.messageId) {
    returned.messageId = readQuotedMessageId(source.text);
  }

  if (!status.recipients.length && !returned.messageId) {
    return null;
  }

  return {
    reportingMta: status.reportingMta,
    recipients: status.recipients,
    originalMessageId: returned.messageId,
    originalSubject: returned.subject,
  };
}
