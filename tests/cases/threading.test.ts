import request from 'supertest';

import { appendMessages } from '../../scripts/lib/dovecot';
import { createApiUser } from '../helpers/auth';
import { casesOfMailbox, createTeamOf } from '../helpers/cases';
import { createGroupMailbox, fetchGroup } from '../helpers/inbox';
import { buildMessage } from '../helpers/mail';
import { useMailStack } from '../helpers/mail-stack';

const stack = useMailStack();

const CASE_ACTIONS = ['plugin::inbox.case.find', 'plugin::inbox.case.findOne', 'plugin::inbox.case.stream', 'plugin::inbox.case.update'];

async function caseMailbox(overrides: Record<string, unknown> = {}) {
  const agent = await createApiUser(stack.app.strapi, CASE_ACTIONS);
  const team = await createTeamOf(stack.app.strapi, `Team of ${agent.user.username}`, [agent.user.id]);
  const created = await createGroupMailbox(stack.app.strapi, stack.dovecot, { caseEnabled: true, distribution: 'direct', directAssignee: agent.user.id, team: team.id, ...overrides });
  return { ...created, team, agent };
}

async function deliver(imapLogin: any, messages: Buffer[]) {
  await appendMessages({ ...imapLogin, messages });
}

function emailOf(strapi: any, messageId: string) {
  return strapi.db.query('plugin::inbox.email').findOne({ where: { messageId }, populate: { case: { select: ['id', 'number', 'status'] } } });
}

describe('email-to-case threading', () => {
  test('joins a thread of three messages into one case', async () => {
    const { mailbox, imapLogin } = await caseMailbox();

    await deliver(imapLogin, [
      await buildMessage({ subject: 'Order TC-1 missing', messageId: '<thread-1@example.org>' }),
      await buildMessage({ subject: 'Re: Order TC-1 missing', messageId: '<thread-2@example.org>', inReplyTo: '<thread-1@example.org>' }),
      await buildMessage({ subject: 'Re: Order TC-1 missing', messageId: '<thread-3@example.org>', headers: { References: '<thread-1@example.org>' } }),
      await buildMessage({ subject: 'Re: Order TC-1 missing', messageId: '<thread-4@example.org>', headers: { References: '<thread-1@example.org>,<thread-2@example.org>,<thread-3@example.org>' } }),
      await buildMessage({ subject: 'Re: Order TC-1 missing', messageId: '<thread-5@example.org>', headers: { References: '<thread-2@example.org><thread-4@example.org>' } }),
    ]);

    await fetchGroup(stack.app.strapi, mailbox.id);
    const cases = await casesOfMailbox(stack.app.strapi, mailbox.id);

    expect(cases).toHaveLength(1);
    expect(cases[0].emails).toHaveLength(5);
    expect(cases[0].title).toBe('Order TC-1 missing');
    expect(cases[0].status).toBe('Assigned');
  });

  test('reads the case stream in order through REST', async () => {
    const { mailbox, imapLogin, agent } = await caseMailbox();
    await deliver(imapLogin, [
      await buildMessage({ subject: 'Stream start', messageId: '<stream-1@example.org>' }),
      await buildMessage({ subject: 'Re: Stream start', messageId: '<stream-2@example.org>', inReplyTo: '<stream-1@example.org>' }),
    ]);
    await fetchGroup(stack.app.strapi, mailbox.id);

    const [caseRow] = await casesOfMailbox(stack.app.strapi, mailbox.id);
    const jwt = agent.jwt;
    const stranger = await createApiUser(stack.app.strapi, CASE_ACTIONS);

    const closed = await request(stack.app.strapi.server.httpServer).put(`/api/inbox/cases/${caseRow.id}`).set('Authorization', `Bearer ${jwt}`).send({ data: { status: 'Pending' } });
    expect(closed.status).toBe(200);

    const response = await request(stack.app.strapi.server.httpServer).get(`/api/inbox/cases/${caseRow.id}/stream`).set('Authorization', `Bearer ${jwt}`);
    expect(response.status).toBe(200);
    expect(response.body.data.map((entry: any) => entry.type)).toEqual(['email-in', 'assignment', 'email-in', 'status']);
    expect(response.body.data[0].email.messageId).toBe('stream-1@example.org');
    expect(response.body.data[3].data).toMatchObject({ from: 'Assigned', to: 'Pending' });

    const refused = await request(stack.app.strapi.server.httpServer).get(`/api/inbox/cases/${caseRow.id}/stream`).set('Authorization', `Bearer ${stranger.jwt}`);
    expect(refused.status).toBe(404);
  });

  test('reassigns a case only within its team', async () => {
    const outsider = await createApiUser(stack.app.strapi, CASE_ACTIONS);
    const { mailbox, imapLogin, agent } = await caseMailbox();
    await deliver(imapLogin, [await buildMessage({ subject: 'Reassign me', messageId: '<reassign-1@example.org>' })]);
    await fetchGroup(stack.app.strapi, mailbox.id);
    const [caseRow] = await casesOfMailbox(stack.app.strapi, mailbox.id);
    const server = stack.app.strapi.server.httpServer;

    const rejected = await request(server).put(`/api/inbox/cases/${caseRow.id}`).set('Authorization', `Bearer ${agent.jwt}`).send({ data: { assignee: outsider.user.id } });
    expect(rejected.status).toBe(400);
    expect(rejected.body.error.message).toMatch(/member of its team/);

    const unassigned = await request(server).put(`/api/inbox/cases/${caseRow.id}`).set('Authorization', `Bearer ${agent.jwt}`).send({ data: { assignee: null } });
    expect(unassigned.status).toBe(200);
    expect(unassigned.body.data.assignee).toBeNull();

    const reassigned = await request(server).put(`/api/inbox/cases/${caseRow.id}`).set('Authorization', `Bearer ${agent.jwt}`).send({ data: { assignee: agent.user.id } });
    expect(reassigned.status).toBe(200);
    expect(reassigned.body.data.assignee.id).toBe(agent.user.id);
  });

  test('threads a reply to our signed Message-ID after the first email is gone', async () => {
    const { mailbox, imapLogin } = await caseMailbox();
    await deliver(imapLogin, [await buildMessage({ subject: 'Signed thread', messageId: '<signed-1@example.org>' })]);
    await fetchGroup(stack.app.strapi, mailbox.id);

    const [caseRow] = await casesOfMailbox(stack.app.strapi, mailbox.id);
    const ourId = stack.app.strapi.plugin('inbox').service('signatures').createMessageId(caseRow.id, 'example.com');
    await stack.app.strapi.db.query('plugin::inbox.email').delete({ where: { messageId: 'signed-1@example.org' } });

    await deliver(imapLogin, [await buildMessage({ subject: 'Re: Signed thread', messageId: '<signed-2@example.org>', inReplyTo: `<${ourId}>` })]);
    await fetchGroup(stack.app.strapi, mailbox.id);

    expect((await emailOf(stack.app.strapi, 'signed-2@example.org')).case.id).toBe(caseRow.id);
    expect(await casesOfMailbox(stack.app.strapi, mailbox.id)).toHaveLength(1);
  });

  test('rejects a forged case token from a stranger', async () => {
    const { mailbox, imapLogin } = await caseMailbox();
    await deliver(imapLogin, [await buildMessage({ subject: 'My private order', from: 'Alice <alice@example.org>', messageId: '<alice-1@example.org>' })]);
    await fetchGroup(stack.app.strapi, mailbox.id);
    const [aliceCase] = await casesOfMailbox(stack.app.strapi, mailbox.id);

    await deliver(imapLogin, [
      await buildMessage({ subject: `Re: [#${aliceCase.number}] My private order`, from: 'Mallory <mallory@example.net>', messageId: '<mallory-1@example.org>' }),
      await buildMessage({ subject: `Re: [#${aliceCase.number}-deadbeef] My private order`, from: 'Mallory <mallory@example.net>', messageId: '<mallory-2@example.org>' }),
    ]);
    await fetchGroup(stack.app.strapi, mailbox.id);

    const forged = await emailOf(stack.app.strapi, 'mallory-1@example.org');
    const badSignature = await emailOf(stack.app.strapi, 'mallory-2@example.org');
    expect(forged.case.id).not.toBe(aliceCase.id);
    expect(badSignature.case.id).not.toBe(aliceCase.id);
    expect(await casesOfMailbox(stack.app.strapi, mailbox.id)).toHaveLength(3);
  });

  test('accepts an unsigned token from a participant and a signed one from anyone', async () => {
    const { mailbox, imapLogin } = await caseMailbox();
    await deliver(imapLogin, [await buildMessage({ subject: 'Refund please', from: 'Bob <bob@example.org>', messageId: '<bob-1@example.org>' })]);
    await fetchGroup(stack.app.strapi, mailbox.id);
    const [bobCase] = await casesOfMailbox(stack.app.strapi, mailbox.id);
    const signedToken = stack.app.strapi.plugin('inbox').service('signatures').subjectToken(bobCase.number);

    await deliver(imapLogin, [
      await buildMessage({ subject: `[#${bobCase.number}] Refund please, again`, from: 'Bob <BOB@example.org>', messageId: '<bob-2@example.org>' }),
      await buildMessage({ subject: `Re: ${signedToken} Refund please`, from: 'Bob at work <bob@work.example.net>', messageId: '<bob-3@example.org>' }),
    ]);
    await fetchGroup(stack.app.strapi, mailbox.id);

    expect((await emailOf(stack.app.strapi, 'bob-2@example.org')).case.id).toBe(bobCase.id);
    expect((await emailOf(stack.app.strapi, 'bob-3@example.org')).case.id).toBe(bobCase.id);
  });

  test('a token for a missing case opens a new case', async () => {
    const { mailbox, imapLogin } = await caseMailbox();
    await deliver(imapLogin, [await buildMessage({ subject: 'Re: [#987654] Old problem', messageId: '<missing-token@example.org>' })]);
    await fetchGroup(stack.app.strapi, mailbox.id);

    const email = await emailOf(stack.app.strapi, 'missing-token@example.org');
    expect(email.case).toBeTruthy();
    expect(email.case.number).not.toBe(987654);
  });

  test('mail on a closed case reopens it under the reopen policy', async () => {
    const { mailbox, imapLogin } = await caseMailbox({ closedCasePolicy: 'reopen' });
    await deliver(imapLogin, [await buildMessage({ subject: 'Closed soon', messageId: '<reopen-1@example.org>' })]);
    await fetchGroup(stack.app.strapi, mailbox.id);
    const [caseRow] = await casesOfMailbox(stack.app.strapi, mailbox.id);
    await stack.app.strapi.plugin('inbox').service('cases').setStatus(caseRow.id, 'Closed');

    await deliver(imapLogin, [await buildMessage({ subject: 'Re: Closed soon', messageId: '<reopen-2@example.org>', inReplyTo: '<reopen-1@example.org>' })]);
    await fetchGroup(stack.app.strapi, mailbox.id);

    const reopened = await stack.app.strapi.db.query('plugin::inbox.case').findOne({ where: { id: caseRow.id } });
    expect(reopened.status).toBe('Assigned');
    expect((await emailOf(stack.app.strapi, 'reopen-2@example.org')).case.id).toBe(caseRow.id);
    expect(await casesOfMailbox(stack.app.strapi, mailbox.id)).toHaveLength(1);
  });

  test('mail on a closed case opens a linked case under the new-linked policy', async () => {
    const { mailbox, imapLogin } = await caseMailbox({ closedCasePolicy: 'new-linked' });
    await deliver(imapLogin, [await buildMessage({ subject: 'Finished', messageId: '<linked-1@example.org>' })]);
    await fetchGroup(stack.app.strapi, mailbox.id);
    const [closedCase] = await casesOfMailbox(stack.app.strapi, mailbox.id);
    await stack.app.strapi.plugin('inbox').service('cases').setStatus(closedCase.id, 'Closed');

    await deliver(imapLogin, [await buildMessage({ subject: 'Re: Finished', messageId: '<linked-2@example.org>', inReplyTo: '<linked-1@example.org>' })]);
    await fetchGroup(stack.app.strapi, mailbox.id);

    const cases = await casesOfMailbox(stack.app.strapi, mailbox.id);
    const linked = await stack.app.strapi.db.query('plugin::inbox.case').findOne({ where: { id: cases[1].id }, populate: ['linkedCase'] });
    expect(cases).toHaveLength(2);
    expect(linked.linkedCase.id).toBe(closedCase.id);
    expect((await stack.app.strapi.db.query('plugin::inbox.case').findOne({ where: { id: closedCase.id } })).status).toBe('Closed');
    expect((await emailOf(stack.app.strapi, 'linked-2@example.org')).case.id).toBe(linked.id);
  });

  test('out-of-office, bounce and newsletter open no case', async () => {
    const { mailbox, imapLogin } = await caseMailbox();
    await deliver(imapLogin, [
      await buildMessage({
        subject: 'Balasan Otomatis: Pertanyaan pesanan',
        messageId: '<ooo@example.org>',
        headers: { 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All' },
        text: 'Saya sedang cuti sampai 10 Desember.',
      }),
      await buildMessage({
        subject: 'Undelivered Mail Returned to Sender',
        from: 'Mail Delivery System <MAILER-DAEMON@mx.example.net>',
        messageId: '<bounce@example.net>',
        headers: { 'X-Failed-Recipients': 'nobody@example.net' },
      }),
      await buildMessage({
        subject: 'Kabar Pemasok Desember',
        from: 'Kabar <kabar@news.example.org>',
        messageId: '<news@example.org>',
        headers: { 'List-Id': '<kabar.news.example.org>', 'List-Unsubscribe': '<mailto:unsub@news.example.org>', Precedence: 'bulk' },
      }),
    ]);

    await fetchGroup(stack.app.strapi, mailbox.id);

    expect(await casesOfMailbox(stack.app.strapi, mailbox.id)).toHaveLength(0);
    expect((await emailOf(stack.app.strapi, 'ooo@example.org')).classification).toBe('auto-reply');
    expect((await emailOf(stack.app.strapi, 'bounce@example.net')).classification).toBe('bounce');
    expect((await emailOf(stack.app.strapi, 'news@example.org')).classification).toBe('list');
  });

  test('an out-of-office reply in a thread joins the case without reopening it', async () => {
    const { mailbox, imapLogin } = await caseMailbox();
    await deliver(imapLogin, [await buildMessage({ subject: 'Question', messageId: '<q-1@example.org>' })]);
    await fetchGroup(stack.app.strapi, mailbox.id);
    const [caseRow] = await casesOfMailbox(stack.app.strapi, mailbox.id);
    await stack.app.strapi.plugin('inbox').service('cases').setStatus(caseRow.id, 'Closed');

    await deliver(imapLogin, [await buildMessage({ subject: 'Automatic reply: Question', messageId: '<q-ooo@example.org>', inReplyTo: '<q-1@example.org>', headers: { 'Auto-Submitted': 'auto-replied' } })]);
    await fetchGroup(stack.app.strapi, mailbox.id);

    expect((await emailOf(stack.app.strapi, 'q-ooo@example.org')).case.id).toBe(caseRow.id);
    expect((await stack.app.strapi.db.query('plugin::inbox.case').findOne({ where: { id: caseRow.id } })).status).toBe('Closed');
  });
});
