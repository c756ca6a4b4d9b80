/** The texts of one auto-reply language. */
export interface AutoReplyTemplate {
  subject: string;
  /** Body for mail that opened a case. */
  bodyWithCase: string;
  /** Body for a mailbox without email-to-case, where there is no case number to give. */
  bodyWithoutCase: string;
  /** Stands in for `{{customerName}}` when the sender gave no name. */
  fallbackName: string;
  /** Stands in for `{{subject}}` when the message had none. */
  emptySubject: string;
}

export interface TemplateValues {
  caseNumber: number | null;
  subject: string;
  customerName: string;
  mailboxName: string;
}

export const DEFAULT_LOCALE = 'en';

/** Shipped auto-reply texts. A mailbox's own subject and body replace them when set. */
export const DEFAULT_TEMPLATES: Record<string, AutoReplyTemplate> = {
  en: {
    subject: 'We received your message: {{subject}}',
    bodyWithCase: [
      'Hello {{customerName}},',
      '',
      'Thank you for writing to us. We have received your message and opened case {{caseNumber}} for it. A member of our team will answer you as soon as possible.',
      '',
      'To add anything, reply to this email and keep the case number in the subject.',
      '',
      'This is an automatic reply.',
    ].join('\n'),
    bodyWithoutCase: [
      'Hello {{customerName}},',
      '',
      'Thank you for writing to us. We have received your message and will answer you as soon as possible.',
      '',
      'This is an automatic reply.',
    ].join('\n'),
    fallbackName: 'there',
    emptySubject: '(no subject)',
  },
  id: {
    subject: 'Surel Anda sudah kami terima: {{subject}}',
    bodyWithCase: [
      'Halo {{customerName}},',
      '',
      'Terima kasih telah menghubungi kami. Surel Anda sudah kami terima dan kami catat sebagai kasus nomor {{caseNumber}}. Tim kami akan membalasnya secepat mungkin.',
      '',
      'Jika ada yang ingin Anda tambahkan, cukup balas surel ini tanpa mengubah nomor kasus di subjek.',
      '',
      'Surel ini dikirim secara otomatis.',
    ].join('\n'),
    bodyWithoutCase: [
      'Halo {{customerName}},',
      '',
      'Terima kasih telah menghubungi kami. Surel Anda sudah kami terima dan akan kami balas secepat mungkin.',
      '',
      'Surel ini dikirim secara otomatis.',
    ].join('\n'),
    fallbackName: 'Bapak/Ibu',
    emptySubject: '(tanpa subjek)',
  },
};

const PLACEHOLDER = /\{\{\s*(caseNumber|subject|customerName|mailboxName)\s*\}\}/g;

/** Returns the shipped template of a locale such as `id` or `id-ID`, falling back to English. */
export function defaultTemplate(locale: string | null | undefined): AutoReplyTemplate {
  const language = (locale ?? '').toLowerCase().split(/[-_]/)[0];
  return DEFAULT_TEMPLATES[language] ?? DEFAULT_TEMPLATES[DEFAULT_LOCALE];
}

/**
 * Fills the placeholders `{{caseNumber}}`, `{{subject}}`, `{{customerName}}` and `{{mailboxName}}`.
 * A missing case number becomes an empty string; other text in braces is left as written.
 */
export function renderTemplate(template: string, values: TemplateValues): string {
  return template.replace(PLACEHOLDER, (_match, name: keyof TemplateValues) => {
    const value = values[name];
    return value === null || value === undefined ? '' : String(value);
  });
}

/** Renders the subject and body of an auto-reply from a mailbox's own texts or the shipped ones. */
export function renderAutoReply(
  mailbox: { autoReplyLocale?: string | null; autoReplySubject?: string | null; autoReplyBody?: string | null; name: string },
  input: { caseNumber: number | null; subject: string | null; customerName: string | null },
): { subject: string; text: string } {
  const template = defaultTemplate(mailbox.autoReplyLocale);
  const values: TemplateValues = {
    caseNumber: input.caseNumber,
    subject: input.subject?.trim() || template.emptySubject,
    customerName: input.customerName?.trim() || template.fallbackName,
    mailboxName: mailbox.name,
  };

  const subject = mailbox.autoReplySubject?.trim() || template.subject;
  const body = mailbox.autoReplyBody?.trim() || (input.caseNumber === null ? template.bodyWithoutCase : template.bodyWithCase);

  return { subject: renderTemplate(subject, values).replace(/[\r\n]+/g, ' ').trim(), text: renderTemplate(body, values) };
}
