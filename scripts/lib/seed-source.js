// Reads raw messages for seeding a mailbox from a folder of .eml files, a single .eml file or an mbox file.
'use strict';

const fs = require('fs');
const path = require('path');

// mbox separator lines start with "From " at the beginning of a line (RFC 4155).
const SEPARATOR_PREFIX = 'From ';

function readEmlFolder(folder) {
  const names = fs
    .readdirSync(folder, { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.toLowerCase().endsWith('.eml'))
    .map((entry) => entry.name)
    .sort();
  if (names.length === 0) {
    throw new Error(`No .eml files found in ${folder}.`);
  }
  return names.map((name) => readEmlFile(path.join(folder, name)));
}

function readEmlFile(file) {
  const content = fs.readFileSync(file);
  if (content.length === 0) {
    throw new Error(`Message file ${file} is empty.`);
  }
  return content;
}

/** Converts LF and CRLF line endings to CRLF, the line ending of IMAP and SMTP. */
function toCrlf(text) {
  return text.replace(/\r?\n/g, '\r\n');
}

/**
 * Splits an mbox file into messages. Each "From " line starts a new message and is dropped.
 * Lines of the form ">From ", ">>From " and so on lose one ">" (the mboxrd rule). In an mboxo file
 * this also undoes the quoting, but a line that read ">From " before quoting loses its ">" as well.
 * The blank line that mbox puts before each separator is removed, and messages come back with CRLF
 * line endings whether the file uses LF or CRLF.
 */
function splitMbox(file, content) {
  // latin1 maps every byte to one character and back, so 8-bit message bodies survive unchanged.
  const text = content.toString('latin1');
  if (!text.startsWith(SEPARATOR_PREFIX)) {
    throw new Error(
      `${file} is not an mbox file: its first line does not start with "From ". ` +
        'Pass a folder of .eml files, a .eml file or an mbox file.',
    );
  }

  const messages = [];
  let current = null;
  for (const line of text.split(/(?<=\n)/)) {
    if (line.startsWith(SEPARATOR_PREFIX)) {
      if (current !== null) {
        messages.push(current);
      }
      current = [];
      continue;
    }
    current.push(/^>+From /.test(line) ? line.slice(1) : line);
  }
  messages.push(current);

  return messages
    .map((lines) => {
      let body = lines.join('');
      // Drop the blank line that separates this message from the next "From " line.
      if (/\r?\n\r?\n$/.test(body)) {
        body = body.replace(/\r?\n$/, '');
      }
      return body;
    })
    .filter((body) => body.trim().length > 0)
    .map((body) => Buffer.from(toCrlf(body), 'latin1'));
}

/**
 * Returns the raw messages stored at a path, as Buffers.
 * A folder yields its .eml files sorted by file name, each file unchanged. A .eml file yields itself.
 * Any other file is read as mbox (see splitMbox). Throws when the path does not exist or contains no message.
 */
function readSeedMessages(source) {
  let stats;
  try {
    stats = fs.statSync(source);
  } catch (error) {
    if (error.code === 'ENOENT') {
      throw new Error(`Seed path ${source} does not exist. Pass a folder of .eml files or an mbox file.`);
    }
    throw error;
  }

  if (stats.isDirectory()) {
    return readEmlFolder(source);
  }
  if (source.toLowerCase().endsWith('.eml')) {
    return [readEmlFile(source)];
  }

  const content = fs.readFileSync(source);
  if (content.length === 0) {
    throw new Error(`Seed file ${source} is empty.`);
  }
  const messages = splitMbox(source, content);
  if (messages.length === 0) {
    throw new Error(`No message found in the mbox file ${source}.`);
  }
  return messages;
}

module.exports = { readSeedMessages };
