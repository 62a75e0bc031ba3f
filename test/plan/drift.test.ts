// Drift classification: table rows from (desired, live) through the real planner to the report, one row per class
// and per kind of finding, plus ignore rules, unmanaged users regardless of prune, ordering and the Markdown view.

import { describe, expect, it } from 'vitest';
import { parseFailOn, renderDriftText } from '../../src/commands/drift.ts';
import type { DesiredState, LiveSnapshot } from '../../src/model/index.ts';
import {
  classifyDrift,
  createPlan,
  DEFAULT_PLAN_OPTIONS,
  type DriftClass,
  type DriftItem,
  type DriftReport,
  driftSummaryLine,
  prepareUsers,
  renderDriftMarkdown,
} from '../../src/plan/index.ts';
import { at, desiredState, desiredUser, liveMembership, liveOrg, liveUser, MARK, org, snapshot } from './builders.ts';

function drift(desired: DesiredState, live: LiveSnapshot, ignore: string[] = []): DriftReport {
  const { plan, errors } = createPlan(desired, live, { ...DEFAULT_PLAN_OPTIONS, ignore });
  expect(errors).toStrictEqual([]);
  return classifyDrift(plan, desired, live);
}

/** Every class's items as `subject title -> field: message` lines, empty classes dropped. */
function digest(report: DriftReport): Partial<Record<DriftClass, string[]>> {
  const out: Partial<Record<DriftClass, string[]>> = {};
  for (const [name, items] of Object.entries(report.classes) as [DriftClass, DriftItem[]][]) {
    if (items.length === 0) continue;
    out[name] = items.flatMap((item) => item.entries.map((entry) => `${item.subject.title} | ${entry.message}`));
  }
  return out;
}

const grace = (fields: Parameters<typeof liveUser>[1] = {}) =>
  liveUser('user_g', { externalId: 'stg-002', emails: ['grace@globex.test'], ...fields });
const graceDesired = (fields: Parameters<typeof desiredUser>[1] = {}) =>
  desiredUser('stg-002', { externalId: 'stg-002', emailAddresses: ['grace@globex.test'], ...fields });
const G = 'user stg-002 (grace@globex.test)';

interface Row {
  name: string;
  desired: DesiredState;
  live: LiveSnapshot;
  ignore?: string[];
  expected: Partial<Record<DriftClass, string[]>>;
}

const acme = liveOrg('org_acme', 'acme', 'Acme Inc');

const rows: Row[] = [
  {
    name: 'no drift: live matches the manifest',
    desired: desiredState([graceDesired({ firstName: 'Grace', publicMetadata: { team: 'growth' } })]),
    live: snapshot({ users: [grace({ firstName: 'Grace', publicMetadata: { team: 'growth' } })] }),
    expected: {},
  },
  {
    name: 'changed: a profile field, live value first',
    desired: desiredState([graceDesired({ firstName: 'Grace', lastName: 'Hopper' })]),
    live: snapshot({ users: [grace({ firstName: 'Amazing Grace', lastName: 'Hopper' })] }),
    expected: { changed: [`${G} | firstName is "Amazing Grace" live; the manifest says "Grace"`] },
  },
  {
    name: 'changed: null live value',
    desired: desiredState([graceDesired({ username: 'ghopper' })]),
    live: snapshot({ users: [grace()] }),
    expected: { changed: [`${G} | username is null live; the manifest says "ghopper"`] },
  },
  {
    name: 'changed: email added live, email missing live, primary moved',
    desired: desiredState([
      graceDesired({ emailAddresses: ['grace@globex.test', 'gh@globex.test'], phoneNumbers: ['+15550002'] }),
    ]),
    live: snapshot({
      users: [
        liveUser('user_g', {
          externalId: 'stg-002',
          emails: ['other@globex.test', 'grace@globex.test'],
          phones: ['+15550002', '+15550003'],
        }),
      ],
    }),
    expected: {
      changed: [
        'user stg-002 (grace@globex.test) | emailAddresses: "gh@globex.test" is absent live; the manifest declares it',
        'user stg-002 (grace@globex.test) | primaryEmailAddress is "other@globex.test" live; the manifest says "grace@globex.test"',
        'user stg-002 (grace@globex.test) | emailAddresses: "other@globex.test" is present live; the manifest does not declare it',
        'user stg-002 (grace@globex.test) | phoneNumbers: "+15550003" is present live; the manifest does not declare it',
      ],
    },
  },
  {
    name: 'changed: public metadata per path (changed, added live, removed live)',
    desired: desiredState([graceDesired({ publicMetadata: { team: 'growth', onboarding: { step: 3 }, beta: true } })]),
    live: snapshot({
      users: [grace({ publicMetadata: { team: 'growth', onboarding: { step: 2 }, lastSeenAt: 5 } })],
    }),
    expected: {
      changed: [
        `${G} | publicMetadata.lastSeenAt is 5 live; the manifest does not declare it`,
        `${G} | publicMetadata.onboarding.step is 2 live; the manifest says 3`,
        `${G} | publicMetadata.beta is absent live; the manifest says true`,
      ],
    },
  },
  {
    name: 'changed: private metadata values are never shown',
    desired: desiredState([graceDesired({ privateMetadata: { salary: 100, level: 'L5' } })]),
    live: snapshot({ users: [grace({ privateMetadata: { salary: 90, level: 'L5' } })] }),
    expected: {
      changed: [`${G} | privateMetadata.salary differs from the manifest (private metadata values are not shown)`],
    },
  },
  {
    name: 'lock: declared locked but not locked live (locks expire), its own class; ban and unlock stay changed',
    desired: desiredState([
      graceDesired({ banned: false, locked: true }),
      desiredUser('stg-003', { externalId: 'stg-003', locked: false }),
    ]),
    live: snapshot({
      users: [
        grace({ banned: true, locked: false }),
        liveUser('user_a', { externalId: 'stg-003', emails: ['alan@initech.test'], locked: true }),
      ],
    }),
    expected: {
      changed: [
        `${G} | banned is true live; the manifest says false`,
        'user stg-003 (alan@initech.test) | locked is true live; the manifest says false',
      ],
      lock: [`${G} | locked is false live (never locked, or the lock expired); the manifest says true`],
    },
  },
  {
    name: 'changed: organization renamed live',
    desired: desiredState([], { organizations: [org('acme', 'Acme Inc')] }),
    live: snapshot({ organizations: [liveOrg('org_acme', 'acme', 'ACME Corp')] }),
    expected: { changed: ['organization acme | name is "ACME Corp" live; the manifest says "Acme Inc"'] },
  },
  {
    name: 'missing: a declared user and organization absent live; the new user memberships fold into missing',
    desired: desiredState(
      [
        graceDesired(),
        desiredUser('stg-026', {
          externalId: 'stg-026',
          emailAddresses: ['new@acme.test'],
          memberships: [{ org: 'initech', role: 'org:admin', source: at(30) }],
        }),
      ],
      { organizations: [org('initech', 'Initech')] },
    ),
    live: snapshot({ users: [grace()] }),
    expected: {
      missing: [
        'organization initech | organization initech is declared in the manifest but does not exist live',
        'user stg-026 (new@acme.test) | user stg-026 is declared in the manifest but does not exist live',
      ],
    },
  },
  {
    name: 'membership: added, role changed and removed live; a missing organization is named',
    desired: desiredState(
      [
        graceDesired({ memberships: [{ org: 'acme', role: 'org:member', source: at(20) }] }),
        desiredUser('stg-003', {
          externalId: 'stg-003',
          memberships: [
            { org: 'acme', role: 'org:admin', source: at(40) },
            { org: 'initech', role: 'org:admin', source: at(41) },
          ],
        }),
        desiredUser('stg-004', { externalId: 'stg-004' }),
      ],
      { organizations: [org('acme', 'Acme Inc'), org('initech', 'Initech')] },
    ),
    live: snapshot({
      users: [
        grace(),
        liveUser('user_a', { externalId: 'stg-003', emails: ['alan@initech.test'] }),
        liveUser('user_e', { externalId: 'stg-004', emails: ['edsger@acme.test'] }),
      ],
      organizations: [acme],
      memberships: [
        liveMembership('orgmem_g', 'org_acme', 'user_g', 'org:admin'),
        liveMembership('orgmem_e', 'org_acme', 'user_e', 'org:member'),
      ],
    }),
    expected: {
      missing: ['organization initech | organization initech is declared in the manifest but does not exist live'],
      membership: [
        'user stg-002 (grace@globex.test) | role in acme is "org:admin" live; the manifest says "org:member"',
        'user stg-003 (alan@initech.test) | not a member of acme live; the manifest says "org:admin"',
        'user stg-003 (alan@initech.test) | not a member of initech live (the organization does not exist live); the manifest says "org:admin"',
        'user stg-004 (edsger@acme.test) | member of acme ("org:member") live; the manifest does not declare it',
      ],
    },
  },
  {
    name: 'unmanaged: marked live users the manifest does not list, with prune off; unmarked ones are not drift',
    desired: desiredState([graceDesired()]),
    live: snapshot({
      users: [
        grace({ privateMetadata: MARK }),
        liveUser('user_z', { externalId: 'stg-019', emails: ['tim@acme.test'], privateMetadata: MARK }),
        liveUser('user_x', { emails: ['admin@acme.test'] }),
        liveUser('user_y', { emails: ['fake@acme.test'], privateMetadata: { clerkSync: { managedBy: 'someone' } } }),
      ],
    }),
    expected: {
      unmanaged: [
        "user user_z (tim@acme.test) | user tim@acme.test carries clerk-sync's ownership mark but is not in the manifest; settings.prune is off, so apply leaves it alone",
      ],
    },
  },
  {
    name: 'unmanaged with prune on: the prune deletion is the same finding, not an extra one',
    desired: desiredState([graceDesired()], { settings: { prune: true } }),
    live: snapshot({
      users: [
        grace({ privateMetadata: MARK }),
        liveUser('user_z', { externalId: 'stg-019', emails: ['tim@acme.test'], privateMetadata: MARK }),
      ],
    }),
    expected: {
      unmanaged: [
        "user user_z (tim@acme.test) | user tim@acme.test carries clerk-sync's ownership mark but is not in the manifest; apply deletes it (settings.prune)",
      ],
    },
  },
  {
    name: 'settings.ignore: ignored fields and metadata paths are not drift',
    desired: desiredState(
      [graceDesired({ firstName: 'Grace', publicMetadata: { team: 'growth' }, lastName: 'Hopper' })],
      { settings: { ignore: ['firstName', 'publicMetadata.lastSeenAt'] } },
    ),
    live: snapshot({
      users: [grace({ firstName: 'Amazing Grace', lastName: 'H.', publicMetadata: { team: 'growth', lastSeenAt: 9 } })],
    }),
    expected: { changed: [`${G} | lastName is "H." live; the manifest says "Hopper"`] },
  },
  {
    name: '--ignore (plan options): memberships ignored as a whole',
    desired: desiredState([graceDesired({ memberships: [] })], { organizations: [org('acme', 'Acme Inc')] }),
    live: snapshot({
      users: [grace()],
      organizations: [acme],
      memberships: [liveMembership('orgmem_g', 'org_acme', 'user_g', 'org:admin')],
    }),
    ignore: ['memberships'],
    expected: {},
  },
];

describe('classifyDrift', () => {
  for (const row of rows) {
    it(row.name, () => {
      expect(digest(drift(row.desired, row.live, row.ignore))).toStrictEqual(row.expected);
    });
  }

  it('records field, live and manifest values, the fixing operation and the manifest line', () => {
    const report = drift(
      desiredState([graceDesired({ firstName: 'Grace', privateMetadata: { salary: 1 } })]),
      snapshot({ users: [grace({ firstName: 'Amazing Grace', privateMetadata: { salary: 2 } })] }),
    );
    expect(report.classes.changed).toStrictEqual([
      {
        subject: { kind: 'user', key: 'stg-002', id: 'user_g', title: G },
        entries: [
          {
            field: 'firstName',
            live: '"Amazing Grace"',
            manifest: '"Grace"',
            message: 'firstName is "Amazing Grace" live; the manifest says "Grace"',
            operation: 'update_user:stg-002',
            source: { file: 'users.yaml', line: 10 },
          },
          {
            field: 'privateMetadata.salary',
            live: '(sensitive)',
            manifest: '(sensitive)',
            message: 'privateMetadata.salary differs from the manifest (private metadata values are not shown)',
            operation: 'update_metadata:stg-002',
            source: { file: 'users.yaml', line: 10 },
          },
        ],
      },
    ]);
    expect(report.summary).toStrictEqual({
      byClass: { changed: 2, missing: 0, unmanaged: 0, membership: 0, lock: 0 },
      total: 2,
      subjects: 1,
    });
    expect(report.formatVersion).toBe(1);
  });

  it('orders subjects by kind then key whatever the input order', () => {
    const users = ['b', 'c', 'a'].map((key) => desiredUser(key, { externalId: key, firstName: 'New' }));
    const live = ['c', 'a', 'b'].map((key) => liveUser(`user_${key}`, { externalId: key, firstName: 'Old' }));
    const desired = desiredState(users, { organizations: [org('zeta', 'Zeta')] });
    const report = drift(desired, snapshot({ users: live }));
    expect(report.classes.changed.map((item) => item.subject.key)).toStrictEqual(['a', 'b', 'c']);
    const reversed = drift({ ...desired, users: [...users].reverse() }, snapshot({ users: [...live].reverse() }));
    expect(reversed).toStrictEqual(report);
  });

  it('a lock finding records the field, both values and the lock_user operation that re-locks', () => {
    const report = drift(desiredState([graceDesired({ locked: true })]), snapshot({ users: [grace()] }));
    expect(report.classes.lock).toStrictEqual([
      {
        subject: { kind: 'user', key: 'stg-002', id: 'user_g', title: G },
        entries: [
          {
            field: 'locked',
            live: 'false',
            manifest: 'true',
            message: 'locked is false live (never locked, or the lock expired); the manifest says true',
            operation: 'lock_user:stg-002',
            source: { file: 'users.yaml', line: 10 },
          },
        ],
      },
    ]);
    expect(report.classes.changed).toStrictEqual([]);
    expect(report.summary.byClass.lock).toBe(1);
    expect(driftSummaryLine(report)).toBe('Drift: 1 lock (1 finding on 1 user/organization).');
  });

  it('summary line counts findings per class', () => {
    const report = drift(
      desiredState([graceDesired({ firstName: 'Grace', banned: false }), desiredUser('x', { externalId: 'x' })]),
      snapshot({ users: [grace({ firstName: 'G', banned: true })] }),
    );
    expect(driftSummaryLine(report)).toBe('Drift: 2 changed, 1 missing (3 findings on 2 users/organizations).');
    expect(driftSummaryLine(drift(desiredState([]), snapshot()))).toBe('No drift.');
  });
});

describe('renderDriftMarkdown', () => {
  const report = drift(
    desiredState([graceDesired({ firstName: 'Grace' })]),
    snapshot({
      users: [
        grace({ firstName: 'Amazing <Grace>' }),
        liveUser('user_z', { externalId: 'stg-019', emails: ['tim@acme.test'], privateMetadata: MARK }),
      ],
    }),
  );

  it('groups by class, escapes HTML and marks classes outside --fail-on as warnings', () => {
    const markdown = renderDriftMarkdown(report, { failOn: ['changed'] });
    expect(markdown).toContain('**Drift: 1 changed, 1 unmanaged (2 findings on 2 users/organizations).**');
    expect(markdown).toContain('| `changed` | 1 | fails |');
    expect(markdown).toContain('| `unmanaged` | 1 | warning |');
    expect(markdown).toContain('| `missing` | 0 |  |');
    const changedAt = markdown.indexOf('#### Changed live: 1\n');
    const unmanagedAt = markdown.indexOf('#### Unmanaged (marked by clerk-sync, not in the manifest): 1 (warning)');
    expect(changedAt).toBeGreaterThan(0);
    expect(unmanagedAt).toBeGreaterThan(changedAt);
    expect(markdown).toContain('firstName is "Amazing &lt;Grace&gt;" live; the manifest says "Grace"');
    expect(markdown).not.toContain('<Grace>');
  });

  it('lists the lock class, a warning when --fail-on leaves it out', () => {
    const locked = drift(desiredState([graceDesired({ locked: true })]), snapshot({ users: [grace()] }));
    const markdown = renderDriftMarkdown(locked, { failOn: ['changed', 'missing', 'unmanaged', 'membership'] });
    expect(markdown).toContain('| `lock` | 1 | warning |');
    expect(markdown).toContain('#### Not locked live (locks expire): 1 (warning)');
    expect(renderDriftMarkdown(locked)).toContain('| `lock` | 1 | fails |');
  });

  it('says so when there is no drift', () => {
    expect(renderDriftMarkdown(drift(desiredState([]), snapshot()))).toBe(
      '### clerk-sync drift\n\n**No drift.**\n\nThe live instance matches the manifest.\n',
    );
  });

  it('stays under maxChars and counts what it left out', () => {
    const users = Array.from({ length: 200 }, (_, index) => `u${String(index).padStart(3, '0')}`);
    const big = drift(
      desiredState(users.map((key) => desiredUser(key, { externalId: key, firstName: 'Wanted name' }))),
      snapshot({ users: users.map((key) => liveUser(`user_${key}`, { externalId: key, firstName: 'Live name' })) }),
    );
    const markdown = renderDriftMarkdown(big, { maxChars: 4000 });
    expect(markdown.length).toBeLessThanOrEqual(4000);
    const shown = markdown.match(/^- \*\*user /gm)?.length ?? 0;
    expect(shown).toBeGreaterThan(0);
    expect(markdown).toContain(`… and ${200 - shown} more drifted users/organizations`);
  });
});

describe('the lock class in the drift command', () => {
  it('--fail-on knows lock; by default every class fails, lock included', () => {
    expect(parseFailOn({})).toStrictEqual(['changed', 'missing', 'unmanaged', 'membership', 'lock']);
    expect(parseFailOn({ 'fail-on': ['lock,changed'] })).toStrictEqual(['changed', 'lock']);
    expect(() => parseFailOn({ 'fail-on': ['locks'] })).toThrow(
      '--fail-on takes changed, missing, unmanaged, membership, lock or none',
    );
  });

  it('text: an expired lock left out of --fail-on is a warning', () => {
    const report = drift(desiredState([graceDesired({ locked: true })]), snapshot({ users: [grace()] }));
    const text = renderDriftText(report, { failOn: ['changed', 'missing', 'unmanaged', 'membership'], color: false });
    expect(text).toBe(
      [
        'lock (1) - warning: not in --fail-on',
        `~ ${G}`,
        '    locked is false live (never locked, or the lock expired); the manifest says true  (users.yaml:10)',
        '',
        'Drift: 1 lock (1 finding on 1 user/organization).',
        '',
      ].join('\n'),
    );
  });
});

describe('classifyDrift with the users the plan matched', () => {
  it('takes the prepared match only when it was computed from the very desired state and live users', () => {
    const desired = desiredState([graceDesired()]);
    const live = snapshot({
      users: [
        grace({ privateMetadata: MARK }),
        liveUser('user_z', { externalId: 'stg-019', emails: ['tim@acme.test'], privateMetadata: MARK }),
      ],
    });
    const prepared = prepareUsers(desired, live.users, []);
    const { plan } = createPlan(desired, live, DEFAULT_PLAN_OPTIONS, { users: prepared });
    const plain = classifyDrift(plan, desired, live);
    expect(classifyDrift(plan, desired, live, prepared)).toStrictEqual(plain);
    expect(plain.summary.byClass.unmanaged).toBe(1);
    // A match that claims every live user hides the unmanaged one: it is used as given, and only for its own inputs.
    const claimsAll = { ...prepared, identity: { ...prepared.identity, claimedLiveUsers: { has: () => true } } };
    expect(classifyDrift(plan, desired, live, claimsAll).summary.byClass.unmanaged).toBe(0);
    const copy = { ...live, users: [...live.users] };
    expect(classifyDrift(plan, desired, copy, claimsAll).summary.byClass.unmanaged).toBe(1);
  });
});
