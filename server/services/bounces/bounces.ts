import type { Core } from '@strapi/strapi';

import { UIDS } from '../../utils/plugin-id';
import type { DsnRecipient, DsnReport } from '../parse/dsn';
import { flagAddress } from './flagged-addresses';

export interface BounceOutcome {
  caseId: number | null;
  originalEmailId: number | null;
}

/** Returns true when delivery to the recipient failed for good: Action `failed`, or a 5.x.x status without an action. */
function hasFailed(recipient: DsnRecipient) {
  return recipient.action === 'failed' || (!recipient.action && Boolean(recipient.status?.startsWith('5')));
}

function describeRecipients(recipients: DsnRecipient[], reportingMta: string | null) {
  const parts = recipients.map((recipient) => {
    const detail = [recipient.status, recipient.diagnosticCode].filter(Boolean).join(' ');
    return `${recipient.address} (${recipient.action ?? 'failed'}${detail ? `: ${detail}` : ''})`;
  });

  return `Bounced: ${parts.join('; ')}${reportingMta ? `, reported by ${reportingMta}` : ''}.`;
}

/**
 * Handles an incoming email classified as a bounce. Flags the addresses that failed and finds the
 * message it returns. The plugin's signed Message-ID names the case even when that message is no
 * longer stored; other Message-IDs are looked up among stored emails. The bounce is noted on the
 * original and in the case's stream, and the case is returned, so the pipeline attaches the
 * bounce there instead of opening a case for it.
 */
const bounces = ({ strapi }: { strapi: Core.Strapi }) => {
  const service = (name: string) => strapi.plugin('inbox').service(name);

  async function findOriginal(ids: string[]) {
    for (const id of ids) {
      const signedCaseId: number | null = service('signatures').verifyMessageId(id);
      const stored = await strapi.db.query(UIDS.email).findOne({
        where: { messageId: id },
        populate: { case: { select: ['id'] } },
        orderBy: { id: 'asc' },
      });
      const signedCase = signedCaseId ? await strapi.db.query(UIDS.case).findOne({ where: { id: signedCaseId }, select: ['id'] }) : null;

      if (stored || signedCase) {
        return { email: stored, caseId: (signedCase?.id as number | undefined) ?? stored?.case?.id ?? null };
      }
    }

    return { email: null, caseId: null };
  }

  async function noteOnCase(caseId: number, bounceEmailId: number, data: Record<string, unknown>) {
    const existing = await strapi.db.query(UIDS.caseStreamEntry).count({ where: { case: { id: caseId }, type: 'bounce', email: { id: bounceEmailId } } });

    if (!existing) {
      await service('cases').addStream(caseId, 'bounce', data, { emailId: bounceEmailId });
    }
  }

  return {
    async handle(email: Record<string, any>): Promise<BounceOutcome> {
      const dsn: DsnReport | null = email.autoHeaders?.dsn ?? null;
      const recipients = dsn?.recipients ?? [];
      const failed = recipients.filter(hasFailed);

      for (const recipient of failed) {
        await flagAddress(strapi, recipient, email.id);
      }

      const candidateIds = [dsn?.originalMessageId, email.inReplyTo, ...[...(email.references ?? [])].reverse()].filter((id): id is string => Boolean(id));
      const original = await findOriginal([...new Set(candidateIds)]);
      const note = describeRecipients(recipients, dsn?.reportingMta ?? null);

      if (original.email) {
        await strapi.db.query(UIDS.email).update({ where: { id: email.id }, data: { bounceOf: original.email.id } });

        if (original.email.direction === 'outgoing' && recipients.length) {
          await strapi.db.query(UIDS.email).update({ where: { id: original.email.id }, data: { sendError: note.slice(0, 4000) } });
        }
      }

      if (original.caseId) {
        await noteOnCase(original.caseId, email.id, {
          originalEmailId: original.email?.id ?? null,
          originalMessageId: dsn?.originalMessageId ?? null,
          reportingMta: dsn?.reportingMta ?? null,
          recipients: recipients.map(({ address, action, status, diagnosticCode }) => ({ address, action, status, diagnosticCode })),
        });
      }

      strapi.log.info('[inbox] Bounce handled.', {
        emailId: email.id,
        caseId: original.caseId,
        originalEmailId: original.email?.id ?? null,
        flagged: failed.map((recipient) => recipient.address),
      });

      return { caseId: original.caseId, originalEmailId: original.email?.id ?? null };
    },
  };
};

export default bounces;
