import type { Core } from '@strapi/strapi';

import { getService } from '../utils/get-service';

function requestData(ctx: any) {
  return ctx.request.body?.data ?? ctx.request.body ?? {};
}

function positiveInteger(value: unknown): number | undefined {
  const number = Number(value);
  return Number.isInteger(number) && number > 0 ? number : undefined;
}

function nonEmptyString(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

/** Follows of the calling Users & Permissions user: list, follow a case or record, unfollow. */
const follow = ({ strapi }: { strapi: Core.Strapi }) => {
  const follows = () => getService(strapi, 'follows');

  return {
    async find(ctx: any) {
      const { rows, pagination } = await follows().listForUser(ctx.state.user.id, {
        page: positiveInteger(ctx.query.page),
        pageSize: positiveInteger(ctx.query.pageSize),
        targetUid: nonEmptyString(ctx.query.targetUid) ?? undefined,
        targetDocumentId: nonEmptyString(ctx.query.targetDocumentId) ?? undefined,
      });

      ctx.body = { data: rows, meta: { pagination } };
    },

    async create(ctx: any) {
      const userId = ctx.state.user.id;
      const data = requestData(ctx);
      const targetUid = nonEmptyString(data.targetUid);
      const targetDocumentId = nonEmptyString(data.targetDocumentId);

      if (!targetUid || !targetDocumentId) {
        return ctx.badRequest('Missing "targetUid" or "targetDocumentId": send both, such as { "targetUid": "plugin::inbox.case", "targetDocumentId": "..." }.');
      }

      const check = await follows().canFollow(userId, targetUid, targetDocumentId);

      if (!check.allowed) {
        return check.status === 404 ? ctx.notFound(check.message) : ctx.forbidden(check.message);
      }

      const row = await follows().follow(userId, targetUid, targetDocumentId);
      ctx.status = 201;
      ctx.body = { data: { id: row.id, documentId: row.documentId, targetUid: row.targetUid, targetDocumentId: row.targetDocumentId, createdAt: row.createdAt } };
    },

    async delete(ctx: any) {
      const id = positiveInteger(ctx.params.id);

      if (!id || !(await follows().deleteOwn(ctx.state.user.id, id))) {
        return ctx.notFound('Follow not found.');
      }

      ctx.body = { data: { id } };
    },
  };
};

export default follow;
