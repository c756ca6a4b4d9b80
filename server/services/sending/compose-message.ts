import MailComposer from 'nodemailer/lib/mail-composer';

import type { AutomationHeaders, EmailAddress } from '../parse/parse-message';

/** The stored fields of an outgoing email that its MIME message is built from. */
export interface OutgoingFields {
  messageId: string;
  subject: string | null;
  fromAddress: string;
  fromName: string | null;
  to: EmailAddress[] | null;
  cc: EmailAddress[] | null;
  bcc: EmailAddress[] | null;
  replyTo: EmailAddress[] | null;
  inReplyTo: string | null;
  references: string[] | null;
  textBody: string | null;
  htmlBody: string | null;
  autoHeaders: AutomationHeaders | null;
}

export interface ComposedMessage {
  raw: Buffer;
  envelope: { from: string; to: string[] };
}

/** Header names of the automation fields that an outgoing email may carry. */
const HEADER_NAMES: Partial<Record<keyof AutomationHeaders, string>> = {
  autoSubmitted: 'Auto-Submitted',
  xAutoResponseSuppress: 'X-Auto-Response-Suppress',
  precedence: 'Precedence',
  xLoop: 'X-Loop',
};

function bracketed(id: string) {
  return `<${id}>`;
}

function automationHeaders(fields: AutomationHeaders | null): Record<string, string> {
  const headers: Record<string, string> = {};

  for (const [key, name] of Object.entries(HEADER_NAMES)) {
    const value = fields?.[key as keyof AutomationHeaders];

    if (typeof value === 'string' && value !== '') {
      headers[name] = value;
    }
  }

  return headers;
}

/**
 * Builds the raw message and SMTP envelope of a stored outgoing email with nodemailer's MIME
 * composer. The same bytes are sent and appended to the Sent folder. Bcc recipients are in the
 * envelope only, never in the headers.
 */
export async function composeMessage(fields: OutgoingFields, date = new Date()): Promise<ComposedMessage> {
  const composer = new MailComposer({
    from: { name: fields.fromName ?? '', address: fields.fromAddress },
    to: fields.to ?? [],
    cc: fields.cc ?? [],
    bcc: fields.bcc ?? [],
    replyTo: fields.replyTo?.length ? fields.replyTo : undefined,
    subject: fields.subject ?? '',
    text: fields.textBody ?? '',
    html: fields.htmlBody ?? undefined,
    messageId: bracketed(fields.messageId),
    inReplyTo: fields.inReplyTo ? bracketed(fields.inReplyTo) : undefined,
    references: fields.references?.length ? fields.references.map(bracketed) : undefined,
    headers: automationHeaders(fields.autoHeaders),
    date,
  });

  const compiled = composer.compile();
  const envelope = compiled.getEnvelope() as { from: string | false; to: string[] };
  const raw = await compiled.build();

  return { raw, envelope: { from: envelope.from || fields.fromAddress, to: envelope.to } };
}
