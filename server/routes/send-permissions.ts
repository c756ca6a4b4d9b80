/** Returns a fresh route config: Strapi writes into each route's config, so routes must not share one object. */
function guarded() {
  return { policies: [{ name: 'admin::hasPermissions', config: { actions: ['plugin::inbox.send-permissions.manage'] } }] };
}

/** Admin routes that read and set the send level of each Users & Permissions role. */
export default {
  type: 'admin',
  routes: [
    { method: 'GET', path: '/send-permissions', handler: 'send-permission.find', config: guarded() },
    { method: 'PUT', path: '/send-permissions/:roleId', handler: 'send-permission.update', config: guarded() },
  ],
};
