import type { EmailAddress } from '../parse/parse-message';

/** Reply prefixes that mail clients add, in the languages the plugin ships templates for and a few more. */
const REPLY_PREFIX = /^\s*(re|aw|sv|antw|balas|ref)\s*:/i;

/** Any case token, signed or not, such as `[#12]` or `[#12-1a2b3c4d]`. */
const CASE_TOKEN = /\s*\[#(\d{1,9})(?:-[0-9a-f]{8})?\]/gi;

/** Prefixes `Re: ` unless the subject already starts with a reply prefix. */
export function replySubject(subject: string | null | undefined): string {
  const text = (subject ?? '').trim();
  return REPLY_PREFIX.test(text) ? text : `Re: ${text}`.trim();
}

/**
 * Appends the case token to a subject unless the subject already contains it. Tokens for the same
 * case number that are unsigned or carry another signature are removed first.
 */
export function withCaseToken(subject: string, caseNumber: number, token: string): string {
  if (subject.includes(token)) {
    return subject;
  }

  const cleaned = subject.replace(CASE_TOKEN, (match, number: string) => (Number(number) === caseNumber ? '' : match)).trim();
  return cleaned ? `${cleaned} ${token}` : token;
}

/** Builds the References of a reply: the parent's whole chain followed by the parent's Message-ID (RFC 5322, section 3.6.4). */
export function referencesFor(parent: { messageId?: string | null; references?: string[] | null; inReplyTo?: string | null }): string[] {
  let chain: string[] = [];

  if (parent.references?.length) {
    chain = [...parent.references];
  } else if (parent.inReplyTo) {
    chain = [parent.inReplyTo];
  }

  if (parent.messageId) {
    chain.push(parent.messageId);
  }

  return [...new Set(chain)];
}

/** Removes duplicate addresses (compared in lower case) and those in `exclude`. */
export function uniqueAddresses(addresses: EmailAddress[], exclude: Set<string> = new Set()): EmailAddress[] {
  const seen = new Set(exclude);
  const result: EmailAddress[] = [];

  for (const entry of addresses) {
    const address = entry.address.toLowerCase();

    if (!seen.has(address)) {
      seen.add(address);
      result.push({ address, name: entry.name ?? '' });
    }
  }

  return result;
}

/**
 * Chooses who a reply goes to. A reply to an incoming parent goes to its Reply-To, else its
 * sender. A follow-up to a parent that the plugin sent goes to that parent's recipients. `replyAll` adds the parent's
 * other To and Cc addresses. The plugin's own addresses never receive a reply.
 */
export function replyRecipients(
  parent: { direction?: string; fromAddress?: string | null; fromName?: string | null; replyTo?: EmailAddress[] | null; to?: EmailAddress[] | null; cc?: EmailAddress[] | null },
  ownAddresses: Set<string>,
  replyAll: boolean,
): { to: EmailAddress[]; cc: EmailAddress[] } {
  let primary: EmailAddress[];

  if (parent.direction === 'outgoing') {
    primary = parent.to ?? [];
  } else if (parent.replyTo?.length) {
    primary = parent.replyTo;
  } else {
    primary = parent.fromAddress ? [{ address: parent.fromAddress, name: parent.fromName ?? '' }] : [];
  }

  const to = uniqueAddresses(primary, ownAddresses);

  if (!replyAll) {
    return { to, cc: [] };
  }

  const excluded = new Set([...ownAddresses, ...to.map((entry) => entry.address)]);
  const others = parent.direction === 'outgoing' ? parent.cc ?? [] : [...(parent.to ?? []), ...(parent.cc ?? [])];
  return { to, cc: uniqueAddresses(others, excluded) };
}

/** Returns the domain of an address, for the right-hand side of a Message-ID. */
export function domainOf(address: string): string {
  const domain = address.split('@')[1]?.trim().toLowerCase();

  if (!domain) {
    throw new Error(`Invalid mailbox address "${address}": it has no domain to build a Message-ID with.`);
  }

  return domain;
}
