import type { AutomationHeaders } from '../parse/parse-message';

/**
 * Local parts of senders that are machines or ask for no replies: mailer daemons, postmasters
 * and no-reply addresses in their usual spellings, with or without a `+tag` or a suffix.
 */
const SYSTEM_LOCAL_PART = /^(mailer-daemon|postmaster|no[-_.]?reply|do[-_.]?not[-_.]?reply|bounces?)([-+._].*)?$/i;

/** Returns why an address must not receive an auto-reply, or null when it may. */
export function addressSkipReason(address: string | null | undefined, ownAddresses: Set<string>): string | null {
  const normalized = address?.trim().toLowerCase();

  if (!normalized) {
    return 'no-sender';
  }

  if (ownAddresses.has(normalized)) {
    return 'own-address';
  }

  if (SYSTEM_LOCAL_PART.test(normalized.split('@')[0])) {
    return 'system-sender';
  }

  return null;
}

/**
 * Returns why the headers of a message forbid an auto-reply, or null. The classifier already
 * keeps most such mail from normal. This second check also honours X-Auto-Response-Suppress,
 * which Microsoft clients set, and an empty Return-Path, the null sender of bounces (RFC 5321, 4.5.5).
 */
export function headerSkipReason(headers: AutomationHeaders | null | undefined): string | null {
  const autoSubmitted = headers?.autoSubmitted?.trim().toLowerCase();
  const precedence = headers?.precedence?.trim().toLowerCase();
  const suppress = headers?.xAutoResponseSuppress?.toLowerCase() ?? '';

  if (headers?.returnPath !== undefined && headers.returnPath.replace(/[<>\s]/g, '') === '') {
    return 'null-sender';
  }

  if ((autoSubmitted && autoSubmitted !== 'no') || ['bulk', 'list', 'junk', 'auto_reply'].includes(precedence ?? '')) {
    return 'automatic';
  }

  if (headers?.listId || headers?.listUnsubscribe) {
    return 'automatic';
  }

  if (/\b(all|autoreply|oof)\b/.test(suppress)) {
    return 'suppressed';
  }

  return null;
}
