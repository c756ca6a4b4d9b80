import type { Core } from '@strapi/strapi';

import { UIDS } from '../../utils/plugin-id';

/**
 * Decides which emails a Users & Permissions user may read through the content API: those of
 * group mailboxes whose team the user belongs to, those of the user's own personal mailboxes,
 * and those on cases assigned to the user.
 */
const emailAccess = ({ strapi }: { strapi: Core.Strapi }) => ({
  async scopeFor(userId: number) {
    const teams = await strapi.db.query(UIDS.team).findMany({ where: { members: { id: userId } }, select: ['id'] });
    const teamIds = teams.map((team: { id: number }) => team.id);

    const groupMailboxes = teamIds.length
      ? await strapi.db.query(UIDS.groupMailbox).findMany({ where: { team: { id: { $in: teamIds } } }, select: ['id'] })
      : [];
    const personalMailboxes = await strapi.db.query(UIDS.personalMailbox).findMany({ where: { owner: { id: userId } }, select: ['id'] });

    return {
      groupMailboxIds: groupMailboxes.map((mailbox: { id: number }) => mailbox.id),
      personalMailboxIds: personalMailboxes.map((mailbox: { id: number }) => mailbox.id),
    };
  },

  /** Builds the `where` clause that limits email queries to what the user may read. */
  async whereFor(userId: number) {
    const scope = await this.scopeFor(userId);

    return {
      $or: [
        { groupMailboxes: { id: { $in: scope.groupMailboxIds.length ? scope.groupMailboxIds : [0] } } },
        { personalMailboxes: { id: { $in: scope.personalMailboxIds.length ? scope.personalMailboxIds : [0] } } },
        { case: { assignee: { id: userId } } },
      ],
    };
  },

  async canRead(userId: number, emailId: number) {
    const where = await this.whereFor(userId);
    const email = await strapi.db.query(UIDS.email).findOne({ where: { $and: [{ id: emailId }, where] }, select: ['id'] });
    return Boolean(email);
  },
});

export default emailAccess;
