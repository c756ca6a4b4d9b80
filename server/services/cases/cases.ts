import type { Core } from '@strapi/strapi';

import { UIDS } from '../../utils/plugin-id';
import { FINISHED_STATUSES } from './distribution';

export const CASE_NUMBER_COUNTER = 'case-number';

export type StreamType = 'email-in' | 'email-out' | 'status' | 'assignment' | 'bounce' | 'linked-case';

export interface RecordLinkIds {
  contactDocumentId?: string | null;
  leadDocumentId?: string | null;
  accountDocumentId?: string | null;
}

const STREAM_FIELDS = ['id', 'type', 'data', 'createdAt'];

/**
 * Creates cases from emails and keeps their stream: every email in or out, status and assignment
 * changes, bounces. The assignee of a case follows it.
 */
const cases = ({ strapi }: { strapi: Core.Strapi }) => {
  const service = (name: string) => strapi.plugin('inbox').service(name);
  const query = () => strapi.db.query(UIDS.case);

  async function addStream(caseId: number, type: StreamType, data: Record<string, unknown> = {}, extra: { emailId?: number; userId?: number } = {}) {
    return strapi.db.query(UIDS.caseStreamEntry).create({
      data: { case: caseId, type, data, email: extra.emailId ?? null, user: extra.userId ?? null },
    });
  }

  async function followCase(userId: number, caseRow: { documentId: string }) {
    const follows = strapi.service('plugin::inbox.follows') as { follow: (userId: number, uid: string, documentId: string) => Promise<unknown> } | undefined;
    await follows?.follow(userId, UIDS.case, caseRow.documentId);
  }

  return {
    addStream,

    async findById(id: number) {
      return query().findOne({ where: { id }, populate: { assignee: { select: ['id', 'username', 'email'] }, groupMailbox: true, team: true } });
    },

    async openFromEmail(args: {
      email: Record<string, any>;
      mailbox: Record<string, any>;
      link?: RecordLinkIds | null;
      linkedCaseId?: number | null;
    }) {
      const { email, mailbox, link, linkedCaseId } = args;
      const assigneeId = await service('distribution').pickAssignee(mailbox);
      const number = await service('counters').next(CASE_NUMBER_COUNTER);
      const fileIds = (email.attachments ?? []).map((item: { fileId: number | null }) => item.fileId).filter(Boolean);

      const caseRow = await query().create({
        data: {
          number,
          title: (email.subject || '(no subject)').slice(0, 255),
          description: email.textBody ?? '',
          status: assigneeId ? 'Assigned' : 'New',
          groupMailbox: mailbox.id,
          team: mailbox.team?.id ?? null,
          assignee: assigneeId,
          customerAddress: email.fromAddress,
          customerName: email.fromName,
          contactDocumentId: link?.contactDocumentId ?? null,
          leadDocumentId: link?.leadDocumentId ?? null,
          accountDocumentId: link?.accountDocumentId ?? null,
          linkedCase: linkedCaseId ?? null,
          files: fileIds,
        },
      });

      await strapi.db.query(UIDS.email).update({ where: { id: email.id }, data: { case: caseRow.id } });
      await addStream(caseRow.id, 'email-in', { subject: email.subject, from: email.fromAddress, opened: true }, { emailId: email.id });

      if (linkedCaseId) {
        await addStream(caseRow.id, 'linked-case', { linkedCaseId });
        await addStream(linkedCaseId, 'linked-case', { linkedCaseId: caseRow.id });
      }

      if (assigneeId) {
        await addStream(caseRow.id, 'assignment', { assigneeId, method: mailbox.distribution ?? 'direct' });
        await followCase(assigneeId, caseRow);
      }

      strapi.log.info('[inbox] Case opened from email.', { caseId: caseRow.id, caseNumber: number, emailId: email.id, mailbox: mailbox.name, assigneeId });
      return caseRow;
    },

    /** Links an email to a case and records it in the stream. */
    async attachEmail(caseId: number, emailId: number, direction: 'in' | 'out') {
      const email = await strapi.db.query(UIDS.email).update({ where: { id: emailId }, data: { case: caseId } });
      await addStream(caseId, direction === 'in' ? 'email-in' : 'email-out', { subject: email?.subject, from: email?.fromAddress }, { emailId });
      return email;
    },

    async setStatus(caseId: number, status: string, options: { userId?: number; reason?: string } = {}) {
      const current = await query().findOne({ where: { id: caseId }, select: ['id', 'status'] });

      if (!current || current.status === status) {
        return current;
      }

      const updated = await query().update({
        where: { id: caseId },
        data: { status, closedAt: status === 'Closed' ? new Date() : null },
      });
      await addStream(caseId, 'status', { from: current.status, to: status, reason: options.reason ?? null }, { userId: options.userId });
      return updated;
    },

    async assign(caseId: number, assigneeId: number | null, options: { userId?: number } = {}) {
      const current = await query().findOne({ where: { id: caseId }, populate: { assignee: { select: ['id'] } } });

      if (!current) {
        return null;
      }

      const data: Record<string, unknown> = { assignee: assigneeId };

      if (assigneeId && current.status === 'New') {
        data.status = 'Assigned';
      }

      const updated = await query().update({ where: { id: caseId }, data });
      await addStream(caseId, 'assignment', { from: current.assignee?.id ?? null, to: assigneeId }, { userId: options.userId });

      if (assigneeId) {
        await followCase(assigneeId, current);
      }

      return updated;
    },

    isFinished(status: string) {
      return FINISHED_STATUSES.includes(status);
    },

    async stream(caseId: number) {
      return strapi.db.query(UIDS.caseStreamEntry).findMany({
        where: { case: { id: caseId } },
        select: STREAM_FIELDS,
        populate: {
          email: { select: ['id', 'messageId', 'subject', 'fromAddress', 'direction', 'classification', 'sentAt', 'status'] },
          user: { select: ['id', 'username'] },
        },
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      });
    },
  };
};

export default cases;
