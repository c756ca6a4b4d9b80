import { isUtf8 } from 'buffer';
import { TextDecoder } from 'util';

/**
 * WHATWG names of the multi-byte charsets that Node's TextDecoder supports. Their strict decoders
 * reject most byte runs from another charset, so they are tried before the single-byte charsets.
 */
const MULTI_BYTE_CHARSETS = new Set(['shift_jis', 'euc-jp', 'gbk', 'gb18030', 'big5', 'euc-kr']);

/** Charset that decodes every byte, so it ends the candidate list. WHATWG reads iso-8859-1 and us-ascii as it too. */
const LAST_RESORT_CHARSET = 'windows-1252';

/**
 * Maximum number of MIME boundaries followed. Each costs one scan of the message, so the cap bounds
 * the work on deeply nested mail. NOTE: 200 is a guess well above real mail (Ryan Finnie's MIME
 * torture test declares 14 boundaries). Header blocks of parts past the cap keep their raw bytes.
 */
const MAX_BOUNDARIES = 200;

function whatwgName(label: string): string | null {
  try {
    return new TextDecoder(label).encoding;
  } catch {
    return null;
  }
}

/**
 * Lists the charsets to try for raw 8-bit header bytes: those the message declares anywhere,
 * multi-byte ones first, then windows-1252. ISO-2022-JP is a 7-bit encoding, so 8-bit bytes under
 * that label are read as Shift_JIS, because some Japanese mailers send Shift_JIS text under it.
 */
function candidateCharsets(text: string): string[] {
  const multiByte: string[] = [];
  const singleByte: string[] = [];

  for (const match of text.matchAll(/charset\s*=\s*"?([A-Za-z0-9._:-]+)/gi)) {
    let name = whatwgName(match[1]);

    if (name === 'iso-2022-jp') {
      name = 'shift_jis';
    }

    if (!name || name === 'utf-8' || name.startsWith('utf-16') || name === 'replacement' || name === LAST_RESORT_CHARSET) {
      continue;
    }

    const list = MULTI_BYTE_CHARSETS.has(name) ? multiByte : singleByte;

    if (!list.includes(name)) {
      list.push(name);
    }
  }

  return [...multiByte, ...singleByte, LAST_RESORT_CHARSET];
}

/** Returns the offset of the blank line that ends the header block starting at `start`, or the text length. */
function headerEnd(text: string, start: number): number {
  if (/^\r?\n/.test(text.slice(start, start + 2))) {
    return start;
  }

  const blank = /\n\r?\n/g;
  blank.lastIndex = start;
  const match = blank.exec(text);
  return match ? match.index + 1 : text.length;
}

/**
 * Finds the top-level header block and the header block of every MIME part, following only
 * boundaries that a header block declares. A part's header block starts on the line after its
 * `--boundary` delimiter line. A block ends at the next blank line, or else at the end of the text,
 * which mailsplit then reads as headers as well. So no returned range holds body or attachment bytes.
 */
function headerBlocks(text: string): Array<[number, number]> {
  const blocks: Array<[number, number]> = [[0, headerEnd(text, 0)]];
  const followed = new Set<string>();

  for (let index = 0; index < blocks.length && followed.size < MAX_BOUNDARIES; index += 1) {
    const [blockStart, blockEnd] = blocks[index];
    const headers = text.slice(blockStart, blockEnd);

    for (const match of headers.matchAll(/boundary\s*=\s*(?:"([^"\r\n]+)"|([^\s;"]+))/gi)) {
      const boundary = match[1] ?? match[2];

      if (followed.has(boundary) || followed.size >= MAX_BOUNDARIES) {
        continue;
      }

      followed.add(boundary);
      const delimiter = `--${boundary}`;

      for (let at = text.indexOf(delimiter); at >= 0; at = text.indexOf(delimiter, at + delimiter.length)) {
        const atLineStart = at === 0 || text[at - 1] === '\n';
        const lineEnd = text.indexOf('\n', at);
        const rest = text.slice(at + delimiter.length, lineEnd < 0 ? text.length : lineEnd);

        // `--boundary--` closes the multipart and has no part after it.
        if (!atLineStart || lineEnd < 0 || !/^[ \t\r]*$/.test(rest)) {
          continue;
        }

        blocks.push([lineEnd + 1, headerEnd(text, lineEnd + 1)]);
      }
    }
  }

  return blocks;
}

function decodeWithFallback(bytes: Buffer, charsets: string[]): string {
  for (const charset of charsets) {
    try {
      return new TextDecoder(charset, { fatal: true }).decode(bytes);
    } catch {
      // The bytes are not valid in this charset, so the next one is tried.
    }
  }

  return new TextDecoder(LAST_RESORT_CHARSET).decode(bytes);
}

/**
 * Relabels ISO-2022-JP encoded words that carry 8-bit bytes as Shift_JIS. ISO-2022-JP is a 7-bit
 * encoding, so such bytes cannot be ISO-2022-JP, and some Japanese mailers send Shift_JIS this way.
 */
function relabelJapaneseWords(line: string): string {
  return line.replace(/=\?iso-2022-jp(\*[^?]*)?\?([BbQq])\?([^?]*)\?=/gi, (word, _language, encoding: string, encoded: string) => {
    const eightBit = encoding.toUpperCase() === 'B'
      ? Buffer.from(encoded, 'base64').some((byte) => byte >= 0x80)
      : /=[89a-f][0-9a-f]|[\x80-\xff]/i.test(encoded);

    return eightBit ? `=?Shift_JIS?${encoding}?${encoded}?=` : word;
  });
}

/**
 * Re-encodes one header line (a latin1 string of raw bytes) as UTF-8 when its bytes are not UTF-8,
 * and relabels mislabelled ISO-2022-JP encoded words.
 */
function repairLine(rawLine: string, charsets: string[]): string {
  const line = /=\?iso-2022-jp/i.test(rawLine) ? relabelJapaneseWords(rawLine) : rawLine;

  if (!/[\x80-\xff]/.test(line) || isUtf8(Buffer.from(line, 'latin1'))) {
    return line;
  }

  // Raw 8-bit bytes inside a Q-encoded word belong to the word's charset, so they become =XX escapes
  // and the word decodes as its sender meant (`=?iso-8859-1?Q?Fr\xf6sche?=` reads as Frösche).
  const escaped = line.replace(/=\?[^?\s]+\?[Qq]\?[^?]*\?=/g, (word) =>
    word.replace(/[\x80-\xff]/g, (char) => `=${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`),
  );

  const bytes = Buffer.from(escaped, 'latin1');

  if (isUtf8(bytes)) {
    return escaped;
  }

  return Buffer.from(decodeWithFallback(bytes, charsets), 'utf8').toString('latin1');
}

/** Searches the raw bytes (no string copy) for the ISO-2022-JP label in its two usual spellings. */
function mentionsIso2022Jp(source: Buffer): boolean {
  return source.includes('iso-2022-jp', 0, 'latin1') || source.includes('ISO-2022-JP', 0, 'latin1');
}

/**
 * Rewrites header lines whose raw 8-bit bytes are not UTF-8 (RFC 5322 forbids them, but old
 * clients send Latin-1, GB2312 or Shift_JIS this way) as UTF-8, decoded with a charset that the
 * message declares, else windows-1252. mailparser 3.14 reads every header as UTF-8, which turns such
 * bytes into U+FFFD and loses subjects, sender names and attachment filenames. Encoded words
 * labelled ISO-2022-JP that hold Shift_JIS bytes are relabelled. Bodies and attachments are never
 * changed, and a valid UTF-8 source without the ISO-2022-JP label is returned as it is.
 *
 * NOTE: the charset is a guess from the declared ones, so a header in a charset that the message
 * does not declare may still decode wrongly, but as readable text instead of replacement characters.
 */
export function repairHeaderCharsets(source: Buffer): Buffer {
  if (isUtf8(source) && !mentionsIso2022Jp(source)) {
    return source;
  }

  const text = source.toString('latin1');
  const blocks = headerBlocks(text).sort((a, b) => a[0] - b[0]);
  let charsets: string[] | null = null;
  let result = '';
  let copiedUpTo = 0;

  for (const [start, end] of blocks) {
    if (start < copiedUpTo) {
      continue;
    }

    const block = text.slice(start, end);

    if (!/[\x80-\xff]|=\?iso-2022-jp/i.test(block)) {
      continue;
    }

    charsets ??= candidateCharsets(text);
    const repaired = block.split('\n').map((line) => repairLine(line, charsets as string[])).join('\n');

    if (repaired === block) {
      continue;
    }

    result += text.slice(copiedUpTo, start) + repaired;
    copiedUpTo = end;
  }

  if (copiedUpTo === 0) {
    return source;
  }

  return Buffer.from(result + text.slice(copiedUpTo), 'latin1');
}
