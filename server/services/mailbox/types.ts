import type { MailboxKind } from '../../utils/plugin-id';

export type Security = 'ssl' | 'starttls' | 'none';

export interface ImapSettings {
  host: string;
  port: number;
  security: Security;
  username: string;
  /** Encrypted at rest; plain text only inside a running fetch. */
  password?: string | null;
  monitoredFolders?: string[] | null;
  sentFolder?: string | null;
  fetchSince?: string | null;
  keepUnread?: boolean;
  batchSize?: number | null;
  idle?: boolean;
}

export interface SmtpSettings {
  host?: string | null;
  port?: number | null;
  security?: Security;
  auth?: boolean;
  username?: string | null;
  password?: string | null;
  fromName?: string | null;
}

/** A group or personal mailbox row as the fetcher needs it, password still encrypted. */
export interface MailboxRecord {
  id: number;
  documentId: string;
  name: string;
  emailAddress: string;
  active: boolean;
  imap?: ImapSettings | null;
  smtp?: SmtpSettings | null;
  [key: string]: unknown;
}

export interface MailboxRef {
  kind: MailboxKind;
  id: number;
}

export function mailboxKey(ref: MailboxRef) {
  return `${ref.kind}:${ref.id}`;
}
