import request from 'supertest';

import { appendMessages } from '../../scripts/lib/dovecot';
import { startSmtpRelay, type SmtpRelay } from '../../scripts/lib/smtp-relay';
import { createApiUser } from '../helpers/auth';
import { casesOfMailbox, createTeamOf } from '../helpers/cases';
import { createGroupMailbox, fetchGroup, PASSWORD } from '../helpers/inbox';
import { buildMessage } from '../helpers/mail';
import { useMailStack } from '../helpers/mail-stack';

const stack = useMailStack();

const CASE_UID = 'plugin::inbox.case';
const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');

/** One user with a team, the team's group mailbox and case, and a personal mailbox. */
interface Agent {
  name: string;
  jwt: string;
  userId: number;
  customer: string;
  groupMailboxId: number;
  groupEmailId: number;
  attachmentIndex: number;
  caseId: number;
  caseDocumentId: string;
  personalMailboxId: number;
  personalEmailId: number;
  notificationId: number;
}

type Method = 'get' | 'post' | 'put' | 'delete';

let relay: SmtpRelay;
let alice: Agent;
let bob: Agent;

// Every response body of this file, checked for mailbox passwords by the last test.
const responseBodies: string[] = [];

function strapi() {
  return stack.app.strapi;
}

/** Lists every content API action of the plugin, such as `plugin::inbox.email.find`. */
function contentApiActions(): string[] {
  const routers = Object.values(strapi().plugin('inbox').routes as Record<string, { type?: string; routes: { handler: string }[] }>);

  return routers
    .filter((router) => router.type === 'content-api')
    .flatMap((router) => router.routes.map((route) => (route.handler.startsWith('plugin::') ? route.handler : `plugin::inbox.${route.handler}`)));
}

async function requestAs(agent: Agent, method: Method, path: string, body?: Record<string, unknown>) {
  let pending = request(strapi().server.httpServer)[method](`/api/inbox${path}`).set('Authorization', `Bearer ${agent.jwt}`);

  if (body !== undefined) {
    pending = pending.send({ data: body });
  }

  const response = await pending;
  responseBodies.push(response.text ?? '');
  return response;
}

function ids(response: request.Response): number[] {
  return response.body.data.map((item: { id: number }) => item.id);
}

function outgoingCount() {
  return strapi().db.query('plugin::inbox.email').count({ where: { direction: 'outgoing' } });
}

/** Adds a Dovecot login that the relay delivers the address's mail to. */
async function addMailLogin(user: string) {
  await stack.dovecot.addUser(user, PASSWORD);
  const address = `${user}@example.org`;
  relay.addLogin(address, { user, password: PASSWORD });
  return { address, imapLogin: { host: stack.dovecot.host, port: stack.dovecot.port, user, password: PASSWORD } };
}

function smtpSettings() {
  return { host: relay.host, port: relay.port, security: 'none', auth: false };
}

/**
 * Gives the user a team with a shared group mailbox that assigns its cases to the user. The
 * mailbox archives a customer message with an attachment and a follow-up that notifies the
 * assignee. The user then adds and fetches a personal mailbox through the content API.
 */
async function setUpAgent(name: string, user: { user: { id: number }; jwt: string }): Promise<Agent> {
  const team = await createTeamOf(strapi(), `Team ${name}`, [user.user.id]);
  const customer = await addMailLogin(`customer-${name}`);

  const group = await createGroupMailbox(strapi(), stack.dovecot, {
    username: `support-${name}`,
    team: team.id,
    caseEnabled: true,
    distribution: 'direct',
    directAssignee: user.user.id,
    smtpEnabled: true,
    shared: true,
    smtp: smtpSettings(),
  });

  const first = `<order-${name}@example.org>`;
  await appendMessages({
    ...group.imapLogin,
    messages: [await buildMessage({
      subject: `Order of ${name} is broken`,
      from: customer.address,
      messageId: first,
      attachments: [{ filename: `invoice-${name}.pdf`, content: PDF, contentType: 'application/pdf' }],
    })],
  });
  expect((await fetchGroup(strapi(), group.mailbox.id)).imported).toBe(1);

  await appendMessages({
    ...group.imapLogin,
    messages: [await buildMessage({ subject: `Re: Order of ${name} is broken`, from: customer.address, messageId: `<follow-up-${name}@example.org>`, inReplyTo: first })],
  });
  expect((await fetchGroup(strapi(), group.mailbox.id)).imported).toBe(1);

  const [caseRow] = await casesOfMailbox(strapi(), group.mailbox.id);
  const groupEmail = await strapi().db.query('plugin::inbox.email').findOne({ where: { messageId: `order-${name}@example.org` } });
  const notification = await strapi().db.query('plugin::inbox.notification').findOne({ where: { user: { id: user.user.id } } });

  const agent = { name, jwt: user.jwt, userId: user.user.id } as Agent;
  const personalLogin = await addMailLogin(`personal-${name}`);
  const created = await requestAs(agent, 'post', '/personal-mailboxes', {
    name: `Mail of ${name}`,
    emailAddress: personalLogin.address,
    active: true,
    imap: { host: stack.dovecot.host, port: stack.dovecot.port, security: 'none', username: personalLogin.imapLogin.user, password: PASSWORD, monitoredFolders: ['INBOX'] },
    smtpEnabled: true,
    smtp: smtpSettings(),
  });
  expect(created.status).toBe(201);

  await appendMessages({ ...personalLogin.imapLogin, messages: [await buildMessage({ subject: `Private note to ${name}`, to: personalLogin.address, messageId: `<private-${name}@example.org>` })] });
  const fetched = await requestAs(agent, 'post', `/personal-mailboxes/${created.body.data.id}/fetch`);
  expect(fetched.body.data.imported).toBe(1);
  const personalEmail = await strapi().db.query('plugin::inbox.email').findOne({ where: { messageId: `private-${name}@example.org` } });

  return {
    ...agent,
    customer: customer.address,
    groupMailboxId: group.mailbox.id,
    groupEmailId: groupEmail.id,
    attachmentIndex: 0,
    caseId: caseRow.id,
    caseDocumentId: caseRow.documentId,
    personalMailboxId: created.body.data.id,
    personalEmailId: personalEmail.id,
    notificationId: notification.id,
  };
}

beforeAll(async () => {
  relay = await startSmtpRelay({ imap: stack.dovecot });

  // Both users exist before the first HTTP request, and each role has every content API action.
  const actions = contentApiActions();
  const aliceUser = await createApiUser(strapi(), actions, 'alice');
  const bobUser = await createApiUser(strapi(), actions, 'bob');

  for (const user of [aliceUser, bobUser]) {
    const account = await strapi().db.query('plugin::users-permissions.user').findOne({ where: { id: user.user.id }, populate: { role: true } });
    await strapi().plugin('inbox').service('sendPermissions').setLevel(account.role.id, 'team');
  }

  alice = await setUpAgent('alice', aliceUser);
  bob = await setUpAgent('bob', bobUser);
});

afterAll(async () => {
  await relay?.stop();
});

describe('setup', () => {
  test('roles have every content API action', () => {
    expect(contentApiActions()).toEqual(expect.arrayContaining([
      'plugin::inbox.email.find',
      'plugin::inbox.case.update',
      'plugin::inbox.send.replyOnCase',
      'plugin::inbox.follow.create',
      'plugin::inbox.notification.markRead',
      'plugin::inbox.personal-mailbox.fetchNow',
    ]));
  });
});

describe('emails', () => {
  test('list shows only own emails', async () => {
    for (const [user, other] of [[alice, bob], [bob, alice]]) {
      const listed = ids(await requestAs(user, 'get', '/emails'));

      expect(listed).toContain(user.groupEmailId);
      expect(listed).toContain(user.personalEmailId);
      expect(listed).not.toContain(other.groupEmailId);
      expect(listed).not.toContain(other.personalEmailId);
    }
  });

  test('detail of other team is not found', async () => {
    expect((await requestAs(alice, 'get', `/emails/${alice.groupEmailId}`)).status).toBe(200);
    expect((await requestAs(alice, 'get', `/emails/${alice.personalEmailId}`)).status).toBe(200);

    expect((await requestAs(alice, 'get', `/emails/${bob.groupEmailId}`)).status).toBe(404);
    expect((await requestAs(alice, 'get', `/emails/${bob.personalEmailId}`)).status).toBe(404);
  });

  test('attachment of other team is not found', async () => {
    const own = await requestAs(alice, 'get', `/emails/${alice.groupEmailId}/attachments/${alice.attachmentIndex}`);
    expect(own.status).toBe(200);
    expect(own.headers['content-disposition']).toContain('invoice-alice.pdf');

    const other = await requestAs(alice, 'get', `/emails/${bob.groupEmailId}/attachments/${bob.attachmentIndex}`);
    expect(other.status).toBe(404);
    expect(other.headers['content-disposition']).toBeUndefined();
  });
});

describe('cases', () => {
  test('list shows only own team cases', async () => {
    for (const [user, other] of [[alice, bob], [bob, alice]]) {
      const response = await requestAs(user, 'get', '/cases');

      expect(ids(response)).toEqual([user.caseId]);
      expect(response.body.meta.pagination.total).toBe(1);
      expect(ids(response)).not.toContain(other.caseId);
    }
  });

  test('detail and stream of other team are not found', async () => {
    expect((await requestAs(alice, 'get', `/cases/${alice.caseId}`)).status).toBe(200);
    expect((await requestAs(alice, 'get', `/cases/${alice.caseId}/stream`)).status).toBe(200);

    expect((await requestAs(alice, 'get', `/cases/${bob.caseId}`)).status).toBe(404);
    const stream = await requestAs(alice, 'get', `/cases/${bob.caseId}/stream`);
    expect(stream.status).toBe(404);
    expect(stream.body.data).toBeNull();
  });

  test('update of other team case is rejected', async () => {
    const rejected = await requestAs(alice, 'put', `/cases/${bob.caseId}`, { status: 'Pending', assignee: alice.userId });
    expect(rejected.status).toBe(404);

    const stored = await strapi().db.query(CASE_UID).findOne({ where: { id: bob.caseId }, populate: { assignee: { select: ['id'] } } });
    expect(stored.status).toBe('Assigned');
    expect(stored.assignee.id).toBe(bob.userId);

    const own = await requestAs(alice, 'put', `/cases/${alice.caseId}`, { status: 'Pending' });
    expect(own.status).toBe(200);
    expect(own.body.data.status).toBe('Pending');
  });
});

describe('replies', () => {
  test('case reply on other team case is rejected', async () => {
    const before = { emails: await outgoingCount(), relayed: relay.received.length };

    const rejected = await requestAs(alice, 'post', `/cases/${bob.caseId}/reply`, { text: 'Reply from the wrong team.' });
    expect(rejected.status).toBe(404);

    const withOwnMailbox = await requestAs(alice, 'post', `/cases/${bob.caseId}/reply`, { text: 'Reply from the wrong team.', mailbox: { kind: 'personal', id: alice.personalMailboxId } });
    expect(withOwnMailbox.status).toBe(404);

    expect(await outgoingCount()).toBe(before.emails);
    expect(relay.received).toHaveLength(before.relayed);

    const own = await requestAs(alice, 'post', `/cases/${alice.caseId}/reply`, { text: 'We are looking into it.' });
    expect(own.status).toBe(201);
    expect(own.body.data.to).toEqual([expect.objectContaining({ address: alice.customer })]);
  });

  test('email reply to other team email is rejected', async () => {
    const before = { emails: await outgoingCount(), relayed: relay.received.length };

    for (const emailId of [bob.groupEmailId, bob.personalEmailId]) {
      const rejected = await requestAs(alice, 'post', `/emails/${emailId}/reply`, { text: 'Reply to mail I cannot see.', mailbox: { kind: 'personal', id: alice.personalMailboxId } });
      expect(rejected.status).toBe(404);
    }

    expect(await outgoingCount()).toBe(before.emails);
    expect(relay.received).toHaveLength(before.relayed);

    const own = await requestAs(alice, 'post', `/emails/${alice.groupEmailId}/reply`, { text: 'Thanks for the invoice.' });
    expect(own.status).toBe(201);
  });

  test('resend of other user email is rejected', async () => {
    relay.rejectMessages({ code: 550, message: '5.7.1 Rejected for this test', count: 1 });
    const failed = await requestAs(bob, 'post', '/emails/send', { mailbox: { kind: 'personal', id: bob.personalMailboxId }, to: bob.customer, subject: 'Will fail', text: 'Rejected by the relay.' });
    relay.acceptMessages();
    expect(failed.status).toBe(202);
    expect(failed.body.data.status).toBe('failed');

    const rejected = await requestAs(alice, 'post', `/emails/${failed.body.data.id}/resend`);
    expect(rejected.status).toBe(404);

    const stored = await strapi().db.query('plugin::inbox.email').findOne({ where: { id: failed.body.data.id } });
    expect(stored.status).toBe('failed');
  });
});

describe('sending', () => {
  function sendAs(agent: Agent, mailbox: { kind: string; id: number }, extra: Record<string, unknown> = {}) {
    return requestAs(agent, 'post', '/emails/send', { mailbox, to: agent.customer, subject: 'Hello', text: 'Hello customer.', ...extra });
  }

  test('other user personal mailbox is rejected', async () => {
    const before = { emails: await outgoingCount(), relayed: relay.received.length };

    const rejected = await sendAs(alice, { kind: 'personal', id: bob.personalMailboxId });
    expect(rejected.status).toBe(404);
    expect(await outgoingCount()).toBe(before.emails);
    expect(relay.received).toHaveLength(before.relayed);

    expect((await sendAs(alice, { kind: 'personal', id: alice.personalMailboxId })).status).toBe(201);
  });

  test('other team group mailbox is rejected', async () => {
    const before = { emails: await outgoingCount(), relayed: relay.received.length };

    const rejected = await sendAs(alice, { kind: 'group', id: bob.groupMailboxId });
    expect(rejected.status).toBe(403);
    expect(await outgoingCount()).toBe(before.emails);
    expect(relay.received).toHaveLength(before.relayed);

    expect((await sendAs(alice, { kind: 'group', id: alice.groupMailboxId })).status).toBe(201);
  });

  test('new email on other team case is rejected', async () => {
    const before = await outgoingCount();

    const rejected = await sendAs(alice, { kind: 'personal', id: alice.personalMailboxId }, { caseId: bob.caseId });
    expect(rejected.status).toBe(404);
    expect(await outgoingCount()).toBe(before);
  });
});

describe('follows', () => {
  test('following other team case is rejected', async () => {
    const rejected = await requestAs(alice, 'post', '/follows', { targetUid: CASE_UID, targetDocumentId: bob.caseDocumentId });
    expect(rejected.status).toBe(403);

    const rows = await strapi().db.query('plugin::inbox.follow').findMany({ where: { user: { id: alice.userId }, targetDocumentId: bob.caseDocumentId } });
    expect(rows).toHaveLength(0);

    const own = await requestAs(alice, 'post', '/follows', { targetUid: CASE_UID, targetDocumentId: alice.caseDocumentId });
    expect(own.status).toBe(201);
  });

  test('list and delete cover own follows only', async () => {
    const bobFollow = await strapi().db.query('plugin::inbox.follow').findOne({ where: { user: { id: bob.userId }, targetDocumentId: bob.caseDocumentId } });
    expect(bobFollow).not.toBeNull();

    const listed = await requestAs(alice, 'get', '/follows');
    expect(listed.body.data.map((row: { targetDocumentId: string }) => row.targetDocumentId)).toEqual([alice.caseDocumentId]);

    expect((await requestAs(alice, 'delete', `/follows/${bobFollow.id}`)).status).toBe(404);
    expect(await strapi().db.query('plugin::inbox.follow').findOne({ where: { id: bobFollow.id } })).not.toBeNull();
  });
});

describe('notifications', () => {
  test('list shows only own notifications', async () => {
    const listed = ids(await requestAs(alice, 'get', '/notifications'));

    expect(listed).toContain(alice.notificationId);
    expect(listed).not.toContain(bob.notificationId);
  });

  test('other user notification cannot be marked read', async () => {
    const unreadOf = (agent: Agent) => strapi().db.query('plugin::inbox.notification').count({ where: { user: { id: agent.userId }, readAt: { $null: true } } });
    const before = { alice: await unreadOf(alice), bob: await unreadOf(bob) };
    expect(before.bob).toBeGreaterThan(0);

    expect((await requestAs(alice, 'post', `/notifications/${bob.notificationId}/read`)).status).toBe(404);

    const marked = await requestAs(alice, 'post', '/notifications/read-all');
    expect(marked.status).toBe(200);
    expect(marked.body.data.count).toBe(before.alice);

    const bobRow = await strapi().db.query('plugin::inbox.notification').findOne({ where: { id: bob.notificationId } });
    expect(bobRow.readAt).toBeNull();

    const bobUnread = await requestAs(bob, 'get', '/notifications?unread=true');
    expect(bobUnread.body.meta.unread).toBe(before.bob);
  });
});

describe('personal mailboxes', () => {
  test('list shows only own mailboxes', async () => {
    expect(ids(await requestAs(alice, 'get', '/personal-mailboxes'))).toEqual([alice.personalMailboxId]);
    expect(ids(await requestAs(bob, 'get', '/personal-mailboxes'))).toEqual([bob.personalMailboxId]);
  });

  test('other user mailbox is not found', async () => {
    const path = `/personal-mailboxes/${bob.personalMailboxId}`;

    expect((await requestAs(alice, 'get', path)).status).toBe(404);
    expect((await requestAs(alice, 'put', path, { name: 'Taken over', owner: alice.userId })).status).toBe(404);
    expect((await requestAs(alice, 'post', `${path}/fetch`)).status).toBe(404);
    expect((await requestAs(alice, 'delete', path)).status).toBe(404);

    const stored = await requestAs(bob, 'get', path);
    expect(stored.status).toBe(200);
    expect(stored.body.data.name).toBe('Mail of bob');
    expect(stored.body.data.owner.id).toBe(bob.userId);
  });

  test('update keeps the caller as owner', async () => {
    const updated = await requestAs(alice, 'put', `/personal-mailboxes/${alice.personalMailboxId}`, { name: 'Mail of alice, renamed', owner: bob.userId });

    expect(updated.status).toBe(200);
    expect(updated.body.data.name).toBe('Mail of alice, renamed');
    expect(updated.body.data.owner.id).toBe(alice.userId);
  });

  test('created mailbox belongs to the caller', async () => {
    const created = await requestAs(alice, 'post', '/personal-mailboxes', { name: 'Second mail of alice', emailAddress: 'second-alice@example.org', active: false, owner: bob.userId });

    expect(created.status).toBe(201);
    expect(created.body.data.owner.id).toBe(alice.userId);
    expect(ids(await requestAs(bob, 'get', '/personal-mailboxes'))).toEqual([bob.personalMailboxId]);

    expect((await requestAs(alice, 'delete', `/personal-mailboxes/${created.body.data.id}`)).status).toBe(200);
  });
});

describe('secrets', () => {
  test('no response contains a mailbox password', async () => {
    for (const agent of [alice, bob]) {
      await requestAs(agent, 'get', '/personal-mailboxes');
      await requestAs(agent, 'get', `/personal-mailboxes/${agent.personalMailboxId}`);
      await requestAs(agent, 'get', '/emails');
      await requestAs(agent, 'get', `/emails/${agent.groupEmailId}`);
      await requestAs(agent, 'get', '/cases');
      await requestAs(agent, 'get', `/cases/${agent.caseId}`);
      await requestAs(agent, 'get', `/cases/${agent.caseId}/stream`);
      await requestAs(agent, 'get', '/notifications');
      await requestAs(agent, 'get', '/follows');
    }

    const mailboxes = await requestAs(alice, 'get', `/personal-mailboxes/${alice.personalMailboxId}`);
    expect(mailboxes.body.data.imap.hasPassword).toBe(true);

    expect(responseBodies.length).toBeGreaterThan(40);

    for (const body of responseBodies) {
      expect(body).not.toContain(PASSWORD);
      expect(body).not.toContain('v1:');
      expect(body).not.toMatch(/password"/);
    }
  });
});
