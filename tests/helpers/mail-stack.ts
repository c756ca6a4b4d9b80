import { ensureDovecotInstalled, startDovecot, type DovecotServer } from '../../scripts/lib/dovecot';
import { startSmtpRelay, type SmtpRelay } from '../../scripts/lib/smtp-relay';
import { startTestApp, type TestApp } from './strapi';

export interface MailStack {
  app: TestApp;
  dovecot: DovecotServer;
}

export interface MailStackWithRelay extends MailStack {
  relay: SmtpRelay;
}

/**
 * Starts a real Dovecot and a Strapi app for the test file that calls it, and stops both after the
 * file's last test. The returned object is filled in by `beforeAll`, so read it inside tests only.
 */
export function useMailStack(env: Record<string, string> = {}): MailStack {
  return startStack(env, null) as MailStack;
}

/**
 * Like useMailStack, with an SMTP relay that delivers into the Dovecot mailboxes. With
 * `bounceUnknown`, mail for an unknown address is accepted and reported to the sender with a DSN, like a real MTA.
 */
export function useMailStackWithRelay(options: { bounceUnknown?: boolean } = {}): MailStackWithRelay {
  return startStack({}, options) as MailStackWithRelay;
}

function startStack(env: Record<string, string>, relayOptions: { bounceUnknown?: boolean } | null) {
  const stack = {} as MailStackWithRelay;

  beforeAll(async () => {
    await ensureDovecotInstalled({ allowInstall: false });
    stack.dovecot = await startDovecot();

    if (relayOptions) {
      stack.relay = await startSmtpRelay({ imap: stack.dovecot, ...relayOptions });
    }

    stack.app = await startTestApp(env);
  });

  afterAll(async () => {
    await stack.app?.stop();
    await stack.relay?.stop();
    await stack.dovecot?.stop();
  });

  return stack;
}
