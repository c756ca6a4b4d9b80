import type { Core } from '@strapi/strapi';
import type { ImapFlow } from 'imapflow';

import type { MailboxKind } from '../../utils/plugin-id';
import { mailboxKey, type MailboxRecord, type MailboxRef } from '../mailbox/types';
import { closeImapConnection, describeImapError, openImapConnection } from './imap-connection';

interface Watcher {
  ref: MailboxRef;
  name: string;
  client: ImapFlow | null;
  stopped: boolean;
  retryTimer: NodeJS.Timeout | null;
  debounceTimer: NodeJS.Timeout | null;
  failures: number;
}

/** Wait before the first fetch after an EXISTS notice, so a burst of new mail is one run. */
const DEBOUNCE_MS = 500;
const MAX_RETRY_DELAY_MS = 5 * 60_000;

/**
 * Keeps one IMAP IDLE connection per active mailbox on its first monitored folder and fetches the
 * mailbox as soon as the server announces new mail (RFC 2177). The scheduled job stays the
 * fallback: a watcher that loses its connection retries with exponential backoff, and servers
 * without IDLE are polled by imapflow with NOOP.
 */
const idleWatcher = ({ strapi }: { strapi: Core.Strapi }) => {
  const watchers = new Map<string, Watcher>();
  const service = (name: string) => strapi.plugin('inbox').service(name);

  function triggerFetch(watcher: Watcher) {
    if (watcher.debounceTimer) {
      return;
    }

    watcher.debounceTimer = setTimeout(() => {
      watcher.debounceTimer = null;
      service('mailboxFetcher')
        .fetchMailbox(watcher.ref, 'idle')
        .catch((error: Error) => strapi.log.error('[inbox] IDLE-triggered fetch failed.', { mailbox: watcher.name, error: error.message }));
    }, DEBOUNCE_MS);
  }

  function scheduleReconnect(watcher: Watcher) {
    if (watcher.stopped || watcher.retryTimer) {
      return;
    }

    const delay = Math.min(MAX_RETRY_DELAY_MS, 1000 * 2 ** Math.min(watcher.failures, 10));
    watcher.failures += 1;
    watcher.retryTimer = setTimeout(() => {
      watcher.retryTimer = null;
      void connect(watcher);
    }, delay);
  }

  async function connect(watcher: Watcher) {
    if (watcher.stopped) {
      return;
    }

    try {
      const mailbox: MailboxRecord | null = await service('mailboxes').findRaw(watcher.ref.kind, watcher.ref.id);

      if (!mailbox?.active || !mailbox.imap || mailbox.imap.idle === false) {
        watchers.delete(mailboxKey(watcher.ref));
        return;
      }

      const folder = mailbox.imap.monitoredFolders?.[0] ?? 'INBOX';
      const client = await openImapConnection(strapi, {
        settings: mailbox.imap,
        password: service('mailboxes').imapPassword(mailbox),
        timeoutMs: strapi.plugin('inbox').config('connectionTimeoutMs') as number,
        logContext: { mailbox: mailbox.name, mailboxKind: watcher.ref.kind, mailboxId: watcher.ref.id, folder, purpose: 'idle' },
        autoIdle: true,
      });

      watcher.client = client;
      client.on('exists', () => triggerFetch(watcher));
      client.on('close', () => {
        watcher.client = null;
        scheduleReconnect(watcher);
      });

      await client.mailboxOpen(folder, { readOnly: true });
      watcher.failures = 0;
      strapi.log.info('[inbox] Watching mailbox with IMAP IDLE.', { mailbox: mailbox.name, folder });

      // With auto-IDLE on, imapflow enters IDLE whenever the connection is quiet and re-issues it.
      if (watcher.stopped) {
        await closeImapConnection(client);
      }
    } catch (error) {
      strapi.log.warn('[inbox] IDLE connection failed; retrying with backoff.', { mailbox: watcher.name, error: describeImapError(error), failures: watcher.failures });
      await closeImapConnection(watcher.client);
      watcher.client = null;
      scheduleReconnect(watcher);
    }
  }

  return {
    /** Starts a watcher for every active mailbox that has IDLE on. */
    async startAll() {
      for (const kind of ['group', 'personal'] as MailboxKind[]) {
        const mailboxes: MailboxRecord[] = await service('mailboxes').listActive(kind);

        for (const mailbox of mailboxes) {
          if (mailbox.imap?.idle !== false) {
            this.watch({ kind, id: mailbox.id }, mailbox.name);
          }
        }
      }
    },

    watch(ref: MailboxRef, name: string) {
      const key = mailboxKey(ref);

      if (watchers.has(key)) {
        return;
      }

      const watcher: Watcher = { ref, name, client: null, stopped: false, retryTimer: null, debounceTimer: null, failures: 0 };
      watchers.set(key, watcher);
      void connect(watcher);
    },

    async unwatch(ref: MailboxRef) {
      const watcher = watchers.get(mailboxKey(ref));

      if (!watcher) {
        return;
      }

      watcher.stopped = true;
      watchers.delete(mailboxKey(ref));
      clearTimeout(watcher.retryTimer ?? undefined);
      clearTimeout(watcher.debounceTimer ?? undefined);
      await closeImapConnection(watcher.client);
    },

    async stopAll() {
      await Promise.all([...watchers.values()].map((watcher) => this.unwatch(watcher.ref)));
    },

    /** Restarts the watcher of a mailbox whose settings changed, where background fetching is on. */
    async refresh(ref: MailboxRef, name: string) {
      await this.unwatch(ref);
      const config = (key: string) => strapi.plugin('inbox').config(key);

      if (config('schedulerEnabled') && config('idleEnabled')) {
        this.watch(ref, name);
      }
    },

    isWatching(ref: MailboxRef) {
      return Boolean(watchers.get(mailboxKey(ref))?.client);
    },
  };
};

export default idleWatcher;
