import type { Core } from '@strapi/strapi';

import type { RecordTypeConfig } from '../../config';
import { UIDS } from '../../utils/plugin-id';
import type { EmailRow } from '../records/record-linker';
import type follows from './follows';
import type { FollowTarget, Follower } from './follows';

type FollowsService = ReturnType<typeof follows>;

export interface NotifyOptions {
  /** The case the email was added to, if any. */
  caseRow?: { id: number; documentId: string } | null;
}

function sameTarget(a: FollowTarget, b: FollowTarget) {
  return a.uid === b.uid && a.documentId === b.documentId;
}

function userIdOf(value: EmailRow['sentByUser']): number | null {
  if (typeof value === 'number') {
    return value;
  }

  return value?.id ?? null;
}

/**
 * Tells the followers of a case or site record about new mail on it. Followers hear of every
 * email on what they follow, whether or not they are in To or Cc.
 */
const notifier = ({ strapi }: { strapi: Core.Strapi }) => {
  const followsService = () => strapi.plugin('inbox').service('follows') as FollowsService;

  /**
   * Lists what the email is on, most specific first: its case, its parent record, the Contact or
   * Lead that matched its addresses, and its Account.
   */
  function targetsOf(email: EmailRow, caseRow: NotifyOptions['caseRow']): FollowTarget[] {
    const targets: FollowTarget[] = [];
    const records = (strapi.plugin('inbox').config('records') ?? {}) as { account?: RecordTypeConfig; contact?: RecordTypeConfig; lead?: RecordTypeConfig };
    const accountConfig = records.account;

    if (caseRow?.documentId) {
      targets.push({ uid: UIDS.case, documentId: caseRow.documentId });
    }

    if (email.parentUid && email.parentDocumentId) {
      targets.push({ uid: email.parentUid, documentId: email.parentDocumentId });
    }

    if (records.contact?.uid && email.contactDocumentId) {
      targets.push({ uid: records.contact.uid, documentId: email.contactDocumentId });
    }

    if (records.lead?.uid && email.leadDocumentId) {
      targets.push({ uid: records.lead.uid, documentId: email.leadDocumentId });
    }

    if (accountConfig?.uid && email.accountDocumentId) {
      targets.push({ uid: accountConfig.uid, documentId: email.accountDocumentId });
    }

    return targets.filter((target, index) => targets.findIndex((other) => sameTarget(other, target)) === index);
  }

  /** Returns the ids of the users who wrote the email, who need no notice of it. */
  async function senderIds(email: EmailRow): Promise<Set<number>> {
    const ids = new Set<number>();

    if (email.fromAddress) {
      const users = await strapi.db.query('plugin::users-permissions.user').findMany({
        where: { email: { $eqi: email.fromAddress.trim() } },
        select: ['id'],
      });
      users.forEach((user: { id: number }) => ids.add(user.id));
    }

    if (email.direction === 'outgoing') {
      let sentBy = userIdOf(email.sentByUser);

      if (email.sentByUser === undefined) {
        const row = await strapi.db.query(UIDS.email).findOne({ where: { id: email.id }, select: ['id'], populate: { sentByUser: { select: ['id'] } } });
        sentBy = row?.sentByUser?.id ?? null;
      }

      if (sentBy) {
        ids.add(sentBy);
      }
    }

    return ids;
  }

  async function activeUserIds(userIds: number[]): Promise<Set<number>> {
    if (userIds.length === 0) {
      return new Set();
    }

    const users = await strapi.db.query('plugin::users-permissions.user').findMany({
      where: { id: { $in: userIds }, $or: [{ blocked: false }, { blocked: { $null: true } }] },
      select: ['id'],
    });

    return new Set(users.map((user: { id: number }) => user.id));
  }

  /** Returns the users who already have a notice of this email, so processing it twice adds none. */
  async function alreadyNotified(emailId: number, userIds: number[]): Promise<Set<number>> {
    if (userIds.length === 0) {
      return new Set();
    }

    const rows = await strapi.db.query(UIDS.notification).findMany({
      where: { type: 'email', email: { id: emailId }, user: { id: { $in: userIds } } },
      select: ['id'],
      populate: { user: { select: ['id'] } },
    });

    return new Set(rows.map((row: any) => row.user?.id).filter(Boolean));
  }

  /** Picks, per user, the most specific target they follow, which the notice names. */
  function firstTargetPerUser(followers: Follower[], targets: FollowTarget[]): Map<number, FollowTarget> {
    const byUser = new Map<number, FollowTarget>();

    for (const target of targets) {
      for (const follower of followers) {
        const matches = follower.targetUid === target.uid && follower.targetDocumentId === target.documentId;

        if (matches && !byUser.has(follower.userId)) {
          byUser.set(follower.userId, target);
        }
      }
    }

    return byUser;
  }

  return {
    /**
     * Creates one notification per follower of the email's case, parent record or Account, and
     * returns how many it created. Blocked users, the user whose address sent the email and, for
     * outgoing mail, the user who sent it get none.
     */
    async notifyNewEmail(email: EmailRow, options: NotifyOptions = {}): Promise<number> {
      const caseRow = options.caseRow ?? null;
      const targets = targetsOf(email, caseRow);

      if (targets.length === 0) {
        return 0;
      }

      const followers = await followsService().followersOf(targets);
      const targetByUser = firstTargetPerUser(followers, targets);

      const senders = await senderIds(email);
      const candidates = [...targetByUser.keys()].filter((userId) => !senders.has(userId));
      const active = await activeUserIds(candidates);
      const notified = await alreadyNotified(email.id, candidates);
      const recipients = candidates.filter((userId) => active.has(userId) && !notified.has(userId));

      for (const userId of recipients) {
        const target = targetByUser.get(userId)!;

        await strapi.db.query(UIDS.notification).create({
          data: {
            user: userId,
            type: 'email',
            email: email.id,
            case: caseRow?.id ?? null,
            targetUid: target.uid,
            targetDocumentId: target.documentId,
          },
        });
      }

      if (recipients.length > 0) {
        strapi.log.info('[inbox] Notified followers of a new email.', { emailId: email.id, caseId: caseRow?.id ?? null, userIds: recipients });
      }

      return recipients.length;
    },
  };
};

export default notifier;
