import type { Core } from '@strapi/strapi';

import { SendError } from '../services/sending/send-error';
import { getService } from '../utils/get-service';

/** Admin endpoints for the level at which each Users & Permissions role may send through shared group mailboxes. */
const sendPermission = ({ strapi }: { strapi: Core.Strapi }) => ({
  async find(ctx: any) {
    ctx.body = { data: await getService(strapi, 'sendPermissions').list() };
  },

  async update(ctx: any) {
    const roleId = Number(ctx.params.roleId);
    const level = (ctx.request.body?.data ?? ctx.request.body ?? {}).level;

    try {
      ctx.body = { data: await getService(strapi, 'sendPermissions').setLevel(roleId, level) };
    } catch (error) {
      if (error instanceof SendError) {
        return error.status === 404 ? ctx.notFound(error.message) : ctx.badRequest(error.message);
      }

      throw error;
    }
  },
});

export default sendPermission;
