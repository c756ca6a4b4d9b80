// A fresh object per route, because Strapi writes each route's auth scope into its config.
const authenticated = () => ({ policies: ['plugin::inbox.is-authenticated-user'] });

/** Content API routes for cases and their streams. */
export default {
  type: 'content-api',
  routes: [
    { method: 'GET', path: '/cases', handler: 'case.find', config: authenticated() },
    { method: 'GET', path: '/cases/:id', handler: 'case.findOne', config: authenticated() },
    { method: 'GET', path: '/cases/:id/stream', handler: 'case.stream', config: authenticated() },
    { method: 'PUT', path: '/cases/:id', handler: 'case.update', config: authenticated() },
  ],
};
