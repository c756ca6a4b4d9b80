import type { MailboxKind } from '../../utils/plugin-id';
import type { EmailAddress } from '../parse/parse-message';
import { SendError } from './send-error';

/** Recipients of one message over To, Cc and Bcc together. */
export const MAX_RECIPIENTS = 50;

const MAX_SUBJECT_LENGTH = 998;
const MAX_BODY_LENGTH = 2 * 1024 * 1024;

/** A practical address check: one @, no spaces or angle brackets, and a dot in the domain. */
const ADDRESS = /^[^\s@<>"(),;:]+@[^\s@<>"(),;:]+\.[^\s@<>"(),;:]+$/;

export interface MailboxChoice {
  kind: MailboxKind;
  id: number;
}

export interface MessageInput {
  to?: unknown;
  cc?: unknown;
  bcc?: unknown;
  subject?: unknown;
  text?: unknown;
  html?: unknown;
  mailbox?: unknown;
  replyAll?: unknown;
  caseId?: unknown;
  emailId?: unknown;
}

function withoutLineBreaks(value: string) {
  return value.replace(/[\r\n]+/g, ' ').trim();
}

/** Reads a list of recipients given as strings or `{ address, name }` objects. Returns null when the field is absent. */
export function readAddressList(value: unknown, field: string): EmailAddress[] | null {
  if (value === undefined || value === null) {
    return null;
  }

  const items = Array.isArray(value) ? value : [value];

  return items.map((item) => {
    const address = typeof item === 'string' ? item : (item as { address?: unknown })?.address;
    const name = typeof item === 'object' && item ? (item as { name?: unknown }).name : undefined;

    if (typeof address !== 'string' || !ADDRESS.test(address.trim())) {
      throw new SendError(400, `Invalid address in "${field}": ${JSON.stringify(address ?? item)}. Use "user@example.org" or { "address": "user@example.org", "name": "..." }.`);
    }

    return { address: address.trim().toLowerCase(), name: typeof name === 'string' ? withoutLineBreaks(name) : '' };
  });
}

export function assertRecipientCount(to: EmailAddress[], cc: EmailAddress[], bcc: EmailAddress[]) {
  if (!to.length) {
    throw new SendError(400, 'The message has no recipient: give at least one address in "to".');
  }

  if (to.length + cc.length + bcc.length > MAX_RECIPIENTS) {
    throw new SendError(400, `Too many recipients: at most ${MAX_RECIPIENTS} over "to", "cc" and "bcc" together.`);
  }
}

export function readSubject(value: unknown): string {
  if (value !== undefined && value !== null && typeof value !== 'string') {
    throw new SendError(400, 'Invalid "subject": expected a string.');
  }

  const subject = withoutLineBreaks(value ?? '');

  if (subject.length > MAX_SUBJECT_LENGTH) {
    throw new SendError(400, `Invalid "subject": longer than ${MAX_SUBJECT_LENGTH} characters.`);
  }

  return subject;
}

/** Reads the plain-text body, which is required, and the optional HTML body. */
export function readBody(input: MessageInput): { text: string; html: string | null } {
  if (typeof input.text !== 'string' || input.text.trim() === '') {
    throw new SendError(400, 'Missing "text": every message needs a plain-text body.');
  }

  if (input.html !== undefined && input.html !== null && typeof input.html !== 'string') {
    throw new SendError(400, 'Invalid "html": expected a string.');
  }

  const html = typeof input.html === 'string' && input.html.trim() !== '' ? input.html : null;

  if (input.text.length > MAX_BODY_LENGTH || (html?.length ?? 0) > MAX_BODY_LENGTH) {
    throw new SendError(400, `The body is too long: at most ${MAX_BODY_LENGTH} characters each for "text" and "html".`);
  }

  return { text: input.text, html };
}

/** Reads `{ kind: 'group' | 'personal', id }`. Returns null when the field is absent. */
export function readMailboxChoice(value: unknown): MailboxChoice | null {
  if (value === undefined || value === null) {
    return null;
  }

  const { kind, id } = value as { kind?: unknown; id?: unknown };

  if ((kind !== 'group' && kind !== 'personal') || !Number.isInteger(Number(id)) || Number(id) <= 0) {
    throw new SendError(400, 'Invalid "mailbox": expected { "kind": "group" | "personal", "id": <mailbox id> }.');
  }

  return { kind, id: Number(id) };
}

/** Reads an optional positive integer id such as `caseId`. */
export function readOptionalId(value: unknown, field: string): number | null {
  if (value === undefined || value === null) {
    return null;
  }

  const id = Number(value);

  if (!Number.isInteger(id) || id <= 0) {
    throw new SendError(400, `Invalid "${field}": expected a positive integer id.`);
  }

  return id;
}
