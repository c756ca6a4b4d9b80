import { ensureDovecotInstalled, startDovecot, type DovecotServer } from '../../scripts/lib/dovecot';
import { startTestApp, type TestApp } from './strapi';

export interface MailStack {
  app: TestApp;
  dovecot: DovecotServer;
}

/**
 * Starts a real Dovecot and a Strapi app for the test file that calls it, and stops both after the
 * file's last test. The returned object is filled in by `beforeAll`, so read it inside tests only.
 */
export function useMailStack(env: Record<string, string> = {}): MailStack {
  const stack = {} as MailStack;

  beforeAll(async () => {
    await ensureDovecotInstalled({ allowInstall: false });
    stack.dovecot = await startDovecot();
    stack.app = await startTestApp(env);
  });

  afterAll(async () => {
    await stack.app?.stop();
    await stack.dovecot?.stop();
  });

  return stack;
}
