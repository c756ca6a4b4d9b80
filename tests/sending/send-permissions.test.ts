import request from 'supertest';

import { createAdminToken, createApiUser } from '../helpers/auth';
import { createTeamOf } from '../helpers/cases';
import { useMailStackWithRelay } from '../helpers/mail-stack';
import { addMailUser, createSendingMailbox, type MailLogin } from './mail-world';

const stack = useMailStackWithRelay();
let recipient: MailLogin;

beforeAll(async () => {
  recipient = await addMailUser(stack.dovecot, stack.relay, 'partner');
});

const SEND_ACTIONS = ['plugin::inbox.send.create'];

async function roleOf(userId: number) {
  const user = await stack.app.strapi.db.query('plugin::users-permissions.user').findOne({ where: { id: userId }, populate: { role: true } });
  return user.role.id as number;
}

/** Creates an API user whose role has the given send level, in a team of its own. */
async function userWithLevel(level: 'no' | 'team' | 'all' | null) {
  const user = await createApiUser(stack.app.strapi, SEND_ACTIONS);
  const team = await createTeamOf(stack.app.strapi, `Team of ${user.user.username}`, [user.user.id]);

  if (level) {
    await stack.app.strapi.plugin('inbox').service('sendPermissions').setLevel(await roleOf(user.user.id), level);
  }

  return { ...user, team };
}

function sendThrough(jwt: string, mailbox: { kind: string; id: number }) {
  return request(stack.app.strapi.server.httpServer)
    .post('/api/inbox/emails/send')
    .set('Authorization', `Bearer ${jwt}`)
    .send({ data: { mailbox, to: recipient.address, subject: 'Hello', text: 'Hello partner.' } });
}

function outgoingCount() {
  return stack.app.strapi.db.query('plugin::inbox.email').count({ where: { direction: 'outgoing' } });
}

describe('send levels', () => {
  test('role at no cannot send through a shared mailbox', async () => {
    const user = await userWithLevel('no');
    const { mailbox } = await createSendingMailbox(stack.app.strapi, stack.dovecot, stack.relay, { team: user.team.id });
    const before = { emails: await outgoingCount(), relayed: stack.relay.received.length };

    const response = await sendThrough(user.jwt, { kind: 'group', id: mailbox.id });

    expect(response.status).toBe(403);
    expect(response.body.error.message).toMatch(/send level "no"/);
    expect(await outgoingCount()).toBe(before.emails);
    expect(stack.relay.received).toHaveLength(before.relayed);
  });

  test('role without a level defaults to no', async () => {
    const user = await userWithLevel(null);
    const { mailbox } = await createSendingMailbox(stack.app.strapi, stack.dovecot, stack.relay, { team: user.team.id });

    expect((await sendThrough(user.jwt, { kind: 'group', id: mailbox.id })).status).toBe(403);
  });

  test('role at team sends only through its teams mailboxes', async () => {
    const user = await userWithLevel('team');
    const other = await createTeamOf(stack.app.strapi, 'Another team', []);
    const own = await createSendingMailbox(stack.app.strapi, stack.dovecot, stack.relay, { team: user.team.id });
    const foreign = await createSendingMailbox(stack.app.strapi, stack.dovecot, stack.relay, { team: other.id });
    const teamless = await createSendingMailbox(stack.app.strapi, stack.dovecot, stack.relay);

    const allowed = await sendThrough(user.jwt, { kind: 'group', id: own.mailbox.id });
    expect(allowed.status).toBe(201);
    expect(allowed.body.data.fromAddress).toBe(own.mailbox.emailAddress);

    const refused = await sendThrough(user.jwt, { kind: 'group', id: foreign.mailbox.id });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toMatch(/only through the mailboxes of your teams/);

    expect((await sendThrough(user.jwt, { kind: 'group', id: teamless.mailbox.id })).status).toBe(403);
  });

  test('role at all sends through any shared mailbox', async () => {
    const user = await userWithLevel('all');
    const other = await createTeamOf(stack.app.strapi, 'Far team', []);
    const foreign = await createSendingMailbox(stack.app.strapi, stack.dovecot, stack.relay, { team: other.id });
    const unshared = await createSendingMailbox(stack.app.strapi, stack.dovecot, stack.relay, { team: other.id, shared: false });
    const noSmtp = await createSendingMailbox(stack.app.strapi, stack.dovecot, stack.relay, { smtpEnabled: false });

    expect((await sendThrough(user.jwt, { kind: 'group', id: foreign.mailbox.id })).status).toBe(201);

    const refused = await sendThrough(user.jwt, { kind: 'group', id: unshared.mailbox.id });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toMatch(/not shared for sending/);

    const unconfigured = await sendThrough(user.jwt, { kind: 'group', id: noSmtp.mailbox.id });
    expect(unconfigured.status).toBe(400);
    expect(unconfigured.body.error.message).toMatch(/has no SMTP settings/);
  });

  test('personal mailbox of another user is not found', async () => {
    const owner = await userWithLevel('no');
    const stranger = await userWithLevel('all');
    const personal = await stack.app.strapi.plugin('inbox').service('mailboxes').create('personal', {
      name: 'Private',
      emailAddress: `private${owner.user.id}@example.com`,
      owner: owner.user.id,
      smtpEnabled: true,
      smtp: { host: stack.relay.host, port: stack.relay.port, security: 'none', auth: false },
    });

    expect((await sendThrough(stranger.jwt, { kind: 'personal', id: personal.id })).status).toBe(404);
    expect((await sendThrough(owner.jwt, { kind: 'personal', id: personal.id })).status).toBe(201);
  });

  test('user without the send action is refused by its role', async () => {
    const user = await createApiUser(stack.app.strapi, []);
    const { mailbox } = await createSendingMailbox(stack.app.strapi, stack.dovecot, stack.relay);

    expect((await sendThrough(user.jwt, { kind: 'group', id: mailbox.id })).status).toBe(403);
    expect((await request(stack.app.strapi.server.httpServer).post('/api/inbox/emails/send').send({})).status).toBe(403);
  });
});

describe('send actions', () => {
  test('each route needs its own action', async () => {
    const onlyNew = await userWithLevel('all');
    const onlyReply = await createApiUser(stack.app.strapi, ['plugin::inbox.send.replyOnCase']);
    const { mailbox } = await createSendingMailbox(stack.app.strapi, stack.dovecot, stack.relay);
    const server = stack.app.strapi.server.httpServer;

    const replyWithoutAction = await request(server).post('/api/inbox/cases/1/reply').set('Authorization', `Bearer ${onlyNew.jwt}`).send({ data: { text: 'x' } });
    expect(replyWithoutAction.status).toBe(403);

    const sendWithoutAction = await sendThrough(onlyReply.jwt, { kind: 'group', id: mailbox.id });
    expect(sendWithoutAction.status).toBe(403);

    const replyWithAction = await request(server).post('/api/inbox/cases/999999/reply').set('Authorization', `Bearer ${onlyReply.jwt}`).send({ data: { text: 'x' } });
    expect(replyWithAction.status).toBe(404);
  });
});

describe('send levels admin API', () => {
  test('lists and sets the level of each role', async () => {
    const token = await createAdminToken(stack.app.strapi);
    const user = await createApiUser(stack.app.strapi, SEND_ACTIONS);
    const roleId = await roleOf(user.user.id);
    const server = stack.app.strapi.server.httpServer;

    const before = await request(server).get('/inbox/send-permissions').set('Authorization', `Bearer ${token}`);
    expect(before.status).toBe(200);
    expect(before.body.data.find((item: any) => item.role.id === roleId).level).toBe('no');

    const set = await request(server).put(`/inbox/send-permissions/${roleId}`).set('Authorization', `Bearer ${token}`).send({ level: 'team' });
    expect(set.status).toBe(200);
    expect(set.body.data.level).toBe('team');

    const after = await request(server).get('/inbox/send-permissions').set('Authorization', `Bearer ${token}`);
    expect(after.body.data.find((item: any) => item.role.id === roleId).level).toBe('team');
    expect(await stack.app.strapi.db.query('plugin::inbox.send-permission').count({ where: { role: { id: roleId } } })).toBe(1);

    const invalid = await request(server).put(`/inbox/send-permissions/${roleId}`).set('Authorization', `Bearer ${token}`).send({ level: 'everyone' });
    expect(invalid.status).toBe(400);

    const missing = await request(server).put('/inbox/send-permissions/999999').set('Authorization', `Bearer ${token}`).send({ level: 'all' });
    expect(missing.status).toBe(404);

    expect((await request(server).get('/inbox/send-permissions')).status).toBe(401);
  });
});
