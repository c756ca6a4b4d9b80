import fs from 'fs';
import path from 'path';

import { parseDeliveryStatus } from '../../server/services/parse/dsn';
import { parseMessage } from '../../server/services/parse/parse-message';
import { buildMessage } from '../helpers/mail';

/** Real bounces from other projects' test fixtures, read at test time and never copied here. */
const CORPUS_DIR = path.resolve(__dirname, '../../../shared/corpus');

function report(parts: { returned: string; returnedType: string; status?: string; text?: string }): Buffer {
  const status = parts.status ?? [
    'Reporting-MTA: dns; mx.example.net',
    'Arrival-Date: Fri, 20 Nov 2026 08:00:00 +0000',
    '',
    'Final-Recipient: rfc822; nobody@example.org',
    'Original-Recipient: rfc822;nobody@example.org',
    'Action: failed',
    'Status: 5.1.1',
    'Remote-MTA: dns; mail.example.org',
    'Diagnostic-Code: smtp; 550 5.1.1 <nobody@example.org>: Recipient address',
    '    rejected: User unknown',
  ].join('\r\n');

  return Buffer.from([
    'From: Mail Delivery System <MAILER-DAEMON@mx.example.net>',
    'To: support@example.com',
    'Subject: Undelivered Mail Returned to Sender',
    'Message-ID: <bounce-1@mx.example.net>',
    'Date: Fri, 20 Nov 2026 08:00:00 +0000',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="REPORT"',
    '',
    '--REPORT',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    parts.text ?? 'Your message could not be delivered.',
    '',
    '--REPORT',
    'Content-Type: message/delivery-status',
    '',
    status,
    '',
    '--REPORT',
    `Content-Type: ${parts.returnedType}`,
    '',
    parts.returned,
    '--REPORT--',
    '',
  ].join('\r\n'));
}

const RETURNED_HEADERS = [
  'From: Support <support@example.com>',
  'To: nobody@example.org',
  'Subject: =?UTF-8?Q?Re:_Pesanan_tertunda_=E2=9C=93?=',
  'Message-ID: <inbox.c1.aabbccddeeff.0011223344556677@example.com>',
  '',
].join('\r\n');

describe('DSN extraction', () => {
  test('reads recipients and the returned message', async () => {
    const parsed = await parseMessage(report({ returnedType: 'message/rfc822', returned: `${RETURNED_HEADERS}\r\nOriginal body\r\n` }));

    expect(parsed.dsn).not.toBeNull();
    expect(parsed.dsn!.reportingMta).toBe('mx.example.net');
    expect(parsed.dsn!.recipients).toEqual([
      {
        address: 'nobody@example.org',
        action: 'failed',
        status: '5.1.1',
        diagnosticCode: '550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown',
        remoteMta: 'mail.example.org',
      },
    ]);
    expect(parsed.dsn!.originalMessageId).toBe('inbox.c1.aabbccddeeff.0011223344556677@example.com');
    expect(parsed.dsn!.originalSubject).toBe('Re: Pesanan tertunda ✓');
  });

  test('reads a text/rfc822-headers part', async () => {
    const parsed = await parseMessage(report({ returnedType: 'text/rfc822-headers', returned: RETURNED_HEADERS }));

    expect(parsed.dsn!.originalMessageId).toBe('inbox.c1.aabbccddeeff.0011223344556677@example.com');
    expect(parsed.dsn!.recipients.map((recipient) => recipient.address)).toEqual(['nobody@example.org']);
  });

  test('keeps the delivery status in the text body', async () => {
    const parsed = await parseMessage(report({ returnedType: 'text/rfc822-headers', returned: RETURNED_HEADERS }));

    expect(parsed.text).toContain('Your message could not be delivered.');
    expect(parsed.text).toContain('Status: 5.1.1');
    expect(parsed.attachments.map((attachment) => attachment.contentType)).toEqual(['text/rfc822-headers']);
  });

  test('reads a delayed recipient next to a failed one', async () => {
    const status = [
      'Reporting-MTA: dns; mx.example.net',
      '',
      'Final-Recipient: rfc822; slow@example.org',
      'Action: delayed',
      'Status: 4.4.1',
      '',
      'Final-Recipient: rfc822;<gone@example.org>',
      'Action: FAILED',
      'Status: 5.1.1 (user unknown)',
    ].join('\r\n');
    const parsed = await parseMessage(report({ returnedType: 'text/rfc822-headers', returned: RETURNED_HEADERS, status }));

    expect(parsed.dsn!.recipients.map(({ address, action, status: code }) => [address, action, code])).toEqual([
      ['slow@example.org', 'delayed', '4.4.1'],
      ['gone@example.org', 'failed', '5.1.1'],
    ]);
  });

  test('falls back to X-Failed-Recipients and quoted headers', async () => {
    const raw = await buildMessage({
      from: 'MAILER-DAEMON@mx.example.net',
      subject: 'Mail delivery failed: returning message to sender',
      headers: { 'X-Failed-Recipients': 'gone@example.org, other@example.org' },
      text: [
        'This message was created automatically by mail delivery software.',
        '',
        '------ This is a copy of the message, including all the headers. ------',
        '',
        'From: support@example.com',
        'Message-ID: <original-42@example.com>',
        'Subject: Your order',
      ].join('\n'),
    });
    const parsed = await parseMessage(raw);

    expect(parsed.dsn!.recipients.map((recipient) => [recipient.address, recipient.action])).toEqual([
      ['gone@example.org', 'failed'],
      ['other@example.org', 'failed'],
    ]);
    expect(parsed.dsn!.originalMessageId).toBe('original-42@example.com');
  });

  test('is null for normal mail', async () => {
    const parsed = await parseMessage(await buildMessage({ subject: 'Message-ID: <looks-like@example.org>' }));
    expect(parsed.dsn).toBeNull();
  });

  test('parseDeliveryStatus skips blocks without a recipient', () => {
    const result = parseDeliveryStatus('Reporting-MTA: dns; a.example\n\nAction: failed\n\nFinal-Recipient: rfc822; b@example.org\nAction: failed\n');

    expect(result.reportingMta).toBe('a.example');
    expect(result.recipients).toHaveLength(1);
    expect(result.recipients[0].address).toBe('b@example.org');
  });
});

describe('DSN extraction from real bounces', () => {
  const cases: [string, { recipient: string; status: string | null; messageId: string | null }][] = [
    ['zammad/mail033-undelivered-mail-returned-to-sender.box', { recipient: 'not_existing@znuny.com', status: '5.1.1', messageId: '20150830145601.30.608881@edenhofer.zammad.com' }],
    ['espocrm/bounced_3.eml', { recipient: 'receiver@test.com', status: '5.4.1', messageId: 'CAKouvC4fBcE7qfvhEq0-qOtsD45mWckUfhtr7KHhobwwvy0thA@mail.gmail.com' }],
    ['postal-mime/bounce.eml', { recipient: 'htfgvhyufthdgcvhgjyfthgc@ethereal.email', status: '5.0.0', messageId: 'e85f1c9b-9b51-4028-8ec0-0a657155028e@app.fastmail.com' }],
    ['chatwoot/bounced_gmail.eml', { recipient: 'alex.jones@fictionalcorp.com', status: null, messageId: 'conversation/93775311-9416-4428-964b-862001f8a8b2/messages/27855337@gmail.com' }],
  ];

  const available = fs.existsSync(CORPUS_DIR);

  if (!available) {
    test.skip(`corpus folder ${CORPUS_DIR} is absent`, () => undefined);
    return;
  }

  // Jest rejects an empty table, so the table is only built where the corpus exists.
  test.each(cases)('%s', async (file, expected) => {
    const parsed = await parseMessage(fs.readFileSync(path.join(CORPUS_DIR, file)));

    expect(parsed.dsn).not.toBeNull();
    expect(parsed.dsn!.recipients[0].address).toBe(expected.recipient);
    expect(parsed.dsn!.recipients[0].action).toBe('failed');
    expect(parsed.dsn!.recipients[0].status).toBe(expected.status);
    expect(parsed.dsn!.originalMessageId).toBe(expected.messageId);
  });
});
