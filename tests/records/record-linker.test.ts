import { startTestApp, type TestApp } from '../helpers/strapi';

let app: TestApp;
let emailCounter = 0;

const ACCOUNT = 'api::account.account';
const CONTACT = 'api::contact.contact';
const LEAD = 'api::lead.lead';
const OPPORTUNITY = 'api::opportunity.opportunity';

beforeAll(async () => {
  app = await startTestApp();
});

afterAll(async () => {
  await app?.stop();
});

function linker() {
  return app.strapi.plugin('inbox').service('recordLinker');
}

async function createRecord(uid: string, data: Record<string, unknown>) {
  return app.strapi.documents(uid as any).create({ data } as any);
}

async function createEmail(data: Record<string, unknown>) {
  emailCounter += 1;
  return app.strapi.db.query('plugin::inbox.email').create({
    data: { messageId: `linker-${emailCounter}@example.org`, subject: `Linker test ${emailCounter}`, direction: 'incoming', ...data },
  });
}

async function storedLink(emailId: number) {
  return app.strapi.db.query('plugin::inbox.email').findOne({ where: { id: emailId }, select: ['parentUid', 'parentDocumentId', 'accountDocumentId'] });
}

describe('linking emails to records', () => {
  test('contact with account links to the account', async () => {
    const account = await createRecord(ACCOUNT, { name: 'Acme' });
    const contact = await createRecord(CONTACT, { lastName: 'Ng', emailAddress: 'ann.ng@acme.example', account: account.documentId });
    const email = await createEmail({ fromAddress: 'ann.ng@acme.example' });

    const link = await linker().linkEmail(email, {});

    expect(link.parentUid).toBe(ACCOUNT);
    expect(link.parentDocumentId).toBe(account.documentId);
    expect(link.accountDocumentId).toBe(account.documentId);
    expect(link.contactDocumentId).toBe(contact.documentId);
    expect(link.leadDocumentId).toBeNull();

    const stored = await storedLink(email.id);
    expect(stored).toEqual({ parentUid: ACCOUNT, parentDocumentId: account.documentId, accountDocumentId: account.documentId });
  });

  test('contact without account is the parent', async () => {
    const contact = await createRecord(CONTACT, { lastName: 'Solo', emailAddress: 'solo@freelance.example' });
    const email = await createEmail({ fromAddress: 'solo@freelance.example' });

    const link = await linker().linkEmail(email, {});

    expect(link.parentUid).toBe(CONTACT);
    expect(link.parentDocumentId).toBe(contact.documentId);
    expect(link.accountDocumentId).toBeNull();
    expect(link.contactDocumentId).toBe(contact.documentId);
  });

  test('account address links to the account', async () => {
    const account = await createRecord(ACCOUNT, { name: 'Globex', emailAddress: 'info@globex.example' });
    const email = await createEmail({ fromAddress: 'info@globex.example' });

    const link = await linker().linkEmail(email, {});

    expect(link.parentUid).toBe(ACCOUNT);
    expect(link.parentDocumentId).toBe(account.documentId);
    expect(link.accountDocumentId).toBe(account.documentId);
    expect(link.contactDocumentId).toBeNull();
  });

  test('lead address links to the lead', async () => {
    const lead = await createRecord(LEAD, { lastName: 'Prospect', emailAddress: 'prospect@initech.example' });
    const email = await createEmail({ fromAddress: 'prospect@initech.example' });

    const link = await linker().linkEmail(email, {});

    expect(link.parentUid).toBe(LEAD);
    expect(link.parentDocumentId).toBe(lead.documentId);
    expect(link.leadDocumentId).toBe(lead.documentId);
    expect(link.accountDocumentId).toBeNull();
  });

  test('contact wins over account and lead', async () => {
    const account = await createRecord(ACCOUNT, { name: 'Shared address', emailAddress: 'shared@umbrella.example' });
    await createRecord(LEAD, { lastName: 'Shared', emailAddress: 'shared@umbrella.example' });
    const contact = await createRecord(CONTACT, { lastName: 'Shared', emailAddress: 'shared@umbrella.example', account: account.documentId });
    const email = await createEmail({ fromAddress: 'shared@umbrella.example' });

    const link = await linker().linkEmail(email, {});

    expect(link.contactDocumentId).toBe(contact.documentId);
    expect(link.parentDocumentId).toBe(account.documentId);
    expect(link.leadDocumentId).toBeNull();
  });

  test('unknown sender falls back to Reply-To', async () => {
    const lead = await createRecord(LEAD, { lastName: 'Replier', emailAddress: 'replies@hooli.example' });
    const email = await createEmail({
      fromAddress: 'noreply@mailer.example',
      replyTo: [{ address: 'replies@hooli.example', name: 'Hooli' }],
    });

    const link = await linker().linkEmail(email, {});

    expect(link.parentUid).toBe(LEAD);
    expect(link.parentDocumentId).toBe(lead.documentId);
  });

  test('sender comes before Reply-To', async () => {
    const senderLead = await createRecord(LEAD, { lastName: 'Sender', emailAddress: 'sender@order.example' });
    await createRecord(LEAD, { lastName: 'ReplyTo', emailAddress: 'replyto@order.example' });
    const email = await createEmail({ fromAddress: 'sender@order.example', replyTo: [{ address: 'replyto@order.example' }] });

    const link = await linker().linkEmail(email, {});

    expect(link.parentDocumentId).toBe(senderLead.documentId);
  });

  test('text field with several addresses matches one entry', async () => {
    const account = await createRecord(ACCOUNT, { name: 'Wayne' });
    const contact = await createRecord(CONTACT, {
      lastName: 'Wayne',
      emailAddress: 'bruce@wayne.example',
      otherEmailAddresses: 'b.wayne@wayne.example\nceo@wayne.example, night@wayne.example; Bruce <home@wayne.example>',
      account: account.documentId,
    });

    for (const address of ['ceo@wayne.example', 'night@wayne.example', 'home@wayne.example', 'b.wayne@wayne.example']) {
      const email = await createEmail({ fromAddress: address });
      const link = await linker().linkEmail(email, {});

      expect(link.contactDocumentId).toBe(contact.documentId);
      expect(link.accountDocumentId).toBe(account.documentId);
    }
  });

  test('text field does not match part of an address', async () => {
    await createRecord(CONTACT, { lastName: 'Joann', otherEmailAddresses: 'joann@partial.example' });
    const email = await createEmail({ fromAddress: 'ann@partial.example' });

    const link = await linker().linkEmail(email, {});

    expect(link.parentUid).toBeNull();
    expect(link.contactDocumentId).toBeNull();
  });

  test('matching ignores letter case', async () => {
    const contact = await createRecord(CONTACT, { lastName: 'Case', emailAddress: 'Mixed.Case@Stark.example', otherEmailAddresses: 'Second@STARK.example' });

    const upper = await linker().linkEmail(await createEmail({ fromAddress: 'MIXED.case@stark.EXAMPLE' }), {});
    expect(upper.contactDocumentId).toBe(contact.documentId);

    const listed = await linker().linkEmail(await createEmail({ fromAddress: 'second@stark.example' }), {});
    expect(listed.contactDocumentId).toBe(contact.documentId);
  });

  test('unknown address leaves the email unlinked', async () => {
    const email = await createEmail({ fromAddress: 'stranger@nowhere.example' });

    const link = await linker().linkEmail(email, {});

    expect(link).toEqual({ parentUid: null, parentDocumentId: null, accountDocumentId: null, contactDocumentId: null, leadDocumentId: null });
    expect(await storedLink(email.id)).toEqual({ parentUid: null, parentDocumentId: null, accountDocumentId: null });
  });

  test('reply inherits an Opportunity parent', async () => {
    const account = await createRecord(ACCOUNT, { name: 'Cyberdyne' });
    const opportunity = await createRecord(OPPORTUNITY, { name: 'Cyberdyne renewal', account: account.documentId });
    const contact = await createRecord(CONTACT, { lastName: 'Dyson', emailAddress: 'miles@cyberdyne.example', account: account.documentId });

    const first = await createEmail({
      direction: 'outgoing',
      fromAddress: 'sales@example.com',
      to: [{ address: 'miles@cyberdyne.example', name: 'Miles Dyson' }],
      parentUid: OPPORTUNITY,
      parentDocumentId: opportunity.documentId,
    });
    const firstLink = await linker().linkEmail(first, { direction: 'outgoing' });
    expect(firstLink.parentUid).toBe(OPPORTUNITY);
    expect(firstLink.accountDocumentId).toBe(account.documentId);

    const parentEmail = await app.strapi.db.query('plugin::inbox.email').findOne({ where: { id: first.id } });
    const reply = await createEmail({ fromAddress: 'miles@cyberdyne.example' });
    const link = await linker().linkEmail(reply, { parentEmail, direction: 'incoming' });

    expect(link.parentUid).toBe(OPPORTUNITY);
    expect(link.parentDocumentId).toBe(opportunity.documentId);
    expect(link.accountDocumentId).toBe(account.documentId);
    expect(link.contactDocumentId).toBe(contact.documentId);
    expect(await storedLink(reply.id)).toEqual({ parentUid: OPPORTUNITY, parentDocumentId: opportunity.documentId, accountDocumentId: account.documentId });
  });

  test('reply to an unlinked email matches addresses', async () => {
    const lead = await createRecord(LEAD, { lastName: 'Fresh', emailAddress: 'fresh@lead.example' });
    const parentEmail = await createEmail({ fromAddress: 'someone@else.example' });
    const reply = await createEmail({ fromAddress: 'fresh@lead.example' });

    const link = await linker().linkEmail(reply, { parentEmail });

    expect(link.parentUid).toBe(LEAD);
    expect(link.parentDocumentId).toBe(lead.documentId);
  });

  test('outgoing mail matches To, then Cc', async () => {
    const account = await createRecord(ACCOUNT, { name: 'Tyrell', emailAddress: 'orders@tyrell.example' });
    const lead = await createRecord(LEAD, { lastName: 'Copied', emailAddress: 'copied@tyrell.example' });

    const toFirst = await createEmail({
      direction: 'outgoing',
      fromAddress: 'support@example.com',
      to: [{ address: 'nobody@unknown.example' }, { address: 'ORDERS@tyrell.example' }],
      cc: [{ address: 'copied@tyrell.example' }],
    });
    const toLink = await linker().linkEmail(toFirst, { direction: 'outgoing' });
    expect(toLink.parentUid).toBe(ACCOUNT);
    expect(toLink.parentDocumentId).toBe(account.documentId);

    const ccOnly = await createEmail({
      direction: 'outgoing',
      fromAddress: 'orders@tyrell.example',
      to: [{ address: 'nobody@unknown.example' }],
      cc: [{ address: 'copied@tyrell.example' }],
    });
    const ccLink = await linker().linkEmail(ccOnly, { direction: 'outgoing' });
    expect(ccLink.parentUid).toBe(LEAD);
    expect(ccLink.parentDocumentId).toBe(lead.documentId);
  });

  test('record types left out of the setting are skipped', async () => {
    const account = await createRecord(ACCOUNT, { name: 'Soylent' });
    await createRecord(CONTACT, { lastName: 'Skipped', emailAddress: 'skipped@soylent.example', account: account.documentId });
    const lead = await createRecord(LEAD, { lastName: 'Kept', emailAddress: 'skipped@soylent.example' });
    const email = await createEmail({ fromAddress: 'skipped@soylent.example' });

    const records = app.strapi.config.get('plugin::inbox.records') as Record<string, unknown>;
    const { contact: _contact, account: _account, ...withoutContactAndAccount } = records;
    app.strapi.config.set('plugin::inbox.records', withoutContactAndAccount);

    try {
      const link = await linker().linkEmail(email, {});

      expect(link.parentUid).toBe(LEAD);
      expect(link.parentDocumentId).toBe(lead.documentId);
      expect(link.contactDocumentId).toBeNull();
      expect(link.accountDocumentId).toBeNull();
    } finally {
      app.strapi.config.set('plugin::inbox.records', records);
    }
  });

  test('unusable address field is ignored', async () => {
    const lead = await createRecord(LEAD, { lastName: 'Tolerant', emailAddress: 'tolerant@misconfigured.example' });
    const email = await createEmail({ fromAddress: 'tolerant@misconfigured.example' });

    const records = app.strapi.config.get('plugin::inbox.records') as Record<string, any>;
    const leadConfig = { ...records.lead, addressFields: ['noSuchField', 'lastName', 'status', 'emailAddress'] };
    app.strapi.config.set('plugin::inbox.records', { ...records, lead: leadConfig });

    try {
      const link = await linker().linkEmail(email, {});

      expect(link.parentUid).toBe(LEAD);
      expect(link.parentDocumentId).toBe(lead.documentId);
    } finally {
      app.strapi.config.set('plugin::inbox.records', records);
    }
  });
});
