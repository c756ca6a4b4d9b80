import type { Core } from '@strapi/strapi';

import { getService } from '../utils/get-service';

function mailboxId(ctx: any) {
  const id = Number(ctx.params.id);

  if (!Number.isInteger(id) || id <= 0) {
    ctx.throw(400, `Invalid mailbox id "${ctx.params.id}": expected a positive integer.`);
  }

  return id;
}

/** Admin panel endpoints for group mailboxes; passwords are write-only in every response. */
const groupMailbox = ({ strapi }: { strapi: Core.Strapi }) => ({
  async find(ctx: any) {
    ctx.body = { data: await getService(strapi, 'mailboxes').findMany('group') };
  },

  async findOne(ctx: any) {
    const mailbox = await getService(strapi, 'mailboxes').findOne('group', mailboxId(ctx));

    if (!mailbox) {
      return ctx.notFound('Group mailbox not found.');
    }

    ctx.body = { data: mailbox };
  },

  async create(ctx: any) {
    const mailbox = await getService(strapi, 'mailboxes').create('group', ctx.request.body?.data ?? ctx.request.body ?? {});
    await getService(strapi, 'idleWatcher').refresh({ kind: 'group', id: mailbox.id }, mailbox.name);
    ctx.status = 201;
    ctx.body = { data: mailbox };
  },

  async update(ctx: any) {
    const mailbox = await getService(strapi, 'mailboxes').update('group', mailboxId(ctx), ctx.request.body?.data ?? ctx.request.body ?? {});

    if (!mailbox) {
      return ctx.notFound('Group mailbox not found.');
    }

    await getService(strapi, 'idleWatcher').refresh({ kind: 'group', id: mailbox.id }, mailbox.name);
    ctx.body = { data: mailbox };
  },

  async delete(ctx: any) {
    const id = mailboxId(ctx);
    await getService(strapi, 'idleWatcher').unwatch({ kind: 'group', id });
    const mailbox = await getService(strapi, 'mailboxes').delete('group', id);

    if (!mailbox) {
      return ctx.notFound('Group mailbox not found.');
    }

    ctx.body = { data: mailbox };
  },

  async fetchNow(ctx: any) {
    ctx.body = { data: await getService(strapi, 'mailboxFetcher').fetchMailbox({ kind: 'group', id: mailboxId(ctx) }, 'manual') };
  },

  async health(ctx: any) {
    const id = mailboxId(ctx);
    const mailbox = await getService(strapi, 'mailboxes').findOne('group', id);

    if (!mailbox) {
      return ctx.notFound('Group mailbox not found.');
    }

    const ref = { kind: 'group' as const, id };
    ctx.body = {
      data: {
        lastFetchAt: mailbox.lastFetchAt ?? null,
        lastSuccessAt: mailbox.lastSuccessAt ?? null,
        lastError: mailbox.lastError ?? null,
        lastErrorAt: mailbox.lastErrorAt ?? null,
        idle: getService(strapi, 'idleWatcher').isWatching(ref),
        folders: await getService(strapi, 'folderStates').findForMailbox(ref),
        failedMessages: (await getService(strapi, 'failedMessages').findMany({ mailboxKind: 'group', mailboxId: id, status: { $ne: 'imported' } })).length,
        recentRuns: await getService(strapi, 'fetchRuns').findRecent(ref, 10),
      },
    };
  },

  async testConnection(ctx: any) {
    const body = ctx.request.body ?? {};
    const settings = body.imap ?? {};
    let password = settings.password;

    if (!password && body.mailboxId) {
      const saved = await getService(strapi, 'mailboxes').findRaw('group', Number(body.mailboxId));
      password = saved ? getService(strapi, 'mailboxes').imapPassword(saved) : '';
    }

    if (!settings.host || !settings.username) {
      return ctx.badRequest('IMAP host and username are required to test a connection.');
    }

    ctx.body = { data: await getService(strapi, 'mailboxTools').testImap(settings, password ?? '') };
  },
});

export default groupMailbox;
