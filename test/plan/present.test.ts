// The presentation model (groups, lines, masking) and the Markdown rendering (structure, masking, truncation).

import { describe, expect, it } from 'vitest';
import { createPlan, DEFAULT_PLAN_OPTIONS, type Plan, presentPlan, renderPlanMarkdown } from '../../src/plan/index.ts';
import { at, desiredState, desiredUser, liveMembership, liveOrg, liveUser, MARK, org, snapshot } from './builders.ts';

function samplePlan(): Plan {
  const desired = desiredState(
    [
      desiredUser('emp-001', {
        externalId: 'emp-001',
        emailAddresses: ['alice@acme.test'],
        firstName: 'Adah',
        publicMetadata: { role: 'admin' },
        privateMetadata: { salary: 100 },
        memberships: [{ org: 'acme', role: 'org:member', source: at(20) }],
      }),
      desiredUser('emp-002', {
        externalId: 'emp-002',
        emailAddresses: ['bob@acme.test'],
        password: { source: { kind: 'env', variable: 'BOB_PW' }, value: 'bob-secret-pw' },
        privateMetadata: { salary: 50 },
      }),
    ],
    { settings: { prune: true }, organizations: [org('acme', 'Acme Inc')] },
  );
  const live = snapshot({
    users: [
      liveUser('user_1', {
        externalId: 'emp-001',
        emails: ['alice@acme.test'],
        firstName: 'Ada',
        publicMetadata: { role: 'member', legacy: 1 },
        privateMetadata: { salary: 90, ...MARK },
      }),
      liveUser('user_9', { externalId: 'emp-009', emails: ['old@acme.test'], privateMetadata: MARK }),
      // An admin the manifest does not manage: acme keeps an admin when emp-001 is demoted.
      liveUser('user_8', { emails: ['owner@acme.test'] }),
    ],
    organizations: [liveOrg('org_acme', 'acme', 'Acme')],
    memberships: [
      liveMembership('orgmem_1', 'org_acme', 'user_1', 'org:admin'),
      liveMembership('orgmem_8', 'org_acme', 'user_8', 'org:admin'),
    ],
  });
  const result = createPlan(desired, live, DEFAULT_PLAN_OPTIONS);
  expect(result.errors).toStrictEqual([]);
  return result.plan;
}

describe('presentPlan', () => {
  it('groups per organization and per user in plan order, with symbols and field lines', () => {
    const presentation = presentPlan(samplePlan());
    expect(presentation.summaryLine).toBe('Plan: 1 to create, 4 to change, 1 to delete.');
    expect(presentation.noChanges).toBe(false);
    expect(presentation.groups.map(({ key, kind, symbol, title }) => ({ key, kind, symbol, title }))).toStrictEqual([
      { key: 'organization:acme', kind: 'organization', symbol: '~', title: 'organization acme (Acme Inc)' },
      { key: 'user:emp-002', kind: 'user', symbol: '+', title: 'user emp-002 (bob@acme.test)' },
      { key: 'user:emp-001', kind: 'user', symbol: '~', title: 'user emp-001 (alice@acme.test)' },
      { key: 'user:user_9', kind: 'user', symbol: '-', title: 'user user_9 (emp-009, old@acme.test)' },
    ]);
    const alice = presentation.groups[2];
    expect(alice?.operations).toStrictEqual([
      {
        id: 'update_user:emp-001',
        type: 'update_user',
        kind: 'change',
        symbol: '~',
        title: 'update profile',
        lines: [{ symbol: '~', label: 'firstName', before: '"Ada"', after: '"Adah"' }],
      },
      {
        id: 'update_metadata:emp-001',
        type: 'update_metadata',
        kind: 'change',
        symbol: '~',
        title: 'update metadata (replace)',
        lines: [
          { symbol: '-', label: 'publicMetadata.legacy', before: '1' },
          { symbol: '~', label: 'publicMetadata.role', before: '"member"', after: '"admin"' },
          {
            symbol: '~',
            label: 'privateMetadata.salary',
            before: '(sensitive)',
            after: '(sensitive)',
            sensitive: true,
          },
        ],
      },
      {
        id: 'update_membership_role:acme/emp-001',
        type: 'update_membership_role',
        kind: 'change',
        symbol: '~',
        title: 'change role in acme (downgrade)',
        lines: [{ symbol: '~', label: 'membership acme', before: 'org:admin', after: 'org:member' }],
      },
    ]);
  });

  it('masks the password and private metadata of a created user', () => {
    const bob = presentPlan(samplePlan()).groups[1];
    expect(bob?.operations[0]?.lines).toStrictEqual([
      { symbol: '+', label: 'externalId', after: '"emp-002"' },
      { symbol: '+', label: 'emailAddresses', after: '["bob@acme.test"]' },
      { symbol: '+', label: 'password', after: '(sensitive)', sensitive: true },
      { symbol: '+', label: 'privateMetadata.salary', after: '(sensitive)', sensitive: true },
      { symbol: '+', label: 'privateMetadata.clerkSync.managedBy', after: '(sensitive)', sensitive: true },
    ]);
  });

  it('reports no changes for an empty plan', () => {
    const { plan } = createPlan(desiredState([]), snapshot(), DEFAULT_PLAN_OPTIONS);
    expect(presentPlan(plan)).toStrictEqual({
      groups: [],
      summary: { create: 0, change: 0, delete: 0, byType: {}, usersTouched: 0 },
      summaryLine: 'No changes.',
      noChanges: true,
      warnings: [],
    });
  });
});

describe('renderPlanMarkdown', () => {
  it('matches the stored PR-comment snapshot (review a change to it like a change to the format)', async () => {
    await expect(renderPlanMarkdown(samplePlan())).toMatchFileSnapshot('__snapshots__/plan-comment.md');
  });

  it('puts the summary table first, then destructive changes, then one details block per group', () => {
    const markdown = renderPlanMarkdown(samplePlan());
    const summaryAt = markdown.indexOf('**Plan: 1 to create, 4 to change, 1 to delete.**');
    const tableAt = markdown.indexOf('| Create | Change | Delete | Users touched |');
    const destructiveAt = markdown.indexOf('#### Destructive changes (2)');
    const detailsAt = markdown.indexOf('<details>');
    expect(summaryAt).toBeGreaterThan(-1);
    expect(tableAt).toBeGreaterThan(summaryAt);
    expect(destructiveAt).toBeGreaterThan(tableAt);
    expect(detailsAt).toBeGreaterThan(destructiveAt);
    expect(markdown).toContain('| 1 | 4 | 1 | 3 |');
    expect(markdown).toContain('| Change role | 1 |');
    expect(markdown).toContain(
      '- **Change role**: `user emp-001 (alice@acme.test): change role in acme (downgrade)`\n',
    );
    expect(markdown).toContain('- **Delete user**: `user user_9 (emp-009, old@acme.test): delete user');
    expect(markdown.match(/<details>/g)).toHaveLength(4);
    expect(markdown.match(/<\/details>/g)).toHaveLength(4);
    expect(markdown).toContain(
      '<details><summary>~ <code>user emp-001 (alice@acme.test)</code> (3 changes)</summary>\n\n```diff\n@@ update profile @@\n- firstName: "Ada"\n+ firstName: "Adah"\n',
    );
    expect(markdown).toContain('- privateMetadata.salary: (sensitive)\n+ privateMetadata.salary: (sensitive)\n');
    expect(markdown).not.toContain('90');
    expect(markdown).not.toContain('bob-secret-pw');
  });

  it('says No changes. for an empty plan', () => {
    const { plan } = createPlan(desiredState([]), snapshot(), DEFAULT_PLAN_OPTIONS);
    const markdown = renderPlanMarkdown(plan);
    expect(markdown).toContain('**No changes.**');
    expect(markdown).not.toContain('<details>');
  });

  it('escapes HTML in titles and lengthens the fence around backticks', () => {
    const desired = desiredState([desiredUser('<b>x</b>', { externalId: '<b>x</b>', firstName: 'a```b' })]);
    const markdown = renderPlanMarkdown(createPlan(desired, snapshot(), DEFAULT_PLAN_OPTIONS).plan);
    expect(markdown).toContain('<summary>+ <code>user &lt;b&gt;x&lt;/b&gt;</code> (1 change)</summary>');
    expect(markdown).toContain('\n````diff\n');
  });

  it('stops adding details before maxChars and counts the users left out', () => {
    const users = Array.from({ length: 400 }, (_, index) => {
      const id = `emp-${String(index).padStart(3, '0')}`;
      return desiredUser(id, {
        externalId: id,
        emailAddresses: [`${id}@acme.test`],
        publicMetadata: { team: 'platform', bio: 'x'.repeat(100) },
      });
    });
    const { plan } = createPlan(desiredState(users), snapshot(), DEFAULT_PLAN_OPTIONS);
    const full = renderPlanMarkdown(plan, { maxChars: 10_000_000 });
    expect(full.match(/<details>/g)).toHaveLength(400);
    expect(full).not.toContain('more users');

    const markdown = renderPlanMarkdown(plan);
    expect(markdown.length).toBeLessThanOrEqual(60_000);
    const shown = markdown.match(/<details>/g)?.length ?? 0;
    expect(shown).toBeGreaterThan(50);
    expect(shown).toBeLessThan(400);
    expect(markdown).toContain(`… and ${400 - shown} more users (see the JSON plan)`);
    expect(markdown.match(/<details>/g)).toHaveLength(markdown.match(/<\/details>/g)?.length ?? -1);

    const small = renderPlanMarkdown(plan, { maxChars: 5_000 });
    expect(small.length).toBeLessThanOrEqual(5_000);
  });

  it('also caps a long destructive list', () => {
    const live = snapshot({
      users: Array.from({ length: 3000 }, (_, index) =>
        liveUser(`user_${String(index).padStart(4, '0')}`, { externalId: `old-${index}`, privateMetadata: MARK }),
      ),
    });
    const { plan } = createPlan(desiredState([], { settings: { prune: true } }), live, DEFAULT_PLAN_OPTIONS);
    const markdown = renderPlanMarkdown(plan);
    expect(markdown.length).toBeLessThanOrEqual(60_000);
    const listed = markdown.match(/^- \*\*Delete user\*\*/gm)?.length ?? 0;
    expect(markdown).toContain(`- … and ${3000 - listed} more destructive changes (see the JSON plan)`);
    expect(markdown.indexOf('#### Details')).toBeLessThan(30_000);
    const shown = markdown.match(/<details>/g)?.length ?? 0;
    expect(shown).toBeGreaterThan(10);
    expect(markdown).toContain(`… and ${3000 - shown} more users (see the JSON plan)`);
  });
});
