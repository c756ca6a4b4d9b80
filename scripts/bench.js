#!/usr/bin/env node
// Measures fetch throughput against a real Dovecot: the raw IMAP download of a mailbox as the
// baseline, then the plugin archiving the same mail into SQLite, without and with email-to-case.
// Writes docs/benchmarks.md. Figures are ratios within one run, because the machine is shared.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { ImapFlow } = require('imapflow');
const MailComposer = require('nodemailer/lib/mail-composer');

const { startDovecot, appendMessages } = require('./lib/dovecot');

const root = path.join(__dirname, '..');
const MESSAGE_COUNT = Number(process.env.BENCH_MESSAGES || 300);
const ATTACHMENT_EVERY = 10;

async function buildMessages(count, tag) {
  const messages = [];
  const paragraph = 'Halo tim dukungan, pesanan saya belum sampai. Mohon dicek nomor resinya. '.repeat(40);

  for (let index = 0; index < count; index += 1) {
    const attachments = index % ATTACHMENT_EVERY === 0 ? [{ filename: `foto-${index}.bin`, content: crypto.randomBytes(50 * 1024) }] : [];
    const composer = new MailComposer({
      from: `Pelanggan ${index} <pelanggan${index}@example.co.id>`,
      to: 'support@example.com',
      subject: `${tag} pertanyaan ${index}`,
      messageId: `<${tag}-${index}@example.co.id>`,
      date: new Date(Date.UTC(2026, 10, 1, 0, index)),
      text: paragraph,
      html: `<p>${paragraph}</p>`,
      attachments,
    });
    messages.push(await composer.compile().build());
  }

  return messages;
}

async function downloadAll(login) {
  const client = new ImapFlow({ host: login.host, port: login.port, secure: false, auth: { user: login.user, pass: login.password }, logger: false });
  client.on('error', () => undefined);
  await client.connect();
  const lock = await client.getMailboxLock('INBOX', { readOnly: true });
  let bytes = 0;

  try {
    for await (const message of client.fetch('1:*', { uid: true, source: true })) {
      bytes += message.source.length;
    }
  } finally {
    lock.release();
    await client.logout();
  }

  return bytes;
}

async function timeIt(run) {
  const started = process.hrtime.bigint();
  const value = await run();
  return { value, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

async function bootStrapi(dataDir) {
  require(path.join(root, 'playground', 'scripts', 'ensure-env.js')).loadEnv();
  Object.assign(process.env, {
    DATABASE_CLIENT: 'sqlite',
    DATABASE_FILENAME: path.join(dataDir, 'bench.db'),
    INBOX_SCHEDULER_ENABLED: 'false',
    INBOX_IDLE_ENABLED: 'false',
    STRAPI_TELEMETRY_DISABLED: 'true',
    NODE_ENV: 'production',
  });

  const { createStrapi } = require('@strapi/strapi');
  const strapi = createStrapi({ appDir: path.join(root, 'playground'), distDir: path.join(root, 'playground', 'dist') });
  strapi.log.level = 'error';
  await strapi.load();
  return strapi;
}

async function archive(strapi, dovecot, login, caseEnabled, team) {
  const mailbox = await strapi.plugin('inbox').service('mailboxes').create('group', {
    name: `Bench ${login.user}`,
    emailAddress: `${login.user}@example.com`,
    caseEnabled,
    distribution: 'round-robin',
    team: team.id,
    imap: { host: dovecot.host, port: dovecot.port, security: 'none', username: login.user, password: login.password, batchSize: 100, monitoredFolders: ['INBOX'] },
  });

  return timeIt(async () => {
    let imported = 0;

    for (;;) {
      const summary = await strapi.plugin('inbox').service('mailboxFetcher').fetchMailbox({ kind: 'group', id: mailbox.id }, 'manual');
      imported += summary.imported;

      if (summary.status !== 'succeeded' || summary.backlog === 0) {
        return imported;
      }
    }
  });
}

function formatRow(name, result, baseline) {
  const perSecond = MESSAGE_COUNT / result.seconds;
  return `| ${name} | ${result.seconds.toFixed(2)} | ${perSecond.toFixed(1)} | ${(result.seconds / baseline.seconds).toFixed(1)} |`;
}

async function main() {
  const logins = ['plain', 'cases', 'download'].map((user) => ({ user, password: crypto.randomBytes(8).toString('hex') }));
  const dovecot = await startDovecot({ users: logins.map((login) => ({ username: login.user, password: login.password })) });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'inbox-bench-'));
  let strapi = null;

  try {
    for (const login of logins) {
      await appendMessages({ host: dovecot.host, port: dovecot.port, user: login.user, password: login.password, messages: await buildMessages(MESSAGE_COUNT, login.user) });
    }

    const download = await timeIt(() => downloadAll({ host: dovecot.host, port: dovecot.port, ...logins[2] }));
    strapi = await bootStrapi(dataDir);

    const users = [];
    for (const name of ['bench-a', 'bench-b', 'bench-c']) {
      users.push(await strapi.db.query('plugin::users-permissions.user').create({ data: { username: name, email: `${name}@example.com`, provider: 'local', confirmed: true, blocked: false } }));
    }
    const team = await strapi.db.query('plugin::inbox.team').create({ data: { name: 'Bench team', members: users.map((user) => user.id) } });

    const plain = await archive(strapi, dovecot, logins[0], false, team);
    const withCases = await archive(strapi, dovecot, logins[1], true, team);

    const lines = [
      '# Benchmarks',
      '',
      'Produced by `npm run bench` (scripts/bench.js). Each run starts a real Dovecot on loopback, seeds three',
      `mailboxes with ${MESSAGE_COUNT} identical-shape messages (about 6 KB of text and HTML; every ${ATTACHMENT_EVERY}th also carries a 50 KB`,
      'attachment), and times one after the other in the same process. The machines are shared and noisy, so compare the',
      'ratio column of one run rather than seconds across runs.',
      '',
      `Run on ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${os.cpus().length} CPU cores, SQLite (better-sqlite3).`,
      '',
      '| step | seconds | messages/s | × raw IMAP download |',
      '| --- | --- | --- | --- |',
      formatRow('raw IMAP download (imapflow FETCH 1:*, baseline)', download, download),
      formatRow('archive: parse, store, attachments, cursor per message', plain, download),
      formatRow('archive with email-to-case (classify, thread, case, round-robin)', withCases, download),
      '',
      `Imported: ${plain.value} without cases, ${withCases.value} with cases (expected ${MESSAGE_COUNT} each).`,
      '',
    ];

    fs.mkdirSync(path.join(root, 'docs'), { recursive: true });
    fs.writeFileSync(path.join(root, 'docs', 'benchmarks.md'), lines.join('\n'));
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    if (strapi) {
      await strapi.destroy();
    }

    await dovecot.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`[bench] Failed: ${error.stack || error}\n`);
  process.exit(1);
});
