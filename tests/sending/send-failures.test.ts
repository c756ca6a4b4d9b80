import net from 'net';
import request from 'supertest';

import { createApiUser } from '../helpers/auth';
import { createTeamOf } from '../helpers/cases';
import { useMailStackWithRelay } from '../helpers/mail-stack';
import { addMailUser, createSendingMailbox, readMailbox, type MailLogin } from './mail-world';

const stack = useMailStackWithRelay();

afterEach(async () => {
  stack.relay.acceptMessages();

  // Retry runs look at every outgoing email, so each test leaves none of its own due later.
  await stack.app.strapi.db.query('plugin::inbox.email').updateMany({ where: { direction: 'outgoing', nextSendAt: { $notNull: true } }, data: { nextSendAt: null } });
});

const MINUTE = 60_000;

/** Creates a user allowed to send through a fresh shared mailbox, and a recipient that exists on the stack.relay. */
async function sender(smtp: Record<string, unknown> = {}) {
  const user = await createApiUser(stack.app.strapi, ['plugin::inbox.send.create', 'plugin::inbox.send.resend']);
  const team = await createTeamOf(stack.app.strapi, `Team of ${user.user.username}`, [user.user.id]);
  const role = await stack.app.strapi.db.query('plugin::users-permissions.user').findOne({ where: { id: user.user.id }, populate: { role: true } });
  await stack.app.strapi.plugin('inbox').service('sendPermissions').setLevel(role.role.id, 'team');

  const { mailbox } = await createSendingMailbox(stack.app.strapi, stack.dovecot, stack.relay, { team: team.id, smtp });
  const recipient = await addMailUser(stack.dovecot, stack.relay, 'client');
  return { ...user, mailbox, recipient };
}

function send(jwt: string, mailboxId: number, to: string) {
  return request(stack.app.strapi.server.httpServer)
    .post('/api/inbox/emails/send')
    .set('Authorization', `Bearer ${jwt}`)
    .send({ data: { mailbox: { kind: 'group', id: mailboxId }, to, subject: 'Order confirmation', text: 'Your order is confirmed.' } });
}

function emailRow(id: number) {
  return stack.app.strapi.db.query('plugin::inbox.email').findOne({ where: { id } });
}

async function inboxSize(login: MailLogin) {
  return (await readMailbox(login)).length;
}

/** Returns a loopback port that nothing listens on. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

describe('failed sends', () => {
  test('rejected message is stored failed with the server reply', async () => {
    const { jwt, mailbox, recipient } = await sender();
    stack.relay.rejectMessages({ code: 554, message: '5.7.1 Message rejected: it looks like spam', count: 1 });

    const response = await send(jwt, mailbox.id, recipient.address);

    expect(response.status).toBe(202);
    expect(response.body.data.status).toBe('failed');
    expect(response.body.data.sendError).toContain('554 5.7.1 Message rejected: it looks like spam');
    expect(response.body.data.nextSendAt).toBeNull();
    expect(response.body.data.sendAttempts).toBe(1);
    expect(await inboxSize(recipient)).toBe(0);

    const stored = await emailRow(response.body.data.id);
    expect(stored.status).toBe('failed');
    expect(stored.direction).toBe('outgoing');

    // A permanent failure is never retried by itself, only by hand.
    const retried = await stack.app.strapi.plugin('inbox').service('sending').retryDue(new Date(Date.now() + 24 * 60 * MINUTE));
    expect(retried.attempted).toBe(0);

    const resend = await request(stack.app.strapi.server.httpServer).post(`/api/inbox/emails/${stored.id}/resend`).set('Authorization', `Bearer ${jwt}`);
    expect(resend.status).toBe(201);
    expect(resend.body.data.status).toBe('sent');
    expect(resend.body.data.sendError).toBeNull();
    expect(resend.body.data.sendAttempts).toBe(2);
    expect(await inboxSize(recipient)).toBe(1);
  });

  test('unknown recipient fails with the RCPT reply', async () => {
    const { jwt, mailbox } = await sender();

    const response = await send(jwt, mailbox.id, 'nobody@nowhere.example');

    expect(response.status).toBe(202);
    expect(response.body.data.sendError).toMatch(/rejected the sender or the recipients/);
    expect(response.body.data.sendError).toContain('550 5.1.1 <nobody@nowhere.example>: Recipient address rejected: User unknown');
    expect(response.body.data.nextSendAt).toBeNull();
  });

  test('temporary failure is retried with backoff', async () => {
    const { jwt, mailbox, recipient } = await sender();
    stack.relay.rejectMessages({ code: 451, message: '4.3.0 Mailbox busy, try again later', count: 2 });
    const sending = stack.app.strapi.plugin('inbox').service('sending');

    const startedAt = Date.now();
    const response = await send(jwt, mailbox.id, recipient.address);
    expect(response.status).toBe(202);
    expect(response.body.data.sendError).toContain('451 4.3.0 Mailbox busy, try again later');

    const firstRetryAt = new Date(response.body.data.nextSendAt).getTime();
    expect(firstRetryAt - startedAt).toBeGreaterThanOrEqual(MINUTE);
    expect(firstRetryAt - Date.now()).toBeLessThanOrEqual(MINUTE);

    expect((await sending.retryDue(new Date())).attempted).toBe(0);

    expect(await sending.retryDue(new Date(firstRetryAt + 1000))).toEqual({ attempted: 1, sent: 0 });
    const afterSecond = await emailRow(response.body.data.id);
    expect(afterSecond.sendAttempts).toBe(2);
    const secondDelay = new Date(afterSecond.nextSendAt).getTime() - Date.now();
    expect(secondDelay).toBeGreaterThan(3.9 * MINUTE);
    expect(secondDelay).toBeLessThanOrEqual(4 * MINUTE);

    expect(await sending.retryDue(new Date(Date.now() + 5 * MINUTE))).toEqual({ attempted: 1, sent: 1 });
    const sent = await emailRow(response.body.data.id);
    expect(sent.status).toBe('sent');
    expect(sent.sendAttempts).toBe(3);
    expect(sent.sendError).toBeNull();
    expect(sent.nextSendAt).toBeNull();
    expect(await inboxSize(recipient)).toBe(1);
  });

  test('gives up after the last attempt', async () => {
    const { jwt, mailbox, recipient } = await sender();
    stack.relay.rejectMessages({ code: 421, message: '4.7.0 Too many connections' });
    const sending = stack.app.strapi.plugin('inbox').service('sending');
    const maxAttempts = stack.app.strapi.plugin('inbox').config('sendMaxAttempts') as number;

    const response = await send(jwt, mailbox.id, recipient.address);
    let row = await emailRow(response.body.data.id);
    let clock = Date.now();

    while (row.nextSendAt) {
      clock = new Date(row.nextSendAt).getTime() + 1000;
      await sending.retryDue(new Date(clock));
      row = await emailRow(row.id);
    }

    expect(row.status).toBe('failed');
    expect(row.sendAttempts).toBe(maxAttempts);
    expect(row.sendError).toContain('421 4.7.0 Too many connections');
    expect((await sending.retryDue(new Date(clock + 24 * 60 * MINUTE))).attempted).toBe(0);
  });

  test('unreachable server is a temporary failure', async () => {
    const { jwt, mailbox, recipient } = await sender({ port: await closedPort() });

    const response = await send(jwt, mailbox.id, recipient.address);

    expect(response.status).toBe(202);
    expect(response.body.data.sendError).toMatch(/Connection to the SMTP server failed/);
    expect(response.body.data.nextSendAt).not.toBeNull();
  });

  test('interrupted send is picked up again', async () => {
    const { jwt, mailbox, recipient } = await sender();
    const response = await send(jwt, mailbox.id, recipient.address);
    expect(response.status).toBe(201);

    // An instance that stopped between storing and the SMTP reply leaves the row in `sending`.
    await stack.app.strapi.db.query('plugin::inbox.email').update({ where: { id: response.body.data.id }, data: { status: 'sending', nextSendAt: new Date(Date.now() + 10 * MINUTE) } });
    const sending = stack.app.strapi.plugin('inbox').service('sending');

    expect((await sending.retryDue(new Date())).attempted).toBe(0);
    expect(await sending.retryDue(new Date(Date.now() + 11 * MINUTE))).toEqual({ attempted: 1, sent: 1 });
    expect((await emailRow(response.body.data.id)).sendAttempts).toBe(2);
  });

  test('two retry runs at once send a due email once', async () => {
    const { jwt, mailbox, recipient } = await sender();
    stack.relay.rejectMessages({ code: 451, message: '4.3.0 Try later', count: 1 });
    const response = await send(jwt, mailbox.id, recipient.address);
    const sending = stack.app.strapi.plugin('inbox').service('sending');
    const due = new Date(Date.now() + 2 * MINUTE);

    const results = await Promise.all([sending.retryDue(due), sending.retryDue(due), sending.retryDue(due)]);

    expect(results.reduce((sum: number, result: { sent: number }) => sum + result.sent, 0)).toBe(1);
    expect((await emailRow(response.body.data.id)).sendAttempts).toBe(2);
    expect(await inboxSize(recipient)).toBe(1);
  });
});
