import nodemailer from 'nodemailer';

import type { SmtpSettings } from '../mailbox/types';

export interface SmtpFailure {
  /** One sentence for the email's `sendError`, with the server's reply where there was one. */
  message: string;
  /** The server refused for good (a 5xx reply), so an automatic retry would fail the same way. */
  permanent: boolean;
}

/**
 * Creates a nodemailer SMTP transport for a mailbox. `ssl` uses implicit TLS, `starttls` requires
 * the upgrade, and `none` never attempts it.
 */
export function createSmtpTransport(settings: SmtpSettings, password: string | null, timeoutMs: number) {
  const security = settings.security ?? 'starttls';

  return nodemailer.createTransport({
    host: settings.host ?? undefined,
    port: settings.port || (security === 'ssl' ? 465 : 587),
    secure: security === 'ssl',
    requireTLS: security === 'starttls',
    ignoreTLS: security === 'none',
    auth: settings.auth && settings.username ? { user: settings.username, pass: password ?? '' } : undefined,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs * 2,
    logger: false,
  });
}

/** Describes a failed SMTP send in one sentence: what failed, the server's reply, and what to do. */
export function describeSmtpFailure(error: unknown): SmtpFailure {
  const err = error as { code?: string; responseCode?: number; response?: string; message?: string };
  const reply = err.response?.trim();
  const permanent = typeof err.responseCode === 'number' && err.responseCode >= 500 && err.responseCode < 600;
  const detail = reply || err.message || String(error);

  switch (err.code) {
    case 'EAUTH':
      return { permanent, message: `SMTP authentication failed: the server rejected the username or password. Check them in the mailbox's SMTP settings. Server reply: ${detail}` };
    case 'EENVELOPE':
      return { permanent, message: `The SMTP server rejected the sender or the recipients. Server reply: ${detail}` };
    case 'EMESSAGE':
      return { permanent, message: `The SMTP server rejected the message. Server reply: ${detail}` };
    case 'ECONNECTION':
    case 'ESOCKET':
    case 'EDNS':
      return { permanent: false, message: `Connection to the SMTP server failed; check the host, port and security setting. (${detail})` };
    case 'ETIMEDOUT':
      return { permanent: false, message: `The SMTP server did not respond in time; check the host, port and security setting. (${detail})` };
    case 'ETLS':
      return { permanent: false, message: `TLS with the SMTP server failed; check the security setting and the server's certificate. (${detail})` };
    default:
      return { permanent, message: reply ? `The SMTP server rejected the message. Server reply: ${reply}` : `Sending failed: ${detail}` };
  }
}
