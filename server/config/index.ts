import { sendingDefaults, validateSendingConfig, type SendingConfig } from './sending';

/** Plugin configuration, read with `strapi.plugin('inbox').config(key)`. */
export interface RecordTypeConfig {
  /** Content type uid, such as `api::contact.contact`. */
  uid: string;
  /** Fields that hold email addresses: `email` or `string` fields hold one, `text` fields one per line or comma. */
  addressFields?: string[];
  /** Relation field that points at the record's Account, for a Contact or an Opportunity. */
  accountField?: string;
}

export interface InboxConfig extends SendingConfig {
  /** Runs the fetch job from `server/cron`; tests and one-off scripts turn it off. */
  schedulerEnabled: boolean;
  /** node-schedule cron rule of the fetch job. */
  fetchSchedule: string;
  /** Keeps an IMAP IDLE connection open per mailbox so new mail is fetched at once. */
  idleEnabled: boolean;
  /** How long a fetch run may hold a mailbox before another instance may take it over, in seconds. */
  leaseSeconds: number;
  /** Messages fetched per folder and run when a mailbox sets no batch size. */
  defaultBatchSize: number;
  /** Messages larger than this are archived as headers only, in bytes. */
  maxMessageBytes: number;
  /** Imports of one failed message tried before it is left for an administrator to reprocess. */
  maxImportAttempts: number;
  /** IMAP connection and greeting timeout, in milliseconds. */
  connectionTimeoutMs: number;
  /** Folder for attachments when the upload provider serves files publicly and is not the local one. */
  privateStorageDir: string;
  /** Key for signing the plugin's Message-IDs and case tokens; empty means derived from ENCRYPTION_KEY. */
  signingSecret: string;
  /** Site records that emails are linked to, keyed by role. */
  records: {
    account?: RecordTypeConfig;
    contact?: RecordTypeConfig;
    lead?: RecordTypeConfig;
    opportunity?: RecordTypeConfig;
  };
}

const defaults: InboxConfig = {
  schedulerEnabled: true,
  fetchSchedule: '*/1 * * * *',
  idleEnabled: true,
  leaseSeconds: 300,
  defaultBatchSize: 50,
  maxMessageBytes: 20 * 1024 * 1024,
  maxImportAttempts: 5,
  connectionTimeoutMs: 30_000,
  privateStorageDir: '.inbox-files',
  signingSecret: '',
  records: {},
  ...sendingDefaults,
};

function assertPositiveInteger(config: Record<string, unknown>, key: string) {
  const value = config[key];

  if (!Number.isInteger(value) || (value as number) <= 0) {
    throw new Error(`Invalid inbox plugin setting "${key}": expected a positive integer, got ${JSON.stringify(value)}.`);
  }
}

function validator(config: Record<string, unknown>) {
  for (const key of ['leaseSeconds', 'defaultBatchSize', 'maxMessageBytes', 'maxImportAttempts', 'connectionTimeoutMs']) {
    assertPositiveInteger(config, key);
  }

  if (typeof config.fetchSchedule !== 'string' || config.fetchSchedule.trim() === '') {
    throw new Error('Invalid inbox plugin setting "fetchSchedule": expected a cron rule such as "*/1 * * * *".');
  }

  validateSendingConfig(config);

  const records = (config.records ?? {}) as Record<string, RecordTypeConfig>;

  for (const [role, record] of Object.entries(records)) {
    if (!record || typeof record.uid !== 'string') {
      throw new Error(`Invalid inbox plugin setting "records.${role}": expected an object with a content type "uid".`);
    }
  }
}

export default {
  default: defaults,
  validator,
};
