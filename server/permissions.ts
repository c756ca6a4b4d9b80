/** Admin RBAC actions of the plugin; each becomes `plugin::inbox.<uid>`. */
export const ADMIN_ACTIONS = [
  { uid: 'group-mailboxes.read', displayName: 'Read group mailboxes' },
  { uid: 'group-mailboxes.manage', displayName: 'Manage group mailboxes' },
  { uid: 'personal-mailboxes.read', displayName: 'Read personal mailboxes' },
  { uid: 'personal-mailboxes.manage', displayName: 'Manage personal mailboxes' },
  { uid: 'mailboxes.fetch', displayName: 'Run a fetch now' },
  { uid: 'emails.read', displayName: 'Read emails and attachments' },
  { uid: 'failed-messages.manage', displayName: 'Reprocess failed messages' },
  { uid: 'cases.read', displayName: 'Read cases and their streams' },
  { uid: 'cases.manage', displayName: 'Manage cases' },
  { uid: 'settings.manage', displayName: 'Manage plugin settings' },
  { uid: 'send-permissions.manage', displayName: 'Set which roles may send through group mailboxes' },
].map((action) => ({ ...action, section: 'plugins', pluginName: 'inbox' }));
