/** Settings of outgoing mail and auto-replies, part of the plugin configuration. */
export interface SendingConfig {
  /** node-schedule cron rule of the job that retries failed sends. */
  sendRetrySchedule: string;
  /** Attempts of one outgoing email, the first included, before it stays failed. */
  sendMaxAttempts: number;
  /** Delay before the first retry of a failed send, in seconds; each further retry waits four times longer. */
  sendRetryBaseSeconds: number;
  /** Auto-replies allowed per recipient address and per case within sliding windows of minutes. */
  autoReplyLimits: {
    perAddress: { max: number; windowMinutes: number };
    perCase: { max: number; windowMinutes: number };
  };
}

/**
 * Defaults: retries after 1, 4, 16, 64 and 256 minutes. At most 5 auto-replies go to one address
 * per 2 hours, the limit EspoCRM applies to its system mail, and 2 per case per day.
 */
export const sendingDefaults: SendingConfig = {
  sendRetrySchedule: '*/1 * * * *',
  sendMaxAttempts: 6,
  sendRetryBaseSeconds: 60,
  autoReplyLimits: {
    perAddress: { max: 5, windowMinutes: 120 },
    perCase: { max: 2, windowMinutes: 24 * 60 },
  },
};

function isPositiveInteger(value: unknown) {
  return Number.isInteger(value) && (value as number) > 0;
}

export function validateSendingConfig(config: Record<string, any>) {
  for (const key of ['sendMaxAttempts', 'sendRetryBaseSeconds']) {
    if (!isPositiveInteger(config[key])) {
      throw new Error(`Invalid inbox plugin setting "${key}": expected a positive integer, got ${JSON.stringify(config[key])}.`);
    }
  }

  if (typeof config.sendRetrySchedule !== 'string' || config.sendRetrySchedule.trim() === '') {
    throw new Error('Invalid inbox plugin setting "sendRetrySchedule": expected a cron rule such as "*/1 * * * *".');
  }

  for (const scope of ['perAddress', 'perCase']) {
    const window = config.autoReplyLimits?.[scope];

    if (!isPositiveInteger(window?.max) || !isPositiveInteger(window?.windowMinutes)) {
      throw new Error(`Invalid inbox plugin setting "autoReplyLimits.${scope}": expected { max, windowMinutes } with positive integers, got ${JSON.stringify(window)}.`);
    }
  }
}
