import type { Core } from '@strapi/strapi';

import { UIDS } from '../../utils/plugin-id';
import type { MailboxRef } from '../mailbox/types';

export interface FolderState {
  id: number;
  folder: string;
  uidValidity: string | null;
  lastUid: number;
  lastMessageAt: Date | null;
  lastSuccessAt: Date | null;
}

/** Fetch cursors, one row per monitored folder of a mailbox. */
const folderStates = ({ strapi }: { strapi: Core.Strapi }) => {
  const query = () => strapi.db.query(UIDS.folderState);

  function toState(row: any): FolderState {
    return {
      id: row.id,
      folder: row.folder,
      uidValidity: row.uidValidity ?? null,
      lastUid: Number(row.lastUid ?? 0),
      lastMessageAt: row.lastMessageAt ? new Date(row.lastMessageAt) : null,
      lastSuccessAt: row.lastSuccessAt ? new Date(row.lastSuccessAt) : null,
    };
  }

  return {
    async findOrCreate(mailbox: MailboxRef, folder: string): Promise<FolderState> {
      const where = { mailboxKind: mailbox.kind, mailboxId: mailbox.id, folder };
      const existing = await query().findOne({ where });

      if (existing) {
        return toState(existing);
      }

      return toState(await query().create({ data: { ...where, lastUid: 0 } }));
    },

    async update(id: number, data: Partial<{ uidValidity: string; lastUid: number; lastMessageAt: Date | null; lastSuccessAt: Date; backlog: number }>) {
      await query().update({ where: { id }, data });
    },

    async findForMailbox(mailbox: MailboxRef) {
      const rows = await query().findMany({ where: { mailboxKind: mailbox.kind, mailboxId: mailbox.id }, orderBy: { folder: 'asc' } });
      return rows.map((row: any) => ({ ...toState(row), backlog: row.backlog ?? 0 }));
    },
  };
};

export default folderStates;
