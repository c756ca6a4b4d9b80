#!/usr/bin/env node
// The main job on a fresh machine: a real Dovecot with a seeded support mailbox, the playground
// Strapi app on SQLite with a group mailbox that reads it, one fetch, and a report of what was
// archived. Without --once the app keeps running, fetching every minute and through IMAP IDLE.
'use strict';

const { execFileSync } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');

const { parseOptions, USAGE } = require('./demo/options');
const { ensureDovecotInstalled, startDovecot, appendMessages, listMessages } = require('./lib/dovecot');
const { startSmtpRelay } = require('./lib/smtp-relay');
const { readSeedMessages } = require('./lib/seed-source');

const root = path.join(__dirname, '..');
const playgroundDir = path.join(root, 'playground');

function log(message) {
  process.stderr.write(`[demo] ${message}\n`);
}

function build({ withAdmin }) {
  log('Compiling the plugin and the playground...');
  execFileSync(process.execPath, [path.join(__dirname, 'build.js')], { stdio: ['ignore', 'inherit', 'inherit'], cwd: root });

  if (withAdmin && !fs.existsSync(path.join(playgroundDir, 'dist', 'build', 'index.html'))) {
    log('Building the admin panel (about a minute, only the first time)...');
    const strapiBin = path.join(path.dirname(require.resolve('@strapi/strapi/package.json')), 'bin', 'strapi.js');
    execFileSync(process.execPath, [strapiBin, 'build'], { stdio: ['ignore', 'inherit', 'inherit'], cwd: playgroundDir });
  }
}

function prepareEnvironment(options, dataDir) {
  require(path.join(playgroundDir, 'scripts', 'ensure-env.js')).loadEnv();

  Object.assign(process.env, {
    DATABASE_CLIENT: 'sqlite',
    DATABASE_FILENAME: path.join(dataDir, 'demo.db'),
    PORT: String(options.port),
    HOST: '127.0.0.1',
    INBOX_SCHEDULER_ENABLED: options.once ? 'false' : 'true',
    INBOX_IDLE_ENABLED: options.once ? 'false' : 'true',
    STRAPI_TELEMETRY_DISABLED: 'true',
    NODE_ENV: options.once ? 'production' : process.env.NODE_ENV || 'development',
  });
}

async function createAdmin(strapi) {
  const email = 'admin@example.com';
  const password = `Demo-${crypto.randomBytes(6).toString('hex')}`;
  const superAdminRole = await strapi.service('admin::role').getSuperAdmin();
  const existing = await strapi.db.query('admin::user').findOne({ where: { email } });

  if (existing) {
    await strapi.service('admin::user').updateById(existing.id, { password });
  } else {
    await strapi.service('admin::user').create({
      email,
      firstname: 'Demo',
      lastname: 'Admin',
      password,
      isActive: true,
      registrationToken: null,
      roles: [superAdminRole.id],
    });
  }

  return { email, password };
}

/** Creates three support agents as Users & Permissions users and a team of the three. */
async function createSupportTeam(strapi) {
  const role = await strapi.db.query('plugin::users-permissions.role').findOne({ where: { type: 'authenticated' } });
  const agents = [];

  for (const username of ['ani', 'budi', 'citra']) {
    const existing = await strapi.db.query('plugin::users-permissions.user').findOne({ where: { username } });
    agents.push(existing ?? await strapi.db.query('plugin::users-permissions.user').create({
      data: {
        username,
        email: `${username}@example.com`,
        provider: 'local',
        password: crypto.randomBytes(12).toString('hex'),
        confirmed: true,
        blocked: false,
        role: role.id,
      },
    }));
  }

  return strapi.db.query('plugin::inbox.team').create({ data: { name: 'Tim Dukungan', members: agents.map((agent) => agent.id) } });
}

/** Reads the sender address of each seed message, so every customer gets a mailbox of their own. */
function customerAddresses(messages) {
  const addresses = new Set();

  for (const message of messages) {
    const head = message.subarray(0, 16 * 1024).toString('latin1');
    const from = head.match(/^From:[^\r\n]*?<?([A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+)>?\s*$/im);

    if (from) {
      addresses.add(from[1].toLowerCase());
    }
  }

  return [...addresses];
}

async function createSupportMailbox(strapi, dovecot, login, team, relay) {
  return strapi.plugin('inbox').service('mailboxes').create('group', {
    name: 'Support Toko Contoh',
    emailAddress: 'support@example.com',
    active: true,
    team: team.id,
    caseEnabled: true,
    distribution: 'round-robin',
    closedCasePolicy: 'reopen',
    smtpEnabled: true,
    smtp: { host: relay.host, port: relay.port, security: 'none', auth: false, fromName: 'Dukungan Toko Contoh' },
    autoReplyEnabled: true,
    autoReplyLocale: 'id',
    imap: {
      host: dovecot.host,
      port: dovecot.port,
      security: 'none',
      username: login.user,
      password: login.password,
      monitoredFolders: ['INBOX'],
      keepUnread: false,
      batchSize: 50,
      idle: true,
    },
  });
}

/** Fetches until the mailbox has no backlog, adding up the runs. */
async function fetchUntilDone(strapi, mailboxId) {
  const fetcher = strapi.plugin('inbox').service('mailboxFetcher');
  const total = { imported: 0, duplicates: 0, failed: 0, skipped: 0, errors: [] };

  for (let round = 0; round < 1000; round += 1) {
    const summary = await fetcher.fetchMailbox({ kind: 'group', id: mailboxId }, 'manual');
    total.imported += summary.imported;
    total.duplicates += summary.duplicates;
    total.failed += summary.failed;
    total.skipped += summary.skipped;

    if (summary.error) {
      total.errors.push(summary.error);
    }

    if (summary.status !== 'succeeded' || summary.backlog === 0) {
      break;
    }
  }

  return total;
}

async function report(strapi, mailboxId) {
  const emails = await strapi.db.query('plugin::inbox.email').findMany({
    where: { groupMailboxes: { id: mailboxId }, direction: 'incoming' },
    orderBy: { id: 'asc' },
    select: ['id', 'subject', 'fromAddress', 'attachments', 'classification'],
  });

  log(`Archived ${emails.length} emails:`);

  for (const email of emails) {
    const attachments = (email.attachments || []).length;
    const subject = email.subject === '' ? '(no subject)' : email.subject;
    log(`  #${email.id} [${email.classification}] ${email.fromAddress || '(no sender)'}: ${subject}${attachments ? ` [${attachments} attachment(s)]` : ''}`);
  }

  const failed = await strapi.db.query('plugin::inbox.failed-message').findMany({ where: { status: { $ne: 'imported' } } });

  for (const row of failed) {
    log(`  failed: UID ${row.uid} ${row.subject || ''}: ${String(row.error).split('\n')[0]}`);
  }

  const cases = await strapi.db.query('plugin::inbox.case').findMany({
    where: { groupMailbox: { id: mailboxId } },
    orderBy: { id: 'asc' },
    populate: { assignee: { select: ['username'] }, emails: { select: ['id'] } },
  });

  log(`Opened ${cases.length} cases:`);

  for (const caseRow of cases) {
    log(`  case #${caseRow.number} [${caseRow.status}] ${caseRow.title} -> ${caseRow.assignee ? caseRow.assignee.username : 'unassigned'} (${caseRow.emails.length} email(s))`);
  }

  return { emails: emails.length, failed: failed.length, cases: cases.length, unassigned: cases.filter((caseRow) => !caseRow.assignee).length };
}

/** Counts the auto-replies the plugin sent and the ones that reached each customer's INBOX. */
async function reportAutoReplies(strapi, dovecot, customers) {
  const sent = await strapi.db.query('plugin::inbox.email').count({ where: { direction: 'outgoing', classification: 'auto-reply', status: 'sent' } });
  let delivered = 0;

  for (const customer of customers) {
    const inbox = await listMessages({ host: dovecot.host, port: dovecot.port, user: customer.username, password: customer.password });

    if (inbox.length) {
      log(`  ${customer.username} received ${inbox.length} auto-reply(s): ${inbox.map((message) => message.subject).join(' | ')}`);
    }

    delivered += inbox.length;
  }

  log(`Sent ${sent} auto-replies; ${delivered} arrived in customers' mailboxes.`);
  return { sent, delivered };
}

async function main() {
  const options = parseOptions(process.argv.slice(2));

  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }

  const seedMessages = readSeedMessages(options.seed);
  build({ withAdmin: !options.once });

  await ensureDovecotInstalled({ allowInstall: true });
  const login = { user: 'support', password: crypto.randomBytes(12).toString('hex') };
  const customers = customerAddresses(seedMessages).map((address) => ({ username: address, password: crypto.randomBytes(12).toString('hex') }));
  const dovecot = await startDovecot({ users: [{ username: login.user, password: login.password }, ...customers] });
  log(`Dovecot listens on ${dovecot.host}:${dovecot.port}, with a mailbox for support and for each of ${customers.length} customers.`);

  const relayLogins = Object.fromEntries(customers.map((customer) => [customer.username, { user: customer.username, password: customer.password }]));
  relayLogins['support@example.com'] = login;
  const relay = await startSmtpRelay({ imap: { host: dovecot.host, port: dovecot.port }, logins: relayLogins, bounceUnknown: true });
  log(`SMTP relay listens on ${relay.host}:${relay.port} and delivers into those mailboxes.`);

  const appended = await appendMessages({ host: dovecot.host, port: dovecot.port, user: login.user, password: login.password, messages: seedMessages });
  log(`Seeded the support mailbox with ${appended.uids.length} messages from ${options.seed}.`);

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'inbox-demo-'));
  prepareEnvironment(options, dataDir);

  const { createStrapi } = require('@strapi/strapi');
  const strapi = createStrapi({ appDir: playgroundDir, distDir: path.join(playgroundDir, 'dist') });
  strapi.log.level = options.once ? 'warn' : 'info';

  let stopped = false;
  const stop = async () => {
    if (stopped) {
      return;
    }

    stopped = true;
    await strapi.destroy().catch(() => undefined);
    await relay.stop();
    await dovecot.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    await strapi.load();
    const admin = await createAdmin(strapi);
    const team = await createSupportTeam(strapi);
    const mailbox = await createSupportMailbox(strapi, dovecot, login, team, relay);

    const totals = await fetchUntilDone(strapi, mailbox.id);
    const counts = await report(strapi, mailbox.id);
    const autoReplies = await reportAutoReplies(strapi, dovecot, customers);

    for (const error of totals.errors) {
      log(`Fetch error: ${error}`);
    }

    if (options.once) {
      await stop();
      const summary = {
        emails: counts.emails,
        failed: counts.failed,
        skipped: totals.skipped,
        duplicates: totals.duplicates,
        cases: counts.cases,
        unassignedCases: counts.unassigned,
        autoReplies: autoReplies.sent,
        autoRepliesDelivered: autoReplies.delivered,
      };
      process.stdout.write(`${JSON.stringify(summary)}\n`);
      process.exitCode = totals.errors.length ? 1 : 0;
      return;
    }

    // The fetch job and the IDLE watcher only start in bootstrap; restart them for the new mailbox.
    await strapi.plugin('inbox').service('idleWatcher').watch({ kind: 'group', id: mailbox.id }, mailbox.name);
    await strapi.start();

    log('');
    log(`Admin panel: http://127.0.0.1:${options.port}/admin`);
    log(`  email:    ${admin.email}`);
    log(`  password: ${admin.password}`);
    log(`Emails are under Content Manager > Email. New mail to ${login.user} on IMAP ${dovecot.host}:${dovecot.port} (password ${login.password}) is fetched at once.`);
    log('Press Ctrl+C to stop.');

    for (const signal of ['SIGINT', 'SIGTERM']) {
      process.once(signal, () => {
        stop().finally(() => process.exit(0));
      });
    }
  } catch (error) {
    await stop();
    throw error;
  }
}

main().catch((error) => {
  process.stderr.write(`[demo] Failed: ${error && error.message ? error.message : error}\n`);
  process.exit(1);
});
