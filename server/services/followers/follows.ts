import type { Core } from '@strapi/strapi';

import type { RecordTypeConfig } from '../../config';
import { UIDS } from '../../utils/plugin-id';

export interface FollowTarget {
  uid: string;
  documentId: string;
}

/** One follower of one target. */
export interface Follower {
  userId: number;
  targetUid: string;
  targetDocumentId: string;
}

/** Outcome of a follow permission check, with the HTTP status to reject with when not allowed. */
export type FollowCheck = { allowed: true } | { allowed: false; status: 403 | 404; message: string };

const MAX_PAGE_SIZE = 100;

/**
 * Stores which Users & Permissions users follow which cases and site records, and decides who
 * may follow what: a case the user can see, or a record of a configured type whose findOne
 * action the user's role has.
 */
const follows = ({ strapi }: { strapi: Core.Strapi }) => {
  const query = () => strapi.db.query(UIDS.follow);

  function configuredRecordUids(): string[] {
    const records = (strapi.plugin('inbox').config('records') ?? {}) as Record<string, RecordTypeConfig | undefined>;
    return Object.values(records).filter((record): record is RecordTypeConfig => Boolean(record?.uid)).map((record) => record.uid);
  }

  async function canSeeCase(userId: number, caseDocumentId: string) {
    const found = await strapi.db.query(UIDS.case).findOne({
      where: {
        documentId: caseDocumentId,
        $or: [{ assignee: { id: userId } }, { team: { members: { id: userId } } }],
      },
      select: ['id'],
    });

    return Boolean(found);
  }

  async function roleMayRead(userId: number, uid: string) {
    const user = await strapi.db.query('plugin::users-permissions.user').findOne({ where: { id: userId }, populate: { role: { select: ['id'] } } });
    const roleId = user?.role?.id;

    if (!roleId) {
      return false;
    }

    const permission = await strapi.db.query('plugin::users-permissions.permission').findOne({
      where: { action: `${uid}.findOne`, role: { id: roleId } },
      select: ['id'],
    });

    return Boolean(permission);
  }

  /** Lists every follow of the targets, one entry per user and target. */
  async function followersOf(targets: FollowTarget[]): Promise<Follower[]> {
    if (targets.length === 0) {
      return [];
    }

    const rows = await query().findMany({
      where: { $or: targets.map((target) => ({ targetUid: target.uid, targetDocumentId: target.documentId })) },
      select: ['id', 'targetUid', 'targetDocumentId'],
      populate: { user: { select: ['id'] } },
      orderBy: { id: 'asc' },
    });

    return rows
      .filter((row: any) => row.user?.id)
      .map((row: any) => ({ userId: row.user.id, targetUid: row.targetUid, targetDocumentId: row.targetDocumentId }));
  }

  return {
    followersOf,

    /** Makes the user follow the target and returns the follow. Following twice keeps one follow. */
    async follow(userId: number, targetUid: string, targetDocumentId: string) {
      const where = { user: { id: userId }, targetUid, targetDocumentId };
      const existing = await query().findOne({ where, orderBy: { id: 'asc' } });

      if (existing) {
        return existing;
      }

      await query().create({ data: { user: userId, targetUid, targetDocumentId } });

      // Two requests at the same moment may both have created a row, so only the oldest is kept.
      const rows = await query().findMany({ where, orderBy: { id: 'asc' } });
      const extraIds = rows.slice(1).map((row: { id: number }) => row.id);

      if (extraIds.length > 0) {
        await query().deleteMany({ where: { id: { $in: extraIds } } });
      }

      return rows[0];
    },

    /** Stops the user following the target and returns whether a follow was removed. */
    async unfollow(userId: number, targetUid: string, targetDocumentId: string): Promise<boolean> {
      const result = await query().deleteMany({ where: { user: { id: userId }, targetUid, targetDocumentId } });
      return result.count > 0;
    },

    /** Returns the distinct ids of users who follow any of the targets. */
    async followerIds(targets: FollowTarget[]): Promise<number[]> {
      const followers = await followersOf(targets);
      return [...new Set(followers.map((follower) => follower.userId))];
    },

    /** Lists the user's own follows, newest first, optionally of one target type or record. */
    async listForUser(userId: number, options: { page?: number; pageSize?: number; targetUid?: string; targetDocumentId?: string } = {}) {
      const pageSize = Math.min(Math.max(options.pageSize ?? 25, 1), MAX_PAGE_SIZE);
      const page = Math.max(options.page ?? 1, 1);
      const where: Record<string, unknown> = { user: { id: userId } };

      if (options.targetUid) {
        where.targetUid = options.targetUid;
      }

      if (options.targetDocumentId) {
        where.targetDocumentId = options.targetDocumentId;
      }

      const [rows, total] = await Promise.all([
        query().findMany({ where, select: ['id', 'documentId', 'targetUid', 'targetDocumentId', 'createdAt'], orderBy: { id: 'desc' }, limit: pageSize, offset: (page - 1) * pageSize }),
        query().count({ where }),
      ]);

      return { rows, pagination: { page, pageSize, total } };
    },

    /** Deletes one follow by id if it belongs to the user, and returns whether it did. */
    async deleteOwn(userId: number, followId: number): Promise<boolean> {
      const own = await query().findOne({ where: { id: followId, user: { id: userId } }, select: ['id'] });

      if (!own) {
        return false;
      }

      await query().delete({ where: { id: followId } });
      return true;
    },

    /**
     * Checks whether the user may follow the target. A case must be assigned to the user or to a
     * team the user belongs to. A site record must be of a type in the plugin's `records` setting,
     * the user's role must have `<uid>.findOne`, and the record must exist.
     */
    async canFollow(userId: number, targetUid: string, targetDocumentId: string): Promise<FollowCheck> {
      if (targetUid === UIDS.case) {
        if (await canSeeCase(userId, targetDocumentId)) {
          return { allowed: true };
        }

        return { allowed: false, status: 403, message: 'You may follow only cases assigned to you or to a team you belong to.' };
      }

      const recordUids = configuredRecordUids();

      if (!recordUids.includes(targetUid)) {
        const allowed = [UIDS.case, ...recordUids].join(', ');
        return { allowed: false, status: 403, message: `Following "${targetUid}" is not allowed. Followable types: ${allowed}.` };
      }

      if (!(await roleMayRead(userId, targetUid))) {
        return { allowed: false, status: 403, message: `Your role lacks the "${targetUid}.findOne" permission, which following these records requires.` };
      }

      const record = await strapi.documents(targetUid as any).findOne({ documentId: targetDocumentId, fields: ['documentId'] } as any);

      if (!record) {
        return { allowed: false, status: 404, message: `No ${targetUid} record has documentId "${targetDocumentId}".` };
      }

      return { allowed: true };
    },
  };
};

export default follows;
