import { appendMessages, ensureDovecotInstalled, startDovecot, type DovecotServer } from '../../scripts/lib/dovecot';
import { countEmails, createGroupMailbox, waitFor } from '../helpers/inbox';
import { buildMessages } from '../helpers/mail';
import { startTestApp, type TestApp } from '../helpers/strapi';

let app: TestApp;
let dovecot: DovecotServer;

beforeAll(async () => {
  await ensureDovecotInstalled({ allowInstall: false });
  dovecot = await startDovecot();
  // node-schedule accepts a seconds field, so the job ticks every two seconds here instead of every minute.
  app = await startTestApp({ INBOX_SCHEDULER_ENABLED: 'true', INBOX_IDLE_ENABLED: 'false', INBOX_FETCH_SCHEDULE: '*/2 * * * * *' });
});

afterAll(async () => {
  await app?.stop();
  await dovecot?.stop();
});

describe('scheduled fetching', () => {
  test('fetch job archives new mail without a manual run', async () => {
    const { mailbox, imapLogin } = await createGroupMailbox(app.strapi, dovecot);
    await appendMessages({ ...imapLogin, messages: await buildMessages(3, 'Scheduled') });

    expect(await waitFor(async () => (await countEmails(app.strapi, mailbox.id)) === 3, 20_000)).toBe(true);

    const runs = await app.strapi.db.query('plugin::inbox.fetch-run').findMany({ where: { mailboxId: mailbox.id, trigger: 'schedule' } });
    expect(runs.length).toBeGreaterThanOrEqual(1);
  });

  test('fetch job keeps running after a mailbox fails', async () => {
    const broken = await createGroupMailbox(app.strapi, dovecot);
    await app.strapi.plugin('inbox').service('mailboxes').update('group', broken.mailbox.id, { imap: { port: 1 } });

    const { mailbox, imapLogin } = await createGroupMailbox(app.strapi, dovecot);
    await appendMessages({ ...imapLogin, messages: await buildMessages(1, 'After a broken mailbox') });

    expect(await waitFor(async () => (await countEmails(app.strapi, mailbox.id)) === 1, 20_000)).toBe(true);

    const failedRun = await waitFor(async () => app.strapi.db.query('plugin::inbox.fetch-run').findOne({ where: { mailboxId: broken.mailbox.id, status: 'failed' } }), 20_000);
    expect(failedRun.error).toMatch(/Connection refused/);
  });
});
