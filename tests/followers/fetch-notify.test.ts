import request from 'supertest';

import { appendMessages } from '../../scripts/lib/dovecot';
import { createApiUser } from '../helpers/auth';
import { createTeamOf } from '../helpers/cases';
import { createGroupMailbox, fetchGroup } from '../helpers/inbox';
import { buildMessage } from '../helpers/mail';
import { useMailStack } from '../helpers/mail-stack';

const stack = useMailStack();

const ACCOUNT = 'api::account.account';
const CONTACT = 'api::contact.contact';

describe('notifications from fetched mail', () => {
  test('account follower hears of a contact\'s fetched email', async () => {
    const account = await stack.app.strapi.documents(ACCOUNT).create({ data: { name: 'Massive Dynamic' } });
    const contact = await stack.app.strapi.documents(CONTACT).create({ data: { lastName: 'Bishop', emailAddress: 'walter@massive.example', account: account.documentId } });

    const assignee = await createApiUser(stack.app.strapi, []);
    const follower = await createApiUser(stack.app.strapi, ['plugin::inbox.follow.create', `${ACCOUNT}.findOne`, 'plugin::inbox.notification.find']);
    const team = await createTeamOf(stack.app.strapi, 'Fringe support', [assignee.user.id]);

    const followed = await request(stack.app.strapi.server.httpServer)
      .post('/api/inbox/follows')
      .set('Authorization', `Bearer ${follower.jwt}`)
      .send({ targetUid: ACCOUNT, targetDocumentId: account.documentId });
    expect(followed.status).toBe(201);

    const { mailbox, imapLogin } = await createGroupMailbox(stack.app.strapi, stack.dovecot, { caseEnabled: true, team: team.id, distribution: 'direct', directAssignee: assignee.user.id });
    const message = await buildMessage({ subject: 'Cortexiphan shortage', from: 'Walter Bishop <Walter@Massive.example>', to: mailbox.emailAddress, messageId: '<cortexiphan@massive.example>' });
    await appendMessages({ ...imapLogin, messages: [message] });

    const run = await fetchGroup(stack.app.strapi, mailbox.id);
    expect(run.imported).toBe(1);

    const email = await stack.app.strapi.db.query('plugin::inbox.email').findOne({ where: { messageId: 'cortexiphan@massive.example' }, populate: { case: { select: ['id', 'contactDocumentId'] } } });
    expect(email.parentUid).toBe(ACCOUNT);
    expect(email.parentDocumentId).toBe(account.documentId);
    expect(email.accountDocumentId).toBe(account.documentId);
    expect(email.case).not.toBeNull();
    expect(email.case.contactDocumentId).toBe(contact.documentId);

    const listed = await request(stack.app.strapi.server.httpServer).get('/api/inbox/notifications').set('Authorization', `Bearer ${follower.jwt}`);
    expect(listed.status).toBe(200);
    expect(listed.body.data).toHaveLength(1);
    expect(listed.body.data[0].email.id).toBe(email.id);
    expect(listed.body.data[0].case.id).toBe(email.case.id);
    expect(listed.body.data[0].targetUid).toBe(ACCOUNT);

    // The assignee follows the case it was given, so it hears of the same email through the case.
    const assigneeNotices = await stack.app.strapi.db.query('plugin::inbox.notification').findMany({ where: { user: { id: assignee.user.id }, type: 'email' } });
    expect(assigneeNotices).toHaveLength(1);
    expect(assigneeNotices[0].targetUid).toBe('plugin::inbox.case');
  });
});
