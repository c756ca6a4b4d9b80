/// <reference types="node" />

/** A login that startDovecot() writes to the server's passwd-file. */
export interface DovecotUser {
  /** Letters, digits and . _ @ + - only. Dovecot compares it case-insensitively. */
  username: string;
  password: string;
}

export interface StartDovecotOptions {
  users?: DovecotUser[];
  /** TCP port on 127.0.0.1. When omitted, a free port is chosen. */
  port?: number;
}

/** A running Dovecot master process and its temp folder. */
export interface DovecotServer {
  host: '127.0.0.1';
  port: number;
  /** Temp folder with the config, log, passwd-file and maildirs, removed by stop(). */
  dir: string;
  /** Process id of the Dovecot master. */
  pid: number;
  /**
   * Adds a login to the running server. Resolves after the next wall-clock second starts, because
   * Dovecot checks the passwd-file for changes at most once per second.
   */
  addUser(username: string, password: string): Promise<void>;
  /**
   * Sets a folder's UIDVALIDITY with doveadm (works for INBOX too). Without a value, uses the
   * current UIDVALIDITY plus one. Resolves with the new value.
   */
  setUidValidity(username: string, folder: string, uidValidity?: number): Promise<number>;
  /** Stops the master (SIGTERM, then SIGKILL after 10 s), waits for it to exit and removes dir. Safe to call twice. */
  stop(): Promise<void>;
}

/** Connection settings for an IMAP login, without TLS unless secure is true. */
export interface ImapConnectionOptions {
  /** Defaults to 127.0.0.1. */
  host?: string;
  port: number;
  user: string;
  password: string;
  /** Use implicit TLS. Defaults to false. */
  secure?: boolean;
}

export interface AppendMessagesOptions extends ImapConnectionOptions {
  /** Defaults to INBOX. Created when missing. */
  folder?: string;
  /** Raw RFC 5322 messages. */
  messages: Buffer[];
  /** IMAP flags set on every appended message, for example ['\\Seen']. */
  flags?: string[];
}

export interface RecreateFolderOptions extends ImapConnectionOptions {
  /** Any folder except INBOX, which IMAP cannot delete. */
  folder: string;
  messages?: Buffer[];
  flags?: string[];
}

export interface ListMessagesOptions extends ImapConnectionOptions {
  /** Defaults to INBOX. */
  folder?: string;
}

export type FolderStatusOptions = ListMessagesOptions;

export interface AppendResult {
  /** The folder's UIDVALIDITY after the append, or null if the server reported none. */
  uidValidity: number | null;
  /** UID of each appended message in order, or null for a message that got no APPENDUID. */
  uids: Array<number | null>;
}

export interface ListedMessage {
  uid: number;
  /** Flags as the server returns them, for example ['\\Seen', '\\Recent']. */
  flags: string[];
  /** Decoded Subject header, or null when the message has none. */
  subject: string | null;
  /** Message-ID header with its angle brackets, or null when the message has none. */
  messageId: string | null;
}

export interface FolderStatus {
  uidValidity: number | null;
  uidNext: number | null;
  messages: number | null;
}

/** Returns the path of the dovecot binary (PATH, then /usr/sbin, /usr/local/sbin, /sbin), or null. */
export function findDovecot(): string | null;

/**
 * Returns the dovecot binary path. When Dovecot is missing, runs apt-get install -y dovecot-imapd
 * (with apt-get update if the package is unknown) if allowInstall is true, the process is root and
 * apt-get exists. Otherwise rejects with an Error whose message names the fix:
 * sudo apt-get install dovecot-imapd.
 */
export function ensureDovecotInstalled(options?: { allowInstall?: boolean }): Promise<string>;

/**
 * Starts Dovecot on 127.0.0.1 in a new temp folder and resolves once it sends its IMAP greeting.
 * Rejects after 10 s, or as soon as Dovecot exits, with the tail of its log in the message.
 * A server not stopped by the caller is stopped when Node emits 'exit'.
 */
export function startDovecot(options?: StartDovecotOptions): Promise<DovecotServer>;

/** Appends messages to a folder, creating it when missing. */
export function appendMessages(options: AppendMessagesOptions): Promise<AppendResult>;

/** Deletes a folder (when it exists) and creates it again with the messages, so it gets a new UIDVALIDITY. */
export function recreateFolder(options: RecreateFolderOptions): Promise<AppendResult>;

/** Lists the messages of a folder in UID order. */
export function listMessages(options: ListMessagesOptions): Promise<ListedMessage[]>;

/** Returns a folder's UIDVALIDITY, UIDNEXT and message count (IMAP STATUS). */
export function getFolderStatus(options: FolderStatusOptions): Promise<FolderStatus>;
