import type { Core } from '@strapi/strapi';

import type { RecordTypeConfig } from '../../config';
import { UIDS } from '../../utils/plugin-id';

export interface EmailAddressEntry {
  address: string;
  name?: string;
}

/** Row of `plugin::inbox.email` as `strapi.db.query` returns it, limited to the fields used here. */
export interface EmailRow {
  id: number;
  documentId: string;
  direction?: 'incoming' | 'outgoing' | null;
  fromAddress?: string | null;
  replyTo?: EmailAddressEntry[] | null;
  to?: EmailAddressEntry[] | null;
  cc?: EmailAddressEntry[] | null;
  parentUid?: string | null;
  parentDocumentId?: string | null;
  accountDocumentId?: string | null;
  contactDocumentId?: string | null;
  leadDocumentId?: string | null;
  /** Users & Permissions user who sent an outgoing email: an id, or the row when populated. */
  sentByUser?: number | { id: number } | null;
}

/** Site records that an email belongs to, as document ids of the configured content types. */
export interface RecordLink {
  parentUid: string | null;
  parentDocumentId: string | null;
  accountDocumentId: string | null;
  contactDocumentId: string | null;
  leadDocumentId: string | null;
}

export interface LinkOptions {
  /** The email that this one replies to, found by threading. */
  parentEmail?: EmailRow | null;
  direction?: 'incoming' | 'outgoing';
}

type RecordRole = 'account' | 'contact' | 'lead' | 'opportunity';

interface FoundRecord {
  documentId: string;
  accountDocumentId: string | null;
}

/** Field types that hold one address and are compared whole. */
const SINGLE_ADDRESS_TYPES = new Set(['email', 'string']);

/** Field types that hold a list of addresses separated by newlines, commas or semicolons. */
const ADDRESS_LIST_TYPES = new Set(['text']);

const ADDRESS_SEPARATORS = /[\s,;]+/;

const EMPTY_LINK: RecordLink = { parentUid: null, parentDocumentId: null, accountDocumentId: null, contactDocumentId: null, leadDocumentId: null };

function normalizeAddress(value: string | null | undefined) {
  return (value ?? '').trim().replace(/^<|>$/g, '').toLowerCase();
}

/** Splits an address list field into lower-case addresses. An entry such as `Name <a@b>` yields only `a@b`. */
function addressTokens(value: unknown): string[] {
  if (typeof value !== 'string') {
    return [];
  }

  return value.split(ADDRESS_SEPARATORS).map(normalizeAddress).filter(Boolean);
}

function entryAddresses(entries: EmailAddressEntry[] | null | undefined): string[] {
  return (entries ?? []).map((entry) => entry?.address ?? '');
}

/** Returns the distinct addresses to match, in the order that decides the parent. */
function candidateAddresses(email: EmailRow, direction: 'incoming' | 'outgoing'): string[] {
  const ordered = direction === 'outgoing'
    ? [...entryAddresses(email.to), ...entryAddresses(email.cc)]
    : [email.fromAddress ?? '', ...entryAddresses(email.replyTo)];

  return [...new Set(ordered.map(normalizeAddress).filter(Boolean))];
}

function documentIdOf(value: unknown): string | null {
  if (value && typeof value === 'object' && 'documentId' in value) {
    return (value as { documentId: string }).documentId ?? null;
  }

  return null;
}

/**
 * Links an email to the site's own records (Account, Contact, Lead, Opportunity), which the
 * plugin's `records` setting names. Record types that the setting leaves out are skipped.
 */
const recordLinker = ({ strapi }: { strapi: Core.Strapi }) => {
  // Keys of configuration problems already logged, so each is logged once per app start.
  const warned = new Set<string>();

  function warnOnce(key: string, message: string, details: Record<string, unknown>) {
    if (!warned.has(key)) {
      warned.add(key);
      strapi.log.warn(message, details);
    }
  }

  function recordConfig(role: RecordRole): RecordTypeConfig | null {
    const records = (strapi.plugin('inbox').config('records') ?? {}) as Partial<Record<RecordRole, RecordTypeConfig>>;
    const config = records[role];

    if (!config) {
      return null;
    }

    if (!strapi.contentType(config.uid as any)) {
      warnOnce(`uid:${role}`, '[inbox] Emails are not linked to this record type because its content type does not exist. Fix the uid in the plugin setting "records".', { role, uid: config.uid });
      return null;
    }

    return config;
  }

  /** Returns the configured address fields with their types, or every `email` attribute when `addressFields` is not set. */
  function addressFieldsOf(config: RecordTypeConfig): { name: string; type: string }[] {
    const attributes = strapi.contentType(config.uid as any).attributes as Record<string, { type: string }>;
    const names = config.addressFields ?? Object.keys(attributes).filter((name) => attributes[name].type === 'email');
    const usable = (name: string) => Boolean(attributes[name]) && (SINGLE_ADDRESS_TYPES.has(attributes[name].type) || ADDRESS_LIST_TYPES.has(attributes[name].type));

    for (const name of names.filter((item) => !usable(item))) {
      warnOnce(`field:${config.uid}.${name}`, '[inbox] An address field in the plugin setting "records" is missing or is not an email, string or text field, so it is ignored.', { uid: config.uid, field: name, type: attributes[name]?.type ?? null });
    }

    return names.filter(usable).map((name) => ({ name, type: attributes[name].type }));
  }

  /**
   * Finds the oldest record of a type with the address in one of its address fields. A `text`
   * field matches only when the address is one of its whole entries, so `ann@example.com` does
   * not match `joann@example.com`.
   */
  async function findByAddress(config: RecordTypeConfig, address: string): Promise<FoundRecord | null> {
    const fields = addressFieldsOf(config);

    if (fields.length === 0) {
      return null;
    }

    const filters = {
      $or: fields.map((field) => ({ [field.name]: SINGLE_ADDRESS_TYPES.has(field.type) ? { $eqi: address } : { $containsi: address } })),
    };
    const populate = config.accountField ? { [config.accountField]: { fields: ['documentId'] } } : undefined;

    const rows = await strapi.documents(config.uid as any).findMany({
      filters,
      fields: fields.map((field) => field.name) as any,
      populate: populate as any,
      sort: 'id:asc',
    } as any);

    const match = (rows as Record<string, unknown>[]).find((row) => fields.some((field) => (
      SINGLE_ADDRESS_TYPES.has(field.type)
        ? normalizeAddress(row[field.name] as string | null) === address
        : addressTokens(row[field.name]).includes(address)
    )));

    if (!match) {
      return null;
    }

    return {
      documentId: match.documentId as string,
      accountDocumentId: config.accountField ? documentIdOf(match[config.accountField]) : null,
    };
  }

  /**
   * Matches one address against a Contact first, then an Account, then a Lead. A Contact that
   * belongs to an Account makes that Account the parent and is returned as the contact.
   */
  async function linkByAddress(address: string): Promise<RecordLink | null> {
    const contactConfig = recordConfig('contact');
    const contact = contactConfig ? await findByAddress(contactConfig, address) : null;
    const accountConfig = recordConfig('account');

    if (contactConfig && contact) {
      const parentIsAccount = Boolean(contact.accountDocumentId && accountConfig);

      return {
        ...EMPTY_LINK,
        parentUid: parentIsAccount ? accountConfig!.uid : contactConfig.uid,
        parentDocumentId: parentIsAccount ? contact.accountDocumentId : contact.documentId,
        accountDocumentId: contact.accountDocumentId,
        contactDocumentId: contact.documentId,
      };
    }

    const account = accountConfig ? await findByAddress(accountConfig, address) : null;

    if (accountConfig && account) {
      return { ...EMPTY_LINK, parentUid: accountConfig.uid, parentDocumentId: account.documentId, accountDocumentId: account.documentId };
    }

    const leadConfig = recordConfig('lead');
    const lead = leadConfig ? await findByAddress(leadConfig, address) : null;

    if (leadConfig && lead) {
      return { ...EMPTY_LINK, parentUid: leadConfig.uid, parentDocumentId: lead.documentId, leadDocumentId: lead.documentId };
    }

    return null;
  }

  /** Reads the Account of a parent record: the record itself for an Account, else its `accountField`. */
  async function accountOfParent(parentUid: string, parentDocumentId: string): Promise<string | null> {
    const accountConfig = recordConfig('account');

    if (accountConfig && parentUid === accountConfig.uid) {
      return parentDocumentId;
    }

    const roles: RecordRole[] = ['contact', 'opportunity', 'lead'];
    const config = roles.map(recordConfig).find((item) => item?.uid === parentUid);

    if (!config?.accountField) {
      return null;
    }

    const record = await strapi.documents(config.uid as any).findOne({
      documentId: parentDocumentId,
      populate: { [config.accountField]: { fields: ['documentId'] } },
    } as any);

    return record ? documentIdOf((record as Record<string, unknown>)[config.accountField]) : null;
  }

  /** Builds the link to a known parent, keeping a given Account or reading it from the parent. */
  async function linkToParent(parentUid: string, parentDocumentId: string, accountDocumentId: string | null | undefined): Promise<RecordLink> {
    return {
      ...EMPTY_LINK,
      parentUid,
      parentDocumentId,
      accountDocumentId: accountDocumentId ?? await accountOfParent(parentUid, parentDocumentId),
    };
  }

  async function firstAddressLink(email: EmailRow, direction: 'incoming' | 'outgoing'): Promise<RecordLink | null> {
    for (const address of candidateAddresses(email, direction)) {
      const link = await linkByAddress(address);

      if (link) {
        return link;
      }
    }

    return null;
  }

  return {
    /**
     * Finds the records an email belongs to, stores its parent and Account on the email row and
     * returns the link.
     *
     * The parent is the first of these that exists. First comes a parent already set on the
     * email, such as an outgoing email written on a record. Next comes the parent of the email it
     * replies to, so a reply to mail about an Opportunity stays on that Opportunity. Last comes
     * the first address that matches.
     * Incoming mail matches the sender, then Reply-To. Outgoing mail matches To, then Cc. The
     * Contact or Lead of the first matching address is returned even when the parent is
     * inherited, so a case can name its customer.
     */
    async linkEmail(email: EmailRow, options: LinkOptions = {}): Promise<RecordLink> {
      const direction = options.direction ?? email.direction ?? 'incoming';
      const parentEmail = options.parentEmail ?? null;
      const byAddress = await firstAddressLink(email, direction);

      let link: RecordLink;

      if (email.parentUid && email.parentDocumentId) {
        link = await linkToParent(email.parentUid, email.parentDocumentId, email.accountDocumentId);
      } else if (parentEmail?.parentUid && parentEmail.parentDocumentId) {
        link = await linkToParent(parentEmail.parentUid, parentEmail.parentDocumentId, parentEmail.accountDocumentId);
      } else {
        link = byAddress ?? { ...EMPTY_LINK };
      }

      link.contactDocumentId = byAddress?.contactDocumentId ?? null;
      link.leadDocumentId = byAddress?.leadDocumentId ?? null;

      await strapi.db.query(UIDS.email).update({
        where: { id: email.id },
        data: {
          parentUid: link.parentUid,
          parentDocumentId: link.parentDocumentId,
          accountDocumentId: link.accountDocumentId,
          contactDocumentId: link.contactDocumentId,
          leadDocumentId: link.leadDocumentId,
        },
      });

      strapi.log.debug('[inbox] Linked email to records.', { emailId: email.id, ...link });
      return link;
    },
  };
};

export default recordLinker;
