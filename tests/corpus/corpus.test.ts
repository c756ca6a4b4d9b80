import fs from 'fs';
import path from 'path';

import { appendMessages, ensureDovecotInstalled, getFolderStatus, listMessages, startDovecot, type DovecotServer } from '../../scripts/lib/dovecot';
import { normalizeMessageId } from '../../server/services/parse/message-id';
import { createGroupMailbox, fetchGroup } from '../helpers/inbox';
import { startTestApp, type TestApp } from '../helpers/strapi';

/**
 * Real-world messages from the test fixtures of other mail parsers and help desks. They are read
 * from outside the repository at test time and never copied into it.
 */
const CORPUS_DIR = path.resolve(__dirname, '../../../shared/corpus');
const MANIFEST_FILE = path.join(CORPUS_DIR, 'MANIFEST.tsv');

const APPEND_BATCH_SIZE = 20;
const MAX_FETCH_RUNS = 5;

interface CorpusEntry {
  path: string;
  expectedValues: string;
  source: Buffer;
}

/** Values of one stored email that MANIFEST.tsv states. A field left out is not asserted. */
interface Expected {
  subject?: string;
  /** null when the manifest states that the message has no From. */
  fromAddress?: string | null;
  fromName?: string;
  messageId?: string | null;
  attachmentCount?: number;
}

/**
 * Expectations that the plugin is not meant to meet, with the reason. Most describe what the
 * source project's own parser or application does differently from mailparser with the plugin's
 * options. Expectations that depend on a parser option of the source project, such as postal-mime's
 * forceRfc822Attachments, are skipped here as well.
 */
const NOT_ASSERTED: Record<string, Partial<Record<keyof Expected, string>>> = {
  'postal-mime/bounce.eml': {
    attachmentCount: 'postal-mime counts the message/delivery-status part, which mailparser reads as body text',
  },
  'postal-mime/mimetorture.eml': {
    attachmentCount: "the count depends on postal-mime's forceRfc822Attachments option",
  },
  'webklex-php-imap/pec.eml': {
    attachmentCount: 'counts an inline message/rfc822 part, which mailparser reads as body unless forceRfc822Attachments is set',
  },
  'zbateson-mail-mime-parser/m0018.txt': {
    attachmentCount: 'counts uuencoded blocks inside a text/plain body, which mailparser does not extract',
  },
  'zammad/mail001.box': {
    attachmentCount: 'Zammad stores an HTML-only body as a message.html attachment',
  },
  'zammad/mail092.box': {
    attachmentCount: 'Zammad stores the message/delivery-status part as an attachment; mailparser reads it as body text',
  },
  'chatwoot/cid_inline_images_without_disposition.eml': {
    attachmentCount: 'Chatwoot inlines cid images into the HTML, while the plugin keeps them as inline attachments',
  },
  // NOTE: mailparser 3.x does not decode UTF-7, so these subjects keep their +APY- sequences.
  'zbateson-mail-mime-parser/m0006.txt': { subject: 'UTF-7 encoded words' },
  'zbateson-mail-mime-parser/m1011.txt': { subject: 'raw UTF-7 in the Subject header' },
};

/** Reads one TSV field, which spreadsheet-style quoting wraps in quotes with inner quotes doubled. */
function unquoteTsv(field: string): string {
  return /^".*"$/s.test(field) ? field.slice(1, -1).replace(/""/g, '"') : field;
}

function readManifest(): CorpusEntry[] {
  const [header, ...lines] = fs.readFileSync(MANIFEST_FILE, 'utf8').split('\n').filter((line) => line.trim() !== '');
  const columns = header.split('\t');
  const pathColumn = columns.indexOf('path');
  const expectedColumn = columns.indexOf('expected_values');

  return lines.map((line) => {
    const fields = line.split('\t');
    const entryPath = fields[pathColumn];

    return {
      path: entryPath,
      expectedValues: unquoteTsv(fields[expectedColumn] ?? ''),
      source: fs.readFileSync(path.join(CORPUS_DIR, entryPath)),
    };
  });
}

/** Drops a trailing reference to the source project's test file, such as `(test/simple-parser-test.js)`. */
function stripSourceReference(value: string): string {
  return value.replace(/\s+\((?:[\w.-]+\/)+[\w.*-]+\)$/, '');
}

/**
 * Reads a subject value. A value in double quotes is a JSON-style string (it may hold `\r\n`),
 * and a trailing note about the source project's test that mentions "upstream" is not part of
 * the subject. Returns null when the value cannot be read.
 */
function readSubject(value: string): string | null {
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    try {
      return JSON.parse(value) as string;
    } catch {
      return null;
    }
  }

  return value.replace(/\s+\([^()]*\bupstream\b[^()]*\)$/, '');
}

/** Reads `none`, a bare address, or `Name <address>` with an optional trailing comment. */
function readFrom(value: string): Pick<Expected, 'fromAddress' | 'fromName'> {
  if (value === 'none') {
    return { fromAddress: null };
  }

  if (/^[^\s<>"()]+@[^\s<>"()]+$/.test(value)) {
    return { fromAddress: value };
  }

  const match = value.match(/^(.*?)\s*<([^<>\s]+@[^<>\s]+)>(\s*\(.*\))?$/);

  if (!match) {
    return {};
  }

  const [, rawName, address, comment] = match;
  const quotedName = rawName.match(/^"([^"]*)"$/);

  // A trailing comment may be the display name itself, so the name is compared only without one.
  if (comment) {
    return { fromAddress: address };
  }

  if (quotedName) {
    return { fromAddress: address, fromName: quotedName[1] };
  }

  return rawName.includes('"') ? { fromAddress: address } : { fromAddress: address, fromName: rawName.trim() };
}

/**
 * Extracts the subject, From, Message-ID and attachment count from an `expected_values` cell
 * (`key=value` items separated by `; `). Items with any other key, and free-text notes without
 * a plain key, are left out, and so is any value that does not fit a form read here.
 */
function parseExpectedValues(cell: string): Expected {
  const expected: Expected = {};

  for (const item of cell.split('; ')) {
    const match = item.match(/^([A-Za-z_]+)=(.*)$/s);

    if (!match) {
      continue;
    }

    const key = match[1].toLowerCase();
    const value = stripSourceReference(match[2]);

    if (key === 'subject') {
      const subject = readSubject(value);

      if (subject !== null) {
        expected.subject = subject;
      }
    } else if (key === 'from') {
      Object.assign(expected, readFrom(value));
    } else if (key === 'message_id' && !/\s/.test(value)) {
      expected.messageId = normalizeMessageId(value);
    } else if (key === 'attachments') {
      const count = value.match(/^(\d+)(?:\s|$)/);

      if (count) {
        expected.attachmentCount = Number(count[1]);
      }
    }
  }

  return expected;
}

function assertedExpectations(entry: CorpusEntry): Expected {
  const expected = parseExpectedValues(entry.expectedValues);

  for (const field of Object.keys(NOT_ASSERTED[entry.path] ?? {}) as (keyof Expected)[]) {
    delete expected[field];
  }

  return expected;
}

const corpusFound = fs.existsSync(MANIFEST_FILE);

if (!corpusFound) {
  const reason = `corpus folder not found at ${CORPUS_DIR} (no MANIFEST.tsv there)`;

  // Jest lists no test names for a file whose tests are all skipped, so the reason is printed as well.
  console.warn(`Corpus tests skipped: ${reason}.`);
  test.skip(reason, () => undefined);
} else {
  const entries = readManifest();
  const withExpectations = entries
    .map((entry) => ({ path: entry.path, expected: assertedExpectations(entry) }))
    .filter((row) => Object.keys(row.expected).length > 0);

  let app: TestApp;
  let dovecot: DovecotServer;
  let mailboxId: number;

  const appended: CorpusEntry[] = [];
  const rejected: { path: string; error: string }[] = [];
  const uidOf = new Map<string, number>();
  let listedCount = 0;
  const runs: any[] = [];
  let fetchError: unknown;

  /**
   * Appends the entries in batches. appendMessages stops at the first message that Dovecot rejects,
   * so the folder's message count shows which one it was, and the rest of the batch is appended again.
   */
  async function appendCorpus(login: { host: string; port: number; user: string; password: string }) {
    for (let start = 0; start < entries.length; start += APPEND_BATCH_SIZE) {
      let pending = entries.slice(start, start + APPEND_BATCH_SIZE);

      while (pending.length > 0) {
        try {
          await appendMessages({ ...login, messages: pending.map((entry) => entry.source) });
          appended.push(...pending);
          pending = [];
        } catch (error) {
          const stored = ((await getFolderStatus(login)).messages ?? 0) - appended.length;

          if (stored < 0 || stored >= pending.length) {
            throw error;
          }

          appended.push(...pending.slice(0, stored));
          // imapflow's message is only "Command failed", so the server's reason is read from responseText.
          const reason = (error as { responseText?: string }).responseText ?? (error as Error).message;
          rejected.push({ path: pending[stored].path, error: reason });
          pending = pending.slice(stored + 1);
        }
      }
    }
  }

  beforeAll(async () => {
    await ensureDovecotInstalled({ allowInstall: false });
    dovecot = await startDovecot();
    app = await startTestApp();

    const { mailbox, imapLogin } = await createGroupMailbox(app.strapi, dovecot, { imap: { batchSize: entries.length } });
    mailboxId = mailbox.id;
    await appendCorpus(imapLogin);

    if (rejected.length > 0) {
      console.info(`Dovecot rejected ${rejected.length} corpus file(s) at APPEND:\n${rejected.map((item) => `  ${item.path}: ${item.error}`).join('\n')}`);
    }

    // IMAP assigns ascending UIDs in append order, so the listing pairs each UID with its file.
    const listed = await listMessages(imapLogin);
    listedCount = listed.length;
    listed.forEach((message, index) => {
      if (appended[index]) {
        uidOf.set(appended[index].path, message.uid);
      }
    });

    try {
      for (let run = 0; run < MAX_FETCH_RUNS; run += 1) {
        const summary = await fetchGroup(app.strapi, mailboxId);
        runs.push(summary);

        if (summary.backlog === 0) {
          break;
        }
      }
    } catch (error) {
      fetchError = error;
    }
  });

  afterAll(async () => {
    await app?.stop();
    await dovecot?.stop();
  });

  async function storedRows() {
    const where = { mailboxKind: 'group', mailboxId };
    const imapMessages = await app.strapi.db.query('plugin::inbox.imap-message').findMany({ where, populate: ['email'] });
    // A failed message imported by a later retry has an imap-message row too, so it counts there only.
    const failedMessages = await app.strapi.db.query('plugin::inbox.failed-message').findMany({ where: { ...where, status: { $ne: 'imported' } } });
    return { imapMessages, failedMessages };
  }

  describe('importing the mail corpus', () => {
    test('Dovecot stores every appended file', () => {
      expect(appended.length + rejected.length).toBe(entries.length);
      expect(listedCount).toBe(appended.length);
    });

    test('fetch runs finish without throwing', () => {
      expect(fetchError).toBeUndefined();
      expect(runs.length).toBeGreaterThan(0);
      expect(runs.map((run) => run.status)).toEqual(runs.map(() => 'succeeded'));
      expect(runs[runs.length - 1].backlog).toBe(0);
    });

    test('each message is stored exactly once', async () => {
      const { imapMessages, failedMessages } = await storedRows();

      expect(imapMessages.length + failedMessages.length).toBe(appended.length);

      const outcomes = new Map<number, string[]>();
      const record = (uid: unknown, kind: string) => outcomes.set(Number(uid), [...(outcomes.get(Number(uid)) ?? []), kind]);
      imapMessages.forEach((row: any) => record(row.uid, row.email ? 'email' : 'imap-message without email'));
      failedMessages.forEach((row: any) => record(row.uid, 'failed'));

      const wrong = appended
        .map((entry) => ({ path: entry.path, outcomes: outcomes.get(uidOf.get(entry.path) ?? -1) ?? [] }))
        .filter((item) => item.outcomes.length !== 1 || item.outcomes[0] === 'imap-message without email');
      expect(wrong).toEqual([]);

      if (failedMessages.length > 0) {
        const pathOf = new Map([...uidOf].map(([entryPath, uid]) => [uid, entryPath]));
        const lines = failedMessages.map((row: any) => `  ${pathOf.get(Number(row.uid))}: ${String(row.error).split('\n')[0]}`);
        console.info(`${failedMessages.length} corpus message(s) stored as failed messages:\n${lines.join('\n')}`);
      }
    });

    test('every failed message has an error', async () => {
      const { failedMessages } = await storedRows();
      const withoutError = failedMessages.filter((row: any) => typeof row.error !== 'string' || row.error.trim() === '');

      expect(withoutError.map((row: any) => row.uid)).toEqual([]);
    });

    test.each(withExpectations)('$path matches its manifest values', async ({ path: entryPath, expected }) => {
      const uid = uidOf.get(entryPath);
      expect(uid).toBeDefined();

      const where = { mailboxKind: 'group', mailboxId, uid };
      const location = await app.strapi.db.query('plugin::inbox.imap-message').findOne({ where, populate: ['email'] });
      const failure = await app.strapi.db.query('plugin::inbox.failed-message').findOne({ where: { ...where, status: { $ne: 'imported' } }, select: ['error'] });

      expect(failure?.error).toBeUndefined();
      const email = location?.email;
      expect(email).toBeTruthy();

      if (expected.subject !== undefined) {
        expect(email.subject).toBe(expected.subject);
      }

      // The plugin stores addresses in lower case, so the manifest's address is compared that way.
      if (expected.fromAddress !== undefined) {
        expect(email.fromAddress).toBe(expected.fromAddress === null ? null : expected.fromAddress.toLowerCase());
      }

      if (expected.fromName !== undefined) {
        expect(email.fromName ?? '').toBe(expected.fromName);
      }

      if (expected.messageId !== undefined) {
        expect(email.messageId).toBe(expected.messageId);
      }

      if (expected.attachmentCount !== undefined) {
        expect((email.attachments ?? []).length).toBe(expected.attachmentCount);
      }
    });
  });
}
