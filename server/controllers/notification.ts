import type { Core } from '@strapi/strapi';

import { UIDS } from '../utils/plugin-id';

const MAX_PAGE_SIZE = 100;

const POPULATE = {
  email: { select: ['id', 'documentId', 'subject', 'fromAddress', 'fromName', 'sentAt', 'receivedAt', 'direction'] },
  case: { select: ['id', 'documentId', 'number', 'title', 'status'] },
};

const FIELDS = ['id', 'documentId', 'type', 'targetUid', 'targetDocumentId', 'readAt', 'createdAt'];

function positiveInteger(value: unknown, fallback: number) {
  const number = Number(value);
  return Number.isInteger(number) && number > 0 ? number : fallback;
}

/** Notifications of the calling Users & Permissions user: list, mark one read, mark all read. */
const notification = ({ strapi }: { strapi: Core.Strapi }) => {
  const query = () => strapi.db.query(UIDS.notification);

  return {
    /** Lists the caller's notifications, newest first. With `?unread=true` it lists unread ones only. */
    async find(ctx: any) {
      const userId = ctx.state.user.id;
      const pageSize = Math.min(positiveInteger(ctx.query.pageSize, 25), MAX_PAGE_SIZE);
      const page = positiveInteger(ctx.query.page, 1);
      const unreadOnly = ctx.query.unread === 'true' || ctx.query.unread === true;

      const own = { user: { id: userId } };
      const unread = { ...own, readAt: { $null: true } };
      const where = unreadOnly ? unread : own;

      const [rows, total, unreadTotal] = await Promise.all([
        query().findMany({ where, select: FIELDS, populate: POPULATE, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], limit: pageSize, offset: (page - 1) * pageSize }),
        query().count({ where }),
        query().count({ where: unread }),
      ]);

      ctx.body = { data: rows, meta: { pagination: { page, pageSize, total }, unread: unreadTotal } };
    },

    /** Marks one of the caller's notifications read. Marking it again keeps the first `readAt`. */
    async markRead(ctx: any) {
      const id = positiveInteger(ctx.params.id, 0);
      const own = id ? await query().findOne({ where: { id, user: { id: ctx.state.user.id } }, select: ['id', 'readAt'] }) : null;

      if (!own) {
        return ctx.notFound('Notification not found.');
      }

      if (!own.readAt) {
        await query().update({ where: { id }, data: { readAt: new Date() } });
      }

      ctx.body = { data: await query().findOne({ where: { id }, select: FIELDS, populate: POPULATE }) };
    },

    /** Marks every unread notification of the caller read and returns how many changed. */
    async markAllRead(ctx: any) {
      // updateMany cannot filter on a relation, so the caller's unread ids are read first.
      const unread = await query().findMany({ where: { user: { id: ctx.state.user.id }, readAt: { $null: true } }, select: ['id'] });
      const ids = unread.map((row: { id: number }) => row.id);

      if (ids.length > 0) {
        await query().updateMany({ where: { id: { $in: ids } }, data: { readAt: new Date() } });
      }

      ctx.body = { data: { count: ids.length } };
    },
  };
};

export default notification;
