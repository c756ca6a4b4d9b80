import type { Core } from '@strapi/strapi';

import { LEASE_TABLE } from '../../utils/support-tables';

/**
 * Database leases that keep two fetch runs off one mailbox, also across app instances that share
 * the database. A lease expires, so a crashed instance blocks a mailbox for one lease period at most.
 */
const lease = ({ strapi }: { strapi: Core.Strapi }) => {
  const table = () => strapi.db.connection(LEASE_TABLE);

  return {
    /** Takes the named lease for `owner`; returns false while another owner holds an unexpired one. */
    async acquire(name: string, owner: string, ttlMs: number): Promise<boolean> {
      const now = Date.now();

      try {
        await table().insert({ name, owner, expires_at: now + ttlMs });
        return true;
      } catch (insertError) {
        const takenOver = await table()
          .where({ name })
          .andWhere((query: any) => query.where('expires_at', '<', now).orWhere('owner', owner))
          .update({ owner, expires_at: now + ttlMs });

        if (takenOver === 1) {
          return true;
        }

        const existing = await table().where({ name }).first();

        if (!existing) {
          throw insertError;
        }

        return false;
      }
    },

    /** Extends a held lease; returns false when it was lost to another owner after expiring. */
    async renew(name: string, owner: string, ttlMs: number): Promise<boolean> {
      const updated = await table().where({ name, owner }).update({ expires_at: Date.now() + ttlMs });
      return updated === 1;
    },

    async release(name: string, owner: string) {
      await table().where({ name, owner }).delete();
    },
  };
};

export default lease;
