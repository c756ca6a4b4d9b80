import type { Core } from '@strapi/strapi';

import { closeImapConnection, describeImapError, openImapConnection } from '../fetch/imap-connection';
import type { MailboxRecord } from '../mailbox/types';

/**
 * Appends a sent message, marked \Seen, to the mailbox's IMAP Sent folder when the mailbox names
 * one (`imap.sentFolder`), so other mail clients of the mailbox show it. Returns an error message
 * instead of throwing, because the message has already left and only its copy failed.
 *
 * NOTE: when the Sent folder is also a monitored folder, the fetch imports this copy as a second
 * email (classified `own`), because outgoing rows carry no dedupe key.
 */
export async function appendToSentFolder(strapi: Core.Strapi, mailbox: MailboxRecord, raw: Buffer): Promise<string | null> {
  const folder = mailbox.imap?.sentFolder?.trim();

  if (!mailbox.imap || !folder) {
    return null;
  }

  const logContext = { mailbox: mailbox.name, mailboxId: mailbox.id, folder };
  let client = null;

  try {
    client = await openImapConnection(strapi, {
      settings: mailbox.imap,
      password: strapi.plugin('inbox').service('mailboxes').imapPassword(mailbox),
      timeoutMs: strapi.plugin('inbox').config('connectionTimeoutMs') as number,
      logContext,
    });

    try {
      await client.append(folder, raw, ['\\Seen']);
    } catch (error) {
      // RFC 3501, 6.3.11: TRYCREATE means the folder is missing and may be created, then the APPEND retried.
      if ((error as { serverResponseCode?: string }).serverResponseCode !== 'TRYCREATE') {
        throw error;
      }

      await client.mailboxCreate(folder);
      await client.append(folder, raw, ['\\Seen']);
    }

    return null;
  } catch (error) {
    const message = describeImapError(error, { folder });
    strapi.log.warn('[inbox] Sent message could not be appended to the Sent folder.', { ...logContext, error: message });
    return message;
  } finally {
    await closeImapConnection(client);
  }
}
