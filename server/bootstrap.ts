import type { Core } from '@strapi/strapi';

import { createFetchJob } from './cron';
import { createSendRetryJob } from './cron/send-retry';
import { ADMIN_ACTIONS } from './permissions';
import { registerCaseNumbering } from './utils/case-numbering';
import { ensureSupportTables } from './utils/support-tables';

let fetchJob: ReturnType<typeof createFetchJob> | null = null;
let sendRetryJob: ReturnType<typeof createSendRetryJob> | null = null;

/** Registers RBAC actions, creates the coordination tables, and starts fetching and the send retry job. */
export default async ({ strapi }: { strapi: Core.Strapi }) => {
  await strapi.service('admin::permission').actionProvider.registerMany(ADMIN_ACTIONS);
  await ensureSupportTables(strapi);
  await registerCaseNumbering(strapi);

  const config = (key: string) => strapi.plugin('inbox').config(key);

  if (config('schedulerEnabled')) {
    fetchJob = createFetchJob(strapi);
    fetchJob.start();
    sendRetryJob = createSendRetryJob(strapi);
    sendRetryJob.start();

    if (config('idleEnabled')) {
      // Watchers connect in the background; a dead server must not delay the app's start.
      strapi.plugin('inbox').service('idleWatcher').startAll().catch((error: Error) => {
        strapi.log.error('[inbox] IMAP IDLE watchers failed to start.', { error: error.message });
      });
    }
  } else {
    strapi.log.info('[inbox] Scheduled fetching is off (schedulerEnabled: false).');
  }
};

/** Stops the fetch and send retry jobs and the IDLE connections, waiting for running ticks. */
export async function stopBackgroundWork(strapi: Core.Strapi) {
  await fetchJob?.stop();
  fetchJob = null;
  await sendRetryJob?.stop();
  sendRetryJob = null;
  await strapi.plugin('inbox').service('idleWatcher').stopAll();
}
