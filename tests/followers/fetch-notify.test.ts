import request from 'supertest';

import { appendMessages, ensureDovecotInstalled, startDovecot, type DovecotServer } from '../../scripts/lib/dovecot';
import { createApiUser } from '../helpers/auth';
import { createTeamOf } from '../helpers/cases';
import { createGroupMailbox, fetchGroup } from '../helpers/inbox';
import { buildMessage } from '../helpers/mail';
import { startTestApp, type TestApp } from '../helpers/strapi';

let app: TestApp;
let dovecot: DovecotServer;

const ACCOUNT = 'api::account.account';
const CONTACT = 'api::contact.contact';

beforeAll(async () => {
  await ensureDovecotInstalled({ allowInstall: false });
  dovecot = await startDovecot();
  app = await startTestApp();
});

afterAll(async () => {
  await app?.stop();
  await dovecot?.stop();
});

describe('notifications from fetched mail', () => {
  test('account follower hears of a contact\'s fetched email', async () => {
    const account = await app.strapi.documents(ACCOUNT).create({ data: { name: 'Massive Dynamic' } });
    const contact = await app.strapi.documents(CONTACT).create({ data: { lastName: 'Bishop', emailAddress: 'walter@massive.example', account: account.documentId } });

    const assignee = await createApiUser(app.strapi, []);
    const follower = await createApiUser(app.strapi, ['plugin::inbox.follow.create', `${ACCOUNT}.findOne`, 'plugin::inbox.notification.find']);
    const team = await createTeamOf(app.strapi, 'Fringe support', [assignee.user.id]);

    const followed = await request(app.strapi.server.httpServer)
      .post('/api/inbox/follows')
      .set('Authorization', `Bearer ${follower.jwt}`)
      .send({ targetUid: ACCOUNT, targetDocumentId: account.documentId });
    expect(followed.status).toBe(201);

    const { mailbox, imapLogin } = await createGroupMailbox(app.strapi, dovecot, { caseEnabled: true, team: team.id, distribution: 'direct', directAssignee: assignee.user.id });
    const message = await buildMessage({ subject: 'Cortexiphan shortage', from: 'Walter Bishop <Walter@Massive.example>', to: mailbox.emailAddress, messageId: '<cortexiphan@massive.example>' });
    await appendMessages({ ...imapLogin, messages: [message] });

    const run = await fetchGroup(app.strapi, mailbox.id);
    expect(run.imported).toBe(1);

    const email = await app.strapi.db.query('plugin::inbox.email').findOne({ where: { messageId: 'cortexiphan@massive.example' }, populate: { case: { select: ['id', 'contactDocumentId'] } } });
    expect(email.parentUid).toBe(ACCOUNT);
    expect(email.parentDocumentId).toBe(account.documentId);
    expect(email.accountDocumentId).toBe(account.documentId);
    expect(email.case).not.toBeNull();
    expect(email.case.contactDocumentId).toBe(contact.documentId);

    const listed = await request(app.strapi.server.httpServer).get('/api/inbox/notifications').set('Authorization', `Bearer ${follower.jwt}`);
    expect(listed.status).toBe(200);
    expect(listed.body.data).toHaveLength(1);
    expect(listed.body.data[0].email.id).toBe(email.id);
    expect(listed.body.data[0].case.id).toBe(email.case.id);
    expect(listed.body.data[0].targetUid).toBe(ACCOUNT);

    // The assignee follows the case it was given, so it hears of the same email through the case.
    const assigneeNotices = await app.strapi.db.query('plugin::inbox.notification').findMany({ where: { user: { id: assignee.user.id }, type: 'email' } });
    expect(assigneeNotices).toHaveLength(1);
    expect(assigneeNotices[0].targetUid).toBe('plugin::inbox.case');
  });
});
