import request from 'supertest';

import { appendMessages } from '../../scripts/lib/dovecot';
import { createAdminToken } from '../helpers/auth';
import { countEmails, PASSWORD, waitFor } from '../helpers/inbox';
import { buildMessages } from '../helpers/mail';
import { useMailStack } from '../helpers/mail-stack';

// The fetch job ticks once a year here, so only IMAP IDLE can bring the mail in.
const stack = useMailStack({ INBOX_SCHEDULER_ENABLED: 'true', INBOX_IDLE_ENABLED: 'true', INBOX_FETCH_SCHEDULE: '0 0 1 1 *' });

describe('IMAP IDLE watchers', () => {
  test('mailbox created through the admin API is watched at once', async () => {
    await stack.dovecot.addUser('watched', PASSWORD);
    const token = await createAdminToken(stack.app.strapi);

    const created = await request(stack.app.strapi.server.httpServer)
      .post('/inbox/group-mailboxes')
      .set('Authorization', `Bearer ${token}`)
      .send({
        data: {
          name: 'Watched',
          emailAddress: 'watched@example.com',
          imap: { host: stack.dovecot.host, port: stack.dovecot.port, security: 'none', username: 'watched', password: PASSWORD, monitoredFolders: ['INBOX'] },
        },
      });
    expect(created.status).toBe(201);

    const ref = { kind: 'group', id: created.body.data.id };
    const watcher = stack.app.strapi.plugin('inbox').service('idleWatcher');
    expect(await waitFor(async () => watcher.isWatching(ref), 10_000)).toBe(true);

    await appendMessages({ host: stack.dovecot.host, port: stack.dovecot.port, user: 'watched', password: PASSWORD, messages: await buildMessages(2, 'Watched') });

    expect(await waitFor(async () => (await countEmails(stack.app.strapi, ref.id)) === 2, 15_000)).toBe(true);

    const runs = await stack.app.strapi.db.query('plugin::inbox.fetch-run').findMany({ where: { mailboxId: ref.id } });
    expect(runs.every((run: { trigger: string }) => run.trigger === 'idle')).toBe(true);
  });
});
