// Fills and reads IMAP folders with imapflow, for tests and the demo (re-exported by dovecot.js).
'use strict';

const { ImapFlow } = require('imapflow');

const DEFAULT_HOST = '127.0.0.1';
const CONNECTION_TIMEOUT_MS = 10_000;

/** Connects with imapflow, runs the action and logs out, also when the action throws. */
async function withImapClient({ host = DEFAULT_HOST, port, user, password, secure = false }, action) {
  if (!Number.isInteger(port)) {
    throw new Error(`Invalid IMAP port ${port}: expected an integer.`);
  }
  const client = new ImapFlow({
    host,
    port,
    secure,
    auth: { user, pass: password },
    logger: false,
    connectionTimeout: CONNECTION_TIMEOUT_MS,
  });
  // Without a listener an 'error' event would crash Node. The failing command rejects as well,
  // so the listener has nothing left to do.
  client.on('error', () => {});
  await client.connect();
  try {
    return await action(client);
  } finally {
    try {
      await client.logout();
    } catch {
      client.close();
    }
  }
}

/** Converts imapflow's bigint UIDVALIDITY to a number, which represents any 32-bit value exactly. */
function toUidValidity(value) {
  return value === undefined || value === null ? null : Number(value);
}

async function appendAll(client, folder, messages, flags) {
  if (!Array.isArray(messages)) {
    throw new Error('Invalid messages: expected an array of Buffers.');
  }
  // imapflow returns { created: false } instead of throwing when the folder exists (ALREADYEXISTS).
  await client.mailboxCreate(folder);
  const uids = [];
  let uidValidity = null;
  for (const message of messages) {
    const result = await client.append(folder, message, flags);
    if (!result) {
      throw new Error(`APPEND to ${folder} returned no result.`);
    }
    uids.push(result.uid ?? null);
    uidValidity = toUidValidity(result.uidValidity) ?? uidValidity;
  }
  if (uidValidity === null) {
    // No APPENDUID came back (no messages, or a server without UIDPLUS), so ask with STATUS.
    const status = await client.status(folder, { uidValidity: true });
    uidValidity = status ? toUidValidity(status.uidValidity) : null;
  }
  return { uidValidity, uids };
}

/**
 * Appends messages to a folder, creating the folder when it is missing.
 * Returns the folder's UIDVALIDITY and the UIDs that the server assigned (from UIDPLUS APPENDUID).
 */
async function appendMessages({ folder = 'INBOX', messages, flags, ...connection }) {
  return withImapClient(connection, (client) => appendAll(client, folder, messages, flags));
}

/**
 * Deletes a folder and creates it again with the given messages.
 * Dovecot 2.3 gives the new folder a new UIDVALIDITY even when both steps fall within one second,
 * because it keeps a per-user counter (the dovecot-uidvalidity file in the mail root).
 * INBOX cannot be deleted over IMAP (RFC 3501, DELETE), so the function rejects it. The handle
 * returned by startDovecot() has setUidValidity() for INBOX.
 */
async function recreateFolder({ folder, messages = [], flags, ...connection }) {
  if (typeof folder !== 'string' || folder.length === 0) {
    throw new Error('Invalid folder: expected a non-empty folder name.');
  }
  if (folder.toUpperCase() === 'INBOX') {
    throw new Error(
      'INBOX cannot be deleted over IMAP, so it cannot be recreated. ' +
        "Use another folder, or the server handle's setUidValidity() to change INBOX's UIDVALIDITY.",
    );
  }
  return withImapClient(connection, async (client) => {
    let exists = true;
    try {
      await client.status(folder, { messages: true });
    } catch (error) {
      if (error.serverResponseCode !== 'NONEXISTENT') {
        throw error;
      }
      exists = false;
    }
    if (exists) {
      await client.mailboxDelete(folder);
    }
    return appendAll(client, folder, messages, flags);
  });
}

/** Returns the uid, flags, subject and Message-ID of every message in a folder, in UID order. */
async function listMessages({ folder = 'INBOX', ...connection }) {
  return withImapClient(connection, async (client) => {
    const lock = await client.getMailboxLock(folder, { readOnly: true });
    try {
      // FETCH 1:* fails on an empty folder.
      if (!client.mailbox || client.mailbox.exists === 0) {
        return [];
      }
      const fetched = await client.fetchAll('1:*', { uid: true, flags: true, envelope: true });
      return fetched
        .map((message) => ({
          uid: message.uid,
          flags: [...(message.flags || [])],
          subject: message.envelope?.subject ?? null,
          messageId: message.envelope?.messageId ?? null,
        }))
        .sort((a, b) => a.uid - b.uid);
    } finally {
      lock.release();
    }
  });
}

/** Returns a folder's UIDVALIDITY, UIDNEXT and message count from IMAP STATUS. */
async function getFolderStatus({ folder = 'INBOX', ...connection }) {
  return withImapClient(connection, async (client) => {
    const status = await client.status(folder, { messages: true, uidNext: true, uidValidity: true });
    if (!status) {
      throw new Error(`STATUS ${folder} returned no result.`);
    }
    return {
      uidValidity: toUidValidity(status.uidValidity),
      uidNext: status.uidNext ?? null,
      messages: status.messages ?? null,
    };
  });
}

module.exports = {
  appendMessages,
  recreateFolder,
  listMessages,
  getFolderStatus,
};
