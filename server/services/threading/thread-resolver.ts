import type { Core } from '@strapi/strapi';

import { UIDS } from '../../utils/plugin-id';

export interface ThreadInput {
  emailId: number;
  subject: string;
  fromAddress: string | null;
  inReplyTo: string | null;
  references: string[];
}

export interface ThreadMatch {
  caseId: number | null;
  via: 'own-message-id' | 'references' | 'subject-token' | null;
  /** The newest stored email that this one replies to, for record inheritance; null when none is stored. */
  parentEmail: Record<string, any> | null;
  /** A subject token named a case but was rejected: unsigned, and the sender takes no part in the case. */
  tokenRejected: boolean;
}

/** Emails of a case read to decide whether a sender takes part in it. */
const PARTICIPANT_SCAN_LIMIT = 500;

/**
 * Finds the case that an incoming email belongs to, in this order: the plugin's own signed
 * Message-IDs in In-Reply-To and References, then every ID there (newest first) looked up among
 * stored emails, then a subject token. An unsigned token counts only when the sender already
 * takes part in the case, because case numbers are easy to guess.
 */
const threadResolver = ({ strapi }: { strapi: Core.Strapi }) => {
  const signatures = () => strapi.plugin('inbox').service('signatures');

  async function caseExists(id: number) {
    return Boolean(await strapi.db.query(UIDS.case).findOne({ where: { id }, select: ['id'] }));
  }

  async function takesPart(caseRow: { id: number; customerAddress?: string | null }, address: string | null) {
    if (!address) {
      return false;
    }

    const sender = address.toLowerCase();

    if (caseRow.customerAddress?.toLowerCase() === sender) {
      return true;
    }

    const emails = await strapi.db.query(UIDS.email).findMany({
      where: { case: { id: caseRow.id } },
      select: ['fromAddress', 'to', 'cc'],
      limit: PARTICIPANT_SCAN_LIMIT,
    });

    return emails.some((email: any) => {
      const addresses = [email.fromAddress, ...(email.to ?? []).map((item: any) => item.address), ...(email.cc ?? []).map((item: any) => item.address)];
      return addresses.some((item) => item?.toLowerCase() === sender);
    });
  }

  return {
    async resolve(input: ThreadInput): Promise<ThreadMatch> {
      const match: ThreadMatch = { caseId: null, via: null, parentEmail: null, tokenRejected: false };
      const ids = [...new Set([input.inReplyTo, ...[...input.references].reverse()].filter((id): id is string => Boolean(id)))];

      for (const id of ids) {
        const caseId = signatures().verifyMessageId(id);

        if (caseId && (await caseExists(caseId))) {
          match.caseId = caseId;
          match.via = 'own-message-id';
          break;
        }
      }

      for (const id of ids) {
        const parent = await strapi.db.query(UIDS.email).findOne({
          where: { messageId: id, id: { $ne: input.emailId } },
          populate: { case: { select: ['id'] } },
          orderBy: { id: 'asc' },
        });

        if (!parent) {
          continue;
        }

        match.parentEmail = match.parentEmail ?? parent;

        if (!match.caseId && parent.case) {
          match.caseId = parent.case.id;
          match.via = 'references';
        }

        if (match.caseId) {
          break;
        }
      }

      if (match.caseId) {
        return match;
      }

      const token = signatures().parseSubjectToken(input.subject);

      if (!token) {
        return match;
      }

      const caseRow = await strapi.db.query(UIDS.case).findOne({ where: { number: token.caseNumber }, select: ['id', 'customerAddress'] });

      if (!caseRow) {
        return match;
      }

      if (token.valid || (!token.signed && (await takesPart(caseRow, input.fromAddress)))) {
        match.caseId = caseRow.id;
        match.via = 'subject-token';
      } else {
        match.tokenRejected = true;
        strapi.log.warn('[inbox] Case token in subject rejected: not signed and the sender takes no part in the case.', {
          emailId: input.emailId,
          caseId: caseRow.id,
          signed: token.signed,
        });
      }

      return match;
    },
  };
};

export default threadResolver;
