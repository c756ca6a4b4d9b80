// Runs a real SMTP server (the smtp-server package) on 127.0.0.1 for tests and the demo. Each
// accepted message is delivered into the recipient's Dovecot mailbox over IMAP APPEND, the way a
// mail host's delivery agent would, so a test can read both sides of a conversation.
'use strict';

const { randomBytes } = require('crypto');
const { SMTPServer } = require('smtp-server');

const { appendMessages } = require('./imap-fixtures');

const LOOPBACK_HOST = '127.0.0.1';
const REPORTING_MTA = 'relay.localhost';
const MAX_MESSAGE_BYTES = 30 * 1024 * 1024;

/** Reads a stream into one Buffer. */
function readStream(stream) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    stream.on('data', (chunk) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/** Creates an Error that smtp-server sends to the client as the given SMTP reply. */
function smtpError(code, message) {
  const error = new Error(message);
  error.responseCode = code;
  return error;
}

/** Returns the header block of a raw message, up to the first empty line. */
function headerBlock(raw) {
  const text = raw.toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  return end === -1 ? text : text.slice(0, end);
}

/**
 * Builds a delivery status notification (RFC 3464) for recipients that do not exist, with the
 * returned message's headers as a text/rfc822-headers part (RFC 6522).
 */
function buildBounce({ sender, failed, original, arrivalDate }) {
  const boundary = `dsn-${randomBytes(8).toString('hex')}`;
  const diagnostics = failed.map((address) => `550 5.1.1 <${address}>: Recipient address rejected: User unknown`);

  const recipientBlocks = failed.map((address, index) => [
    `Final-Recipient: rfc822; ${address}`,
    `Original-Recipient: rfc822;${address}`,
    'Action: failed',
    'Status: 5.1.1',
    `Remote-MTA: dns; ${REPORTING_MTA}`,
    `Diagnostic-Code: smtp; ${diagnostics[index]}`,
  ].join('\r\n'));

  const lines = [
    `From: Mail Delivery System <MAILER-DAEMON@${REPORTING_MTA}>`,
    `To: ${sender}`,
    'Subject: Undelivered Mail Returned to Sender',
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: <${boundary}@${REPORTING_MTA}>`,
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    'The test mail relay could not deliver your message to these recipients:',
    '',
    ...failed.map((address, index) => `<${address}>: ${diagnostics[index]}`),
    '',
    `--${boundary}`,
    'Content-Type: message/delivery-status',
    '',
    `Reporting-MTA: dns; ${REPORTING_MTA}`,
    `Arrival-Date: ${arrivalDate.toUTCString()}`,
    '',
    recipientBlocks.join('\r\n\r\n'),
    '',
    `--${boundary}`,
    'Content-Type: text/rfc822-headers',
    '',
    headerBlock(original),
    '',
    `--${boundary}--`,
    '',
  ];

  return Buffer.from(lines.join('\r\n'), 'utf8');
}

/**
 * Starts the relay. `imap` names the Dovecot server to deliver into, `logins` maps each local
 * address to its IMAP login. Mail for an address without a login is rejected at RCPT TO with
 * 550 5.1.1, or, with `bounceUnknown`, accepted and reported to the sender with a DSN.
 */
function startSmtpRelay({ imap, logins = {}, users = null, bounceUnknown = false, port = 0 } = {}) {
  if (!imap || !Number.isInteger(imap.port)) {
    return Promise.reject(new Error('Invalid relay options: "imap" must name the Dovecot server to deliver into, as { host, port }.'));
  }

  const loginMap = new Map();
  const received = [];
  const deliveries = [];
  let rejection = null;

  const addLogin = (address, login) => loginMap.set(String(address).toLowerCase(), login);
  Object.entries(logins).forEach(([address, login]) => addLogin(address, login));

  async function deliver(address, raw) {
    const login = loginMap.get(address.toLowerCase());
    await appendMessages({ host: imap.host ?? LOOPBACK_HOST, port: imap.port, user: login.user, password: login.password, messages: [raw] });
    deliveries.push({ address: address.toLowerCase(), raw });
  }

  /** Takes the configured rejection for one message, or null when the message may pass. */
  function takeRejection() {
    if (!rejection) {
      return null;
    }

    const current = rejection;
    current.remaining -= 1;

    if (current.remaining <= 0) {
      rejection = null;
    }

    return smtpError(current.code, current.message);
  }

  async function handleMessage(stream, session) {
    const raw = await readStream(stream);
    const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
    const rcptTo = session.envelope.rcptTo.map((recipient) => recipient.address);
    const rejected = takeRejection();

    if (rejected) {
      received.push({ mailFrom, rcptTo, raw, rejected: `${rejected.responseCode} ${rejected.message}` });
      throw rejected;
    }

    received.push({ mailFrom, rcptTo, raw, rejected: null });

    // A delivery agent records the envelope sender in Return-Path (RFC 5321, section 4.4).
    const delivered = Buffer.concat([Buffer.from(`Return-Path: <${mailFrom}>\r\n`), raw]);
    const unknown = [];

    for (const address of rcptTo) {
      if (loginMap.has(address.toLowerCase())) {
        await deliver(address, delivered);
      } else {
        unknown.push(address);
      }
    }

    if (unknown.length && mailFrom && loginMap.has(mailFrom.toLowerCase())) {
      const bounce = buildBounce({ sender: mailFrom, failed: unknown, original: raw, arrivalDate: new Date() });
      await deliver(mailFrom, Buffer.concat([Buffer.from('Return-Path: <>\r\n'), bounce]));
    }
  }

  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authOptional: !users,
    size: MAX_MESSAGE_BYTES,
    logger: false,
    onAuth(auth, _session, callback) {
      const known = users && users[auth.username];

      if (users && known !== auth.password) {
        callback(smtpError(535, '5.7.8 Authentication credentials invalid'));
        return;
      }

      callback(null, { user: auth.username });
    },
    onRcptTo(address, _session, callback) {
      if (!bounceUnknown && !loginMap.has(address.address.toLowerCase())) {
        callback(smtpError(550, `5.1.1 <${address.address}>: Recipient address rejected: User unknown`));
        return;
      }

      callback();
    },
    onData(stream, session, callback) {
      handleMessage(stream, session).then(() => callback(), (error) => callback(error));
    },
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, LOOPBACK_HOST, () => {
      server.off('error', reject);
      // Errors of single connections (a client that hangs up) must not crash the test process.
      server.on('error', () => undefined);

      resolve({
        host: LOOPBACK_HOST,
        port: server.server.address().port,
        received,
        deliveries,
        addLogin,
        rejectMessages({ code, message, count = Infinity }) {
          rejection = { code, message, remaining: count };
        },
        acceptMessages() {
          rejection = null;
        },
        stop() {
          return new Promise((done) => server.close(() => done()));
        },
      });
    });
  });
}

module.exports = { startSmtpRelay };
