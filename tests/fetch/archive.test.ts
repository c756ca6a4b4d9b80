import request from 'supertest';

import { appendMessages, listMessages, recreateFolder } from '../../scripts/lib/dovecot';
import { createAdminToken, createApiUser } from '../helpers/auth';
import { countEmails, createGroupMailbox, fetchGroup, waitFor } from '../helpers/inbox';
import { buildMessage, buildMessages } from '../helpers/mail';
import { useMailStack } from '../helpers/mail-stack';

const stack = useMailStack();

describe('fetching a group mailbox', () => {
  test('archives 30 messages, then only new ones', async () => {
    const { mailbox, imapLogin } = await createGroupMailbox(stack.app.strapi, stack.dovecot);
    await appendMessages({ ...imapLogin, messages: await buildMessages(30, 'Order question') });

    const first = await fetchGroup(stack.app.strapi, mailbox.id);
    expect(first.status).toBe('succeeded');
    expect(first.imported).toBe(30);
    expect(await countEmails(stack.app.strapi, mailbox.id)).toBe(30);

    await appendMessages({ ...imapLogin, messages: await buildMessages(4, 'Order question', 30) });
    const second = await fetchGroup(stack.app.strapi, mailbox.id);
    expect(second.fetched).toBe(4);
    expect(second.imported).toBe(4);

    const third = await fetchGroup(stack.app.strapi, mailbox.id);
    expect(third.fetched).toBe(0);
    expect(await countEmails(stack.app.strapi, mailbox.id)).toBe(34);

    const email = await stack.app.strapi.db.query('plugin::inbox.email').findOne({ where: { messageId: 'order-question-7@example.org' } });
    expect(email.subject).toBe('Order question 7');
    expect(email.fromAddress).toBe('customer@example.org');
    expect(email.to).toEqual([{ address: 'support@example.com', name: 'Support' }]);
  });

  test('takes at most the batch size per run', async () => {
    const { mailbox, imapLogin } = await createGroupMailbox(stack.app.strapi, stack.dovecot, { imap: { batchSize: 10 } });
    await appendMessages({ ...imapLogin, messages: await buildMessages(25, 'Batch') });

    const first = await fetchGroup(stack.app.strapi, mailbox.id);
    expect(first.imported).toBe(10);
    expect(first.backlog).toBe(15);

    await fetchGroup(stack.app.strapi, mailbox.id);
    const last = await fetchGroup(stack.app.strapi, mailbox.id);
    expect(last.imported).toBe(5);
    expect(last.backlog).toBe(0);
    expect(await countEmails(stack.app.strapi, mailbox.id)).toBe(25);
  });

  test('UIDVALIDITY reset causes no duplicates', async () => {
    const { mailbox, imapLogin } = await createGroupMailbox(stack.app.strapi, stack.dovecot, { imap: { monitoredFolders: ['Support'] } });
    const messages = await buildMessages(5, 'Reset');
    await appendMessages({ ...imapLogin, folder: 'Support', messages });

    expect((await fetchGroup(stack.app.strapi, mailbox.id)).imported).toBe(5);
    const before = await stack.app.strapi.db.query('plugin::inbox.folder-state').findOne({ where: { mailboxId: mailbox.id, folder: 'Support' } });

    const extra = await buildMessages(1, 'Reset', 5);
    await recreateFolder({ ...imapLogin, folder: 'Support', messages: [...messages, ...extra] });

    const after = await fetchGroup(stack.app.strapi, mailbox.id);
    expect(after.status).toBe('succeeded');
    expect(after.imported).toBe(1);
    expect(after.duplicates).toBe(5);
    expect(await countEmails(stack.app.strapi, mailbox.id)).toBe(6);

    const state = await stack.app.strapi.db.query('plugin::inbox.folder-state').findOne({ where: { mailboxId: mailbox.id, folder: 'Support' } });
    expect(state.uidValidity).not.toBe(before.uidValidity);
    expect((await fetchGroup(stack.app.strapi, mailbox.id)).fetched).toBe(0);
  });

  test('new INBOX UIDVALIDITY from the server causes no duplicates', async () => {
    const { mailbox, imapLogin, username } = await createGroupMailbox(stack.app.strapi, stack.dovecot);
    await appendMessages({ ...imapLogin, messages: await buildMessages(3, 'Inbox reset') });
    expect((await fetchGroup(stack.app.strapi, mailbox.id)).imported).toBe(3);

    await stack.dovecot.setUidValidity(username, 'INBOX');
    await appendMessages({ ...imapLogin, messages: await buildMessages(1, 'Inbox reset', 3) });

    const after = await fetchGroup(stack.app.strapi, mailbox.id);
    expect(after.imported).toBe(1);
    expect(after.duplicates).toBe(3);
    expect(await countEmails(stack.app.strapi, mailbox.id)).toBe(4);
  });

  test('UIDs going backwards cause no loss and no duplicates', async () => {
    const { mailbox, imapLogin } = await createGroupMailbox(stack.app.strapi, stack.dovecot);
    await appendMessages({ ...imapLogin, messages: await buildMessages(3, 'Backwards') });
    expect((await fetchGroup(stack.app.strapi, mailbox.id)).imported).toBe(3);

    // A real server does not renumber without a new UIDVALIDITY, so the stored cursor is moved
    // past UIDNEXT instead, which is what the fetcher finds when a server does.
    await stack.app.strapi.db.query('plugin::inbox.folder-state').update({ where: { mailboxId: mailbox.id, folder: 'INBOX' }, data: { lastUid: 1000 } });
    await appendMessages({ ...imapLogin, messages: await buildMessages(2, 'Backwards', 3) });

    const after = await fetchGroup(stack.app.strapi, mailbox.id);
    expect(after.imported).toBe(2);
    expect(after.duplicates).toBe(3);
    expect(await countEmails(stack.app.strapi, mailbox.id)).toBe(5);

    const state = await stack.app.strapi.db.query('plugin::inbox.folder-state').findOne({ where: { mailboxId: mailbox.id, folder: 'INBOX' } });
    expect(Number(state.lastUid)).toBe(5);
  });

  test('keep-unread leaves \\Seen as it was', async () => {
    const { mailbox, imapLogin } = await createGroupMailbox(stack.app.strapi, stack.dovecot, { imap: { keepUnread: true } });
    await appendMessages({ ...imapLogin, messages: await buildMessages(2, 'Unread') });
    await appendMessages({ ...imapLogin, messages: await buildMessages(1, 'Already read', 2), flags: ['\\Seen'] });

    expect((await fetchGroup(stack.app.strapi, mailbox.id)).imported).toBe(3);

    const listed = await listMessages(imapLogin);
    const seen = listed.map((message) => message.flags.includes('\\Seen'));
    expect(seen).toEqual([false, false, true]);
  });

  test('marks fetched mail \\Seen without keep-unread', async () => {
    const { mailbox, imapLogin } = await createGroupMailbox(stack.app.strapi, stack.dovecot);
    await appendMessages({ ...imapLogin, messages: await buildMessages(2, 'Mark read') });

    await fetchGroup(stack.app.strapi, mailbox.id);

    const listed = await listMessages(imapLogin);
    expect(listed.every((message) => message.flags.includes('\\Seen'))).toBe(true);
  });

  test('one message in two mailboxes is one email linked to both', async () => {
    const first = await createGroupMailbox(stack.app.strapi, stack.dovecot);
    const second = await createGroupMailbox(stack.app.strapi, stack.dovecot);
    const [message] = await buildMessages(1, 'Sent to both');

    await appendMessages({ ...first.imapLogin, messages: [message] });
    await appendMessages({ ...second.imapLogin, messages: [message] });

    expect((await fetchGroup(stack.app.strapi, first.mailbox.id)).imported).toBe(1);
    const secondRun = await fetchGroup(stack.app.strapi, second.mailbox.id);
    expect(secondRun.imported).toBe(0);
    expect(secondRun.duplicates).toBe(1);

    const emails = await stack.app.strapi.db.query('plugin::inbox.email').findMany({ where: { messageId: 'sent-to-both-1@example.org' }, populate: ['groupMailboxes'] });
    expect(emails).toHaveLength(1);
    expect(emails[0].groupMailboxes.map((item: { id: number }) => item.id).sort()).toEqual([first.mailbox.id, second.mailbox.id].sort());
  });

  test('reused Message-ID with other content is kept as two emails', async () => {
    const { mailbox, imapLogin } = await createGroupMailbox(stack.app.strapi, stack.dovecot);
    const messages = [
      await buildMessage({ subject: 'Parcel 1 shipped', messageId: '<reused@carrier.example>' }),
      await buildMessage({ subject: 'Parcel 2 shipped', messageId: '<reused@carrier.example>' }),
    ];
    await appendMessages({ ...imapLogin, messages });

    expect((await fetchGroup(stack.app.strapi, mailbox.id)).imported).toBe(2);
  });

  test('two runs started together archive each message once', async () => {
    const { mailbox, imapLogin } = await createGroupMailbox(stack.app.strapi, stack.dovecot);
    await appendMessages({ ...imapLogin, messages: await buildMessages(20, 'Concurrent') });

    const runs = await Promise.all([fetchGroup(stack.app.strapi, mailbox.id), fetchGroup(stack.app.strapi, mailbox.id), fetchGroup(stack.app.strapi, mailbox.id)]);
    const imported = runs.reduce((sum, run) => sum + run.imported, 0);

    expect(imported).toBe(20);
    expect(runs.filter((run) => run.status === 'skipped').length).toBeGreaterThanOrEqual(1);
    expect(await countEmails(stack.app.strapi, mailbox.id)).toBe(20);
    expect(await stack.app.strapi.db.query('plugin::inbox.imap-message').count({ where: { mailboxId: mailbox.id, mailboxKind: 'group' } })).toBe(20);
  });

  test('an expired lease of a crashed instance does not block the mailbox', async () => {
    const { mailbox, imapLogin } = await createGroupMailbox(stack.app.strapi, stack.dovecot);
    await appendMessages({ ...imapLogin, messages: await buildMessages(2, 'After crash') });

    const leases = stack.app.strapi.db.connection('inbox_leases');
    await leases.insert({ name: `fetch:group:${mailbox.id}`, owner: 'crashed-instance', expires_at: Date.now() + 60_000 });
    expect((await fetchGroup(stack.app.strapi, mailbox.id)).status).toBe('skipped');

    await leases.where({ name: `fetch:group:${mailbox.id}` }).update({ expires_at: Date.now() - 1 });
    expect((await fetchGroup(stack.app.strapi, mailbox.id)).imported).toBe(2);
  });
});

describe('failed imports', () => {
  test('a failing message is kept, the rest archived, and reprocessing imports it', async () => {
    const { mailbox, imapLogin } = await createGroupMailbox(stack.app.strapi, stack.dovecot);
    const good = await buildMessages(3, 'Healthy');
    const poison = await buildMessage({ subject: 'Poison pill', messageId: '<poison@example.org>' });
    await appendMessages({ ...imapLogin, messages: [good[0], poison, good[1], good[2]] });

    const importer = stack.app.strapi.plugin('inbox').service('emailImporter');
    const originalParse = importer.parse.bind(importer);
    // Fault injection: the parser throws for one message, as it would for a bug in a dependency.
    const spy = jest.spyOn(importer, 'parse').mockImplementation(async (source: any) => {
      if (source.toString('latin1').includes('Poison pill')) {
        throw new Error('Simulated parser crash');
      }

      return originalParse(source);
    });

    try {
      const run = await fetchGroup(stack.app.strapi, mailbox.id);
      expect(run.imported).toBe(3);
      expect(run.failed).toBe(1);
      expect(run.status).toBe('succeeded');

      const failed = await stack.app.strapi.db.query('plugin::inbox.failed-message').findOne({ where: { mailboxId: mailbox.id } });
      expect(failed.status).toBe('pending');
      expect(failed.error).toContain('Simulated parser crash');
      expect(failed.messageId).toBe('<poison@example.org>');
      expect(Buffer.from(failed.rawSource, 'base64').equals(poison)).toBe(true);

      // The cursor moved on: the next run fetches nothing new but retries the failed message.
      const retry = await fetchGroup(stack.app.strapi, mailbox.id);
      expect(retry.fetched).toBe(0);
      expect((await stack.app.strapi.db.query('plugin::inbox.failed-message').findOne({ where: { id: failed.id } })).attempts).toBe(2);
    } finally {
      spy.mockRestore();
    }

    const adminToken = await createAdminToken(stack.app.strapi);
    const failedRow = await stack.app.strapi.db.query('plugin::inbox.failed-message').findOne({ where: { mailboxId: mailbox.id } });
    const response = await request(stack.app.strapi.server.httpServer)
      .post(`/inbox/failed-messages/${failedRow.id}/reprocess`)
      .set('Authorization', `Bearer ${adminToken}`);

    expect(response.status).toBe(200);
    expect(response.body.data.status).toBe('imported');
    expect(await countEmails(stack.app.strapi, mailbox.id)).toBe(4);
    expect(await stack.app.strapi.db.query('plugin::inbox.email').count({ where: { messageId: 'poison@example.org' } })).toBe(1);
  });

  test('a later run retries failed messages by itself', async () => {
    const { mailbox, imapLogin } = await createGroupMailbox(stack.app.strapi, stack.dovecot);
    await appendMessages({ ...imapLogin, messages: [await buildMessage({ subject: 'Flaky', messageId: '<flaky@example.org>' })] });

    const importer = stack.app.strapi.plugin('inbox').service('emailImporter');
    const spy = jest.spyOn(importer, 'parse').mockRejectedValueOnce(new Error('Simulated database hiccup'));

    expect((await fetchGroup(stack.app.strapi, mailbox.id)).failed).toBe(1);
    spy.mockRestore();

    const next = await fetchGroup(stack.app.strapi, mailbox.id);
    expect(next.retried).toBe(1);
    expect(await countEmails(stack.app.strapi, mailbox.id)).toBe(1);
  });
});

describe('broken mailboxes', () => {
  test('wrong password and dead server do not stop other mailboxes', async () => {
    const healthy = await createGroupMailbox(stack.app.strapi, stack.dovecot);
    await appendMessages({ ...healthy.imapLogin, messages: await buildMessages(2, 'Still works') });

    const wrongPassword = await createGroupMailbox(stack.app.strapi, stack.dovecot);
    await stack.app.strapi.plugin('inbox').service('mailboxes').update('group', wrongPassword.mailbox.id, { imap: { password: 'not-the-password' } });

    const deadServer = await createGroupMailbox(stack.app.strapi, stack.dovecot);
    await stack.app.strapi.plugin('inbox').service('mailboxes').update('group', deadServer.mailbox.id, { imap: { port: 1 } });

    const summaries = await stack.app.strapi.plugin('inbox').service('mailboxFetcher').fetchAll('schedule');
    const byId = new Map(summaries.map((summary: any) => [summary.mailbox.id, summary]));

    expect((byId.get(healthy.mailbox.id) as any).imported).toBe(2);
    expect((byId.get(wrongPassword.mailbox.id) as any).error).toMatch(/Authentication failed/);
    expect((byId.get(deadServer.mailbox.id) as any).error).toMatch(/Connection refused/);

    const stored = await stack.app.strapi.db.query('plugin::inbox.group-mailbox').findOne({ where: { id: wrongPassword.mailbox.id } });
    expect(stored.lastError).toMatch(/Authentication failed/);
    expect(stored.lastError).not.toContain('not-the-password');

    const run = await stack.app.strapi.db.query('plugin::inbox.fetch-run').findOne({ where: { mailboxId: deadServer.mailbox.id }, orderBy: { id: 'desc' } });
    expect(run.status).toBe('failed');

    // Leave the broken mailboxes inactive so later fetchAll calls in this file stay fast.
    for (const broken of [wrongPassword, deadServer]) {
      await stack.app.strapi.db.query('plugin::inbox.group-mailbox').update({ where: { id: broken.mailbox.id }, data: { active: false } });
    }
  });

  test('a missing folder is reported and the other folders still fetched', async () => {
    const { mailbox, imapLogin } = await createGroupMailbox(stack.app.strapi, stack.dovecot, { imap: { monitoredFolders: ['INBOX', 'No-Such-Folder'] } });
    await appendMessages({ ...imapLogin, messages: await buildMessages(1, 'Inbox mail') });

    const run = await fetchGroup(stack.app.strapi, mailbox.id);
    expect(run.imported).toBe(1);
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/No-Such-Folder/);
  });
});

describe('secrets and attachments', () => {
  test('passwords are encrypted at rest and never returned', async () => {
    const { mailbox } = await createGroupMailbox(stack.app.strapi, stack.dovecot);
    const raw = await stack.app.strapi.plugin('inbox').service('mailboxes').findRaw('group', mailbox.id);

    expect(raw.imap.password).toMatch(/^v1:/);
    expect(raw.imap.password).not.toContain('mail-password');

    const adminToken = await createAdminToken(stack.app.strapi);
    const response = await request(stack.app.strapi.server.httpServer).get('/inbox/group-mailboxes').set('Authorization', `Bearer ${adminToken}`);

    expect(response.status).toBe(200);
    expect(JSON.stringify(response.body)).not.toMatch(/password"|mail-password|v1:/);
    expect(response.body.data.find((item: any) => item.id === mailbox.id).imap.hasPassword).toBe(true);
  });

  test('attachments and inline images land privately in the media library', async () => {
    const team = await stack.app.strapi.db.query('plugin::inbox.team').create({ data: { name: 'Support team' } });
    const { mailbox, imapLogin } = await createGroupMailbox(stack.app.strapi, stack.dovecot, { team: team.id });

    const pdf = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
    await appendMessages({
      ...imapLogin,
      messages: [await buildMessage({
        subject: 'Invoice with logo',
        messageId: '<invoice@example.org>',
        html: '<p>See the logo <img src="cid:logo@example.org"></p>',
        attachments: [
          { filename: '../../etc/invoice.pdf', content: pdf, contentType: 'application/pdf' },
          { filename: 'logo.png', content: png, contentType: 'image/png', cid: 'logo@example.org' },
        ],
      })],
    });

    expect((await fetchGroup(stack.app.strapi, mailbox.id)).imported).toBe(1);

    const email = await stack.app.strapi.db.query('plugin::inbox.email').findOne({ where: { messageId: 'invoice@example.org' }, populate: ['files'] });
    expect(email.files).toHaveLength(2);
    expect(email.attachments.map((item: any) => item.filename).sort()).toEqual(['invoice.pdf', 'logo.png']);
    expect(email.attachments.find((item: any) => item.filename === 'logo.png')).toMatchObject({ inline: true, contentId: 'logo@example.org' });
    expect(email.htmlBody).toContain('cid:logo@example.org');

    const files = await stack.app.strapi.db.query('plugin::upload.file').findMany({ where: { id: { $in: email.files.map((file: any) => file.id) } }, populate: ['folder'] });
    expect(files.every((file: any) => file.folder?.name === 'Inbox attachments')).toBe(true);

    const server = stack.app.strapi.server.httpServer;
    for (const file of files) {
      expect((await request(server).get(file.url)).status).toBe(404);
    }

    const member = await createApiUser(stack.app.strapi, ['plugin::inbox.email.downloadAttachment', 'plugin::inbox.email.findOne']);
    await stack.app.strapi.db.query('plugin::inbox.team').update({ where: { id: team.id }, data: { members: [member.user.id] } });
    const stranger = await createApiUser(stack.app.strapi, ['plugin::inbox.email.downloadAttachment', 'plugin::inbox.email.findOne']);

    const pdfIndex = email.attachments.findIndex((item: any) => item.filename === 'invoice.pdf');
    const download = await request(server)
      .get(`/api/inbox/emails/${email.id}/attachments/${pdfIndex}`)
      .set('Authorization', `Bearer ${member.jwt}`)
      .buffer(true)
      .parse((res, callback) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => callback(null, Buffer.concat(chunks)));
      });
    expect(download.status).toBe(200);
    expect(Buffer.compare(download.body, pdf)).toBe(0);

    const refused = await request(server).get(`/api/inbox/emails/${email.id}/attachments/${pdfIndex}`).set('Authorization', `Bearer ${stranger.jwt}`);
    expect(refused.status).toBe(404);

    const anonymous = await request(server).get(`/api/inbox/emails/${email.id}/attachments/${pdfIndex}`);
    expect([401, 403]).toContain(anonymous.status);
  });
});

describe('IMAP IDLE', () => {
  test('fetches new mail as soon as it arrives', async () => {
    const { mailbox, imapLogin } = await createGroupMailbox(stack.app.strapi, stack.dovecot);
    const watcher = stack.app.strapi.plugin('inbox').service('idleWatcher');

    watcher.watch({ kind: 'group', id: mailbox.id }, mailbox.name);

    try {
      await waitFor(async () => watcher.isWatching({ kind: 'group', id: mailbox.id }), 10_000);
      const startedAt = Date.now();
      await appendMessages({ ...imapLogin, messages: await buildMessages(1, 'Instant') });

      const count = await waitFor(async () => countEmails(stack.app.strapi, mailbox.id), 15_000);
      expect(count).toBe(1);
      expect(Date.now() - startedAt).toBeLessThan(15_000);
    } finally {
      await watcher.unwatch({ kind: 'group', id: mailbox.id });
    }
  });
});
