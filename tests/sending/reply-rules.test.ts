import { addressSkipReason, headerSkipReason } from '../../server/services/auto-reply/eligibility';
import { parseMessage } from '../../server/services/parse/parse-message';
import { DEFAULT_TEMPLATES, renderAutoReply, renderTemplate } from '../../server/services/auto-reply/templates';
import { referencesFor, replyRecipients, replySubject, withCaseToken } from '../../server/services/sending/reply-fields';

const TOKEN = '[#12-1a2b3c4d]';

describe('reply subject and case token', () => {
  test('adds Re: once', () => {
    expect(replySubject('Printer broken')).toBe('Re: Printer broken');
    expect(replySubject('RE: Printer broken')).toBe('RE: Printer broken');
    expect(replySubject('Balas: Printer rusak')).toBe('Balas: Printer rusak');
    expect(replySubject('')).toBe('Re:');
  });

  test('appends the token once', () => {
    const first = withCaseToken('Re: Printer broken', 12, TOKEN);
    expect(first).toBe(`Re: Printer broken ${TOKEN}`);
    expect(withCaseToken(replySubject(first), 12, TOKEN)).toBe(first);
  });

  test('replaces an unsigned token of the same case', () => {
    expect(withCaseToken('Re: [#12] Printer broken', 12, TOKEN)).toBe(`Re: Printer broken ${TOKEN}`);
    expect(withCaseToken('Re: Printer [#12-ffffffff]', 12, TOKEN)).toBe(`Re: Printer ${TOKEN}`);
  });

  test('keeps a token of another case', () => {
    expect(withCaseToken('Re: see [#7-00000000]', 12, TOKEN)).toBe(`Re: see [#7-00000000] ${TOKEN}`);
  });
});

describe('reply headers', () => {
  test('References keeps the whole chain', () => {
    expect(referencesFor({ messageId: 'c@x', references: ['a@x', 'b@x'] })).toEqual(['a@x', 'b@x', 'c@x']);
    expect(referencesFor({ messageId: 'b@x', references: [], inReplyTo: 'a@x' })).toEqual(['a@x', 'b@x']);
    expect(referencesFor({ messageId: null, references: null })).toEqual([]);
  });

  test('prefers Reply-To over From', () => {
    const own = new Set(['support@example.com']);
    const parent = { direction: 'incoming', fromAddress: 'a@example.org', replyTo: [{ address: 'Desk@Example.org', name: 'Desk' }] };

    expect(replyRecipients(parent, own, false).to).toEqual([{ address: 'desk@example.org', name: 'Desk' }]);
    expect(replyRecipients({ ...parent, replyTo: [] }, own, false).to).toEqual([{ address: 'a@example.org', name: '' }]);
  });

  test('reply-all leaves out own addresses and duplicates', () => {
    const own = new Set(['support@example.com']);
    const parent = {
      direction: 'incoming',
      fromAddress: 'a@example.org',
      to: [{ address: 'support@example.com', name: '' }, { address: 'b@example.org', name: 'B' }],
      cc: [{ address: 'A@example.org', name: '' }, { address: 'c@example.org', name: 'C' }],
    };
    const { to, cc } = replyRecipients(parent, own, true);

    expect(to.map((entry) => entry.address)).toEqual(['a@example.org']);
    expect(cc.map((entry) => entry.address)).toEqual(['b@example.org', 'c@example.org']);
  });

  test('follows up a sent email to its recipients', () => {
    const parent = { direction: 'outgoing', fromAddress: 'support@example.com', to: [{ address: 'a@example.org', name: 'A' }] };
    expect(replyRecipients(parent, new Set(['support@example.com']), false).to).toEqual([{ address: 'a@example.org', name: 'A' }]);
  });
});

describe('auto-reply templates', () => {
  const mailbox = { name: 'Support', autoReplyLocale: 'en', autoReplySubject: null, autoReplyBody: null };

  test('English default names the case', () => {
    const rendered = renderAutoReply(mailbox, { caseNumber: 41, subject: 'Printer broken', customerName: 'Ann' });

    expect(rendered.subject).toBe('We received your message: Printer broken');
    expect(rendered.text).toContain('Hello Ann,');
    expect(rendered.text).toContain('opened case 41');
  });

  test('Indonesian default uses surel and kasus', () => {
    const rendered = renderAutoReply({ ...mailbox, autoReplyLocale: 'id-ID' }, { caseNumber: 41, subject: '', customerName: null });

    expect(rendered.subject).toBe('Surel Anda sudah kami terima: (tanpa subjek)');
    expect(rendered.text).toContain('Halo Bapak/Ibu,');
    expect(rendered.text).toContain('kasus nomor 41');
    expect(rendered.text).toContain('Surel ini dikirim secara otomatis.');
  });

  test('without a case the body names none', () => {
    for (const locale of Object.keys(DEFAULT_TEMPLATES)) {
      const rendered = renderAutoReply({ ...mailbox, autoReplyLocale: locale }, { caseNumber: null, subject: 'Hi', customerName: 'Ann' });
      expect(rendered.text).not.toMatch(/case|kasus/i);
    }
  });

  test('unknown locale falls back to English', () => {
    expect(renderAutoReply({ ...mailbox, autoReplyLocale: 'xx' }, { caseNumber: 1, subject: 'Hi', customerName: 'Ann' }).text).toContain('Hello Ann,');
  });

  test('mailbox texts replace the defaults', () => {
    const rendered = renderAutoReply(
      { ...mailbox, autoReplySubject: 'Case {{ caseNumber }}: {{subject}}', autoReplyBody: 'Dear {{customerName}}, {{mailboxName}} has {{subject}}. {{unknown}}' },
      { caseNumber: 7, subject: 'Invoice', customerName: 'Budi' },
    );

    expect(rendered.subject).toBe('Case 7: Invoice');
    expect(rendered.text).toBe('Dear Budi, Support has Invoice. {{unknown}}');
  });

  test('placeholders without a value become empty', () => {
    expect(renderTemplate('Case {{caseNumber}}.', { caseNumber: null, subject: '', customerName: '', mailboxName: '' })).toBe('Case .');
  });
});

describe('auto-reply eligibility', () => {
  const own = new Set(['support@example.com']);

  test.each([
    ['customer@example.org', null],
    ['support@example.com', 'own-address'],
    ['SUPPORT@example.com', 'own-address'],
    ['MAILER-DAEMON@mx.example.net', 'system-sender'],
    ['postmaster@example.net', 'system-sender'],
    ['noreply@shop.example', 'system-sender'],
    ['no-reply+orders@shop.example', 'system-sender'],
    ['do-not-reply@bank.example', 'system-sender'],
    ['donotreply@bank.example', 'system-sender'],
    ['bounces-123@list.example', 'system-sender'],
    ['noreen@example.org', null],
    ['', 'no-sender'],
  ])('address %s', (address, reason) => {
    expect(addressSkipReason(address, own)).toBe(reason);
  });

  test.each([
    [{}, null],
    [{ autoSubmitted: 'no' }, null],
    [{ autoSubmitted: 'auto-replied' }, 'automatic'],
    [{ precedence: 'bulk' }, 'automatic'],
    [{ precedence: 'auto_reply' }, 'automatic'],
    [{ listId: '<news.example.org>' }, 'automatic'],
    [{ xAutoResponseSuppress: 'DR, OOF, AutoReply' }, 'suppressed'],
    [{ xAutoResponseSuppress: 'All' }, 'suppressed'],
    [{ xAutoResponseSuppress: 'NDR' }, null],
    [{ returnPath: '' }, 'null-sender'],
    [{ returnPath: 'customer@example.org' }, null],
  ])('headers %j', (headers, reason) => {
    expect(headerSkipReason(headers)).toBe(reason);
  });

  test('list headers reach the automation headers', async () => {
    const raw = Buffer.from('From: news@list.example\r\nTo: support@example.com\r\nSubject: Digest\r\nList-Id: Weekly <weekly.list.example>\r\nList-Unsubscribe: <https://list.example/u>\r\n\r\nBody\r\n');
    const { automationHeaders } = await parseMessage(raw);

    expect(automationHeaders.listId).toBe('weekly.list.example');
    expect(automationHeaders.listUnsubscribe).toBe('https://list.example/u');
    expect(headerSkipReason(automationHeaders)).toBe('automatic');
  });
});
