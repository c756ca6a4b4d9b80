/**
 * Content API routes for apps, granted per Users & Permissions role. Every handler scopes its
 * result to the caller, because a read-only API token may call any action named find or findOne.
 */
export default {
  type: 'content-api',
  routes: [
    { method: 'GET', path: '/emails', handler: 'email.find', config: { policies: ['plugin::inbox.is-authenticated-user'] } },
    { method: 'GET', path: '/emails/:id', handler: 'email.findOne', config: { policies: ['plugin::inbox.is-authenticated-user'] } },
    { method: 'GET', path: '/emails/:id/attachments/:index', handler: 'email.downloadAttachment', config: { policies: ['plugin::inbox.is-authenticated-user'] } },
    { method: 'GET', path: '/personal-mailboxes', handler: 'personal-mailbox.find', config: { policies: ['plugin::inbox.is-authenticated-user'] } },
    { method: 'GET', path: '/personal-mailboxes/:id', handler: 'personal-mailbox.findOne', config: { policies: ['plugin::inbox.is-authenticated-user'] } },
    { method: 'POST', path: '/personal-mailboxes', handler: 'personal-mailbox.create', config: { policies: ['plugin::inbox.is-authenticated-user'] } },
    { method: 'PUT', path: '/personal-mailboxes/:id', handler: 'personal-mailbox.update', config: { policies: ['plugin::inbox.is-authenticated-user'] } },
    { method: 'DELETE', path: '/personal-mailboxes/:id', handler: 'personal-mailbox.delete', config: { policies: ['plugin::inbox.is-authenticated-user'] } },
    { method: 'POST', path: '/personal-mailboxes/:id/fetch', handler: 'personal-mailbox.fetchNow', config: { policies: ['plugin::inbox.is-authenticated-user'] } },
  ],
};
