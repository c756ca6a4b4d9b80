import type { Core } from '@strapi/strapi';
import schedule, { type Job } from 'node-schedule';

const JOB_NAME = 'inbox-retry-sends';

/**
 * Creates the send retry job, which sends again the outgoing emails whose next attempt is due.
 * A tick that comes while the previous one still runs is skipped in this instance. Other
 * instances are kept off an email by the attempt claim in the sending service.
 */
export function createSendRetryJob(strapi: Core.Strapi) {
  let job: Job | null = null;
  let running: Promise<unknown> | null = null;

  async function tick() {
    if (running) {
      strapi.log.debug('[inbox] Send retry tick skipped: the previous one is still running.');
      return;
    }

    running = strapi.plugin('inbox').service('sending').retryDue();

    try {
      const result = (await running) as { attempted: number; sent: number };

      if (result.attempted) {
        strapi.log.info('[inbox] Send retry run finished.', result);
      }
    } catch (error) {
      strapi.log.error('[inbox] Send retry run failed.', { error: (error as Error).message });
    } finally {
      running = null;
    }
  }

  return {
    start() {
      const rule = strapi.plugin('inbox').config('sendRetrySchedule') as string;
      job = schedule.scheduleJob(JOB_NAME, rule, () => void tick());

      if (!job) {
        throw new Error(`Invalid inbox plugin setting "sendRetrySchedule": "${rule}" is not a cron rule that node-schedule accepts.`);
      }

      strapi.log.info(`[inbox] Send retry job scheduled with rule "${rule}".`);
    },

    /** Cancels future ticks and waits for a running one, so the database outlives it. */
    async stop() {
      job?.cancel();
      job = null;
      await running?.catch(() => undefined);
    },
  };
}
