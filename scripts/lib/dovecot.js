// Starts a throwaway Dovecot IMAP server on loopback and fills its mailboxes, for tests and the demo.
// Checked against Dovecot 2.3.19 from Debian (package dovecot-imapd).
'use strict';

const childProcess = require('child_process');
const fs = require('fs');
const fsp = require('fs/promises');
const net = require('net');
const path = require('path');
const {
  LOOPBACK_HOST,
  INSTALL_HINT,
  TEMP_PREFIX,
  isRoot,
  chooseAccounts,
  validateUsername,
  formatPasswdLine,
  renderConfig,
  prepareDirectory,
} = require('./dovecot-config');
const { appendMessages, recreateFolder, listMessages, getFolderStatus } = require('./imap-fixtures');

const STARTUP_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 10_000;
const EXIT_HANDLER_WAIT_MS = 3000;
const LOG_TAIL_LINES = 30;
const PORT_ATTEMPTS = 3;

// Debian puts dovecot in /usr/sbin, which is often missing from a non-root PATH.
const EXTRA_BINARY_DIRS = ['/usr/sbin', '/usr/local/sbin', '/sbin'];

// ---------------------------------------------------------------------------
// Finding and installing Dovecot
// ---------------------------------------------------------------------------

function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function findExecutable(name) {
  const pathDirs = (process.env.PATH || '').split(path.delimiter).filter(Boolean);
  for (const dir of [...pathDirs, ...EXTRA_BINARY_DIRS]) {
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) {
      return candidate;
    }
  }
  return null;
}

/** Returns the path of the dovecot binary, or null when it is not installed. */
function findDovecot() {
  return findExecutable('dovecot');
}

/** Runs a command, echoes its output to stderr and resolves with the exit code and the captured output. */
function runCommand(command, args) {
  return new Promise((resolve, reject) => {
    const child = childProcess.spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    let output = '';
    const collect = (chunk) => {
      output += chunk.toString();
      process.stderr.write(chunk);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

/**
 * Returns the dovecot binary path. When Dovecot is missing, installs the Debian package
 * dovecot-imapd first if allowInstall is true, the process runs as root and apt-get exists,
 * and otherwise throws an Error that names the package to install.
 */
async function ensureDovecotInstalled({ allowInstall = false } = {}) {
  const existing = findDovecot();
  if (existing) {
    return existing;
  }

  const aptGet = findExecutable('apt-get');
  if (!allowInstall || !isRoot() || !aptGet) {
    const reason = !allowInstall
      ? 'automatic installation is off'
      : !isRoot()
        ? 'installing needs root'
        : 'apt-get was not found';
    throw new Error(
      `Dovecot is not installed (no dovecot binary in PATH or ${EXTRA_BINARY_DIRS.join(', ')}) ` +
        `and ${reason}. Install it with: ${INSTALL_HINT}`,
    );
  }

  // NOTE: Debian's post-install script may also start the system-wide Dovecot service on port 143.
  const installArgs = ['install', '-y', 'dovecot-imapd'];
  let result = await runCommand(aptGet, installArgs);
  const listsMissing = /Unable to locate package|has no installation candidate/.test(result.output);
  if (result.code !== 0 && listsMissing) {
    const update = await runCommand(aptGet, ['update']);
    if (update.code !== 0) {
      throw new Error(`apt-get update failed with exit code ${update.code}. Install Dovecot with: ${INSTALL_HINT}`);
    }
    result = await runCommand(aptGet, installArgs);
  }
  if (result.code !== 0) {
    throw new Error(`apt-get install dovecot-imapd failed with exit code ${result.code}. Install it with: ${INSTALL_HINT}`);
  }

  const installed = findDovecot();
  if (!installed) {
    throw new Error(`apt-get installed dovecot-imapd but no dovecot binary was found. Install it with: ${INSTALL_HINT}`);
  }
  return installed;
}

// ---------------------------------------------------------------------------
// Ports
// ---------------------------------------------------------------------------

/** Finds a free TCP port on 127.0.0.1 by binding port 0. Another process may take it before Dovecot does. */
function findFreePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, LOOPBACK_HOST, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------------------
// Process control
// ---------------------------------------------------------------------------

/** Servers still running, stopped by the exit handler if the caller never calls stop(). */
const runningServers = new Set();
let exitHandlerInstalled = false;

function sleepSync(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Reads state, parent pid and start time from /proc/<pid>/stat, or returns null when the file is missing. */
function readProcessStat(pid) {
  let stat;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name in brackets may contain spaces, so the fields are read after the last ')'.
  // Field 3 of proc(5) is the state, field 4 the parent pid and field 22 the start time.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0], ppid: Number(fields[1]), startTime: fields[19] };
}

/**
 * Reports whether a process is running: it exists, is not a zombie (kill(pid, 0) still succeeds
 * for a zombie) and, when startTime is given, is not a newer process that reuses the pid.
 */
function isProcessAlive({ pid, startTime }) {
  if (fs.existsSync('/proc/self/stat')) {
    const stat = readProcessStat(pid);
    if (stat === null || stat.state === 'Z' || stat.state === 'X') {
      return false;
    }
    return startTime === undefined || stat.startTime === startTime;
  }
  // Without /proc, fall back to signal 0.
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Lists the direct children of a process as { pid, startTime }. Linux only: returns [] without /proc.
 * Dovecot's master can exit before all of its children (anvil, log, auth and others) have,
 * so stopping waits for these processes as well.
 */
function listChildProcesses(pid) {
  let entries;
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  const children = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) {
      continue;
    }
    const stat = readProcessStat(Number(entry));
    if (stat !== null && stat.ppid === pid) {
      children.push({ pid: Number(entry), startTime: stat.startTime });
    }
  }
  return children;
}

function killQuietly(pid, signal) {
  try {
    process.kill(pid, signal);
  } catch {
    // The process has already exited.
  }
}

/**
 * Stops every running server synchronously when Node exits. Sends SIGTERM to each master, then
 * waits up to 3 s for the master and its children to exit before it removes the temp folder.
 * NOTE: Node runs no 'exit' handlers when a signal such as SIGINT kills it. From a terminal Dovecot
 * gets the same SIGINT, but the temp folder then stays behind.
 */
function stopAllOnExit() {
  for (const server of runningServers) {
    const master = { pid: server.pid, startTime: readProcessStat(server.pid)?.startTime };
    const processes = [master, ...listChildProcesses(server.pid)];
    killQuietly(server.pid, 'SIGTERM');
    const deadline = Date.now() + EXIT_HANDLER_WAIT_MS;
    while (processes.some(isProcessAlive) && Date.now() < deadline) {
      sleepSync(20);
    }
    try {
      fs.rmSync(server.dir, { recursive: true, force: true });
    } catch {
      // Removal is best effort here: a process that is still shutting down may write into the folder.
    }
  }
  runningServers.clear();
}

function installExitHandler() {
  if (!exitHandlerInstalled) {
    process.on('exit', stopAllOnExit);
    exitHandlerInstalled = true;
  }
}

function readTail(file, lineCount) {
  try {
    const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    return lines.slice(-lineCount).join('\n');
  } catch {
    return '';
  }
}

/** Describes the log file and stderr of a failed start, for error messages. */
function describeLogs(dir) {
  const parts = [];
  const logTail = readTail(path.join(dir, 'dovecot.log'), LOG_TAIL_LINES);
  const stderrTail = readTail(path.join(dir, 'dovecot.stderr'), LOG_TAIL_LINES);
  parts.push(logTail ? `Last lines of Dovecot's log:\n${logTail}` : "Dovecot's log is empty.");
  if (stderrTail) {
    parts.push(`Dovecot stderr:\n${stderrTail}`);
  }
  return parts.join('\n');
}

/** Resolves when one connection to the port receives an IMAP "* OK" greeting, rejects on any failure. */
function readGreeting(port, timeoutMs) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: LOOPBACK_HOST, port });
    let received = '';
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error('timed out waiting for the greeting')));
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      const end = received.indexOf('\r\n');
      if (end === -1) {
        return;
      }
      socket.destroy();
      const greeting = received.slice(0, end);
      if (greeting.startsWith('* OK')) {
        resolve(greeting);
      } else {
        reject(new Error(`unexpected greeting ${JSON.stringify(greeting)}`));
      }
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error('connection closed before the greeting')));
  });
}

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until Dovecot greets on the port. Resolves with null on success or with a reason string on failure. */
async function waitUntilReady(child, port) {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  let exited = null;
  child.once('exit', (code, signal) => {
    exited = signal ? `signal ${signal}` : `exit code ${code}`;
  });

  let lastError = null;
  while (Date.now() < deadline) {
    if (exited) {
      return `Dovecot exited during startup with ${exited}.`;
    }
    try {
      await readGreeting(port, Math.max(100, Math.min(2000, deadline - Date.now())));
      return null;
    } catch (error) {
      lastError = error;
    }
    await delay(50);
  }
  return (
    `Dovecot did not greet on ${LOOPBACK_HOST}:${port} within ${STARTUP_TIMEOUT_MS / 1000} s ` +
    `(last attempt: ${lastError ? lastError.message : 'none'}).`
  );
}

function waitForExit(child, timeoutMs) {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve(true);
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Resolves with true once none of the processes is alive, or with false after the timeout. */
async function waitUntilGone(processes, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (processes.some(isProcessAlive)) {
    if (Date.now() >= deadline) {
      return false;
    }
    await delay(20);
  }
  return true;
}

/** Spawns the master in the foreground (-F) so that its pid is the child's pid. */
function spawnMaster(binary, dir) {
  const stderrFd = fs.openSync(path.join(dir, 'dovecot.stderr'), 'a');
  try {
    const child = childProcess.spawn(binary, ['-F', '-c', path.join(dir, 'dovecot.conf')], {
      stdio: ['ignore', stderrFd, stderrFd],
    });
    // An unreferenced child lets Node exit when only Dovecot is left, and the exit handler then stops it.
    child.unref();
    return child;
  } finally {
    fs.closeSync(stderrFd);
  }
}

/**
 * Starts Dovecot on 127.0.0.1 with the given users and waits until it greets IMAP clients.
 * All files, mail included, live in a new folder under os.tmpdir() that stop() removes.
 * Without a port, a free one is chosen, and a start that loses the port to another process is retried.
 */
async function startDovecot({ users = [], port } = {}) {
  const binary = findDovecot();
  if (!binary) {
    throw new Error(`Dovecot is not installed. Install it with: ${INSTALL_HINT}`);
  }
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
    throw new Error(`Invalid port ${port}: expected an integer from 1 to 65535.`);
  }
  for (const user of users) {
    validateUsername(user.username);
  }

  const accounts = chooseAccounts();
  const attempts = port === undefined ? PORT_ATTEMPTS : 1;
  let lastFailure = null;

  for (let attempt = 1; attempt <= attempts; attempt++) {
    const chosenPort = port === undefined ? await findFreePort() : port;
    const dir = await prepareDirectory(accounts);
    // The instance name appears in process titles (dovecot-inbox-test-XXXXXX/imap), which helps find leftovers.
    const instanceName = `inbox-test-${path.basename(dir).slice(TEMP_PREFIX.length)}`;
    await fsp.writeFile(path.join(dir, 'dovecot.conf'), renderConfig({ dir, port: chosenPort, instanceName, accounts }));

    const passwdFile = path.join(dir, 'passwd');
    const knownUsers = new Set();
    const writeUser = (username, password) => {
      validateUsername(username);
      const key = username.toLowerCase();
      if (knownUsers.has(key)) {
        throw new Error(`Dovecot user ${username} already exists.`);
      }
      fs.appendFileSync(passwdFile, formatPasswdLine(username, password));
      knownUsers.add(key);
    };
    for (const user of users) {
      writeUser(user.username, user.password);
    }

    // Dovecot re-reads a changed passwd-file, but it checks the file at most once per wall-clock
    // second (passwd_file_sync() in src/auth/db-passwd-file.c). A lookup earlier in the same second
    // may have used the old file, so the new user can log in reliably only from the next second on.
    const addUser = async (username, password) => {
      writeUser(username, password);
      await delay(1000 - (Date.now() % 1000) + 20);
    };

    const child = spawnMaster(binary, dir);
    const spawnError = new Promise((resolve) => child.once('error', resolve));
    const failure = await Promise.race([
      waitUntilReady(child, chosenPort),
      spawnError.then((error) => `Could not run ${binary}: ${error.message}.`),
    ]);

    if (failure === null) {
      return createHandle({ child, dir, port: chosenPort, addUser });
    }

    const logs = describeLogs(dir);
    child.kill('SIGTERM');
    if (!(await waitForExit(child, STOP_TIMEOUT_MS))) {
      child.kill('SIGKILL');
      await waitForExit(child, STOP_TIMEOUT_MS);
    }
    await fsp.rm(dir, { recursive: true, force: true });

    lastFailure = `${failure}\n${logs}`;
    const portTaken = /Address already in use/.test(logs);
    if (!portTaken || attempt === attempts) {
      break;
    }
  }
  throw new Error(`Could not start Dovecot. ${lastFailure}`);
}

function createHandle({ child, dir, port, addUser }) {
  const server = { pid: child.pid, dir };
  runningServers.add(server);
  child.once('exit', () => runningServers.delete(server));
  installExitHandler();

  let stopping = null;
  const stop = () => {
    if (!stopping) {
      stopping = (async () => {
        // Keep the event loop alive until the exit event arrives.
        child.ref();
        const children = listChildProcesses(child.pid);
        child.kill('SIGTERM');
        if (!(await waitForExit(child, STOP_TIMEOUT_MS))) {
          child.kill('SIGKILL');
          await waitForExit(child, STOP_TIMEOUT_MS);
        }
        if (!(await waitUntilGone(children, STOP_TIMEOUT_MS))) {
          children.filter(isProcessAlive).forEach(({ pid }) => killQuietly(pid, 'SIGKILL'));
        }
        runningServers.delete(server);
        await fsp.rm(dir, { recursive: true, force: true });
      })();
    }
    return stopping;
  };

  const configFile = path.join(dir, 'dovecot.conf');
  const setUidValidity = (username, folder, uidValidity) =>
    setUidValidityWithDoveadm({ configFile, username, folder, uidValidity });

  return { host: LOOPBACK_HOST, port, dir, pid: child.pid, addUser, setUidValidity, stop };
}

function runDoveadm(args) {
  const doveadm = findExecutable('doveadm');
  if (!doveadm) {
    return Promise.reject(new Error(`doveadm not found. It comes with Dovecot: ${INSTALL_HINT}`));
  }
  return new Promise((resolve, reject) => {
    childProcess.execFile(doveadm, args, { encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`doveadm ${args.join(' ')} failed: ${(stderr || error.message).trim()}`));
      } else {
        resolve(stdout);
      }
    });
  });
}

/**
 * Changes a folder's UIDVALIDITY with `doveadm mailbox update --uid-validity`, which also works for
 * INBOX. Without a value it uses the current UIDVALIDITY plus one. Resolves with the new value.
 */
async function setUidValidityWithDoveadm({ configFile, username, folder, uidValidity }) {
  validateUsername(username);
  let next = uidValidity;
  if (next === undefined) {
    const output = await runDoveadm(['-c', configFile, 'mailbox', 'status', '-u', username, 'uidvalidity', folder]);
    const match = /uidvalidity=(\d+)/.exec(output);
    if (!match) {
      throw new Error(`doveadm mailbox status returned no uidvalidity for ${folder}: ${JSON.stringify(output)}`);
    }
    next = Number(match[1]) + 1;
  }
  if (!Number.isInteger(next) || next < 1 || next > 0xffffffff) {
    throw new Error(`Invalid UIDVALIDITY ${next}: expected an integer from 1 to 4294967295.`);
  }
  await runDoveadm(['-c', configFile, 'mailbox', 'update', '-u', username, '--uid-validity', String(next), folder]);
  return next;
}

module.exports = {
  findDovecot,
  ensureDovecotInstalled,
  startDovecot,
  appendMessages,
  recreateFolder,
  listMessages,
  getFolderStatus,
};
