// Prune and the ownership mark, the mass-delete / mass-change refusals, and ignore paths.

import { describe, expect, it } from 'vitest';
import { createPlan, DEFAULT_PLAN_OPTIONS, type PlanOptions } from '../../src/plan/index.ts';
import { desiredState, desiredUser, liveMembership, liveOrg, liveUser, MARK, org, snapshot } from './builders.ts';

const options = (overrides: Partial<PlanOptions> = {}): PlanOptions => ({ ...DEFAULT_PLAN_OPTIONS, ...overrides });

describe('prune', () => {
  const live = snapshot({
    users: [
      liveUser('user_kept', { externalId: 'emp-1', privateMetadata: MARK }),
      liveUser('user_marked', { externalId: 'emp-old', emails: ['old@acme.test'], privateMetadata: { a: 1, ...MARK } }),
      liveUser('user_foreign', { externalId: 'emp-x', privateMetadata: { clerkSync: { managedBy: 'someone' } } }),
    ],
    organizations: [liveOrg('org_acme', 'acme', 'Acme')],
    memberships: [liveMembership('orgmem_1', 'org_acme', 'user_marked', 'org:member')],
  });

  it('deletes only marked users the manifest does not list, without their memberships', () => {
    const desired = desiredState([desiredUser('emp-1', { externalId: 'emp-1' })], {
      settings: { prune: true },
      organizations: [org('acme', 'Acme')],
    });
    const { plan } = createPlan(desired, live, options());
    expect(plan.operations).toStrictEqual([
      {
        id: 'delete_user:user_marked',
        type: 'delete_user',
        user: { key: null, userId: 'user_marked', label: 'emp-old, old@acme.test' },
        label: 'emp-old, old@acme.test',
        reason: 'prune',
        dependsOn: [],
      },
    ]);
  });

  it('touches no unlisted user when prune is off', () => {
    const desired = desiredState([desiredUser('emp-1', { externalId: 'emp-1' })]);
    expect(createPlan(desired, live, options()).plan.operations).toStrictEqual([]);
  });

  it('adopts a matched user without the mark when prune is on: a merge of the mark key only', () => {
    const desired = desiredState([desiredUser('emp-2', { externalId: 'emp-2' })], {
      settings: { prune: true, metadataMode: 'replace' },
    });
    const adoptLive = snapshot({ users: [liveUser('user_b', { externalId: 'emp-2', privateMetadata: { n: 1 } })] });
    const { plan } = createPlan(desired, adoptLive, options());
    expect(plan.operations).toStrictEqual([
      {
        id: 'update_metadata:emp-2',
        type: 'update_metadata',
        user: { key: 'emp-2', userId: 'user_b', label: 'emp-2' },
        mode: 'merge',
        changes: {
          privateMetadata: {
            before: { n: 1 },
            after: { n: 1, ...MARK },
            patch: [{ op: 'add', path: '/clerkSync', value: MARK.clerkSync }],
          },
        },
        body: { private_metadata: MARK },
        dependsOn: [],
        source: { file: 'users.yaml', line: 10 },
      },
    ]);
  });

  it('folds the adoption mark into the user metadata change', () => {
    const desired = desiredState(
      [desiredUser('emp-2', { externalId: 'emp-2', publicMetadata: { a: 2 }, privateMetadata: { n: 2 } })],
      { settings: { prune: true, metadataMode: 'replace' } },
    );
    const adoptLive = snapshot({ users: [liveUser('user_b', { externalId: 'emp-2', privateMetadata: { n: 1 } })] });
    const [op] = createPlan(desired, adoptLive, options()).plan.operations;
    expect(op).toMatchObject({
      type: 'update_metadata',
      mode: 'replace',
      body: { public_metadata: { a: 2 }, private_metadata: { n: 2, ...MARK } },
    });
  });

  it('does not mark matched users when prune is off (export then plan shows no changes)', () => {
    const desired = desiredState([desiredUser('emp-2', { externalId: 'emp-2', privateMetadata: { n: 1 } })]);
    const exported = snapshot({ users: [liveUser('user_b', { externalId: 'emp-2', privateMetadata: { n: 1 } })] });
    expect(createPlan(desired, exported, options()).plan.operations).toStrictEqual([]);
  });
});

describe('safety thresholds', () => {
  const marked = (count: number) =>
    Array.from({ length: count }, (_, index) =>
      liveUser(`user_${String(index).padStart(2, '0')}`, { externalId: `old-${index}`, privateMetadata: MARK }),
    );
  const pruneAll = desiredState([], { settings: { prune: true } });

  it('refuses more deletions than maxDeletes (the plan is still returned) unless allowMassDelete', () => {
    const live = snapshot({ users: marked(3) });
    const refused = createPlan(pruneAll, live, options({ maxDeletes: 2, allowMassChange: true }));
    expect(refused.refusals.map((refusal) => refusal.code)).toStrictEqual(['mass_delete']);
    expect(refused.plan.operations).toHaveLength(3);
    expect(createPlan(pruneAll, live, options({ maxDeletes: 3 })).refusals).toStrictEqual([]);
    expect(
      createPlan(pruneAll, live, options({ maxDeletes: 2, allowMassDelete: true, allowMassChange: true })).refusals,
    ).toStrictEqual([]);
  });

  it('refuses changing more than maxChangeRatio of live users, only from 10 live users', () => {
    const users = Array.from({ length: 10 }, (_, index) => liveUser(`user_${index}`, { externalId: `e-${index}` }));
    const renameFour = desiredState(
      users
        .slice(0, 4)
        .map((user) =>
          desiredUser(user.externalId as string, { externalId: user.externalId as string, firstName: 'Z' }),
        ),
    );
    const big = createPlan(renameFour, snapshot({ users }), options({ maxChangeRatio: 0.3 }));
    expect(big.refusals.map((refusal) => refusal.code)).toStrictEqual(['mass_change']);
    expect(createPlan(renameFour, snapshot({ users }), options({ maxChangeRatio: 0.4 })).refusals).toStrictEqual([]);
    expect(
      createPlan(renameFour, snapshot({ users }), options({ maxChangeRatio: 0.3, allowMassChange: true })).refusals,
    ).toStrictEqual([]);
    const small = users.slice(0, 9);
    expect(createPlan(renameFour, snapshot({ users: small }), options({ maxChangeRatio: 0.1 })).refusals).toStrictEqual(
      [],
    );
  });

  it('does not count added memberships (a re-run after an interrupted apply), but counts role changes', () => {
    const users = Array.from({ length: 10 }, (_, index) => liveUser(`user_${index}`, { externalId: `e-${index}` }));
    const acme = [org('acme', 'Acme')];
    const everyoneJoins = desiredState(
      users.map((user) =>
        desiredUser(user.externalId as string, {
          memberships: [{ org: 'acme', role: 'org:member', source: { file: 'm.yaml', line: 3, column: 1 } }],
        }),
      ),
      { organizations: acme },
    );
    const live = snapshot({ users, organizations: [liveOrg('org_acme', 'acme', 'Acme')] });
    const joins = createPlan(everyoneJoins, live, options({ maxChangeRatio: 0.1 }));
    expect(joins.plan.operations.filter((op) => op.type === 'create_membership')).toHaveLength(10);
    expect(joins.refusals).toStrictEqual([]);

    const memberships = users.map((user, index) => liveMembership(`orgmem_${index}`, 'org_acme', user.id, 'org:admin'));
    const demoted = createPlan(everyoneJoins, { ...live, memberships }, options({ maxChangeRatio: 0.1 }));
    expect(demoted.refusals.map((refusal) => refusal.code)).toStrictEqual(['mass_change']);
  });

  it('does not count created users as changed live users', () => {
    const users = Array.from({ length: 10 }, (_, index) => liveUser(`user_${index}`, { externalId: `e-${index}` }));
    const fiveNew = desiredState(Array.from({ length: 5 }, (_, index) => desiredUser(`new-${index}`, {})));
    expect(createPlan(fiveNew, snapshot({ users }), options({ maxChangeRatio: 0.1 })).refusals).toStrictEqual([]);
  });
});

describe('ignore paths', () => {
  const live = snapshot({
    users: [
      liveUser('user_a', {
        externalId: 'emp-1',
        firstName: 'Live',
        publicMetadata: { lastSeenAt: 5, prefs: { theme: 'dark', lang: 'en' }, role: 'x' },
      }),
    ],
  });

  it('leaves an ignored profile field alone (settings.ignore and options.ignore add up)', () => {
    const desired = desiredState(
      [desiredUser('emp-1', { externalId: 'emp-1', firstName: 'Manifest', lastName: 'L' })],
      {
        settings: { ignore: ['firstName'] },
      },
    );
    expect(createPlan(desired, live, options()).plan.operations.map((op) => op.type)).toStrictEqual(['update_user']);
    expect(createPlan(desired, live, options({ ignore: ['lastName'] })).plan.operations).toStrictEqual([]);
  });

  it('keeps the live value of an ignored metadata path in replace mode', () => {
    const desired = desiredState(
      [
        desiredUser('emp-1', {
          externalId: 'emp-1',
          publicMetadata: { prefs: { theme: 'light', lang: 'en' }, role: 'y' },
        }),
      ],
      { settings: { ignore: ['publicMetadata.lastSeenAt', 'publicMetadata.prefs.theme'] } },
    );
    const [op] = createPlan(desired, live, options()).plan.operations;
    expect(op).toMatchObject({
      type: 'update_metadata',
      changes: {
        publicMetadata: {
          after: { prefs: { theme: 'dark', lang: 'en' }, role: 'y', lastSeenAt: 5 },
          patch: [{ op: 'replace', path: '/role', value: 'y' }],
        },
      },
      body: { public_metadata: { prefs: { theme: 'dark', lang: 'en' }, role: 'y', lastSeenAt: 5 } },
    });
  });

  it('drops an ignored metadata path from the merge body', () => {
    const desired = desiredState(
      [desiredUser('emp-1', { externalId: 'emp-1', publicMetadata: { lastSeenAt: 9, role: 'z' } })],
      { settings: { metadataMode: 'merge' } },
    );
    const [op] = createPlan(desired, live, options({ ignore: ['publicMetadata.lastSeenAt'] })).plan.operations;
    expect(op).toMatchObject({ body: { public_metadata: { role: 'z' } } });
    expect(op?.type === 'update_metadata' && op.changes.publicMetadata?.after.lastSeenAt).toBe(5);
  });

  it('an ignored whole metadata field is unmanaged', () => {
    const desired = desiredState([desiredUser('emp-1', { externalId: 'emp-1', publicMetadata: {} })]);
    expect(createPlan(desired, live, options({ ignore: ['publicMetadata'] })).plan.operations).toStrictEqual([]);
  });
});
