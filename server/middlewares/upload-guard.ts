import type { Core } from '@strapi/strapi';

import { ATTACHMENT_HASH_PREFIX } from '../services/import/attachment-store';

/**
 * Rejects direct requests for email attachments under `/uploads`, because the local upload provider
 * serves that folder to anyone. Attachments are downloaded through the plugin's routes instead,
 * which check that the caller may read the email.
 */
export function registerUploadGuard(strapi: Core.Strapi) {
  const prefix = `/uploads/${ATTACHMENT_HASH_PREFIX}`;

  strapi.server.use(async (ctx: any, next: () => Promise<unknown>) => {
    if (typeof ctx.path === 'string' && ctx.path.startsWith(prefix)) {
      ctx.status = 404;
      ctx.body = 'Not Found';
      return;
    }

    await next();
  });
}
