import type { Core } from '@strapi/strapi';

import { UIDS } from '../../utils/plugin-id';

/** Statuses that no longer count as work for least-busy distribution. */
export const FINISHED_STATUSES = ['Closed', 'Rejected', 'Duplicate'];

export interface DistributionMailbox {
  id: number;
  name: string;
  distribution?: 'direct' | 'round-robin' | 'least-busy' | null;
  directAssignee?: { id: number; blocked?: boolean } | null;
  team?: { id: number } | null;
}

/**
 * Picks the user a new case goes to. Direct assignment takes the mailbox's named user.
 * Round-robin takes the team's active members in id order and advances a database counter per
 * team, shared by all of the team's mailboxes, so every case gets its own position even when two
 * instances create cases at once.
 * Least-busy takes the member with the fewest open cases, the lowest user id on a tie.
 */
const distribution = ({ strapi }: { strapi: Core.Strapi }) => {
  async function activeMembers(teamId: number): Promise<{ id: number }[]> {
    const team = await strapi.db.query(UIDS.team).findOne({
      where: { id: teamId },
      populate: { members: { select: ['id', 'blocked'] } },
    });

    return (team?.members ?? [])
      .filter((member: { blocked?: boolean }) => !member.blocked)
      .sort((a: { id: number }, b: { id: number }) => a.id - b.id);
  }

  async function openCaseCount(userId: number) {
    return strapi.db.query(UIDS.case).count({ where: { assignee: { id: userId }, status: { $notIn: FINISHED_STATUSES } } });
  }

  return {
    async pickAssignee(mailbox: DistributionMailbox): Promise<number | null> {
      const method = mailbox.distribution ?? 'direct';

      if (method === 'direct') {
        return mailbox.directAssignee && !mailbox.directAssignee.blocked ? mailbox.directAssignee.id : null;
      }

      if (!mailbox.team) {
        strapi.log.warn('[inbox] Case left unassigned: the mailbox has no team to distribute to.', { mailbox: mailbox.name, mailboxId: mailbox.id, distribution: method });
        return null;
      }

      const members = await activeMembers(mailbox.team.id);

      if (members.length === 0) {
        strapi.log.warn('[inbox] Case left unassigned: the team has no active members.', { mailbox: mailbox.name, teamId: mailbox.team.id });
        return null;
      }

      if (method === 'round-robin') {
        const position = await strapi.plugin('inbox').service('counters').next(`round-robin:team:${mailbox.team.id}`);
        return members[(position - 1) % members.length].id;
      }

      let best: { id: number; open: number } | null = null;

      for (const member of members) {
        const open = await openCaseCount(member.id);

        if (!best || open < best.open) {
          best = { id: member.id, open };
        }
      }

      return best!.id;
    },
  };
};

export default distribution;
