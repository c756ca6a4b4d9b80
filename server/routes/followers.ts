import { authenticated } from './authenticated';

/**
 * Content API routes for following cases and site records and for reading the notifications
 * that follows produce. Every handler acts on the calling user's own rows only.
 */
export default {
  type: 'content-api',
  routes: [
    { method: 'GET', path: '/follows', handler: 'follow.find', config: authenticated() },
    { method: 'POST', path: '/follows', handler: 'follow.create', config: authenticated() },
    { method: 'DELETE', path: '/follows/:id', handler: 'follow.delete', config: authenticated() },
    { method: 'GET', path: '/notifications', handler: 'notification.find', config: authenticated() },
    { method: 'POST', path: '/notifications/read-all', handler: 'notification.markAllRead', config: authenticated() },
    { method: 'POST', path: '/notifications/:id/read', handler: 'notification.markRead', config: authenticated() },
  ],
};
