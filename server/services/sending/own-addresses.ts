import type { Core } from '@strapi/strapi';

import { UIDS } from '../../utils/plugin-id';

/** Returns the addresses of every group and personal mailbox, in lower case: the plugin's own addresses. */
export async function loadOwnAddresses(strapi: Core.Strapi): Promise<Set<string>> {
  const [groups, personals] = await Promise.all([
    strapi.db.query(UIDS.groupMailbox).findMany({ select: ['emailAddress'] }),
    strapi.db.query(UIDS.personalMailbox).findMany({ select: ['emailAddress'] }),
  ]);

  return new Set<string>([...groups, ...personals].map((mailbox: { emailAddress: string }) => mailbox.emailAddress.toLowerCase()));
}
