/// <reference types="node" />

/** IMAP login of a local address, used to append delivered mail to its INBOX. */
export interface RelayLogin {
  user: string;
  password: string;
}

export interface StartSmtpRelayOptions {
  /** Dovecot server that accepted messages are delivered into. */
  imap: { host?: string; port: number };
  /** Local addresses (any case) and their IMAP logins. More can be added with addLogin(). */
  logins?: Record<string, RelayLogin>;
  /** SMTP AUTH usernames and passwords. Without it, AUTH is optional and any login is accepted. */
  users?: Record<string, string> | null;
  /**
   * Accept mail for unknown addresses and send the sender a delivery status notification
   * (RFC 3464, Action: failed, Status: 5.1.1). Without it, RCPT TO is rejected with 550 5.1.1.
   */
  bounceUnknown?: boolean;
  /** TCP port on 127.0.0.1; a free one when omitted. */
  port?: number;
}

/** One message that reached the DATA stage, as the client sent it. */
export interface RelayedMessage {
  mailFrom: string;
  rcptTo: string[];
  raw: Buffer;
  /** The SMTP reply that rejected the message, or null when it was accepted. */
  rejected: string | null;
}

/** One copy appended to a local mailbox, with the Return-Path line the relay added. */
export interface RelayDelivery {
  address: string;
  raw: Buffer;
}

export interface SmtpRelay {
  host: '127.0.0.1';
  port: number;
  received: RelayedMessage[];
  deliveries: RelayDelivery[];
  addLogin(address: string, login: RelayLogin): void;
  /** Rejects the next `count` messages (all of them when omitted) after DATA with this reply. */
  rejectMessages(reply: { code: number; message: string; count?: number }): void;
  /** Ends a rejection set by rejectMessages(). */
  acceptMessages(): void;
  stop(): Promise<void>;
}

/**
 * Starts an SMTP server on 127.0.0.1 without TLS that delivers every accepted message into the
 * recipient's Dovecot INBOX before it replies to the DATA command, so a message is in the mailbox
 * once the client's send resolves.
 */
export function startSmtpRelay(options: StartSmtpRelayOptions): Promise<SmtpRelay>;
