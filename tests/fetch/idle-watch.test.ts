import request from 'supertest';

import { appendMessages, ensureDovecotInstalled, startDovecot, type DovecotServer } from '../../scripts/lib/dovecot';
import { createAdminToken } from '../helpers/auth';
import { countEmails, PASSWORD, waitFor } from '../helpers/inbox';
import { buildMessages } from '../helpers/mail';
import { startTestApp, type TestApp } from '../helpers/strapi';

let app: TestApp;
let dovecot: DovecotServer;

beforeAll(async () => {
  await ensureDovecotInstalled({ allowInstall: false });
  dovecot = await startDovecot();
  // The fetch job ticks once a year here, so only IMAP IDLE can bring the mail in.
  app = await startTestApp({ INBOX_SCHEDULER_ENABLED: 'true', INBOX_IDLE_ENABLED: 'true', INBOX_FETCH_SCHEDULE: '0 0 1 1 *' });
});

afterAll(async () => {
  await app?.stop();
  await dovecot?.stop();
});

describe('IMAP IDLE watchers', () => {
  test('mailbox created through the admin API is watched at once', async () => {
    await dovecot.addUser('watched', PASSWORD);
    const token = await createAdminToken(app.strapi);

    const created = await request(app.strapi.server.httpServer)
      .post('/inbox/group-mailboxes')
      .set('Authorization', `Bearer ${token}`)
      .send({
        data: {
          name: 'Watched',
          emailAddress: 'watched@example.com',
          imap: { host: dovecot.host, port: dovecot.port, security: 'none', username: 'watched', password: PASSWORD, monitoredFolders: ['INBOX'] },
        },
      });
    expect(created.status).toBe(201);

    const ref = { kind: 'group', id: created.body.data.id };
    const watcher = app.strapi.plugin('inbox').service('idleWatcher');
    expect(await waitFor(async () => watcher.isWatching(ref), 10_000)).toBe(true);

    await appendMessages({ host: dovecot.host, port: dovecot.port, user: 'watched', password: PASSWORD, messages: await buildMessages(2, 'Watched') });

    expect(await waitFor(async () => (await countEmails(app.strapi, ref.id)) === 2, 15_000)).toBe(true);

    const runs = await app.strapi.db.query('plugin::inbox.fetch-run').findMany({ where: { mailboxId: ref.id } });
    expect(runs.every((run: { trigger: string }) => run.trigger === 'idle')).toBe(true);
  });
});
