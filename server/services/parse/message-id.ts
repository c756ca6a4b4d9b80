import { createHash } from 'crypto';

/** Longest Message-ID kept as it is; longer ones are shortened to fit a 255-character column. */
const MAX_STORED_LENGTH = 250;

/**
 * Normalises one Message-ID for storing and comparing: surrounding space and angle brackets go,
 * case stays (the local part is case-sensitive under RFC 5322). Returns null for an empty value.
 */
export function normalizeMessageId(value: unknown): string | null {
  if (typeof value !== 'string') {
    return null;
  }

  let id = value.trim();
  const bracketed = id.match(/<([^<>]*)>/);

  if (bracketed) {
    id = bracketed[1].trim();
  }

  id = id.replace(/\s+/g, '');

  if (id === '') {
    return null;
  }

  if (id.length > MAX_STORED_LENGTH) {
    const digest = createHash('sha256').update(id).digest('hex').slice(0, 32);
    id = `${id.slice(0, MAX_STORED_LENGTH - 33)}~${digest}`;
  }

  return id;
}

/**
 * Splits an In-Reply-To or References value into normalised Message-IDs, oldest first. Real
 * clients separate IDs with spaces, commas, or nothing at all (`<a@x><b@y>`), and mailparser
 * hands back one string or an array of them, so every form is read here.
 */
export function splitMessageIds(value: unknown): string[] {
  const parts = Array.isArray(value) ? value : [value];
  const ids: string[] = [];

  for (const part of parts) {
    if (typeof part !== 'string') {
      continue;
    }

    // Inside brackets only a comma separates IDs, because mailparser turns `a@x, b@y` into `<a@x,>`
    // and `<b@y>`, and a space inside brackets comes from folding. Without brackets, spaces separate IDs too.
    const bracketed = part.match(/<[^<>]*>/g);
    const tokens = bracketed
      ? bracketed.flatMap((token) => token.slice(1, -1).split(','))
      : part.split(/[\s,]+/);

    for (const token of tokens) {
      const id = normalizeMessageId(token);

      if (id && !ids.includes(id)) {
        ids.push(id);
      }
    }
  }

  return ids;
}
