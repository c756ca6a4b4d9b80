import type { Core } from '@strapi/strapi';
import { ImapFlow } from 'imapflow';

import type { ImapSettings } from '../mailbox/types';

export interface ImapConnectionOptions {
  settings: ImapSettings;
  password: string;
  timeoutMs: number;
  /** Mailbox name and kind added to every log line of this connection. */
  logContext: Record<string, unknown>;
  /** Lets imapflow enter IDLE whenever the connection is quiet; only the IDLE watcher wants it. */
  autoIdle?: boolean;
}

/**
 * Adapts imapflow's logger to Strapi's: only warnings and errors pass, with the mailbox named,
 * because imapflow's own default writes every protocol line to stdout.
 */
function createLogger(strapi: Core.Strapi, logContext: Record<string, unknown>) {
  const ignore = () => undefined;

  return {
    debug: ignore,
    info: ignore,
    warn: (entry: Record<string, unknown>) => strapi.log.warn(`[inbox] IMAP warning: ${entry.msg ?? ''}`, logContext),
    error: (entry: Record<string, unknown>) => strapi.log.error(`[inbox] IMAP error: ${entry.msg ?? ''}`, { ...logContext, error: entry.err }),
  };
}

/** Opens an authenticated IMAP connection; the caller must `logout()` it. */
export async function openImapConnection(strapi: Core.Strapi, options: ImapConnectionOptions): Promise<ImapFlow> {
  const { settings, password, timeoutMs, logContext } = options;

  // STARTTLS is required for "starttls", refused for "none", and irrelevant for implicit TLS.
  let doSTARTTLS: boolean | undefined;

  if (settings.security === 'starttls') {
    doSTARTTLS = true;
  } else if (settings.security === 'none') {
    doSTARTTLS = false;
  }

  const client = new ImapFlow({
    host: settings.host,
    port: settings.port || (settings.security === 'ssl' ? 993 : 143),
    secure: settings.security === 'ssl',
    doSTARTTLS,
    auth: { user: settings.username, pass: password },
    logger: createLogger(strapi, logContext) as any,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: Math.max(timeoutMs * 4, 5 * 60_000),
    disableAutoIdle: !options.autoIdle,
    // imapflow waits 15 s of quiet before IDLE by default (2.x); the watcher has nothing else to do.
    autoIdleDelay: options.autoIdle ? 500 : undefined,
  });

  // imapflow emits socket errors as events; without a listener they would crash the process.
  client.on('error', (error: Error) => {
    strapi.log.warn('[inbox] IMAP connection error.', { ...logContext, error: describeImapError(error) });
  });

  await client.connect();
  return client;
}

/** Closes a connection without letting a second failure hide the first one. */
export async function closeImapConnection(client: ImapFlow | null | undefined) {
  if (!client) {
    return;
  }

  try {
    await client.logout();
  } catch {
    client.close();
  }
}

/**
 * Describes an IMAP or socket failure in one sentence: what failed and what to do about it.
 */
export function describeImapError(error: unknown, context: { folder?: string } = {}): string {
  const err = error as { code?: string; authenticationFailed?: boolean; mailboxMissing?: boolean; path?: string; message?: string; responseText?: string };
  const detail = err.responseText || err.message || String(error);

  if (err.authenticationFailed) {
    return `Authentication failed: the IMAP server rejected the username or password. Check them in the mailbox settings. (${detail})`;
  }

  if (err.mailboxMissing) {
    return `Folder "${err.path ?? context.folder}" not found on the IMAP server. Pick an existing folder in the mailbox settings.`;
  }

  switch (err.code) {
    case 'ECONNREFUSED':
      return `Connection refused: nothing accepts IMAP connections on that host and port. Check the host, port and security setting. (${detail})`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `Host not found: the IMAP host name does not resolve. Check the host setting. (${detail})`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `Host unreachable: the network cannot reach the IMAP server. (${detail})`;
    case 'CONNECT_TIMEOUT':
    case 'GREETING_TIMEOUT':
    case 'UPGRADE_TIMEOUT':
    case 'ETIMEOUT':
    case 'ETIMEDOUT':
      return `Connection timed out: the IMAP server did not answer in time. Check the host, port and security setting. (${detail})`;
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'CERT_HAS_EXPIRED':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `Certificate rejected: the IMAP server's TLS certificate is not trusted (${err.code}). Use the server's proper host name or fix its certificate.`;
    default:
      return detail;
  }
}
