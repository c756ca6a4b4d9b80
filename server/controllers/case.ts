import type { Core } from '@strapi/strapi';

import { UIDS } from '../utils/plugin-id';
import { getService } from '../utils/get-service';

const CASE_STATUSES = ['New', 'Assigned', 'Pending', 'Closed', 'Rejected', 'Duplicate'];
const MAX_PAGE_SIZE = 100;
const CASE_POPULATE = { assignee: { select: ['id', 'username'] }, team: { select: ['id', 'name'] }, groupMailbox: { select: ['id', 'name', 'emailAddress'] } };

/** Case endpoints for apps; every result is limited to cases the caller may see. */
const caseController = ({ strapi }: { strapi: Core.Strapi }) => {
  async function readableCaseId(ctx: any): Promise<number | null> {
    const id = Number(ctx.params.id);

    if (!Number.isInteger(id) || !(await getService(strapi, 'caseAccess').canRead(ctx.state.user.id, id))) {
      ctx.notFound('Case not found.');
      return null;
    }

    return id;
  }

  /** Checks that a user belongs to the case's team or to the team of its group mailbox. */
  async function isTeamMember(caseId: number, userId: number) {
    const member = { members: { id: userId } };
    const found = await strapi.db.query(UIDS.case).findOne({
      where: { id: caseId, $or: [{ team: member }, { groupMailbox: { team: member } }] },
      select: ['id'],
    });
    return Boolean(found);
  }

  return {
    async find(ctx: any) {
      const where: Record<string, unknown> = { $and: [getService(strapi, 'caseAccess').whereFor(ctx.state.user.id)] };
      const pageSize = Math.min(Number(ctx.query.pageSize) || 25, MAX_PAGE_SIZE);
      const page = Math.max(Number(ctx.query.page) || 1, 1);

      if (ctx.query.status) {
        (where.$and as unknown[]).push({ status: String(ctx.query.status) });
      }

      const [rows, total] = await Promise.all([
        strapi.db.query(UIDS.case).findMany({ where, populate: CASE_POPULATE, orderBy: { id: 'desc' }, limit: pageSize, offset: (page - 1) * pageSize }),
        strapi.db.query(UIDS.case).count({ where }),
      ]);

      ctx.body = { data: rows, meta: { pagination: { page, pageSize, total } } };
    },

    async findOne(ctx: any) {
      const id = await readableCaseId(ctx);

      if (id) {
        ctx.body = { data: await strapi.db.query(UIDS.case).findOne({ where: { id }, populate: CASE_POPULATE }) };
      }
    },

    async stream(ctx: any) {
      const id = await readableCaseId(ctx);

      if (id) {
        ctx.body = { data: await getService(strapi, 'cases').stream(id) };
      }
    },

    async update(ctx: any) {
      const id = await readableCaseId(ctx);

      if (!id) {
        return;
      }

      const body = ctx.request.body?.data ?? ctx.request.body ?? {};
      const userId = ctx.state.user.id;

      if (body.status !== undefined) {
        if (!CASE_STATUSES.includes(body.status)) {
          return ctx.badRequest(`Invalid case status "${body.status}": expected one of ${CASE_STATUSES.join(', ')}.`);
        }

        await getService(strapi, 'cases').setStatus(id, body.status, { userId });
      }

      if (body.assignee !== undefined) {
        const assigneeId = body.assignee === null ? null : Number(body.assignee);

        if (assigneeId !== null && !(await isTeamMember(id, assigneeId))) {
          return ctx.badRequest(`Invalid assignee ${body.assignee}: assign the case to a member of its team.`);
        }

        await getService(strapi, 'cases').assign(id, assigneeId, { userId });
      }

      ctx.body = { data: await strapi.db.query(UIDS.case).findOne({ where: { id }, populate: CASE_POPULATE }) };
    },

    async adminStream(ctx: any) {
      ctx.body = { data: await getService(strapi, 'cases').stream(Number(ctx.params.id)) };
    },
  };
};

export default caseController;
