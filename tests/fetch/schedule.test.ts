import { appendMessages } from '../../scripts/lib/dovecot';
import { countEmails, createGroupMailbox, waitFor } from '../helpers/inbox';
import { buildMessages } from '../helpers/mail';
import { useMailStack } from '../helpers/mail-stack';

// node-schedule accepts a seconds field, so the job ticks every two seconds here instead of every minute.
const stack = useMailStack({ INBOX_SCHEDULER_ENABLED: 'true', INBOX_IDLE_ENABLED: 'false', INBOX_FETCH_SCHEDULE: '*/2 * * * * *' });

describe('scheduled fetching', () => {
  test('fetch job archives new mail without a manual run', async () => {
    const { mailbox, imapLogin } = await createGroupMailbox(stack.app.strapi, stack.dovecot);
    await appendMessages({ ...imapLogin, messages: await buildMessages(3, 'Scheduled') });

    expect(await waitFor(async () => (await countEmails(stack.app.strapi, mailbox.id)) === 3, 20_000)).toBe(true);

    const runs = await stack.app.strapi.db.query('plugin::inbox.fetch-run').findMany({ where: { mailboxId: mailbox.id, trigger: 'schedule' } });
    expect(runs.length).toBeGreaterThanOrEqual(1);
  });

  test('fetch job keeps running after a mailbox fails', async () => {
    const broken = await createGroupMailbox(stack.app.strapi, stack.dovecot);
    await stack.app.strapi.plugin('inbox').service('mailboxes').update('group', broken.mailbox.id, { imap: { port: 1 } });

    const { mailbox, imapLogin } = await createGroupMailbox(stack.app.strapi, stack.dovecot);
    await appendMessages({ ...imapLogin, messages: await buildMessages(1, 'After a broken mailbox') });

    expect(await waitFor(async () => (await countEmails(stack.app.strapi, mailbox.id)) === 1, 20_000)).toBe(true);

    const failedRun = await waitFor(async () => stack.app.strapi.db.query('plugin::inbox.fetch-run').findOne({ where: { mailboxId: broken.mailbox.id, status: 'failed' } }), 20_000);
    expect(failedRun.error).toMatch(/Connection refused/);
  });
});
