import type nodemailer from 'nodemailer';
import type { ParsedMail } from 'mailparser';

import { appendMessages } from '../../scripts/lib/dovecot';
import { casesOfMailbox } from '../helpers/cases';
import { fetchGroup } from '../helpers/inbox';
import { buildMessage } from '../helpers/mail';
import { useMailStackWithRelay } from '../helpers/mail-stack';
import { addMailUser, bareId, createSendingMailbox, headerOf, readMailbox, sendAs, type MailLogin } from './mail-world';

const stack = useMailStackWithRelay();

/** Upper bound of fetch rounds in a robot exchange; a loop that is not stopped would reach it. */
const MAX_ROUNDS = 20;

const service = (name: string) => stack.app.strapi.plugin('inbox').service(name);

function helpDesk(overrides: Record<string, unknown> = {}) {
  return createSendingMailbox(stack.app.strapi, stack.dovecot, stack.relay, { caseEnabled: true, autoReplyEnabled: true, ...overrides });
}

function autoRepliesTo(address: string) {
  return stack.app.strapi.db.query('plugin::inbox.email').findMany({
    where: { direction: 'outgoing', classification: 'auto-reply' },
    populate: { case: { select: ['id'] } },
  }).then((rows: any[]) => rows.filter((row) => row.to.some((entry: { address: string }) => entry.address === address)));
}

describe('auto-reply', () => {
  test('customer gets it and the answer joins the case', async () => {
    const { mailbox } = await helpDesk();
    const customer = await addMailUser(stack.dovecot, stack.relay, 'customer');
    const askId = `ask-${customer.user}@example.org`;

    await sendAs(stack.relay, `Ann Customer <${customer.address}>`, { to: mailbox.emailAddress, subject: 'Broken screen', text: 'My screen is broken.', messageId: `<${askId}>` });
    expect((await fetchGroup(stack.app.strapi, mailbox.id)).imported).toBe(1);

    const [caseRow] = await casesOfMailbox(stack.app.strapi, mailbox.id);
    const token = service('signatures').subjectToken(caseRow.number);
    const inbox = await readMailbox(customer);
    expect(inbox).toHaveLength(1);

    const reply = inbox[0];
    expect(reply.subject).toBe(`We received your message: Broken screen ${token}`);
    expect(headerOf(reply, 'auto-submitted')).toBe('auto-replied');
    expect(headerOf(reply, 'x-auto-response-suppress')).toBe('All');
    expect(headerOf(reply, 'precedence')).toBe('auto_reply');
    expect(headerOf(reply, 'x-loop')).toBe(mailbox.emailAddress);
    expect(bareId(reply.inReplyTo)).toBe(askId);
    expect(reply.replyTo!.value[0].address).toBe(mailbox.emailAddress);
    expect(reply.text).toContain('Hello Ann Customer,');
    expect(reply.text).toContain(`opened case ${caseRow.number}`);
    expect(service('signatures').verifyMessageId(reply.messageId)).toBe(caseRow.id);

    const [stored] = await autoRepliesTo(customer.address);
    expect(stored.case.id).toBe(caseRow.id);
    expect(stored.status).toBe('sent');
    expect(stored.sentByUser ?? null).toBeNull();

    await sendAs(stack.relay, customer.address, {
      to: mailbox.emailAddress,
      subject: `Re: ${reply.subject}`,
      text: 'It also makes a noise.',
      messageId: `<more-${customer.user}@example.org>`,
      inReplyTo: reply.messageId,
      references: [`<${askId}>`, reply.messageId!],
    });
    expect((await fetchGroup(stack.app.strapi, mailbox.id)).imported).toBe(1);

    const answer = await stack.app.strapi.db.query('plugin::inbox.email').findOne({ where: { messageId: `more-${customer.user}@example.org` }, populate: { case: { select: ['id'] } } });
    expect(answer.case.id).toBe(caseRow.id);
    expect(await casesOfMailbox(stack.app.strapi, mailbox.id)).toHaveLength(1);
    expect(await readMailbox(customer)).toHaveLength(1);

    const stream = await service('cases').stream(caseRow.id);
    expect(stream.filter((entry: any) => entry.type.startsWith('email')).map((entry: any) => entry.type)).toEqual(['email-in', 'email-out', 'email-in']);
  });

  test('Indonesian mailbox replies in Indonesian', async () => {
    const { mailbox } = await helpDesk({ autoReplyLocale: 'id' });
    const customer = await addMailUser(stack.dovecot, stack.relay, 'pelanggan');

    await sendAs(stack.relay, `Budi <${customer.address}>`, { to: mailbox.emailAddress, subject: 'Tagihan ganda', text: 'Saya ditagih dua kali.' });
    await fetchGroup(stack.app.strapi, mailbox.id);

    const [caseRow] = await casesOfMailbox(stack.app.strapi, mailbox.id);
    const [reply] = await readMailbox(customer);
    expect(reply.subject).toBe(`Surel Anda sudah kami terima: Tagihan ganda ${service('signatures').subjectToken(caseRow.number)}`);
    expect(reply.text).toContain('Halo Budi,');
    expect(reply.text).toContain(`kasus nomor ${caseRow.number}`);
  });

  test('mailbox template fills its placeholders', async () => {
    const { mailbox } = await helpDesk({
      autoReplySubject: 'Ticket {{caseNumber}} for {{customerName}}',
      autoReplyBody: '{{mailboxName}} got "{{subject}}" and opened case {{caseNumber}}.',
    });
    const customer = await addMailUser(stack.dovecot, stack.relay, 'templated');

    await sendAs(stack.relay, `Citra <${customer.address}>`, { to: mailbox.emailAddress, subject: 'Refund', text: 'Please refund.' });
    await fetchGroup(stack.app.strapi, mailbox.id);

    const [caseRow] = await casesOfMailbox(stack.app.strapi, mailbox.id);
    const [reply] = await readMailbox(customer);
    expect(reply.subject).toBe(`Ticket ${caseRow.number} for Citra ${service('signatures').subjectToken(caseRow.number)}`);
    expect(reply.text?.trim()).toBe(`${mailbox.name} got "Refund" and opened case ${caseRow.number}.`);
  });

  test('skips machines, lists and own addresses', async () => {
    const { mailbox, imapLogin } = await helpDesk();
    const other = await helpDesk({ autoReplyEnabled: false });
    const relayedBefore = stack.relay.received.length;

    await appendMessages({
      ...imapLogin,
      messages: [
        await buildMessage({ from: 'Shop <noreply@shop.example>', subject: 'Your receipt' }),
        await buildMessage({ from: 'orders <no-reply+orders@shop.example>', subject: 'Order shipped' }),
        await buildMessage({ from: 'Person <away@example.org>', subject: 'Automatic reply: hello', headers: { 'Auto-Submitted': 'auto-replied' } }),
        await buildMessage({ from: 'Outlook user <suppress@example.org>', subject: 'Meeting', headers: { 'X-Auto-Response-Suppress': 'All' } }),
        await buildMessage({ from: 'News <news@list.example>', subject: 'Weekly digest', headers: { 'List-Id': '<weekly.list.example>' } }),
        await buildMessage({ from: 'Bulk <offers@bulk.example>', subject: 'Offer', headers: { Precedence: 'bulk' } }),
        await buildMessage({ from: `Other desk <${other.mailbox.emailAddress}>`, subject: 'Internal note' }),
        await buildMessage({ from: 'MAILER-DAEMON@mx.example.net', subject: 'Undelivered Mail Returned to Sender', headers: { 'X-Failed-Recipients': 'gone@example.org' } }),
      ],
    });

    expect((await fetchGroup(stack.app.strapi, mailbox.id)).imported).toBe(8);

    const replies = await stack.app.strapi.db.query('plugin::inbox.email').count({ where: { direction: 'outgoing', groupMailboxes: { id: mailbox.id } } });
    expect(replies).toBe(0);
    expect(stack.relay.received).toHaveLength(relayedBefore);
  });

  test('without email-to-case each message gets one, up to the limit', async () => {
    const { mailbox } = await helpDesk({ caseEnabled: false });
    const customer = await addMailUser(stack.dovecot, stack.relay, 'chatty');
    const neighbour = await addMailUser(stack.dovecot, stack.relay, 'neighbour');
    const limit = (stack.app.strapi.plugin('inbox').config('autoReplyLimits') as any).perAddress.max as number;

    for (let index = 1; index <= limit + 2; index += 1) {
      await sendAs(stack.relay, customer.address, { to: mailbox.emailAddress, subject: `Question ${index}`, text: `Question number ${index}.` });
    }

    await sendAs(stack.relay, neighbour.address, { to: mailbox.emailAddress, subject: 'Other question', text: 'Hi.' });
    expect((await fetchGroup(stack.app.strapi, mailbox.id)).imported).toBe(limit + 3);

    expect(await readMailbox(customer)).toHaveLength(limit);
    expect(await readMailbox(neighbour)).toHaveLength(1);
    expect(await casesOfMailbox(stack.app.strapi, mailbox.id)).toHaveLength(0);

    const [reply] = await readMailbox(neighbour);
    expect(reply.subject).toBe('We received your message: Other question');
    expect(reply.text).not.toContain('case');
  });

  test('reprocessing an email sends no second one', async () => {
    const { mailbox } = await helpDesk();
    const customer = await addMailUser(stack.dovecot, stack.relay, 'twice');

    await sendAs(stack.relay, customer.address, { to: mailbox.emailAddress, subject: 'Once only', text: 'Hello.', messageId: `<once-${customer.user}@example.org>` });
    await fetchGroup(stack.app.strapi, mailbox.id);

    const email = await stack.app.strapi.db.query('plugin::inbox.email').findOne({ where: { messageId: `once-${customer.user}@example.org` }, populate: { case: { select: ['id'] } } });
    const mailboxRow = await stack.app.strapi.db.query('plugin::inbox.group-mailbox').findOne({ where: { id: mailbox.id }, populate: { imap: true, smtp: true, team: true } });
    const caseRow = await service('cases').findById(email.case.id);

    const again = await service('autoReply').onIncoming({ email, classification: 'normal', mailbox: mailboxRow, caseRow, caseOpened: true });
    expect(again).toEqual({ sent: false, reason: 'already-answered' });
    expect(await readMailbox(customer)).toHaveLength(1);
  });

  test('case limit holds across emails of one case', async () => {
    const { mailbox } = await helpDesk();
    const customer = await addMailUser(stack.dovecot, stack.relay, 'percase');

    await sendAs(stack.relay, customer.address, { to: mailbox.emailAddress, subject: 'First', text: 'Hello.' });
    await fetchGroup(stack.app.strapi, mailbox.id);
    const [caseRow] = await casesOfMailbox(stack.app.strapi, mailbox.id);
    const mailboxRow = await stack.app.strapi.db.query('plugin::inbox.group-mailbox').findOne({ where: { id: mailbox.id }, populate: { imap: true, smtp: true, team: true } });
    const perCase = (stack.app.strapi.plugin('inbox').config('autoReplyLimits') as any).perCase.max as number;
    const outcomes = [];

    // Each call stands for a reopened or re-linked case that counts as opened again.
    for (let index = 0; index < perCase + 1; index += 1) {
      const email = await stack.app.strapi.db.query('plugin::inbox.email').create({
        data: { messageId: `percase-${index}-${customer.user}@example.org`, subject: `More ${index}`, fromAddress: customer.address, direction: 'incoming', autoHeaders: {}, to: [], replyTo: [] },
      });
      outcomes.push((await service('autoReply').onIncoming({ email, classification: 'normal', mailbox: mailboxRow, caseRow: await service('cases').findById(caseRow.id), caseOpened: true })).reason);
    }

    expect(outcomes).toEqual([...Array(perCase - 1).fill('sent'), 'case-limit', 'case-limit']);
  });

  test('recently bounced address gets none', async () => {
    const { mailbox } = await helpDesk();
    const customer = await addMailUser(stack.dovecot, stack.relay, 'bounced');
    await stack.app.strapi.db.query('plugin::inbox.flagged-address').create({ data: { address: customer.address, status: '5.2.2', bounceCount: 1, lastBouncedAt: new Date() } });

    await sendAs(stack.relay, customer.address, { to: mailbox.emailAddress, subject: 'Am I flagged?', text: 'Hello.' });
    await fetchGroup(stack.app.strapi, mailbox.id);

    expect(await casesOfMailbox(stack.app.strapi, mailbox.id)).toHaveLength(1);
    expect(await readMailbox(customer)).toHaveLength(0);
  });
});

/**
 * Plays a mailbox whose out-of-office responder replies to every message it receives. It writes
 * once to the help desk, then replies to each message in its inbox, fetching the help desk between
 * rounds. Returns how many messages each side sent and in how many rounds the robot replied.
 */
async function runRobotExchange(mailbox: { id: number; emailAddress: string }, robot: MailLogin, answer: (message: ParsedMail, index: number) => nodemailer.SendMailOptions) {
  let robotSent = 0;
  let answered = 0;
  let rounds = 0;

  await sendAs(stack.relay, `Robin Robot <${robot.address}>`, { to: mailbox.emailAddress, subject: 'Question about my order', text: 'Where is my order?' });
  robotSent += 1;

  for (; rounds < MAX_ROUNDS; rounds += 1) {
    await fetchGroup(stack.app.strapi, mailbox.id);
    const inbox = await readMailbox(robot);
    const unanswered = inbox.slice(answered);

    if (!unanswered.length) {
      break;
    }

    for (const message of unanswered) {
      await sendAs(stack.relay, `Robin Robot <${robot.address}>`, answer(message, robotSent));
      robotSent += 1;
    }

    answered = inbox.length;
  }

  return { robotSent, deskSent: (await readMailbox(robot)).length, rounds };
}

describe('auto-reply facing an out-of-office robot', () => {
  test('RFC 3834 responder stops after one exchange', async () => {
    const { mailbox } = await helpDesk();
    const robot = await addMailUser(stack.dovecot, stack.relay, 'ooo', 'example.net');

    const result = await runRobotExchange(mailbox, robot, (message) => ({
      to: message.replyTo?.text ?? message.from!.text,
      subject: `Out of office: ${message.subject}`,
      text: 'I am away until Monday.',
      inReplyTo: message.messageId,
      headers: { 'Auto-Submitted': 'auto-replied' },
    }));

    expect(result).toEqual({ robotSent: 2, deskSent: 1, rounds: 1 });
    expect(await casesOfMailbox(stack.app.strapi, mailbox.id)).toHaveLength(1);
  });

  test('responder without any marks is stopped by the address limit', async () => {
    const { mailbox } = await helpDesk();
    const robot = await addMailUser(stack.dovecot, stack.relay, 'rude', 'example.net');
    const limit = (stack.app.strapi.plugin('inbox').config('autoReplyLimits') as any).perAddress.max as number;

    // A fresh subject and no In-Reply-To make every robot reply look like a new request from a person.
    const result = await runRobotExchange(mailbox, robot, (message, index) => ({
      to: message.from!.text,
      subject: `I am away (${index})`,
      text: 'I am away until Monday.',
    }));

    expect(result.deskSent).toBe(limit);
    expect(result.robotSent).toBe(limit + 1);
    expect(result.rounds).toBe(limit);

    const withheld = await stack.app.strapi.db.query('plugin::inbox.email').count({ where: { direction: 'incoming', fromAddress: robot.address } });
    expect(withheld - result.deskSent).toBe(1);
  });

  test('responder that keeps the thread stops after one exchange', async () => {
    const { mailbox } = await helpDesk();
    const robot = await addMailUser(stack.dovecot, stack.relay, 'threaded', 'example.net');

    const result = await runRobotExchange(mailbox, robot, (message) => ({
      to: message.from!.text,
      subject: `Re: ${message.subject}`,
      text: 'I am away until Monday.',
      inReplyTo: message.messageId,
      references: [message.messageId!],
    }));

    expect(result).toEqual({ robotSent: 2, deskSent: 1, rounds: 1 });
    expect(await casesOfMailbox(stack.app.strapi, mailbox.id)).toHaveLength(1);
  });
});
