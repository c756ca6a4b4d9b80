import request from 'supertest';

import { listMessages } from '../../scripts/lib/dovecot';
import { createApiUser } from '../helpers/auth';
import { casesOfMailbox, createTeamOf } from '../helpers/cases';
import { fetchGroup, PASSWORD } from '../helpers/inbox';
import { useMailStackWithRelay } from '../helpers/mail-stack';
import { addMailUser, bareId, createSendingMailbox, headerOf, readMailbox, sendAs } from './mail-world';

const stack = useMailStackWithRelay();

const SEND_ACTIONS = ['plugin::inbox.send.create', 'plugin::inbox.send.reply', 'plugin::inbox.send.replyOnCase', 'plugin::inbox.send.resend'];

const service = (name: string) => stack.app.strapi.plugin('inbox').service(name);

async function roleOf(userId: number) {
  const user = await stack.app.strapi.db.query('plugin::users-permissions.user').findOne({ where: { id: userId }, populate: { role: true } });
  return user.role.id as number;
}

/** Creates a support desk: a case-enabled group mailbox of a team whose agent may send through the team's mailboxes. */
async function supportDesk(overrides: Record<string, unknown> = {}) {
  const agent = await createApiUser(stack.app.strapi, SEND_ACTIONS);
  const team = await createTeamOf(stack.app.strapi, `Team of ${agent.user.username}`, [agent.user.id]);
  await service('sendPermissions').setLevel(await roleOf(agent.user.id), 'team');

  const created = await createSendingMailbox(stack.app.strapi, stack.dovecot, stack.relay, {
    caseEnabled: true,
    distribution: 'direct',
    directAssignee: agent.user.id,
    team: team.id,
    ...overrides,
  });

  return { ...created, agent, team };
}

/** Sends a customer's first message, then fetches the mailbox, which opens a case. */
async function customerOpensCase(mailbox: { id: number; emailAddress: string }, subject: string) {
  const customer = await addMailUser(stack.dovecot, stack.relay, 'customer');
  const firstId = `<first-${customer.user}@example.org>`;
  await sendAs(stack.relay, `Customer ${customer.user} <${customer.address}>`, { to: mailbox.emailAddress, subject, text: 'Please help.', messageId: firstId });

  expect((await fetchGroup(stack.app.strapi, mailbox.id)).imported).toBe(1);
  const [caseRow] = await casesOfMailbox(stack.app.strapi, mailbox.id);
  return { customer, caseRow, firstId: bareId(firstId) };
}

function post(path: string, jwt: string, data: Record<string, unknown>) {
  return request(stack.app.strapi.server.httpServer).post(`/api/inbox${path}`).set('Authorization', `Bearer ${jwt}`).send({ data });
}

describe('replying on a case', () => {
  test('agent reply reaches the customer and threads back', async () => {
    const { mailbox, agent } = await supportDesk();
    const { customer, caseRow, firstId } = await customerOpensCase(mailbox, 'Printer on fire');
    const token = service('signatures').subjectToken(caseRow.number);

    const response = await post(`/cases/${caseRow.id}/reply`, agent.jwt, { text: 'We are on our way.' });
    expect(response.status).toBe(201);
    expect(response.body.data.status).toBe('sent');
    expect(response.body.data.sendError).toBeNull();

    const inbox = await readMailbox(customer);
    expect(inbox).toHaveLength(1);
    const reply = inbox[0];

    expect(reply.from!.value[0].address).toBe(mailbox.emailAddress);
    expect(reply.from!.value[0].name).toBe('Support desk');
    expect(reply.replyTo!.value.map((entry) => entry.address)).toEqual([mailbox.emailAddress]);
    expect(reply.subject).toBe(`Re: Printer on fire ${token}`);
    expect(bareId(reply.inReplyTo)).toBe(firstId);
    expect([reply.references].flat().map(bareId)).toEqual([firstId]);
    expect(headerOf(reply, 'x-loop')).toBe(mailbox.emailAddress);
    expect(reply.text?.trim()).toBe('We are on our way.');
    expect(service('signatures').verifyMessageId(reply.messageId)).toBe(caseRow.id);

    const stored = await stack.app.strapi.db.query('plugin::inbox.email').findOne({
      where: { id: response.body.data.id },
      populate: { case: { select: ['id'] }, sentByUser: { select: ['id'] }, groupMailboxes: { select: ['id'] } },
    });
    expect(stored.direction).toBe('outgoing');
    expect(stored.messageId).toBe(bareId(reply.messageId));
    expect(stored.case.id).toBe(caseRow.id);
    expect(stored.sentByUser.id).toBe(agent.user.id);
    expect(stored.groupMailboxes.map((item: { id: number }) => item.id)).toEqual([mailbox.id]);
    expect(stored.sendAttempts).toBe(1);

    await sendAs(stack.relay, customer.address, {
      to: reply.replyTo!.text,
      subject: `Re: ${reply.subject}`,
      text: 'Thank you!',
      messageId: `<answer-${customer.user}@example.org>`,
      inReplyTo: reply.messageId,
      references: [`<${firstId}>`, reply.messageId!],
    });
    expect((await fetchGroup(stack.app.strapi, mailbox.id)).imported).toBe(1);

    const answer = await stack.app.strapi.db.query('plugin::inbox.email').findOne({ where: { messageId: `answer-${customer.user}@example.org` }, populate: { case: { select: ['id'] } } });
    expect(answer.case.id).toBe(caseRow.id);
    expect(await casesOfMailbox(stack.app.strapi, mailbox.id)).toHaveLength(1);

    const stream = await service('cases').stream(caseRow.id);
    expect(stream.filter((entry: any) => entry.type.startsWith('email')).map((entry: any) => entry.type)).toEqual(['email-in', 'email-out', 'email-in']);
  });

  test('second reply keeps one token and the whole chain', async () => {
    const { mailbox, agent } = await supportDesk();
    const { customer, caseRow, firstId } = await customerOpensCase(mailbox, 'Invoice wrong');
    const token = service('signatures').subjectToken(caseRow.number);

    expect((await post(`/cases/${caseRow.id}/reply`, agent.jwt, { text: 'Which invoice?' })).status).toBe(201);
    const [firstReply] = await readMailbox(customer);

    const answerId = `answer-${customer.user}@example.org`;
    await sendAs(stack.relay, customer.address, {
      to: mailbox.emailAddress,
      subject: firstReply.subject,
      text: 'Number 77.',
      messageId: `<${answerId}>`,
      inReplyTo: firstReply.messageId,
      references: [`<${firstId}>`, firstReply.messageId!],
    });
    await fetchGroup(stack.app.strapi, mailbox.id);
    const answer = await stack.app.strapi.db.query('plugin::inbox.email').findOne({ where: { messageId: answerId } });

    const second = await post(`/emails/${answer.id}/reply`, agent.jwt, { text: 'Fixed.' });
    expect(second.status).toBe(201);

    const secondReply = (await readMailbox(customer))[1];
    expect(secondReply.subject).toBe(`Re: Invoice wrong ${token}`);
    expect(secondReply.subject!.split(token)).toHaveLength(2);
    expect(bareId(secondReply.inReplyTo)).toBe(answerId);
    expect([secondReply.references].flat().map(bareId)).toEqual([firstId, bareId(firstReply.messageId), answerId]);
    expect(service('signatures').verifyMessageId(secondReply.messageId)).toBe(caseRow.id);
  });

  test('personal mailbox reply keeps the group Reply-To', async () => {
    const { mailbox, agent } = await supportDesk();
    const { customer, caseRow } = await customerOpensCase(mailbox, 'Login fails');

    await stack.dovecot.addUser(`own${agent.user.id}`, PASSWORD);
    const personal = await service('mailboxes').create('personal', {
      name: 'My mailbox',
      emailAddress: `agent${agent.user.id}@example.com`,
      owner: agent.user.id,
      smtpEnabled: true,
      smtp: { host: stack.relay.host, port: stack.relay.port, security: 'none', auth: true, username: 'agent', password: 'smtp-secret', fromName: 'Agent Smith' },
    });

    const response = await post(`/cases/${caseRow.id}/reply`, agent.jwt, { text: 'Try again now.', mailbox: { kind: 'personal', id: personal.id } });
    expect(response.status).toBe(201);

    const [reply] = await readMailbox(customer);
    expect(reply.from!.value[0]).toEqual({ address: personal.emailAddress, name: 'Agent Smith' });
    expect(reply.replyTo!.value.map((entry) => entry.address)).toEqual([mailbox.emailAddress]);
    expect(service('signatures').verifyMessageId(reply.messageId)).toBe(caseRow.id);
  });

  test('new email with a case goes on its stream', async () => {
    const { mailbox, agent } = await supportDesk();
    const { caseRow } = await customerOpensCase(mailbox, 'Delivery late');
    const courier = await addMailUser(stack.dovecot, stack.relay, 'courier', 'example.net');

    const response = await post('/emails/send', agent.jwt, {
      mailbox: { kind: 'group', id: mailbox.id },
      to: [{ address: courier.address, name: 'Courier' }],
      subject: 'Where is parcel 12?',
      text: 'Please check.',
      caseId: caseRow.id,
    });
    expect(response.status).toBe(201);

    const [received] = await readMailbox(courier);
    expect(received.subject).toBe(`Where is parcel 12? ${service('signatures').subjectToken(caseRow.number)}`);
    expect(received.replyTo!.value[0].address).toBe(mailbox.emailAddress);

    const stream = await service('cases').stream(caseRow.id);
    expect(stream.some((entry: any) => entry.type === 'email-out' && entry.email.id === response.body.data.id)).toBe(true);
  });

  test('sent mail lands in the Sent folder', async () => {
    const { mailbox, agent, imapLogin } = await supportDesk({ imap: { sentFolder: 'Sent' } });
    const { caseRow } = await customerOpensCase(mailbox, 'Copy to Sent');

    const response = await post(`/cases/${caseRow.id}/reply`, agent.jwt, { text: 'Noted.' });
    expect(response.status).toBe(201);

    const sent = await listMessages({ ...imapLogin, folder: 'Sent' });
    expect(sent).toHaveLength(1);
    expect(bareId(sent[0].messageId)).toBe(response.body.data.messageId);
    expect(sent[0].flags).toContain('\\Seen');
  });

  test('Bcc stays out of the delivered headers', async () => {
    const { mailbox, agent } = await supportDesk();
    const visible = await addMailUser(stack.dovecot, stack.relay, 'visible');
    const hidden = await addMailUser(stack.dovecot, stack.relay, 'hidden');

    const response = await post('/emails/send', agent.jwt, {
      mailbox: { kind: 'group', id: mailbox.id },
      to: visible.address,
      bcc: [hidden.address],
      subject: 'Quarterly update',
      text: 'Numbers attached.',
    });
    expect(response.status).toBe(201);

    const [toCopy] = await readMailbox(visible);
    const [bccCopy] = await readMailbox(hidden);
    expect(toCopy.subject).toBe('Quarterly update');
    expect(bccCopy.subject).toBe('Quarterly update');
    expect(headerOf(toCopy, 'bcc')).toBe('');
    expect(headerOf(bccCopy, 'bcc')).toBe('');
  });

  test('invalid requests are rejected before anything is stored', async () => {
    const { mailbox, agent } = await supportDesk();
    const before = await stack.app.strapi.db.query('plugin::inbox.email').count({ where: { direction: 'outgoing' } });

    const cases: [Record<string, unknown>, RegExp][] = [
      [{ to: 'a@example.org', text: 'x' }, /Missing "mailbox"/],
      [{ mailbox: { kind: 'group', id: mailbox.id }, text: 'x' }, /no recipient/],
      [{ mailbox: { kind: 'group', id: mailbox.id }, to: 'not an address', text: 'x' }, /Invalid address in "to"/],
      [{ mailbox: { kind: 'group', id: mailbox.id }, to: 'a@example.org' }, /Missing "text"/],
      [{ mailbox: { kind: 'shared', id: mailbox.id }, to: 'a@example.org', text: 'x' }, /Invalid "mailbox"/],
    ];

    for (const [data, message] of cases) {
      const response = await post('/emails/send', agent.jwt, data);
      expect(response.status).toBe(400);
      expect(response.body.error.message).toMatch(message);
    }

    expect(await stack.app.strapi.db.query('plugin::inbox.email').count({ where: { direction: 'outgoing' } })).toBe(before);
  });
});
