import type { Core } from '@strapi/strapi';

import { SendError } from '../services/sending/send-error';
import { getService } from '../utils/get-service';

function requestData(ctx: any) {
  return ctx.request.body?.data ?? ctx.request.body ?? {};
}

function toOutput(email: Record<string, any>) {
  const { dedupeKey: _dedupeKey, ...rest } = email;
  return rest;
}

function rejectRequest(ctx: any, error: SendError) {
  if (error.status === 403) {
    return ctx.forbidden(error.message);
  }

  return error.status === 404 ? ctx.notFound(error.message) : ctx.badRequest(error.message);
}

/**
 * Sending endpoints for apps. A message that the SMTP server accepted returns 201. A message that
 * was stored but failed returns 202 with `status: "failed"`, the server's reply in `sendError` and
 * the next automatic attempt in `nextSendAt` (null when the failure is permanent).
 */
const send = ({ strapi }: { strapi: Core.Strapi }) => {
  const sending = () => getService(strapi, 'sending');

  async function respond(ctx: any, action: () => Promise<Record<string, any>>) {
    try {
      const email = await action();
      ctx.status = email.status === 'sent' ? 201 : 202;
      ctx.body = { data: toOutput(email) };
    } catch (error) {
      if (error instanceof SendError) {
        return rejectRequest(ctx, error);
      }

      throw error;
    }
  }

  function idParam(ctx: any) {
    const id = Number(ctx.params.id);

    if (!Number.isInteger(id) || id <= 0) {
      throw new SendError(400, `Invalid id "${ctx.params.id}": expected a positive integer.`);
    }

    return id;
  }

  return {
    async create(ctx: any) {
      await respond(ctx, () => sending().sendNew(ctx.state.user.id, requestData(ctx)));
    },

    async reply(ctx: any) {
      await respond(ctx, async () => sending().replyToEmail(ctx.state.user.id, idParam(ctx), requestData(ctx)));
    },

    async replyOnCase(ctx: any) {
      await respond(ctx, async () => sending().replyToCase(ctx.state.user.id, idParam(ctx), requestData(ctx)));
    },

    async resend(ctx: any) {
      await respond(ctx, async () => sending().resend(ctx.state.user.id, idParam(ctx)));
    },
  };
};

export default send;
