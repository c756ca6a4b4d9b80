import path from 'path';

const MAX_NAME_LENGTH = 180;

const EXTENSIONS: Record<string, string> = {
  'application/pdf': '.pdf',
  'image/png': '.png',
  'image/jpeg': '.jpg',
  'image/gif': '.gif',
  'text/calendar': '.ics',
  'text/plain': '.txt',
  'text/html': '.html',
  'message/rfc822': '.eml',
  'message/delivery-status': '.txt',
  'application/ms-tnef': '.dat',
};

/**
 * Makes an attachment name safe to store: directory parts (`../`, `C:\`), control characters and
 * leading dots go, the length is capped, and a nameless part gets `attachment-N` with an extension
 * taken from its content type. The original stays in the email's attachment list for display.
 */
export function safeFilename(original: string | undefined, contentType: string, index: number): string {
  const base = path.posix.basename((original ?? '').replace(/\\/g, '/'));
  // eslint-disable-next-line no-control-regex
  let name = base.replace(/[\u0000-\u001f\u007f<>:"|?*]/g, '_').replace(/^[.\s]+/, '').trim();

  if (name === '') {
    name = `attachment-${index + 1}${EXTENSIONS[contentType.toLowerCase()] ?? '.bin'}`;
  }

  if (name.length > MAX_NAME_LENGTH) {
    const extension = path.extname(name).slice(0, 16);
    name = name.slice(0, MAX_NAME_LENGTH - extension.length) + extension;
  }

  return name;
}
