import { authenticated } from './authenticated';

/**
 * Content API routes for apps, granted per Users & Permissions role. Every handler scopes its
 * result to the caller, because a read-only API token may call any action named find or findOne.
 */
export default {
  type: 'content-api',
  routes: [
    { method: 'GET', path: '/emails', handler: 'email.find', config: authenticated() },
    { method: 'GET', path: '/emails/:id', handler: 'email.findOne', config: authenticated() },
    { method: 'GET', path: '/emails/:id/attachments/:index', handler: 'email.downloadAttachment', config: authenticated() },
    { method: 'GET', path: '/personal-mailboxes', handler: 'personal-mailbox.find', config: authenticated() },
    { method: 'GET', path: '/personal-mailboxes/:id', handler: 'personal-mailbox.findOne', config: authenticated() },
    { method: 'POST', path: '/personal-mailboxes', handler: 'personal-mailbox.create', config: authenticated() },
    { method: 'PUT', path: '/personal-mailboxes/:id', handler: 'personal-mailbox.update', config: authenticated() },
    { method: 'DELETE', path: '/personal-mailboxes/:id', handler: 'personal-mailbox.delete', config: authenticated() },
    { method: 'POST', path: '/personal-mailboxes/:id/fetch', handler: 'personal-mailbox.fetchNow', config: authenticated() },
  ],
};
