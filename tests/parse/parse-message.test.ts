import { createHash } from 'crypto';

import { normalizeMessageId, splitMessageIds } from '../../server/services/parse/message-id';
import { parseMessage } from '../../server/services/parse/parse-message';
import { safeFilename } from '../../server/services/parse/safe-filename';
import { sanitizeEmailHtml } from '../../server/services/parse/sanitize-html';
import { buildMessage } from '../helpers/mail';

/** Joins header lines and a body into a raw CRLF message, for headers that MailComposer would rewrite. */
function rawMessage(headers: (string | Buffer)[], body: string | Buffer = 'Body\r\n'): Buffer {
  const parts: Buffer[] = [];

  for (const header of headers) {
    parts.push(Buffer.isBuffer(header) ? header : Buffer.from(header, 'utf8'), Buffer.from('\r\n'));
  }

  parts.push(Buffer.from('\r\n'), Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'));
  return Buffer.concat(parts);
}

const BASIC_HEADERS = ['From: Customer <customer@example.org>', 'To: support@example.com', 'Date: Fri, 20 Nov 2026 08:00:00 +0000'];

describe('normalizeMessageId', () => {
  test('strips angle brackets', () => {
    expect(normalizeMessageId('<abc.123@example.org>')).toBe('abc.123@example.org');
  });

  test('strips surrounding space', () => {
    expect(normalizeMessageId('  <abc@example.org>\t ')).toBe('abc@example.org');
    expect(normalizeMessageId(' abc@example.org ')).toBe('abc@example.org');
  });

  test('joins a folded ID', () => {
    expect(normalizeMessageId('\r\n <abc@example.org>')).toBe('abc@example.org');
    expect(normalizeMessageId('<DM6PR02MF1425\r\n 372C@example.com>')).toBe('DM6PR02MF1425372C@example.com');
  });

  test('keeps the case of the ID', () => {
    expect(normalizeMessageId('<AbC@Example.ORG>')).toBe('AbC@Example.ORG');
  });

  test('returns null for an empty value', () => {
    expect(normalizeMessageId('')).toBeNull();
    expect(normalizeMessageId('   ')).toBeNull();
    expect(normalizeMessageId('<>')).toBeNull();
    expect(normalizeMessageId('< >')).toBeNull();
    expect(normalizeMessageId(undefined)).toBeNull();
    expect(normalizeMessageId(42)).toBeNull();
  });

  test('shortens very long IDs stably', () => {
    const prefix = 'x'.repeat(300);
    const first = normalizeMessageId(`<${prefix}-1@example.org>`) as string;
    const second = normalizeMessageId(`<${prefix}-2@example.org>`) as string;

    expect(first).toHaveLength(250);
    expect(first.startsWith('x'.repeat(200))).toBe(true);
    expect(normalizeMessageId(`<${prefix}-1@example.org>`)).toBe(first);
    expect(second).toHaveLength(250);
    expect(second).not.toBe(first);
  });

  test('keeps an ID of 250 characters as it is', () => {
    const id = `${'y'.repeat(238)}@example.org`;

    expect(id).toHaveLength(250);
    expect(normalizeMessageId(`<${id}>`)).toBe(id);
  });
});

describe('splitMessageIds', () => {
  test('splits space-separated References', () => {
    expect(splitMessageIds('<a@x.example> <b@y.example>')).toEqual(['a@x.example', 'b@y.example']);
  });

  test('splits comma-separated References', () => {
    expect(splitMessageIds('<a@x.example>, <b@y.example>')).toEqual(['a@x.example', 'b@y.example']);
    expect(splitMessageIds('<a@x.example>,<b@y.example>')).toEqual(['a@x.example', 'b@y.example']);
    expect(splitMessageIds('a@x.example, b@y.example')).toEqual(['a@x.example', 'b@y.example']);
  });

  test('splits IDs folded with no space', () => {
    expect(splitMessageIds('<a@x.example><b@y.example>')).toEqual(['a@x.example', 'b@y.example']);
    expect(splitMessageIds('<a@x.example>\r\n <b@y.example>')).toEqual(['a@x.example', 'b@y.example']);
  });

  test('reads an array of strings', () => {
    expect(splitMessageIds(['<a@x.example>', '<b@y.example> <c@z.example>'])).toEqual(['a@x.example', 'b@y.example', 'c@z.example']);
  });

  test('splits mailparser\'s comma-bracketed IDs', () => {
    // mailparser splits `a@x.example, b@y.example` on spaces and brackets each piece.
    expect(splitMessageIds(['<a@x.example,>', '<b@y.example>'])).toEqual(['a@x.example', 'b@y.example']);
  });

  test('removes duplicates and keeps the first position', () => {
    expect(splitMessageIds('<a@x.example> <b@y.example> <a@x.example> <c@z.example>')).toEqual(['a@x.example', 'b@y.example', 'c@z.example']);
    expect(splitMessageIds(['<a@x.example>', '<a@x.example>'])).toEqual(['a@x.example']);
  });

  test('keeps the order, oldest first', () => {
    expect(splitMessageIds('<3@x.example> <1@x.example> <2@x.example>')).toEqual(['3@x.example', '1@x.example', '2@x.example']);
  });

  test('returns no IDs for empty or missing values', () => {
    expect(splitMessageIds(undefined)).toEqual([]);
    expect(splitMessageIds('')).toEqual([]);
    expect(splitMessageIds(['', null, 7])).toEqual([]);
    expect(splitMessageIds('<>')).toEqual([]);
  });
});

describe('sanitizeEmailHtml', () => {
  test('removes script elements', () => {
    const { html } = sanitizeEmailHtml('<p>Hello</p><script>alert("read")</script><SCRIPT src="https://t.example/x.js"></SCRIPT>');

    expect(html).toBe('<p>Hello</p>');
  });

  test('removes event handlers', () => {
    const { html } = sanitizeEmailHtml('<p onclick="steal()">Hi</p><img src="cid:a@b" onerror="steal()"><body onload="steal()">x</body>');

    expect(html).not.toMatch(/onclick|onerror|onload|steal/);
    expect(html).toContain('<p>Hi</p>');
  });

  test('removes javascript: links', () => {
    for (const href of ['javascript:alert(1)', 'JaVaScRiPt:alert(1)', ' java&#x09;script:alert(1)']) {
      const { html } = sanitizeEmailHtml(`<a href="${href}">Open</a>`);

      expect(html).not.toMatch(/script|href/i);
      expect(html).toContain('>Open</a>');
    }
  });

  test('keeps https links and opens them safely', () => {
    const { html } = sanitizeEmailHtml('<a href="https://shop.example/order/1">Order</a>');

    expect(html).toContain('href="https://shop.example/order/1"');
    expect(html).toContain('rel="noopener noreferrer nofollow"');
    expect(html).toContain('target="_blank"');
  });

  test('removes iframes', () => {
    const { html } = sanitizeEmailHtml('<p>a</p><iframe src="https://t.example/frame"></iframe>');

    expect(html).toBe('<p>a</p>');
  });

  test('removes forms and their fields', () => {
    const { html } = sanitizeEmailHtml('<form action="https://t.example/login" method="post"><input name="password"><button>Log in</button></form>');

    expect(html).not.toMatch(/<form|<input|<button|action=/);
  });

  test('holds back remote images', () => {
    const result = sanitizeEmailHtml('<img src="https://t.example/pixel.gif" alt="logo">');

    expect(result.html).toContain('data-remote-src="https://t.example/pixel.gif"');
    expect(result.html).not.toContain(' src=');
    expect(result.html).toContain('alt="logo"');
    expect(result.hasRemoteContent).toBe(true);
  });

  test('holds back protocol-relative images', () => {
    const result = sanitizeEmailHtml('<img src="//t.example/pixel.gif">');

    expect(result.html).toContain('data-remote-src="//t.example/pixel.gif"');
    expect(result.html).not.toContain(' src=');
    expect(result.hasRemoteContent).toBe(true);
  });

  test('keeps cid: images', () => {
    const result = sanitizeEmailHtml('<img src="cid:logo@example.org">');

    expect(result.html).toBe('<img src="cid:logo@example.org" />');
    expect(result.hasRemoteContent).toBe(false);
  });

  test('neutralises unquoted CSS url(http://...)', () => {
    const result = sanitizeEmailHtml('<div style="background: url(http://t.example/bg.png) no-repeat">x</div>');

    expect(result.html).not.toContain('t.example');
    // sanitize-html rewrites the style, dropping the space after the colon.
    expect(result.html).toMatch(/style="background:\s*none no-repeat"/);
    expect(result.hasRemoteContent).toBe(true);
  });

  test('neutralises quoted CSS url(...)', () => {
    const doubleQuoted = sanitizeEmailHtml('<div style=\'background-image: url("https://t.example/bg.png")\'>x</div>');
    const singleQuoted = sanitizeEmailHtml('<td style="background:url(\'//t.example/bg.png\')">x</td>');
    const entityQuoted = sanitizeEmailHtml('<div style="background:url(&quot;HTTPS://t.example/bg.png&quot;)">x</div>');

    for (const result of [doubleQuoted, singleQuoted, entityQuoted]) {
      expect(result.html).not.toContain('t.example');
      expect(result.hasRemoteContent).toBe(true);
    }
  });

  test('neutralises remote image-set() strings', () => {
    const result = sanitizeEmailHtml('<div style=\'background-image: image-set("https://t.example/a.png" 1x)\'>x</div>');

    expect(result.html).not.toContain('t.example');
    expect(result.hasRemoteContent).toBe(true);
  });

  test('leaves url( in text alone', () => {
    const result = sanitizeEmailHtml('<p>Write url(https://cdn.example/a.png) in the stylesheet.</p>');

    expect(result.html).toBe('<p>Write url(https://cdn.example/a.png) in the stylesheet.</p>');
    expect(result.hasRemoteContent).toBe(false);
  });

  test('reports no remote content for local HTML', () => {
    const result = sanitizeEmailHtml('<table><tr><td style="color: red">Total</td></tr></table>');

    expect(result.html).toMatch(/style="color:\s*red"/);
    expect(result.hasRemoteContent).toBe(false);
  });
});

describe('safeFilename', () => {
  test('drops Unix directory parts', () => {
    expect(safeFilename('../../etc/passwd', 'text/plain', 0)).toBe('passwd');
  });

  test('drops Windows directory parts', () => {
    expect(safeFilename('C:\\Windows\\x.exe', 'application/octet-stream', 0)).toBe('x.exe');
    expect(safeFilename('..\\..\\boot.ini', 'text/plain', 0)).toBe('boot.ini');
  });

  test('replaces control characters', () => {
    expect(safeFilename('in\u0000voice\u001f\u007f.pdf', 'application/pdf', 0)).toBe('in_voice__.pdf');
    expect(safeFilename('a\r\nb.txt', 'text/plain', 0)).toBe('a__b.txt');
  });

  test('removes leading dots', () => {
    expect(safeFilename('.htaccess', 'text/plain', 0)).toBe('htaccess');
    expect(safeFilename('...hidden.txt', 'text/plain', 0)).toBe('hidden.txt');
  });

  test('names a nameless part attachment-N.ext', () => {
    expect(safeFilename('', 'application/pdf', 2)).toBe('attachment-3.pdf');
    expect(safeFilename(undefined, 'image/png', 0)).toBe('attachment-1.png');
    expect(safeFilename('  ', 'message/rfc822', 4)).toBe('attachment-5.eml');
    expect(safeFilename('..', 'application/x-unknown', 0)).toBe('attachment-1.bin');
  });

  test('caps very long names and keeps the extension', () => {
    const name = safeFilename(`${'quarterly-report-'.repeat(30)}.pdf`, 'application/pdf', 0);

    expect(name).toHaveLength(180);
    expect(name.endsWith('.pdf')).toBe(true);
    expect(name.startsWith('quarterly-report-')).toBe(true);
  });

  test('caps long names without splitting an emoji', () => {
    // 175 letters put the 176th UTF-16 unit, where the cut falls, inside the first emoji.
    const name = safeFilename(`${'a'.repeat(175)}${'😀'.repeat(10)}.pdf`, 'application/pdf', 0);

    expect(name.length).toBeLessThanOrEqual(180);
    expect(name.endsWith('.pdf')).toBe(true);
    expect(() => encodeURIComponent(name)).not.toThrow();
  });

  test('keeps non-Latin names', () => {
    expect(safeFilename('Kontoutskrift for 1506.14.90466_Bedriftskonto.pdf', 'application/pdf', 0)).toBe('Kontoutskrift for 1506.14.90466_Bedriftskonto.pdf');
    expect(safeFilename('사진.JPG', 'image/jpeg', 0)).toBe('사진.JPG');
  });
});

describe('parseMessage', () => {
  test('keeps an empty subject as an empty string', async () => {
    const composed = await parseMessage(await buildMessage({ subject: '' }));
    const emptyHeader = await parseMessage(rawMessage([...BASIC_HEADERS, 'Subject: ']));
    const noHeader = await parseMessage(rawMessage(BASIC_HEADERS));

    expect(composed.subject).toBe('');
    expect(emptyHeader.subject).toBe('');
    expect(noHeader.subject).toBe('');
  });

  test('keeps emoji and 4-byte characters in the subject', async () => {
    const subject = 'Pesanan 🚀 dikirim 𠜎 𝄞 ✔';
    const parsed = await parseMessage(await buildMessage({ subject }));

    expect(parsed.subject).toBe(subject);
  });

  test('captures Indonesian auto-reply headers', async () => {
    const source = await buildMessage({
      subject: 'Balasan Otomatis: Pertanyaan tentang pesanan 4471',
      from: 'Budi Santoso <budi@contoh.co.id>',
      messageId: '<ooo-4471@contoh.co.id>',
      inReplyTo: '<order-4471@example.com>',
      text: 'Terima kasih atas email Anda. Saya sedang cuti sampai 2 Desember dan akan membalas setelah kembali.',
      headers: {
        'Auto-Submitted': 'auto-replied',
        'X-Auto-Response-Suppress': 'All',
        'X-Autoreply': 'yes',
        Precedence: 'auto_reply',
      },
    });

    const parsed = await parseMessage(source);

    expect(parsed.subject).toBe('Balasan Otomatis: Pertanyaan tentang pesanan 4471');
    expect(parsed.from).toEqual({ address: 'budi@contoh.co.id', name: 'Budi Santoso' });
    expect(parsed.messageId).toBe('ooo-4471@contoh.co.id');
    expect(parsed.inReplyTo).toBe('order-4471@example.com');
    expect(parsed.text).toContain('Saya sedang cuti sampai 2 Desember');
    expect(parsed.automationHeaders.autoSubmitted).toBe('auto-replied');
    expect(parsed.automationHeaders.xAutoResponseSuppress).toBe('All');
    expect(parsed.automationHeaders.xAutoreply).toBe('yes');
    expect(parsed.automationHeaders.precedence).toBe('auto_reply');
  });

  test('finds no automation headers in personal mail', async () => {
    const parsed = await parseMessage(await buildMessage({ subject: 'Question about my order' }));

    expect(parsed.automationHeaders.autoSubmitted).toBeUndefined();
    expect(parsed.automationHeaders.precedence).toBeUndefined();
    expect(parsed.automationHeaders.listId).toBeUndefined();
  });

  test('gives the same message the same contentHash', async () => {
    const source = await buildMessage({ subject: 'Invoice 1001', text: 'Please find the invoice attached.' });

    const first = await parseMessage(source);
    const second = await parseMessage(source);

    expect(first.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(second.contentHash).toBe(first.contentHash);
  });

  test('gives a different body a different contentHash', async () => {
    const original = await parseMessage(await buildMessage({ subject: 'Invoice 1001', text: 'Please find the invoice attached.' }));
    const changed = await parseMessage(await buildMessage({ subject: 'Invoice 1001', text: 'Please find the corrected invoice attached.' }));

    expect(changed.contentHash).not.toBe(original.contentHash);
  });

  test('reads References in every separator style', async () => {
    const spaced = await parseMessage(rawMessage([...BASIC_HEADERS, 'References: <a@x.example> <b@y.example>']));
    const commas = await parseMessage(rawMessage([...BASIC_HEADERS, 'References: a@x.example, b@y.example']));
    const joined = await parseMessage(rawMessage([...BASIC_HEADERS, 'References: <a@x.example><b@y.example>']));
    const twice = await parseMessage(rawMessage([...BASIC_HEADERS, 'References: <a@x.example>', 'References: <b@y.example> <a@x.example>']));

    for (const parsed of [spaced, commas, joined, twice]) {
      expect(parsed.references).toEqual(['a@x.example', 'b@y.example']);
    }
  });

  test('takes the first In-Reply-To ID', async () => {
    const parsed = await parseMessage(rawMessage([...BASIC_HEADERS, 'In-Reply-To: <first@x.example>\r\n <second@x.example>']));

    expect(parsed.inReplyTo).toBe('first@x.example');
  });

  test('removes NUL bytes from the body', async () => {
    const parsed = await parseMessage(rawMessage([...BASIC_HEADERS, 'Subject: NUL', 'Content-Type: text/plain; charset=utf-8'], Buffer.from('Hel\u0000lo\r\n', 'latin1')));

    expect(parsed.text).toBe('Hello\n');
  });

  test('makes attachment filenames safe and keeps the original', async () => {
    const pdf = Buffer.from('%PDF-1.4\n%%EOF\n');
    const parsed = await parseMessage(await buildMessage({
      subject: 'Invoice',
      attachments: [{ filename: '../../etc/invoice.pdf', content: pdf, contentType: 'application/pdf' }],
    }));

    expect(parsed.attachments).toHaveLength(1);
    expect(parsed.attachments[0].filename).toBe('invoice.pdf');
    expect(parsed.attachments[0].originalFilename).toBe('../../etc/invoice.pdf');
    expect(parsed.attachments[0].checksum).toBe(createHash('sha256').update(pdf).digest('hex'));
  });
});

describe('parseMessage with raw 8-bit headers', () => {
  test('decodes a Latin-1 subject with the declared charset', async () => {
    const parsed = await parseMessage(rawMessage([
      ...BASIC_HEADERS,
      Buffer.concat([Buffer.from('Subject: Die Hasen und die '), Buffer.from('Frösche', 'latin1')]),
      'Content-Type: text/plain; charset=iso-8859-1',
    ]));

    expect(parsed.subject).toBe('Die Hasen und die Frösche');
  });

  test('decodes a Latin-1 subject without a declared charset', async () => {
    const parsed = await parseMessage(rawMessage([
      ...BASIC_HEADERS,
      Buffer.concat([Buffer.from('Subject: '), Buffer.from('Formação Verão', 'latin1')]),
    ]));

    expect(parsed.subject).toBe('Formação Verão');
  });

  test('decodes 8-bit bytes inside a Q-encoded word', async () => {
    const parsed = await parseMessage(rawMessage([
      ...BASIC_HEADERS,
      Buffer.concat([Buffer.from('Subject: =?iso-8859-1?Q?Die_Hasen_und_die_'), Buffer.from('Frösche', 'latin1'), Buffer.from('?=')]),
    ]));

    expect(parsed.subject).toBe('Die Hasen und die Frösche');
  });

  test('decodes a GB2312 subject and sender name', async () => {
    // "转发" (forward) in GB2312, and the name "武兰成".
    const subject = Buffer.from([0xd7, 0xaa, 0xb7, 0xa2]);
    const name = Buffer.from([0xce, 0xe4, 0xc0, 0xbc, 0xb3, 0xc9]);
    const parsed = await parseMessage(rawMessage([
      Buffer.concat([Buffer.from('From: "'), name, Buffer.from('" <sender@example.cn>')]),
      'To: support@example.com',
      Buffer.concat([Buffer.from('Subject: '), subject]),
      'Content-Type: text/plain; charset=gb2312',
    ]));

    expect(parsed.subject).toBe('转发');
    expect(parsed.from).toEqual({ address: 'sender@example.cn', name: '武兰成' });
  });

  test('reads Shift_JIS labelled ISO-2022-JP', async () => {
    // "ツール" in Shift_JIS, raw in the subject and base64 in an encoded word labelled ISO-2022-JP.
    const tool = Buffer.from([0x83, 0x63, 0x81, 0x5b, 0x83, 0x8b]);
    const parsed = await parseMessage(rawMessage([
      `From: =?ISO-2022-JP?B?${Buffer.concat([tool, Buffer.from(' EXAMPLE')]).toString('base64')}?= <bar@example.org>`,
      'To: support@example.com',
      Buffer.concat([Buffer.from('Subject: '), tool]),
      'Content-Type: text/plain; charset=iso-2022-jp',
    ]));

    expect(parsed.subject).toBe('ツール');
    expect(parsed.from).toEqual({ address: 'bar@example.org', name: 'ツール EXAMPLE' });
  });

  test('decodes a raw GB2312 attachment filename', async () => {
    // The name "绩效.xls" is in GB2312, and only the multipart declares a charset.
    const filename = Buffer.concat([Buffer.from([0xbc, 0xa8, 0xd0, 0xa7]), Buffer.from('.xls')]);
    const content = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0x00, 0xff]);
    const body = Buffer.concat([
      Buffer.from('--b1\r\nContent-Type: text/plain\r\n\r\nSee attachment.\r\n--b1\r\n'),
      Buffer.from('Content-Type: application/octet-stream;\r\n name="'), filename, Buffer.from('"\r\n'),
      Buffer.from('Content-Disposition: attachment;\r\n filename="'), filename, Buffer.from('"\r\n'),
      Buffer.from(`Content-Transfer-Encoding: base64\r\n\r\n${content.toString('base64')}\r\n--b1--\r\n`),
    ]);

    const parsed = await parseMessage(rawMessage([
      ...BASIC_HEADERS,
      'Subject: Spreadsheet',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b1"; charset="GB2312"',
    ], body));

    expect(parsed.attachments).toHaveLength(1);
    expect(parsed.attachments[0].filename).toBe('绩效.xls');
    expect(parsed.attachments[0].content.equals(content)).toBe(true);
  });

  test('leaves an 8-bit body untouched', async () => {
    const parsed = await parseMessage(rawMessage([
      ...BASIC_HEADERS,
      Buffer.concat([Buffer.from('Subject: '), Buffer.from('Grüße', 'latin1')]),
      'Content-Type: text/plain; charset=iso-8859-1',
      'Content-Transfer-Encoding: 8bit',
    ], Buffer.from('Schöne Grüße\r\n', 'latin1')));

    expect(parsed.subject).toBe('Grüße');
    expect(parsed.text).toBe('Schöne Grüße\n');
  });
});
