import type { Core } from '@strapi/strapi';

/** Creates a team of Users & Permissions users; `blocked` marks members that are inactive. */
export async function createTeam(strapi: Core.Strapi, name: string, members: { username: string; blocked?: boolean }[]) {
  const role = await strapi.db.query('plugin::users-permissions.role').findOne({ where: { type: 'authenticated' } });
  const users = [];

  for (const member of members) {
    users.push(await strapi.db.query('plugin::users-permissions.user').create({
      data: {
        username: member.username,
        email: `${member.username}@example.com`,
        provider: 'local',
        password: 'Password123!',
        confirmed: true,
        blocked: Boolean(member.blocked),
        role: role.id,
      },
    }));
  }

  const team = await strapi.db.query('plugin::inbox.team').create({ data: { name, members: users.map((user) => user.id) } });
  return { team, users };
}

/** Creates a team of existing users. */
export async function createTeamOf(strapi: Core.Strapi, name: string, userIds: number[]) {
  return strapi.db.query('plugin::inbox.team').create({ data: { name, members: userIds } });
}

export async function casesOfMailbox(strapi: Core.Strapi, mailboxId: number) {
  return strapi.db.query('plugin::inbox.case').findMany({
    where: { groupMailbox: { id: mailboxId } },
    populate: { assignee: { select: ['id', 'username'] }, emails: { select: ['id', 'messageId'] } },
    orderBy: { id: 'asc' },
  });
}
