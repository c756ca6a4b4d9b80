import type { Core } from '@strapi/strapi';

import { UIDS } from '../../utils/plugin-id';
import { classifyMessage, type MessageClass } from '../classify/classify-message';
import type { MailboxRef } from '../mailbox/types';

export interface ProcessResult {
  classification: MessageClass;
  caseId: number | null;
  caseOpened: boolean;
  notified: number;
  autoReply: { sent: boolean; reason: string } | null;
}

/** Unprocessed emails taken per fetch run. */
const PENDING_LIMIT = 50;

/**
 * Acts on an archived incoming email: classifies it, links it to the site's records, joins it to
 * its case or opens one, notifies followers and hands it to the auto-responder. It works from the
 * stored row, so an email whose processing failed is processed again by a later fetch run.
 */
const processEmail = ({ strapi }: { strapi: Core.Strapi }) => {
  const service = (name: string) => strapi.plugin('inbox').service(name);
  // Services that other parts of the plugin add; each step is skipped where its service is absent.
  const optional = (name: string) => (strapi.service(`plugin::inbox.${name}`) ? service(name) : null);

  async function loadEmail(id: number) {
    return strapi.db.query(UIDS.email).findOne({ where: { id }, populate: { case: { select: ['id'] } } });
  }

  async function ownAddresses() {
    const mailboxes = await strapi.db.query(UIDS.groupMailbox).findMany({ select: ['emailAddress'] });
    return new Set<string>(mailboxes.map((mailbox: { emailAddress: string }) => mailbox.emailAddress.toLowerCase()));
  }

  async function loadGroupMailbox(id: number | null | undefined) {
    if (!id) {
      return null;
    }

    return strapi.db.query(UIDS.groupMailbox).findOne({
      where: { id },
      populate: { imap: true, smtp: true, team: true, directAssignee: { select: ['id', 'blocked'] } },
    });
  }

  async function classify(email: Record<string, any>): Promise<MessageClass> {
    const addresses = await ownAddresses();

    return classifyMessage(
      {
        messageId: email.messageId,
        subject: email.subject ?? '',
        from: email.fromAddress ? { address: email.fromAddress, name: email.fromName ?? '' } : null,
        automationHeaders: email.autoHeaders ?? {},
      },
      { ownAddresses: addresses, isOwnMessageId: (id) => service('signatures').verifyMessageId(id) !== null },
    );
  }

  /** Applies the closed-case policy of the case's mailbox to normal mail that arrives on a finished case. */
  async function handleFinishedCase(caseRow: Record<string, any>, email: Record<string, any>, link: any) {
    const caseMailbox = await loadGroupMailbox(caseRow.groupMailbox?.id);

    if (caseMailbox?.closedCasePolicy === 'new-linked') {
      const opened = await service('cases').openFromEmail({ email, mailbox: caseMailbox, link, linkedCaseId: caseRow.id });
      return { caseRow: opened, caseOpened: true, mailbox: caseMailbox };
    }

    await service('cases').setStatus(caseRow.id, caseRow.assignee ? 'Assigned' : 'New', { reason: 'new mail on a finished case' });
    return { caseRow: await service('cases').findById(caseRow.id), caseOpened: false, mailbox: caseMailbox };
  }

  return {
    async process(emailId: number, mailboxRef: MailboxRef): Promise<ProcessResult | null> {
      let email = await loadEmail(emailId);

      if (!email || email.processedAt) {
        return null;
      }

      const classification = await classify(email);
      await strapi.db.query(UIDS.email).update({ where: { id: emailId }, data: { classification } });

      const thread = await service('threadResolver').resolve({
        emailId,
        subject: email.subject ?? '',
        fromAddress: email.fromAddress,
        inReplyTo: email.inReplyTo,
        references: email.references ?? [],
      });

      const link = (await optional('recordLinker')?.linkEmail(email, { parentEmail: thread.parentEmail, direction: 'incoming' })) ?? null;
      let mailbox = mailboxRef.kind === 'group' ? await loadGroupMailbox(mailboxRef.id) : null;
      let caseRow: Record<string, any> | null = null;
      let caseOpened = false;

      if (classification === 'bounce' && optional('bounces')) {
        const bounce = await service('bounces').handle(email);

        if (bounce.caseId) {
          await strapi.db.query(UIDS.email).update({ where: { id: emailId }, data: { case: bounce.caseId } });
          caseRow = await service('cases').findById(bounce.caseId);
        }
      } else if (thread.caseId) {
        caseRow = await service('cases').findById(thread.caseId);
        await service('cases').attachEmail(thread.caseId, emailId, 'in');

        if (classification === 'normal' && service('cases').isFinished(caseRow!.status)) {
          const outcome = await handleFinishedCase(caseRow!, email, link);
          caseRow = outcome.caseRow;
          caseOpened = outcome.caseOpened;
          mailbox = mailbox ?? outcome.mailbox;
        }
      } else if (mailbox?.caseEnabled && classification === 'normal') {
        caseRow = await service('cases').openFromEmail({ email, mailbox, link });
        caseOpened = true;
      }

      email = await loadEmail(emailId);
      const notified = (await optional('notifier')?.notifyNewEmail(email, { caseRow })) ?? 0;

      let autoReply: ProcessResult['autoReply'] = null;

      if (mailbox && optional('autoReply')) {
        autoReply = await service('autoReply').onIncoming({ email, classification, mailbox, caseRow, caseOpened });
      }

      await strapi.db.query(UIDS.email).update({ where: { id: emailId }, data: { processedAt: new Date(), processingError: null } });
      return { classification, caseId: caseRow?.id ?? null, caseOpened, notified, autoReply };
    },

    /** Runs `process` and records a failure on the email instead of throwing. */
    async processSafely(emailId: number, mailboxRef: MailboxRef) {
      try {
        return await this.process(emailId, mailboxRef);
      } catch (error) {
        const message = (error as Error).message;
        strapi.log.error('[inbox] Processing an archived email failed; a later fetch run retries it.', { emailId, mailboxKind: mailboxRef.kind, mailboxId: mailboxRef.id, error: message });
        await strapi.db.query(UIDS.email).update({ where: { id: emailId }, data: { processingError: message.slice(0, 4000) } });
        return null;
      }
    },

    /** Processes the stored incoming emails of a mailbox that earlier runs could not finish. */
    async processPending(mailboxRef: MailboxRef): Promise<number> {
      const relation = mailboxRef.kind === 'group' ? 'groupMailboxes' : 'personalMailboxes';
      const pending = await strapi.db.query(UIDS.email).findMany({
        where: { direction: 'incoming', processedAt: { $null: true }, [relation]: { id: mailboxRef.id } },
        select: ['id'],
        orderBy: { id: 'asc' },
        limit: PENDING_LIMIT,
      });

      let processed = 0;

      for (const row of pending) {
        if (await this.processSafely(row.id, mailboxRef)) {
          processed += 1;
        }
      }

      return processed;
    },
  };
};

export default processEmail;
