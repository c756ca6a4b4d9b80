import type { Core } from '@strapi/strapi';

/**
 * Decides which cases a Users & Permissions user may read and change through the content API:
 * cases assigned to the user and cases of the user's teams.
 */
const caseAccess = ({ strapi }: { strapi: Core.Strapi }) => ({
  /** Builds the `where` clause that limits case queries to what the user may see. */
  whereFor(userId: number) {
    return {
      $or: [
        { assignee: { id: userId } },
        { team: { members: { id: userId } } },
        { groupMailbox: { team: { members: { id: userId } } } },
      ],
    };
  },

  async canRead(userId: number, caseId: number) {
    const found = await strapi.db.query('plugin::inbox.case').findOne({ where: { $and: [{ id: caseId }, this.whereFor(userId)] }, select: ['id'] });
    return Boolean(found);
  },
});

export default caseAccess;
