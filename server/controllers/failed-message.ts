import type { Core } from '@strapi/strapi';

import { getService } from '../utils/get-service';

/** Admin panel endpoints that list failed imports and reprocess them. */
const failedMessage = ({ strapi }: { strapi: Core.Strapi }) => ({
  async find(ctx: any) {
    const where: Record<string, unknown> = {};

    if (ctx.query.status) {
      where.status = String(ctx.query.status);
    }

    ctx.body = { data: await getService(strapi, 'failedMessages').findMany(where) };
  },

  async reprocess(ctx: any) {
    const id = Number(ctx.params.id);
    const result = await getService(strapi, 'failedMessages').reprocess(id);

    if (!result) {
      return ctx.notFound('Failed message not found.');
    }

    ctx.body = { data: result };
  },
});

export default failedMessage;
