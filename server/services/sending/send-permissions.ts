import type { Core } from '@strapi/strapi';

import { UIDS, type MailboxKind } from '../../utils/plugin-id';
import type { MailboxRecord } from '../mailbox/types';
import { SendError } from './send-error';

export type SendLevel = 'no' | 'team' | 'all';

export const SEND_LEVELS: SendLevel[] = ['no', 'team', 'all'];

const ROLE_UID = 'plugin::users-permissions.role';
const USER_UID = 'plugin::users-permissions.user';

/**
 * Decides which mailboxes a Users & Permissions user may send through. A user's own personal
 * mailbox is always allowed. A group mailbox must be marked shared, and the user's role sets the
 * level: `no` (the default for a role without a row), `team` (mailboxes of the user's teams) or
 * `all`.
 */
const sendPermissions = ({ strapi }: { strapi: Core.Strapi }) => {
  const mailboxes = () => strapi.plugin('inbox').service('mailboxes');

  async function roleIdOf(userId: number): Promise<number | null> {
    const user = await strapi.db.query(USER_UID).findOne({ where: { id: userId }, populate: { role: { select: ['id'] } } });
    return user?.role?.id ?? null;
  }

  async function isTeamMember(userId: number, teamId: number) {
    const team = await strapi.db.query(UIDS.team).findOne({ where: { id: teamId, members: { id: userId } }, select: ['id'] });
    return Boolean(team);
  }

  function assertCanSend(mailbox: MailboxRecord) {
    if (!mailbox.active) {
      throw new SendError(400, `Mailbox "${mailbox.name}" is inactive. Activate it before sending through it.`);
    }

    if (!mailbox.smtpEnabled || !mailbox.smtp?.host) {
      throw new SendError(400, `Mailbox "${mailbox.name}" has no SMTP settings. Turn on SMTP and enter its server first.`);
    }
  }

  return {
    async levelForRole(roleId: number | null): Promise<SendLevel> {
      if (!roleId) {
        return 'no';
      }

      const row = await strapi.db.query(UIDS.sendPermission).findOne({ where: { role: { id: roleId } }, select: ['level'] });
      return (row?.level as SendLevel | undefined) ?? 'no';
    },

    /** Lists every Users & Permissions role with its send level. */
    async list() {
      const [roles, rows] = await Promise.all([
        strapi.db.query(ROLE_UID).findMany({ select: ['id', 'name', 'type'], orderBy: { id: 'asc' } }),
        strapi.db.query(UIDS.sendPermission).findMany({ select: ['id', 'level'], populate: { role: { select: ['id'] } } }),
      ]);
      const levels = new Map<number, SendLevel>(rows.filter((row: any) => row.role).map((row: any) => [row.role.id, row.level]));

      return roles.map((role: { id: number; name: string; type: string }) => ({ role, level: levels.get(role.id) ?? 'no' }));
    },

    async setLevel(roleId: number, level: SendLevel) {
      if (!Number.isInteger(roleId) || roleId <= 0) {
        throw new SendError(400, `Invalid role id "${roleId}": expected a positive integer.`);
      }

      if (!SEND_LEVELS.includes(level)) {
        throw new SendError(400, `Invalid send level "${level}": expected one of ${SEND_LEVELS.join(', ')}.`);
      }

      const role = await strapi.db.query(ROLE_UID).findOne({ where: { id: roleId }, select: ['id', 'name'] });

      if (!role) {
        throw new SendError(404, `Role ${roleId} not found.`);
      }

      const existing = await strapi.db.query(UIDS.sendPermission).findOne({ where: { role: { id: roleId } }, select: ['id'] });

      if (existing) {
        await strapi.db.query(UIDS.sendPermission).update({ where: { id: existing.id }, data: { level } });
      } else {
        await strapi.db.query(UIDS.sendPermission).create({ data: { role: roleId, level } });
      }

      strapi.log.info('[inbox] Send level of a role changed.', { roleId, role: role.name, level });
      return { role, level };
    },

    /**
     * Returns the mailbox, with its encrypted passwords, that the user may send through, or
     * throws a SendError that explains why not.
     */
    async mailboxForUser(userId: number, kind: MailboxKind, mailboxId: number): Promise<MailboxRecord> {
      const mailbox: MailboxRecord | null = await mailboxes().findRaw(kind, mailboxId);

      if (!mailbox) {
        throw new SendError(404, `${kind === 'group' ? 'Group' : 'Personal'} mailbox ${mailboxId} not found.`);
      }

      if (kind === 'personal') {
        if ((mailbox.owner as { id?: number } | null)?.id !== userId) {
          throw new SendError(404, `Personal mailbox ${mailboxId} not found.`);
        }

        assertCanSend(mailbox);
        return mailbox;
      }

      if (!mailbox.shared) {
        throw new SendError(403, `Group mailbox "${mailbox.name}" is not shared for sending. An administrator can mark it shared.`);
      }

      const level = await this.levelForRole(await roleIdOf(userId));
      const teamId = (mailbox.team as { id?: number } | null)?.id;

      if (level === 'no') {
        throw new SendError(403, `Your role may not send through group mailboxes (send level "no").`);
      }

      if (level === 'team' && !(teamId && (await isTeamMember(userId, teamId)))) {
        throw new SendError(403, `Your role may send only through the mailboxes of your teams, and "${mailbox.name}" is not one of them.`);
      }

      assertCanSend(mailbox);
      return mailbox;
    },
  };
};

export default sendPermissions;
