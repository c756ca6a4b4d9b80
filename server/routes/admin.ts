/** Admin panel routes, each guarded by the plugin's RBAC actions. */
function guarded(method: string, path: string, handler: string, action: string) {
  return {
    method,
    path,
    handler,
    config: {
      policies: [{ name: 'admin::hasPermissions', config: { actions: [`plugin::inbox.${action}`] } }],
    },
  };
}

export default {
  type: 'admin',
  routes: [
    guarded('GET', '/group-mailboxes', 'group-mailbox.find', 'group-mailboxes.read'),
    guarded('GET', '/group-mailboxes/:id', 'group-mailbox.findOne', 'group-mailboxes.read'),
    guarded('GET', '/group-mailboxes/:id/health', 'group-mailbox.health', 'group-mailboxes.read'),
    guarded('POST', '/group-mailboxes', 'group-mailbox.create', 'group-mailboxes.manage'),
    guarded('PUT', '/group-mailboxes/:id', 'group-mailbox.update', 'group-mailboxes.manage'),
    guarded('DELETE', '/group-mailboxes/:id', 'group-mailbox.delete', 'group-mailboxes.manage'),
    guarded('POST', '/group-mailboxes/:id/fetch', 'group-mailbox.fetchNow', 'mailboxes.fetch'),
    guarded('POST', '/group-mailboxes/test-connection', 'group-mailbox.testConnection', 'group-mailboxes.manage'),
    guarded('GET', '/personal-mailboxes', 'personal-mailbox.adminFind', 'personal-mailboxes.read'),
    guarded('POST', '/personal-mailboxes', 'personal-mailbox.adminCreate', 'personal-mailboxes.manage'),
    guarded('PUT', '/personal-mailboxes/:id', 'personal-mailbox.adminUpdate', 'personal-mailboxes.manage'),
    guarded('DELETE', '/personal-mailboxes/:id', 'personal-mailbox.adminDelete', 'personal-mailboxes.manage'),
    guarded('GET', '/failed-messages', 'failed-message.find', 'failed-messages.manage'),
    guarded('POST', '/failed-messages/:id/reprocess', 'failed-message.reprocess', 'failed-messages.manage'),
    guarded('GET', '/emails/:id/attachments/:index', 'email.adminDownloadAttachment', 'emails.read'),
    guarded('GET', '/cases/:id/stream', 'case.adminStream', 'cases.read'),
  ],
};
