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

/** A UTF-16 surrogate without its partner, which encodeURIComponent rejects with a URIError. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Cuts a string to at most `length` UTF-16 units without splitting a surrogate pair (an emoji, say). */
function truncate(value: string, length: number): string {
  const cut = value.slice(0, length);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}

/**
 * Makes an attachment name safe to store: directory parts (`../`, `C:\`), control characters and
 * leading dots go, the length is capped, and a nameless part gets `attachment-N` with an extension
 * taken from its content type. The original stays in the email's attachment list for display.
 */
export function safeFilename(original: string | undefined, contentType: string, index: number): string {
  const base = path.posix.basename((original ?? '').replace(/\\/g, '/'));
  // eslint-disable-next-line no-control-regex
  let name = base.replace(/[\u0000-\u001f\u007f<>:"|?*]/g, '_').replace(LONE_SURROGATE, '_').replace(/^[.\s]+/, '').trim();

  if (name === '') {
    name = `attachment-${index + 1}${EXTENSIONS[contentType.toLowerCase()] ?? '.bin'}`;
  }

  if (name.length > MAX_NAME_LENGTH) {
    // The download route puts the name through encodeURIComponent, so no cut may split a surrogate pair.
    const extension = truncate(path.extname(name), 16);
    name = truncate(name, MAX_NAME_LENGTH - extension.length) + extension;
  }

  return name;
}
