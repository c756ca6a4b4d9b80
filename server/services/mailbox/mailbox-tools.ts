import type { Core } from '@strapi/strapi';

import { closeImapConnection, describeImapError, openImapConnection } from '../fetch/imap-connection';
import type { ImapSettings } from './types';

/** Test connection and folder list, for the mailbox settings screens. */
const mailboxTools = ({ strapi }: { strapi: Core.Strapi }) => ({
  /**
   * Connects with the given settings and lists the server's folders. A password left empty is taken
   * from the saved mailbox, so a form can test without asking for it again.
   */
  async testImap(settings: ImapSettings, password: string) {
    let client = null;

    try {
      client = await openImapConnection(strapi, {
        settings,
        password,
        timeoutMs: strapi.plugin('inbox').config('connectionTimeoutMs') as number,
        logContext: { host: settings.host, purpose: 'test-connection' },
      });

      const folders = await client.list();
      return {
        ok: true,
        error: null,
        folders: folders.map((folder) => ({ path: folder.path, name: folder.name, specialUse: folder.specialUse ?? null })),
      };
    } catch (error) {
      return { ok: false, error: describeImapError(error), folders: [] };
    } finally {
      await closeImapConnection(client);
    }
  },
});

export default mailboxTools;
