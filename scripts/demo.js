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
const { ensureDovecotInstalled, startDovecot, appendMessages } = require('./lib/dovecot');
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

/** Creates three support agents as Users & Permissions users and a team that holds them. */
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

async function createSupportMailbox(strapi, dovecot, login, team) {
  return strapi.plugin('inbox').service('mailboxes').create('group', {
    name: 'Support Toko Contoh',
    emailAddress: 'support@example.com',
    active: true,
    team: team.id,
    caseEnabled: true,
    distribution: 'round-robin',
    closedCasePolicy: 'reopen',
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
    where: { groupMailboxes: { id: mailboxId } },
    orderBy: { id: 'asc' },
    select: ['id', 'subject', 'fromAddress', 'attachments', 'hasRemoteContent'],
  });

  log(`Archived ${emails.length} emails:`);

  for (const email of emails) {
    const attachments = (email.attachments || []).length;
    const subject = email.subject === '' ? '(no subject)' : email.subject;
    log(`  #${email.id} ${email.fromAddress || '(no sender)'}: ${subject}${attachments ? ` [${attachments} attachment(s)]` : ''}`);
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
  const dovecot = await startDovecot({ users: [{ username: login.user, password: login.password }] });
  log(`Dovecot listens on ${dovecot.host}:${dovecot.port}.`);

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
    await dovecot.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    await strapi.load();
    const admin = await createAdmin(strapi);
    const team = await createSupportTeam(strapi);
    const mailbox = await createSupportMailbox(strapi, dovecot, login, team);

    const totals = await fetchUntilDone(strapi, mailbox.id);
    const counts = await report(strapi, mailbox.id);

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
        autoReplies: 0,
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
