import request from 'supertest';

import { appendMessages } from '../../scripts/lib/dovecot';
import { createApiUser } from '../helpers/auth';
import { casesOfMailbox, createTeamOf } from '../helpers/cases';
import { fetchGroup } from '../helpers/inbox';
import { buildMessage } from '../helpers/mail';
import { useMailStackWithRelay } from '../helpers/mail-stack';
import { createSendingMailbox } from './mail-world';

// Mail for addresses the relay does not know is accepted, then reported to the sender with a DSN, like a real MTA.
const stack = useMailStackWithRelay({ bounceUnknown: true });

const service = (name: string) => stack.app.strapi.plugin('inbox').service(name);

let ghostCounter = 0;

function ghostAddress() {
  ghostCounter += 1;
  return `ghost${ghostCounter}@nowhere.example`;
}

async function desk(overrides: Record<string, unknown> = {}) {
  const agent = await createApiUser(stack.app.strapi, ['plugin::inbox.send.replyOnCase']);
  const team = await createTeamOf(stack.app.strapi, `Team of ${agent.user.username}`, [agent.user.id]);
  const user = await stack.app.strapi.db.query('plugin::users-permissions.user').findOne({ where: { id: agent.user.id }, populate: { role: true } });
  await service('sendPermissions').setLevel(user.role.id, 'team');

  const created = await createSendingMailbox(stack.app.strapi, stack.dovecot, stack.relay, { caseEnabled: true, team: team.id, ...overrides });
  return { ...created, agent };
}

function emailByMessageId(messageId: string) {
  return stack.app.strapi.db.query('plugin::inbox.email').findOne({ where: { messageId }, populate: { case: { select: ['id'] }, bounceOf: { select: ['id'] } } });
}

function bounceEmails(mailboxId: number) {
  return stack.app.strapi.db.query('plugin::inbox.email').findMany({
    where: { classification: 'bounce', groupMailboxes: { id: mailboxId } },
    populate: { case: { select: ['id'] }, bounceOf: { select: ['id'] } },
  });
}

/** A DSN (RFC 3464) for one failed recipient that returns the headers of the named message. */
function dsnFor(to: string, failed: string, originalMessageId: string, id: string) {
  return Buffer.from([
    'From: Mail Delivery System <MAILER-DAEMON@mx.remote.example>',
    `To: ${to}`,
    'Subject: Delivery Status Notification (Failure)',
    `Message-ID: <${id}>`,
    'Date: Fri, 20 Nov 2026 09:00:00 +0000',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="DSN"',
    '',
    '--DSN',
    'Content-Type: text/plain',
    '',
    'Delivery failed.',
    '--DSN',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.remote.example',
    '',
    `Final-Recipient: rfc822; ${failed}`,
    'Action: failed',
    'Status: 5.2.2',
    'Diagnostic-Code: smtp; 552 5.2.2 Mailbox full',
    '--DSN',
    'Content-Type: text/rfc822-headers',
    '',
    `From: ${to}`,
    `To: ${failed}`,
    `Message-ID: <${originalMessageId}>`,
    '--DSN--',
    '',
  ].join('\r\n'));
}

describe('bounces', () => {
  test('bounce of an agent reply is noted on the case', async () => {
    const { mailbox, imapLogin, agent } = await desk();
    const ghost = ghostAddress();

    await appendMessages({ ...imapLogin, messages: [await buildMessage({ from: `Ghost <${ghost}>`, to: mailbox.emailAddress, subject: 'Help me', messageId: `<help-${ghost}>` })] });
    await fetchGroup(stack.app.strapi, mailbox.id);
    const [caseRow] = await casesOfMailbox(stack.app.strapi, mailbox.id);

    const response = await request(stack.app.strapi.server.httpServer)
      .post(`/api/inbox/cases/${caseRow.id}/reply`)
      .set('Authorization', `Bearer ${agent.jwt}`)
      .send({ data: { text: 'Here is the answer.' } });
    expect(response.status).toBe(201);

    expect((await fetchGroup(stack.app.strapi, mailbox.id)).imported).toBe(1);
    expect(await casesOfMailbox(stack.app.strapi, mailbox.id)).toHaveLength(1);

    const [bounce] = await bounceEmails(mailbox.id);
    expect(bounce.case.id).toBe(caseRow.id);
    expect(bounce.bounceOf.id).toBe(response.body.data.id);
    expect(bounce.autoHeaders.dsn.originalMessageId).toBe(response.body.data.messageId);
    expect(bounce.autoHeaders.dsn.recipients).toEqual([
      expect.objectContaining({ address: ghost, action: 'failed', status: '5.1.1' }),
    ]);

    const stream = await service('cases').stream(caseRow.id);
    const entry = stream.find((item: any) => item.type === 'bounce');
    expect(entry.email.id).toBe(bounce.id);
    expect(entry.data.originalEmailId).toBe(response.body.data.id);
    expect(entry.data.recipients[0]).toMatchObject({ address: ghost, status: '5.1.1' });

    const flagged = await stack.app.strapi.db.query('plugin::inbox.flagged-address').findOne({ where: { address: ghost }, populate: { email: { select: ['id'] } } });
    expect(flagged.bounceCount).toBe(1);
    expect(flagged.status).toBe('5.1.1');
    expect(flagged.diagnostic).toContain('User unknown');
    expect(flagged.email.id).toBe(bounce.id);

    const original = await stack.app.strapi.db.query('plugin::inbox.email').findOne({ where: { id: response.body.data.id } });
    expect(original.sendError).toMatch(new RegExp(`^Bounced: ${ghost} \\(failed: 5\\.1\\.1`));

    // Handling the same bounce again changes nothing.
    await service('bounces').handle(bounce);
    expect((await stack.app.strapi.db.query('plugin::inbox.flagged-address').findOne({ where: { address: ghost } })).bounceCount).toBe(1);
    expect((await service('cases').stream(caseRow.id)).filter((item: any) => item.type === 'bounce')).toHaveLength(1);
  });

  test('signed Message-ID finds the case of a deleted original', async () => {
    const { mailbox, imapLogin } = await desk();
    const customer = ghostAddress();

    await appendMessages({ ...imapLogin, messages: [await buildMessage({ from: customer, to: mailbox.emailAddress, subject: 'Old case' })] });
    await fetchGroup(stack.app.strapi, mailbox.id);
    const [caseRow] = await casesOfMailbox(stack.app.strapi, mailbox.id);

    const lostId = service('signatures').createMessageId(caseRow.id, 'example.com');
    await appendMessages({ ...imapLogin, messages: [dsnFor(mailbox.emailAddress, customer, lostId, `dsn-lost-${caseRow.id}@mx.remote.example`)] });
    await fetchGroup(stack.app.strapi, mailbox.id);

    const bounce = await emailByMessageId(`dsn-lost-${caseRow.id}@mx.remote.example`);
    expect(bounce.classification).toBe('bounce');
    expect(bounce.case.id).toBe(caseRow.id);
    expect(bounce.bounceOf).toBeNull();
    expect(await casesOfMailbox(stack.app.strapi, mailbox.id)).toHaveLength(1);

    const flagged = await stack.app.strapi.db.query('plugin::inbox.flagged-address').findOne({ where: { address: customer } });
    expect(flagged.status).toBe('5.2.2');
  });

  test('bounce of an unknown message opens no case', async () => {
    const { mailbox, imapLogin } = await desk();
    const stranger = ghostAddress();

    await appendMessages({ ...imapLogin, messages: [dsnFor(mailbox.emailAddress, stranger, 'never-sent@elsewhere.example', `dsn-unknown-${mailbox.id}@mx.remote.example`)] });
    await fetchGroup(stack.app.strapi, mailbox.id);

    const bounce = await emailByMessageId(`dsn-unknown-${mailbox.id}@mx.remote.example`);
    expect(bounce.classification).toBe('bounce');
    expect(bounce.case).toBeNull();
    expect(await casesOfMailbox(stack.app.strapi, mailbox.id)).toHaveLength(0);
    expect(await stack.app.strapi.db.query('plugin::inbox.flagged-address').count({ where: { address: stranger } })).toBe(1);
  });

  test('second bounce of an address counts twice', async () => {
    const { mailbox, imapLogin } = await desk();
    const full = ghostAddress();

    await appendMessages({
      ...imapLogin,
      messages: [
        dsnFor(mailbox.emailAddress, full, 'first@elsewhere.example', `dsn-a-${mailbox.id}@mx.remote.example`),
        dsnFor(mailbox.emailAddress, full, 'second@elsewhere.example', `dsn-b-${mailbox.id}@mx.remote.example`),
      ],
    });
    await fetchGroup(stack.app.strapi, mailbox.id);

    const flagged = await stack.app.strapi.db.query('plugin::inbox.flagged-address').findOne({ where: { address: full }, populate: { email: { select: ['id'] } } });
    expect(flagged.bounceCount).toBe(2);
    expect(flagged.email.id).toBe((await emailByMessageId(`dsn-b-${mailbox.id}@mx.remote.example`)).id);
  });

  test('auto-reply to a dead address bounces once and stops', async () => {
    const { mailbox, imapLogin } = await desk({ autoReplyEnabled: true });
    const ghost = ghostAddress();

    await appendMessages({ ...imapLogin, messages: [await buildMessage({ from: ghost, to: mailbox.emailAddress, subject: 'Forged sender' })] });

    for (let round = 0; round < 3; round += 1) {
      await fetchGroup(stack.app.strapi, mailbox.id);
    }

    const [caseRow] = await casesOfMailbox(stack.app.strapi, mailbox.id);
    const autoReplies = await stack.app.strapi.db.query('plugin::inbox.email').count({ where: { direction: 'outgoing', classification: 'auto-reply', case: { id: caseRow.id } } });
    const bounces = await bounceEmails(mailbox.id);

    expect(autoReplies).toBe(1);
    expect(bounces).toHaveLength(1);
    expect(bounces[0].case.id).toBe(caseRow.id);
    expect(await casesOfMailbox(stack.app.strapi, mailbox.id)).toHaveLength(1);
  });
});
