import MailComposer from 'nodemailer/lib/mail-composer';

export interface TestMessage {
  subject: string;
  from?: string;
  to?: string;
  messageId?: string;
  date?: Date;
  text?: string;
  html?: string;
  inReplyTo?: string;
  references?: string | string[];
  headers?: Record<string, string>;
  attachments?: { filename: string; content: Buffer | string; contentType?: string; cid?: string }[];
}

/** Builds a raw RFC 5322 message with nodemailer's MIME composer. */
export async function buildMessage(message: TestMessage): Promise<Buffer> {
  const composer = new MailComposer({
    from: message.from ?? 'Customer <customer@example.org>',
    to: message.to ?? 'Support <support@example.com>',
    subject: message.subject,
    messageId: message.messageId,
    date: message.date ?? new Date('2026-11-20T08:00:00Z'),
    text: message.text ?? `Body of ${message.subject}`,
    html: message.html,
    inReplyTo: message.inReplyTo,
    references: message.references,
    headers: message.headers,
    attachments: message.attachments,
  });

  return composer.compile().build();
}

export async function buildMessages(count: number, prefix: string, offset = 0): Promise<Buffer[]> {
  const messages: Buffer[] = [];

  for (let index = offset; index < offset + count; index += 1) {
    messages.push(await buildMessage({
      subject: `${prefix} ${index + 1}`,
      messageId: `<${prefix.replace(/\W+/g, '-').toLowerCase()}-${index + 1}@example.org>`,
      date: new Date(Date.UTC(2026, 10, 1, 8, index)),
    }));
  }

  return messages;
}
