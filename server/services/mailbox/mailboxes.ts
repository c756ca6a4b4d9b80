import type { Core } from '@strapi/strapi';

import { mailboxUid, type MailboxKind } from '../../utils/plugin-id';
import type { MailboxRecord } from './types';

const SECRET_SECTIONS = ['imap', 'smtp'] as const;

type MailboxInput = Record<string, any>;

function populateFor(kind: MailboxKind) {
  return kind === 'group' ? ['imap', 'smtp', 'team', 'directAssignee'] : ['imap', 'smtp', 'owner'];
}

/**
 * Creates, reads and updates group and personal mailboxes. Passwords are write-only: they are
 * encrypted before they are stored, kept when an update leaves them out, and replaced by
 * `hasPassword` in everything this service returns for output.
 */
const mailboxes = ({ strapi }: { strapi: Core.Strapi }) => {
  const secrets = () => strapi.plugin('inbox').service('secrets');

  function encryptSection(section: Record<string, any> | undefined, existing: Record<string, any> | undefined) {
    if (!section) {
      return section;
    }

    const { id: _ignoredId, ...fields } = section;
    const password = fields.password;

    if (typeof password === 'string' && password !== '') {
      fields.password = secrets().encrypt(password);
    } else {
      fields.password = existing?.password ?? null;
    }

    return fields;
  }

  return {
    /** Returns the mailbox with its components and encrypted passwords, or null. */
    async findRaw(kind: MailboxKind, id: number): Promise<MailboxRecord | null> {
      return (await strapi.db.query(mailboxUid(kind)).findOne({ where: { id }, populate: populateFor(kind) })) as MailboxRecord | null;
    },

    async listActive(kind: MailboxKind): Promise<MailboxRecord[]> {
      return (await strapi.db.query(mailboxUid(kind)).findMany({ where: { active: true }, populate: ['imap'] })) as MailboxRecord[];
    },

    async create(kind: MailboxKind, input: MailboxInput) {
      const data = { ...input };

      for (const section of SECRET_SECTIONS) {
        data[section] = encryptSection(input[section], undefined);
      }

      const created = await strapi.documents(mailboxUid(kind)).create({ data: data as any, populate: populateFor(kind) as any });
      return this.toOutput(created as any);
    },

    async update(kind: MailboxKind, id: number, input: MailboxInput) {
      const existing = await this.findRaw(kind, id);

      if (!existing) {
        return null;
      }

      const data = { ...input };

      for (const section of SECRET_SECTIONS) {
        if (input[section] !== undefined) {
          const current = (existing[section] ?? undefined) as Record<string, any> | undefined;
          data[section] = { ...current, ...encryptSection({ ...current, ...input[section] }, current) };
          delete data[section].id;
        }
      }

      const updated = await strapi.documents(mailboxUid(kind)).update({
        documentId: existing.documentId,
        data: data as any,
        populate: populateFor(kind) as any,
      });
      return this.toOutput(updated as any);
    },

    async delete(kind: MailboxKind, id: number) {
      const existing = await this.findRaw(kind, id);

      if (!existing) {
        return null;
      }

      await strapi.documents(mailboxUid(kind)).delete({ documentId: existing.documentId });
      return this.toOutput(existing);
    },

    async findOne(kind: MailboxKind, id: number) {
      const mailbox = await this.findRaw(kind, id);
      return mailbox ? this.toOutput(mailbox) : null;
    },

    async findMany(kind: MailboxKind, where: Record<string, unknown> = {}) {
      const rows = await strapi.db.query(mailboxUid(kind)).findMany({ where, populate: populateFor(kind), orderBy: { id: 'asc' } });
      return rows.map((row: MailboxRecord) => this.toOutput(row));
    },

    /** Removes passwords from a mailbox and states only whether one is set. */
    toOutput(mailbox: MailboxRecord) {
      const output: Record<string, any> = { ...mailbox };

      for (const section of SECRET_SECTIONS) {
        const settings = mailbox[section] as Record<string, any> | null | undefined;

        if (settings) {
          const { password, ...rest } = settings;
          output[section] = { ...rest, hasPassword: Boolean(password) };
        }
      }

      if (output.owner) {
        output.owner = { id: output.owner.id, username: output.owner.username, email: output.owner.email };
      }

      if (output.directAssignee) {
        output.directAssignee = { id: output.directAssignee.id, username: output.directAssignee.username };
      }

      return output;
    },

    /** Returns the plain IMAP password of a mailbox for a connection that is about to open. */
    imapPassword(mailbox: MailboxRecord): string {
      const encrypted = mailbox.imap?.password;

      if (!encrypted) {
        throw new Error(`Mailbox "${mailbox.name}" has no IMAP password. Enter one in its settings.`);
      }

      return secrets().decrypt(encrypted);
    },

    async recordHealth(kind: MailboxKind, id: number, health: { lastFetchAt: Date; lastSuccessAt?: Date; lastError?: string | null }) {
      const data: Record<string, unknown> = { lastFetchAt: health.lastFetchAt };

      if (health.lastSuccessAt) {
        data.lastSuccessAt = health.lastSuccessAt;
      }

      if (health.lastError !== undefined) {
        data.lastError = health.lastError;
        data.lastErrorAt = health.lastError ? health.lastFetchAt : null;
      }

      await strapi.db.query(mailboxUid(kind)).update({ where: { id }, data });
    },
  };
};

export default mailboxes;
