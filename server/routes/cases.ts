import { authenticated } from './authenticated';

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
