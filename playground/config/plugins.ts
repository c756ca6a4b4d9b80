import path from 'path';

// The plugin is the repository this playground lives in. Strapi loads config from dist/config,
// three folders below the repository root.
const pluginRoot = path.resolve(__dirname, '..', '..', '..');

export default ({ env }) => ({
  inbox: {
    enabled: true,
    resolve: pluginRoot,
    config: {
      // Cron rule of the fetch job; the plugin runs every active mailbox once per tick.
      fetchSchedule: env('INBOX_FETCH_SCHEDULE', '*/1 * * * *'),
      schedulerEnabled: env.bool('INBOX_SCHEDULER_ENABLED', true),
      idleEnabled: env.bool('INBOX_IDLE_ENABLED', true),
      records: {
        account: { uid: 'api::account.account', addressFields: ['emailAddress'] },
        contact: { uid: 'api::contact.contact', addressFields: ['emailAddress', 'otherEmailAddresses'], accountField: 'account' },
        lead: { uid: 'api::lead.lead', addressFields: ['emailAddress', 'otherEmailAddresses'] },
        opportunity: { uid: 'api::opportunity.opportunity', accountField: 'account' },
      },
    },
  },
  'users-permissions': {
    config: {
      jwtSecret: env('JWT_SECRET'),
    },
  },
});
