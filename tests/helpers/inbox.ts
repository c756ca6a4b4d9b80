import type { Core } from '@strapi/strapi';

import type { DovecotServer } from '../../scripts/lib/dovecot';

export const PASSWORD = 'mail-password';

let mailboxCounter = 0;

/** Adds a Dovecot login and a group mailbox that reads it; returns both. */
export async function createGroupMailbox(strapi: Core.Strapi, dovecot: DovecotServer, overrides: Record<string, any> = {}) {
  mailboxCounter += 1;
  const username = overrides.username ?? `box${mailboxCounter}`;
  await dovecot.addUser(username, PASSWORD);

  const { imap: imapOverrides, username: _username, ...rest } = overrides;
  const mailbox = await strapi.plugin('inbox').service('mailboxes').create('group', {
    name: `Mailbox ${username}`,
    emailAddress: `${username}@example.com`,
    active: true,
    imap: {
      host: dovecot.host,
      port: dovecot.port,
      security: 'none',
      username,
      password: PASSWORD,
      monitoredFolders: ['INBOX'],
      ...imapOverrides,
    },
    ...rest,
  });

  const imapLogin = { host: dovecot.host, port: dovecot.port, user: username, password: PASSWORD };
  return { mailbox, username, imapLogin };
}

export function fetchGroup(strapi: Core.Strapi, id: number) {
  return strapi.plugin('inbox').service('mailboxFetcher').fetchMailbox({ kind: 'group', id }, 'manual');
}

export function countEmails(strapi: Core.Strapi, groupMailboxId: number) {
  return strapi.db.query('plugin::inbox.email').count({ where: { groupMailboxes: { id: groupMailboxId } } });
}

/** Polls until `check` returns a truthy value or the timeout passes. */
export async function waitFor<T>(check: () => Promise<T>, timeoutMs = 15_000, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;

  for (;;) {
    const value = await check();

    if (value || Date.now() > deadline) {
      return value;
    }

    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
