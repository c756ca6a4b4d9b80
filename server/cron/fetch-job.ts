import type { Core } from '@strapi/strapi';
import schedule, { type Job } from 'node-schedule';

const JOB_NAME = 'inbox-fetch-mailboxes';

/**
 * Creates the fetch job, which fetches every active mailbox on each tick of the configured cron
 * rule. A tick that comes while the previous one still runs is skipped in this instance. Other
 * instances are kept off a mailbox by its database lease.
 */
export function createFetchJob(strapi: Core.Strapi) {
  let job: Job | null = null;
  let running: Promise<unknown> | null = null;

  async function tick() {
    if (running) {
      strapi.log.debug('[inbox] Fetch tick skipped: the previous one is still running.');
      return;
    }

    running = strapi.plugin('inbox').service('mailboxFetcher').fetchAll('schedule');

    try {
      await running;
    } catch (error) {
      strapi.log.error('[inbox] Scheduled fetch failed.', { error: (error as Error).message });
    } finally {
      running = null;
    }
  }

  return {
    start() {
      const rule = strapi.plugin('inbox').config('fetchSchedule') as string;
      job = schedule.scheduleJob(JOB_NAME, rule, () => void tick());

      if (!job) {
        throw new Error(`Invalid inbox plugin setting "fetchSchedule": "${rule}" is not a cron rule that node-schedule accepts.`);
      }

      strapi.log.info(`[inbox] Fetch job scheduled with rule "${rule}".`);
    },

    /** Cancels future ticks and waits for a running one, so the database outlives it. */
    async stop() {
      job?.cancel();
      job = null;
      await running?.catch(() => undefined);
    },
  };
}
