import { appendMessages } from '../../scripts/lib/dovecot';
import { casesOfMailbox, createTeam } from '../helpers/cases';
import { createGroupMailbox, fetchGroup } from '../helpers/inbox';
import { buildMessages } from '../helpers/mail';
import { useMailStack } from '../helpers/mail-stack';

const stack = useMailStack();

function countByAssignee(cases: any[]) {
  const counts: Record<string, number> = {};

  for (const caseRow of cases) {
    const key = caseRow.assignee?.username ?? 'unassigned';
    counts[key] = (counts[key] ?? 0) + 1;
  }

  return counts;
}

describe('case distribution', () => {
  test('round-robin gives nine cases to three users, three each', async () => {
    const { team } = await createTeam(stack.app.strapi, 'Round robin', [{ username: 'rr-ani' }, { username: 'rr-budi' }, { username: 'rr-citra' }]);
    const { mailbox, imapLogin } = await createGroupMailbox(stack.app.strapi, stack.dovecot, { caseEnabled: true, distribution: 'round-robin', team: team.id });
    await appendMessages({ ...imapLogin, messages: await buildMessages(9, 'Round robin case') });

    await fetchGroup(stack.app.strapi, mailbox.id);

    const cases = await casesOfMailbox(stack.app.strapi, mailbox.id);
    expect(cases).toHaveLength(9);
    expect(countByAssignee(cases)).toEqual({ 'rr-ani': 3, 'rr-budi': 3, 'rr-citra': 3 });
    expect(cases.slice(0, 3).map((caseRow: any) => caseRow.assignee.username)).toEqual(['rr-ani', 'rr-budi', 'rr-citra']);
  });

  test('round-robin stays fair when two fetch runs create cases at once', async () => {
    const { team } = await createTeam(stack.app.strapi, 'Concurrent robin', [{ username: 'cr-dewi' }, { username: 'cr-eko' }, { username: 'cr-fajar' }]);
    const first = await createGroupMailbox(stack.app.strapi, stack.dovecot, { caseEnabled: true, distribution: 'round-robin', team: team.id });
    const second = await createGroupMailbox(stack.app.strapi, stack.dovecot, { caseEnabled: true, distribution: 'round-robin', team: team.id });
    await appendMessages({ ...first.imapLogin, messages: await buildMessages(5, 'Concurrent first') });
    await appendMessages({ ...second.imapLogin, messages: await buildMessages(4, 'Concurrent second') });

    await Promise.all([fetchGroup(stack.app.strapi, first.mailbox.id), fetchGroup(stack.app.strapi, second.mailbox.id)]);

    const cases = [...(await casesOfMailbox(stack.app.strapi, first.mailbox.id)), ...(await casesOfMailbox(stack.app.strapi, second.mailbox.id))];
    expect(cases).toHaveLength(9);
    expect(countByAssignee(cases)).toEqual({ 'cr-dewi': 3, 'cr-eko': 3, 'cr-fajar': 3 });
  });

  test('round-robin skips inactive users', async () => {
    const { team } = await createTeam(stack.app.strapi, 'With a blocked user', [{ username: 'in-gita' }, { username: 'in-hadi', blocked: true }, { username: 'in-indah' }]);
    const { mailbox, imapLogin } = await createGroupMailbox(stack.app.strapi, stack.dovecot, { caseEnabled: true, distribution: 'round-robin', team: team.id });
    await appendMessages({ ...imapLogin, messages: await buildMessages(4, 'Skip inactive') });

    await fetchGroup(stack.app.strapi, mailbox.id);

    expect(countByAssignee(await casesOfMailbox(stack.app.strapi, mailbox.id))).toEqual({ 'in-gita': 2, 'in-indah': 2 });
  });

  test('least-busy picks the user with the fewest open cases', async () => {
    const { team, users } = await createTeam(stack.app.strapi, 'Least busy', [{ username: 'lb-joko' }, { username: 'lb-kartika' }, { username: 'lb-lestari' }]);
    const [joko, kartika, lestari] = users;
    const caseQuery = stack.app.strapi.db.query('plugin::inbox.case');

    // joko: two open cases; kartika: one open and three closed; lestari: one open.
    for (const [assignee, status] of [[joko, 'Assigned'], [joko, 'Pending'], [kartika, 'Assigned'], [kartika, 'Closed'], [kartika, 'Rejected'], [kartika, 'Duplicate'], [lestari, 'New']] as const) {
      await caseQuery.create({ data: { title: 'Existing work', status, assignee: assignee.id, team: team.id } });
    }

    const { mailbox, imapLogin } = await createGroupMailbox(stack.app.strapi, stack.dovecot, { caseEnabled: true, distribution: 'least-busy', team: team.id });
    await appendMessages({ ...imapLogin, messages: await buildMessages(3, 'Least busy case') });
    await fetchGroup(stack.app.strapi, mailbox.id);

    // kartika and lestari tie at one open case: the lower user id wins, then the other, then any of three at two.
    const assignees = (await casesOfMailbox(stack.app.strapi, mailbox.id)).map((caseRow: any) => caseRow.assignee.username);
    expect(assignees).toEqual(['lb-kartika', 'lb-lestari', 'lb-joko']);
  });

  test('direct assignment gives every case to the named user', async () => {
    const { team, users } = await createTeam(stack.app.strapi, 'Direct', [{ username: 'dr-maya' }, { username: 'dr-nanda' }]);
    const { mailbox, imapLogin } = await createGroupMailbox(stack.app.strapi, stack.dovecot, { caseEnabled: true, distribution: 'direct', directAssignee: users[1].id, team: team.id });
    await appendMessages({ ...imapLogin, messages: await buildMessages(2, 'Direct case') });

    await fetchGroup(stack.app.strapi, mailbox.id);

    expect(countByAssignee(await casesOfMailbox(stack.app.strapi, mailbox.id))).toEqual({ 'dr-nanda': 2 });
  });

  test('case numbers are unique and increasing', async () => {
    const numbers = (await stack.app.strapi.db.query('plugin::inbox.case').findMany({ select: ['number'], orderBy: { id: 'asc' } })).map((row: any) => row.number);

    expect(new Set(numbers).size).toBe(numbers.length);
    expect([...numbers].sort((a, b) => a - b)).toEqual(numbers);
  });
});
