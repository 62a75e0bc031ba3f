// The `policies` scenario (issue 19): what settings.policies costs the planner at 100,000 users. One manifest,
// parsed in process (real positions), planned against a matching live snapshot with and without a policy block,
// runs interleaved side by side; the figure is the ratio of the medians.

import { performance } from 'node:perf_hooks';
import { UNRESTRICTED_INSTANCE } from '../src/fields/constants.ts';
import { parseManifest } from '../src/manifest/index.ts';
import type { DesiredState, LiveSnapshot, LiveUser } from '../src/model/index.ts';
import { createPlan, DEFAULT_PLAN_OPTIONS } from '../src/plan/index.ts';
import { median } from './processes.ts';

const ORGS = 10;
const POLICIES = `  policies:
    minAdmins: 1
    requiredAdmins: { org-0: [u-0000000] }
    allowedEmailDomains: [bench.test, "*.bench.test"]
    protectedUsers: [u-0000000, u-0000001, u-0000002]
`;

function pad(value: number): string {
  return String(value).padStart(7, '0');
}

function manifest(users: number, policies: boolean): string {
  const lines = [
    'apiVersion: clerk-sync/v1',
    'settings:',
    '  userKey: externalId',
    ...(policies ? [POLICIES.trimEnd()] : []),
  ];
  lines.push('organizations:');
  for (let org = 0; org < ORGS; org += 1) lines.push(`  - { slug: org-${org}, name: Org ${org} }`);
  lines.push('users:');
  for (let index = 0; index < users; index += 1) {
    const role = index < ORGS ? 'org:admin' : 'org:member';
    lines.push(
      `  - externalId: u-${pad(index)}`,
      `    emailAddresses: [user${pad(index)}@bench.test]`,
      `    memberships: [{ org: org-${index % ORGS}, role: "${role}" }]`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function live(users: number): LiveSnapshot {
  const liveUsers: LiveUser[] = [];
  const memberships = [];
  for (let index = 0; index < users; index += 1) {
    const id = `user_${pad(index)}`;
    liveUsers.push({
      id,
      externalId: `u-${pad(index)}`,
      emailAddresses: [
        { id: `idn_${index}`, emailAddress: `user${pad(index)}@bench.test`, verified: true, linked: false },
      ],
      primaryEmailAddressId: `idn_${index}`,
      phoneNumbers: [],
      primaryPhoneNumberId: null,
      username: null,
      firstName: null,
      lastName: null,
      legalAcceptedAt: null,
      publicMetadata: {},
      privateMetadata: {},
      unsafeMetadata: {},
      banned: false,
      locked: false,
      lockoutExpiresInSeconds: null,
      createdAt: 1,
      updatedAt: 2,
    });
    const role = index < ORGS ? 'org:admin' : 'org:member';
    memberships.push({ id: `m_${index}`, organizationId: `org_${index % ORGS}`, userId: id, role, updatedAt: 3 });
  }
  const organizations = Array.from({ length: ORGS }, (_, org) => ({
    id: `org_${org}`,
    slug: `org-${org}`,
    name: `Org ${org}`,
    key: `org-${org}`,
    publicMetadata: {},
    privateMetadata: {},
    maxAllowedMemberships: 0,
    updatedAt: 4,
  }));
  return { users: liveUsers, organizations, memberships, instance: { ...UNRESTRICTED_INSTANCE, userCount: users } };
}

function desired(users: number, policies: boolean): DesiredState {
  const result = parseManifest([{ file: 'bench.yaml', text: manifest(users, policies) }], { env: {} });
  if (result.desired === undefined) throw new Error(`bench manifest invalid: ${result.diagnostics[0]?.message}`);
  return result.desired;
}

export interface PoliciesBench {
  users: number;
  runs: number;
  figure: (scenario: string, measure: string, value: string, goal?: string, met?: boolean) => void;
  log: (message: string) => void;
}

export function scenarioPolicies({ users, runs, figure, log }: PoliciesBench): void {
  const name = `12. policies: plan of ${users} users, 10 organizations`;
  log(`${name}: parsing the manifests`);
  const snapshot = live(users);
  const inputs = { without: desired(users, false), with: desired(users, true) };
  const times: Record<'without' | 'with', number[]> = { without: [], with: [] };
  let refusals = -1;
  // One warm-up each, then interleaved runs: both see the same machine state.
  for (let run = 0; run <= runs; run += 1) {
    for (const kind of ['without', 'with'] as const) {
      const started = performance.now();
      const result = createPlan(inputs[kind], snapshot, { ...DEFAULT_PLAN_OPTIONS, fingerprints: false });
      const elapsed = (performance.now() - started) / 1000;
      if (run > 0) times[kind].push(elapsed);
      if (kind === 'with') refusals = result.refusals.length;
    }
  }
  const without = median(times.without);
  const withPolicies = median(times.with);
  const ratio = withPolicies / without;
  figure(name, 'createPlan without policies', `${without.toFixed(2)} s`, '');
  figure(name, 'createPlan with 4 policies', `${withPolicies.toFixed(2)} s`, '');
  // Issue 19 sets no figure: the ratio is what policies cost, reported for docs/performance.md.
  figure(name, 'ratio, with / without', `${ratio.toFixed(2)}x`, '');
  figure(name, 'refusals (all pass)', String(refusals), '0', refusals === 0);
}
