import request from 'supertest';

import { createApiUser } from '../helpers/auth';
import { startTestApp, type TestApp } from '../helpers/strapi';

let app: TestApp;
let emailCounter = 0;

const NOTIFICATION_ACTIONS = ['plugin::inbox.notification.find', 'plugin::inbox.notification.markRead', 'plugin::inbox.notification.markAllRead'];
const ACCOUNT = 'api::account.account';
const CONTACT = 'api::contact.contact';
const CASE = 'plugin::inbox.case';

beforeAll(async () => {
  app = await startTestApp();
});

afterAll(async () => {
  await app?.stop();
});

function service(name: string) {
  return app.strapi.plugin('inbox').service(name);
}

function server() {
  return app.strapi.server.httpServer;
}

function listNotifications(jwt: string, query = '') {
  return request(server()).get(`/api/inbox/notifications${query}`).set('Authorization', `Bearer ${jwt}`);
}

async function createEmail(data: Record<string, unknown>) {
  emailCounter += 1;
  return app.strapi.db.query('plugin::inbox.email').create({
    data: { messageId: `notify-${emailCounter}@example.org`, subject: `Notify test ${emailCounter}`, direction: 'incoming', ...data },
  });
}

/** Stores an email, links it to records and notifies, as the pipeline does after a fetch. */
async function processEmail(data: Record<string, unknown>, caseRow: { id: number; documentId: string } | null = null) {
  const created = await createEmail(data);
  await service('recordLinker').linkEmail(created, { direction: created.direction });
  const email = await app.strapi.db.query('plugin::inbox.email').findOne({ where: { id: created.id } });
  const count = await service('notifier').notifyNewEmail(email, { caseRow });

  return { email, count };
}

async function createAccountWithContact(name: string, address: string) {
  const account = await app.strapi.documents(ACCOUNT).create({ data: { name } });
  const contact = await app.strapi.documents(CONTACT).create({ data: { lastName: name, emailAddress: address, account: account.documentId } });
  return { account, contact };
}

async function notificationsOf(userId: number) {
  return app.strapi.db.query('plugin::inbox.notification').findMany({ where: { user: { id: userId } }, populate: ['email', 'case'] });
}

describe('notifying followers', () => {
  test('account followers hear of a contact\'s email', async () => {
    const { account } = await createAccountWithContact('Initrode', 'peter@initrode.example');
    const follower = await createApiUser(app.strapi, NOTIFICATION_ACTIONS);
    await service('follows').follow(follower.user.id, ACCOUNT, account.documentId);

    const { email, count } = await processEmail({ fromAddress: 'peter@initrode.example', to: [{ address: 'support@example.com' }] });

    expect(count).toBe(1);

    const notices = await notificationsOf(follower.user.id);
    expect(notices).toHaveLength(1);
    expect(notices[0].email.id).toBe(email.id);
    expect(notices[0].targetUid).toBe(ACCOUNT);
    expect(notices[0].targetDocumentId).toBe(account.documentId);
    expect(notices[0].readAt).toBeNull();

    const listed = await listNotifications(follower.jwt);
    expect(listed.status).toBe(200);
    expect(listed.body.data).toHaveLength(1);
    expect(listed.body.data[0].email.subject).toBe(email.subject);
    expect(listed.body.meta.unread).toBe(1);
  });

  test('contact followers hear of its email when the account is the parent', async () => {
    const { account, contact } = await createAccountWithContact('Globex', 'hank@globex.example');
    const contactFollower = await createApiUser(app.strapi, NOTIFICATION_ACTIONS);
    await service('follows').follow(contactFollower.user.id, CONTACT, contact.documentId);

    const { email, count } = await processEmail({ fromAddress: 'hank@globex.example' });

    expect(count).toBe(1);

    const stored = await app.strapi.db.query('plugin::inbox.email').findOne({ where: { id: email.id } });
    expect(stored.parentDocumentId).toBe(account.documentId);
    expect(stored.contactDocumentId).toBe(contact.documentId);

    const notices = await notificationsOf(contactFollower.user.id);
    expect(notices).toHaveLength(1);
    expect(notices[0].targetUid).toBe(CONTACT);
  });

  test('sender is not notified', async () => {
    const sender = await createApiUser(app.strapi, NOTIFICATION_ACTIONS);
    const other = await createApiUser(app.strapi, NOTIFICATION_ACTIONS);
    const { account } = await createAccountWithContact('Own staff', sender.user.email);

    await service('follows').follow(sender.user.id, ACCOUNT, account.documentId);
    await service('follows').follow(other.user.id, ACCOUNT, account.documentId);

    const { count } = await processEmail({ fromAddress: sender.user.email.toUpperCase() });

    expect(count).toBe(1);
    expect(await notificationsOf(sender.user.id)).toHaveLength(0);
    expect(await notificationsOf(other.user.id)).toHaveLength(1);
  });

  test('user who sent outgoing mail is not notified', async () => {
    const { account } = await createAccountWithContact('Outgoing', 'buyer@outgoing.example');
    const agent = await createApiUser(app.strapi, []);
    const colleague = await createApiUser(app.strapi, []);

    await service('follows').follow(agent.user.id, ACCOUNT, account.documentId);
    await service('follows').follow(colleague.user.id, ACCOUNT, account.documentId);

    const { count } = await processEmail({
      direction: 'outgoing',
      fromAddress: 'support@example.com',
      to: [{ address: 'buyer@outgoing.example' }],
      sentByUser: agent.user.id,
    });

    expect(count).toBe(1);
    expect(await notificationsOf(agent.user.id)).toHaveLength(0);
    expect(await notificationsOf(colleague.user.id)).toHaveLength(1);
  });

  test('blocked followers are not notified', async () => {
    const { account } = await createAccountWithContact('Blocked', 'someone@blocked.example');
    const blocked = await createApiUser(app.strapi, []);
    await app.strapi.db.query('plugin::users-permissions.user').update({ where: { id: blocked.user.id }, data: { blocked: true } });
    await service('follows').follow(blocked.user.id, ACCOUNT, account.documentId);

    const { count } = await processEmail({ fromAddress: 'someone@blocked.example' });

    expect(count).toBe(0);
  });

  test('one notice per user across case, parent and account', async () => {
    const { account } = await createAccountWithContact('Dedupe', 'twice@dedupe.example');
    const agent = await createApiUser(app.strapi, []);
    const caseRow = await app.strapi.db.query(CASE).create({ data: { title: 'Broken widget', assignee: agent.user.id } });

    await service('follows').follow(agent.user.id, CASE, caseRow.documentId);
    await service('follows').follow(agent.user.id, ACCOUNT, account.documentId);

    const { email, count } = await processEmail({ fromAddress: 'twice@dedupe.example' }, { id: caseRow.id, documentId: caseRow.documentId });

    expect(count).toBe(1);

    const notices = await notificationsOf(agent.user.id);
    expect(notices).toHaveLength(1);
    expect(notices[0].targetUid).toBe(CASE);
    expect(notices[0].case.id).toBe(caseRow.id);

    // Processing the same email again, as a retried pipeline run would, adds no second notice.
    expect(await service('notifier').notifyNewEmail(email, { caseRow })).toBe(0);
    expect(await notificationsOf(agent.user.id)).toHaveLength(1);
  });

  test('unlinked email without case notifies nobody', async () => {
    const { count } = await processEmail({ fromAddress: 'stranger@nowhere.example' });

    expect(count).toBe(0);
  });
});

describe('reading notifications', () => {
  async function followerWithNotices(count: number) {
    const { account } = await createAccountWithContact(`Reader ${emailCounter}`, `reader${emailCounter}@reader.example`);
    const address = (await app.strapi.documents(CONTACT).findFirst({ filters: { account: { documentId: account.documentId } } }))!.emailAddress as string;
    const follower = await createApiUser(app.strapi, NOTIFICATION_ACTIONS);
    await service('follows').follow(follower.user.id, ACCOUNT, account.documentId);

    for (let index = 0; index < count; index += 1) {
      await processEmail({ fromAddress: address });
    }

    return follower;
  }

  test('lists newest first with pages', async () => {
    const follower = await followerWithNotices(3);

    const firstPage = await listNotifications(follower.jwt, '?pageSize=2');
    expect(firstPage.body.data).toHaveLength(2);
    expect(firstPage.body.meta.pagination).toEqual({ page: 1, pageSize: 2, total: 3 });
    expect(firstPage.body.data[0].id).toBeGreaterThan(firstPage.body.data[1].id);

    const secondPage = await listNotifications(follower.jwt, '?pageSize=2&page=2');
    expect(secondPage.body.data).toHaveLength(1);
    expect(secondPage.body.data[0].id).toBeLessThan(firstPage.body.data[1].id);
  });

  test('marks one read and filters unread', async () => {
    const follower = await followerWithNotices(2);
    const [newest, oldest] = (await listNotifications(follower.jwt)).body.data;

    const read = await request(server()).post(`/api/inbox/notifications/${oldest.id}/read`).set('Authorization', `Bearer ${follower.jwt}`);
    expect(read.status).toBe(200);
    expect(read.body.data.readAt).toBeTruthy();

    const again = await request(server()).post(`/api/inbox/notifications/${oldest.id}/read`).set('Authorization', `Bearer ${follower.jwt}`);
    expect(again.body.data.readAt).toBe(read.body.data.readAt);

    const unread = await listNotifications(follower.jwt, '?unread=true');
    expect(unread.body.data.map((item: { id: number }) => item.id)).toEqual([newest.id]);
    expect(unread.body.meta.unread).toBe(1);
  });

  test('marks all read', async () => {
    const follower = await followerWithNotices(3);

    const response = await request(server()).post('/api/inbox/notifications/read-all').set('Authorization', `Bearer ${follower.jwt}`);
    expect(response.status).toBe(200);
    expect(response.body.data.count).toBe(3);

    const unread = await listNotifications(follower.jwt, '?unread=true');
    expect(unread.body.data).toHaveLength(0);
    expect((await listNotifications(follower.jwt)).body.data).toHaveLength(3);
  });

  test('other users\' notifications stay private', async () => {
    const owner = await followerWithNotices(1);
    const other = await followerWithNotices(1);
    const [ownerNotice] = (await listNotifications(owner.jwt)).body.data;

    const refused = await request(server()).post(`/api/inbox/notifications/${ownerNotice.id}/read`).set('Authorization', `Bearer ${other.jwt}`);
    expect(refused.status).toBe(404);

    const readAll = await request(server()).post('/api/inbox/notifications/read-all').set('Authorization', `Bearer ${other.jwt}`);
    expect(readAll.body.data.count).toBe(1);

    const ownerUnread = await listNotifications(owner.jwt, '?unread=true');
    expect(ownerUnread.body.data.map((item: { id: number }) => item.id)).toEqual([ownerNotice.id]);
  });
});
