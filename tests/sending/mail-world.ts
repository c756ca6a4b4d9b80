import type { Core } from '@strapi/strapi';
import { ImapFlow } from 'imapflow';
import { simpleParser, type ParsedMail } from 'mailparser';
import nodemailer from 'nodemailer';

import type { DovecotServer } from '../../scripts/lib/dovecot';
import type { SmtpRelay } from '../../scripts/lib/smtp-relay';
import { createGroupMailbox, PASSWORD } from '../helpers/inbox';

export interface MailLogin {
  address: string;
  host: string;
  port: number;
  user: string;
  password: string;
}

let userCounter = 0;

/** Adds a Dovecot login for an outside address (a customer or a robot) and registers it with the relay for delivery. */
export async function addMailUser(dovecot: DovecotServer, relay: SmtpRelay, localPart: string, domain = 'example.org'): Promise<MailLogin> {
  userCounter += 1;
  const user = `${localPart}${userCounter}`;
  const address = `${user}@${domain}`;

  await dovecot.addUser(user, PASSWORD);
  relay.addLogin(address, { user, password: PASSWORD });
  return { address, host: dovecot.host, port: dovecot.port, user, password: PASSWORD };
}

/** Creates a group mailbox that reads its Dovecot login and sends through the relay. */
export async function createSendingMailbox(strapi: Core.Strapi, dovecot: DovecotServer, relay: SmtpRelay, overrides: Record<string, any> = {}) {
  const { smtp: smtpOverrides, ...rest } = overrides;
  const created = await createGroupMailbox(strapi, dovecot, {
    smtpEnabled: true,
    shared: true,
    smtp: { host: relay.host, port: relay.port, security: 'none', auth: false, fromName: 'Support desk', ...smtpOverrides },
    ...rest,
  });

  relay.addLogin(created.mailbox.emailAddress, { user: created.username, password: PASSWORD });
  return created;
}

/** Sends a message as an outside user through the relay, the way their mail client would. */
export async function sendAs(relay: SmtpRelay, from: string, message: nodemailer.SendMailOptions) {
  const transport = nodemailer.createTransport({ host: relay.host, port: relay.port, secure: false, ignoreTLS: true });

  try {
    return await transport.sendMail({ from, ...message });
  } finally {
    transport.close();
  }
}

/** Reads and parses every message of a folder in UID order. */
export async function readMailbox(login: { host: string; port: number; user: string; password: string }, folder = 'INBOX'): Promise<ParsedMail[]> {
  const client = new ImapFlow({ host: login.host, port: login.port, secure: false, auth: { user: login.user, pass: login.password }, logger: false });
  client.on('error', () => undefined);
  await client.connect();

  try {
    const lock = await client.getMailboxLock(folder, { readOnly: true });

    try {
      if (!client.mailbox || client.mailbox.exists === 0) {
        return [];
      }

      const fetched = await client.fetchAll('1:*', { uid: true, source: true });
      const sorted = fetched.sort((a, b) => a.uid - b.uid);
      return Promise.all(sorted.map((message) => simpleParser(message.source!)));
    } finally {
      lock.release();
    }
  } finally {
    await client.logout().catch(() => client.close());
  }
}

/** Returns the bare Message-ID of a parsed message, without angle brackets. */
export function bareId(value: string | undefined | null): string {
  return (value ?? '').replace(/^<|>$/g, '');
}

/** Returns the value of a header of a parsed message as text. */
export function headerOf(message: ParsedMail, name: string): string {
  const value = message.headers.get(name.toLowerCase());

  if (value === undefined || value === null) {
    return '';
  }

  return typeof value === 'string' ? value : ((value as { text?: string; value?: string }).text ?? (value as { value?: string }).value ?? String(value));
}
