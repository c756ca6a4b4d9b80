import type { Core } from '@strapi/strapi';

import { getService } from '../utils/get-service';

function requestData(ctx: any) {
  return ctx.request.body?.data ?? ctx.request.body ?? {};
}

/**
 * Personal mailboxes. Through the content API a user manages only their own (the owner is always
 * the caller); through the admin panel an administrator manages anyone's.
 */
const personalMailbox = ({ strapi }: { strapi: Core.Strapi }) => {
  const mailboxes = () => getService(strapi, 'mailboxes');

  /** Points the IDLE watcher at the mailbox's new settings and returns the mailbox. */
  async function refreshWatcher<T extends Record<string, any> | null>(mailbox: T): Promise<T> {
    if (mailbox) {
      await getService(strapi, 'idleWatcher').refresh({ kind: 'personal', id: mailbox.id }, mailbox.name);
    }

    return mailbox;
  }

  async function findOwned(ctx: any) {
    const id = Number(ctx.params.id);
    const mailbox = await mailboxes().findOne('personal', id);

    if (!mailbox || mailbox.owner?.id !== ctx.state.user.id) {
      ctx.notFound('Personal mailbox not found.');
      return null;
    }

    return mailbox;
  }

  return {
    async find(ctx: any) {
      ctx.body = { data: await mailboxes().findMany('personal', { owner: { id: ctx.state.user.id } }) };
    },

    async findOne(ctx: any) {
      const mailbox = await findOwned(ctx);

      if (mailbox) {
        ctx.body = { data: mailbox };
      }
    },

    async create(ctx: any) {
      const mailbox = await refreshWatcher(await mailboxes().create('personal', { ...requestData(ctx), owner: ctx.state.user.id }));
      ctx.status = 201;
      ctx.body = { data: mailbox };
    },

    async update(ctx: any) {
      if (!(await findOwned(ctx))) {
        return;
      }

      const { owner: _owner, ...data } = requestData(ctx);
      ctx.body = { data: await refreshWatcher(await mailboxes().update('personal', Number(ctx.params.id), data)) };
    },

    async delete(ctx: any) {
      if (!(await findOwned(ctx))) {
        return;
      }

      await getService(strapi, 'idleWatcher').unwatch({ kind: 'personal', id: Number(ctx.params.id) });
      ctx.body = { data: await mailboxes().delete('personal', Number(ctx.params.id)) };
    },

    async fetchNow(ctx: any) {
      if (!(await findOwned(ctx))) {
        return;
      }

      ctx.body = { data: await getService(strapi, 'mailboxFetcher').fetchMailbox({ kind: 'personal', id: Number(ctx.params.id) }, 'manual') };
    },

    async adminFind(ctx: any) {
      ctx.body = { data: await mailboxes().findMany('personal') };
    },

    async adminCreate(ctx: any) {
      const data = requestData(ctx);

      if (!data.owner) {
        return ctx.badRequest('A personal mailbox needs an owner: set "owner" to a Users & Permissions user id.');
      }

      ctx.status = 201;
      ctx.body = { data: await refreshWatcher(await mailboxes().create('personal', data)) };
    },

    async adminUpdate(ctx: any) {
      const mailbox = await refreshWatcher(await mailboxes().update('personal', Number(ctx.params.id), requestData(ctx)));

      if (!mailbox) {
        return ctx.notFound('Personal mailbox not found.');
      }

      ctx.body = { data: mailbox };
    },

    async adminDelete(ctx: any) {
      await getService(strapi, 'idleWatcher').unwatch({ kind: 'personal', id: Number(ctx.params.id) });
      const mailbox = await mailboxes().delete('personal', Number(ctx.params.id));

      if (!mailbox) {
        return ctx.notFound('Personal mailbox not found.');
      }

      ctx.body = { data: mailbox };
    },
  };
};

export default personalMailbox;
