import type { Core } from '@strapi/strapi';

import { UIDS } from '../utils/plugin-id';
import { getService } from '../utils/get-service';
import type { StoredAttachment } from '../services/import/attachment-store';

const LIST_FIELDS = ['id', 'documentId', 'messageId', 'subject', 'fromAddress', 'fromName', 'to', 'cc', 'sentAt', 'receivedAt', 'direction', 'status', 'classification', 'attachments'];
const MAX_PAGE_SIZE = 100;

function publicAttachments(attachments: StoredAttachment[] | null | undefined) {
  return (attachments ?? []).map((item, index) => ({
    index,
    filename: item.filename,
    contentType: item.contentType,
    size: item.size,
    contentId: item.contentId,
    inline: item.inline,
  }));
}

function toOutput(email: Record<string, any>) {
  const { dedupeKey: _dedupeKey, ...rest } = email;
  return { ...rest, attachments: publicAttachments(email.attachments) };
}

async function sendAttachment(strapi: Core.Strapi, ctx: any, email: Record<string, any>) {
  const index = Number(ctx.params.index);
  const stored = (email.attachments ?? [])[index] as StoredAttachment | undefined;

  if (!stored) {
    return ctx.notFound('Attachment not found.');
  }

  const opened = await getService(strapi, 'attachmentStore').open(stored);

  if (!opened) {
    return ctx.notFound('Attachment file is missing from storage.');
  }

  if (opened.redirectUrl) {
    return ctx.redirect(opened.redirectUrl);
  }

  const disposition = stored.inline && stored.contentType.startsWith('image/') ? 'inline' : 'attachment';
  ctx.set('Content-Type', stored.contentType);
  ctx.set('Content-Disposition', `${disposition}; filename*=UTF-8''${encodeURIComponent(stored.filename)}`);
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('Content-Security-Policy', "default-src 'none'; sandbox");
  ctx.body = opened.stream;
}

/**
 * Email endpoints. Content API callers see only the emails their mailboxes, teams and cases give
 * them; admin users are checked by RBAC instead.
 */
const email = ({ strapi }: { strapi: Core.Strapi }) => ({
  async find(ctx: any) {
    const user = ctx.state.user;
    const where = await getService(strapi, 'emailAccess').whereFor(user.id);
    const pageSize = Math.min(Number(ctx.query.pageSize) || 25, MAX_PAGE_SIZE);
    const page = Math.max(Number(ctx.query.page) || 1, 1);

    const [rows, total] = await Promise.all([
      strapi.db.query(UIDS.email).findMany({ where, select: LIST_FIELDS, orderBy: { id: 'desc' }, limit: pageSize, offset: (page - 1) * pageSize }),
      strapi.db.query(UIDS.email).count({ where }),
    ]);

    ctx.body = { data: rows.map(toOutput), meta: { pagination: { page, pageSize, total } } };
  },

  async findOne(ctx: any) {
    const id = Number(ctx.params.id);

    if (!(await getService(strapi, 'emailAccess').canRead(ctx.state.user.id, id))) {
      return ctx.notFound('Email not found.');
    }

    const row = await strapi.db.query(UIDS.email).findOne({ where: { id }, populate: { case: { select: ['id', 'number', 'title', 'status'] } } });
    ctx.body = { data: toOutput(row) };
  },

  async downloadAttachment(ctx: any) {
    const id = Number(ctx.params.id);

    if (!(await getService(strapi, 'emailAccess').canRead(ctx.state.user.id, id))) {
      return ctx.notFound('Email not found.');
    }

    const row = await strapi.db.query(UIDS.email).findOne({ where: { id }, select: ['id', 'attachments'] });
    return sendAttachment(strapi, ctx, row);
  },

  async adminDownloadAttachment(ctx: any) {
    const row = await strapi.db.query(UIDS.email).findOne({ where: { id: Number(ctx.params.id) }, select: ['id', 'attachments'] });

    if (!row) {
      return ctx.notFound('Email not found.');
    }

    return sendAttachment(strapi, ctx, row);
  },
});

export default email;
