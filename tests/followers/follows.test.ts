import request from 'supertest';

import { createApiUser } from '../helpers/auth';
import { startTestApp, type TestApp } from '../helpers/strapi';

let app: TestApp;

const FOLLOW_ACTIONS = ['plugin::inbox.follow.find', 'plugin::inbox.follow.create', 'plugin::inbox.follow.delete'];
const CASE = 'plugin::inbox.case';
const CONTACT = 'api::contact.contact';

beforeAll(async () => {
  app = await startTestApp();
});

afterAll(async () => {
  await app?.stop();
});

function server() {
  return app.strapi.server.httpServer;
}

function postFollow(jwt: string, body: Record<string, unknown>) {
  return request(server()).post('/api/inbox/follows').set('Authorization', `Bearer ${jwt}`).send(body);
}

function listFollows(jwt: string, query = '') {
  return request(server()).get(`/api/inbox/follows${query}`).set('Authorization', `Bearer ${jwt}`);
}

async function createCase(data: Record<string, unknown>) {
  return app.strapi.db.query(CASE).create({ data: { title: 'Printer on fire', ...data } });
}

describe('following through the content API', () => {
  test('follows an assigned case once, then unfollows', async () => {
    const agent = await createApiUser(app.strapi, FOLLOW_ACTIONS);
    const caseRow = await createCase({ assignee: agent.user.id });

    const first = await postFollow(agent.jwt, { targetUid: CASE, targetDocumentId: caseRow.documentId });
    expect(first.status).toBe(201);
    expect(first.body.data).toMatchObject({ targetUid: CASE, targetDocumentId: caseRow.documentId });

    const second = await postFollow(agent.jwt, { data: { targetUid: CASE, targetDocumentId: caseRow.documentId } });
    expect(second.status).toBe(201);
    expect(second.body.data.id).toBe(first.body.data.id);

    const listed = await listFollows(agent.jwt);
    expect(listed.status).toBe(200);
    expect(listed.body.data).toHaveLength(1);
    expect(listed.body.meta.pagination.total).toBe(1);

    const removed = await request(server()).delete(`/api/inbox/follows/${first.body.data.id}`).set('Authorization', `Bearer ${agent.jwt}`);
    expect(removed.status).toBe(200);
    expect((await listFollows(agent.jwt)).body.data).toHaveLength(0);
  });

  test('follows a case of own team', async () => {
    const member = await createApiUser(app.strapi, FOLLOW_ACTIONS);
    const team = await app.strapi.db.query('plugin::inbox.team').create({ data: { name: 'Billing', members: [member.user.id] } });
    const caseRow = await createCase({ team: team.id });

    const response = await postFollow(member.jwt, { targetUid: CASE, targetDocumentId: caseRow.documentId });

    expect(response.status).toBe(201);
  });

  test('rejects a case the user cannot see', async () => {
    const outsider = await createApiUser(app.strapi, FOLLOW_ACTIONS);
    const otherTeam = await app.strapi.db.query('plugin::inbox.team').create({ data: { name: 'Sales' } });
    const caseRow = await createCase({ team: otherTeam.id });

    const response = await postFollow(outsider.jwt, { targetUid: CASE, targetDocumentId: caseRow.documentId });

    expect(response.status).toBe(403);
    expect(response.body.error.message).toMatch(/assigned to you or to a team you belong to/);
    expect((await listFollows(outsider.jwt)).body.data).toHaveLength(0);
  });

  test('rejects an unconfigured content type', async () => {
    const agent = await createApiUser(app.strapi, [...FOLLOW_ACTIONS, 'plugin::users-permissions.user.findOne']);

    const response = await postFollow(agent.jwt, { targetUid: 'plugin::users-permissions.user', targetDocumentId: agent.user.documentId });

    expect(response.status).toBe(403);
    expect(response.body.error.message).toContain('Following "plugin::users-permissions.user" is not allowed');
    expect(response.body.error.message).toContain(CONTACT);
  });

  test('record follow needs the findOne permission', async () => {
    const contact = await app.strapi.documents(CONTACT).create({ data: { lastName: 'Followed', emailAddress: 'followed@acme.example' } });
    const withoutRead = await createApiUser(app.strapi, FOLLOW_ACTIONS);
    const withRead = await createApiUser(app.strapi, [...FOLLOW_ACTIONS, `${CONTACT}.findOne`]);

    const refused = await postFollow(withoutRead.jwt, { targetUid: CONTACT, targetDocumentId: contact.documentId });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toContain(`${CONTACT}.findOne`);

    const accepted = await postFollow(withRead.jwt, { targetUid: CONTACT, targetDocumentId: contact.documentId });
    expect(accepted.status).toBe(201);

    const filtered = await listFollows(withRead.jwt, `?targetUid=${encodeURIComponent(CONTACT)}&targetDocumentId=${contact.documentId}`);
    expect(filtered.body.data).toHaveLength(1);
  });

  test('missing record is not found', async () => {
    const agent = await createApiUser(app.strapi, [...FOLLOW_ACTIONS, `${CONTACT}.findOne`]);

    const response = await postFollow(agent.jwt, { targetUid: CONTACT, targetDocumentId: 'no-such-document' });

    expect(response.status).toBe(404);
  });

  test('missing body fields are a bad request', async () => {
    const agent = await createApiUser(app.strapi, FOLLOW_ACTIONS);

    const response = await postFollow(agent.jwt, { targetUid: CASE });

    expect(response.status).toBe(400);
    expect(response.body.error.message).toContain('targetDocumentId');
  });

  test('cannot delete or list another user\'s follow', async () => {
    const owner = await createApiUser(app.strapi, FOLLOW_ACTIONS);
    const other = await createApiUser(app.strapi, FOLLOW_ACTIONS);
    const caseRow = await createCase({ assignee: owner.user.id });
    const created = await postFollow(owner.jwt, { targetUid: CASE, targetDocumentId: caseRow.documentId });

    expect((await listFollows(other.jwt)).body.data).toHaveLength(0);

    const refused = await request(server()).delete(`/api/inbox/follows/${created.body.data.id}`).set('Authorization', `Bearer ${other.jwt}`);
    expect(refused.status).toBe(404);
    expect((await listFollows(owner.jwt)).body.data).toHaveLength(1);
  });

  test('anonymous requests are rejected', async () => {
    const response = await request(server()).get('/api/inbox/follows');

    expect([401, 403]).toContain(response.status);
  });
});

describe('follows service', () => {
  test('followerIds lists each user once', async () => {
    const follows = app.strapi.plugin('inbox').service('follows');
    const first = await createApiUser(app.strapi, []);
    const second = await createApiUser(app.strapi, []);

    await follows.follow(first.user.id, CONTACT, 'doc-a');
    await follows.follow(first.user.id, CONTACT, 'doc-b');
    await follows.follow(second.user.id, CONTACT, 'doc-b');
    await follows.follow(second.user.id, CONTACT, 'doc-b');

    const ids = await follows.followerIds([{ uid: CONTACT, documentId: 'doc-a' }, { uid: CONTACT, documentId: 'doc-b' }]);
    expect(ids.sort()).toEqual([first.user.id, second.user.id].sort());
    expect(await app.strapi.db.query('plugin::inbox.follow').count({ where: { user: { id: second.user.id } } })).toBe(1);

    expect(await follows.unfollow(first.user.id, CONTACT, 'doc-a')).toBe(true);
    expect(await follows.unfollow(first.user.id, CONTACT, 'doc-a')).toBe(false);
    expect(await follows.followerIds([{ uid: CONTACT, documentId: 'doc-a' }])).toEqual([]);
  });
});
