import type { Core } from '@strapi/strapi';
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'crypto';

import { normalizeMessageId } from '../parse/message-id';

/** Hex digits of HMAC kept in a Message-ID (64 bits) and in a subject token (32 bits). */
const MESSAGE_ID_SIGNATURE_LENGTH = 16;
const TOKEN_SIGNATURE_LENGTH = 8;

const OWN_MESSAGE_ID = /^inbox\.c([0-9a-z]+)\.([0-9a-f]{12})\.([0-9a-f]{16})@/;
const SUBJECT_TOKEN = /\[#(\d{1,9})(?:-([0-9a-f]{8}))?\]/i;

export interface SubjectToken {
  caseNumber: number;
  signed: boolean;
  valid: boolean;
}

function safeEqual(a: string, b: string) {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Signs and verifies the plugin's own Message-IDs and case subject tokens with an HMAC keyed by a
 * server secret. A customer's reply then threads back to its case even when the first message was
 * deleted, and a stranger cannot forge a reference to someone else's case. The key comes from the
 * plugin's `signingSecret` setting, or else from the app's ENCRYPTION_KEY.
 */
const signatures = ({ strapi }: { strapi: Core.Strapi }) => {
  function key(): Buffer {
    const configured = strapi.plugin('inbox').config('signingSecret') as string | undefined;
    const base = configured || (strapi.config.get('admin.secrets.encryptionKey') as string | undefined);

    if (!base) {
      throw new Error('No secret to sign Message-IDs: set ENCRYPTION_KEY (admin.secrets.encryptionKey) or the inbox plugin setting "signingSecret".');
    }

    return createHash('sha256').update(`inbox-signatures:${base}`).digest();
  }

  function sign(text: string, length: number) {
    return createHmac('sha256', key()).update(text).digest('hex').slice(0, length);
  }

  return {
    /** Creates a Message-ID (without angle brackets) that names the case, for mail the plugin sends. */
    createMessageId(caseId: number | null, domain: string): string {
      const casePart = (caseId ?? 0).toString(36);
      const nonce = randomBytes(6).toString('hex');
      const signature = sign(`${casePart}.${nonce}`, MESSAGE_ID_SIGNATURE_LENGTH);
      return `inbox.c${casePart}.${nonce}.${signature}@${domain}`;
    },

    /** Returns the case id named by one of our own Message-IDs, 0 for one without a case, or null when not ours. */
    verifyMessageId(messageId: string | null | undefined): number | null {
      const id = normalizeMessageId(messageId ?? null);
      const match = id?.match(OWN_MESSAGE_ID);

      if (!match) {
        return null;
      }

      const [, casePart, nonce, signature] = match;

      if (!safeEqual(signature, sign(`${casePart}.${nonce}`, MESSAGE_ID_SIGNATURE_LENGTH))) {
        return null;
      }

      return parseInt(casePart, 36);
    },

    /** Formats the subject token of a case, such as `[#123-1a2b3c4d]`. */
    subjectToken(caseNumber: number): string {
      return `[#${caseNumber}-${sign(`case-token.${caseNumber}`, TOKEN_SIGNATURE_LENGTH)}]`;
    },

    /** Finds a case token in a subject; `valid` is true only for a correctly signed token. */
    parseSubjectToken(subject: string | null | undefined): SubjectToken | null {
      const match = (subject ?? '').match(SUBJECT_TOKEN);

      if (!match) {
        return null;
      }

      const caseNumber = Number(match[1]);
      const signature = match[2]?.toLowerCase();

      if (!signature) {
        return { caseNumber, signed: false, valid: false };
      }

      return { caseNumber, signed: true, valid: safeEqual(signature, sign(`case-token.${caseNumber}`, TOKEN_SIGNATURE_LENGTH)) };
    },
  };
};

export default signatures;
