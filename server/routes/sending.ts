import { authenticated } from './authenticated';

/**
 * Content API routes that send mail. Each becomes an action that a Users & Permissions role can
 * be granted, such as `plugin::inbox.send.create`. The mailbox a user sends through is checked
 * against the role's send level as well.
 */
export default {
  type: 'content-api',
  routes: [
    { method: 'POST', path: '/emails/send', handler: 'send.create', config: authenticated() },
    { method: 'POST', path: '/emails/:id/reply', handler: 'send.reply', config: authenticated() },
    { method: 'POST', path: '/emails/:id/resend', handler: 'send.resend', config: authenticated() },
    { method: 'POST', path: '/cases/:id/reply', handler: 'send.replyOnCase', config: authenticated() },
  ],
};
