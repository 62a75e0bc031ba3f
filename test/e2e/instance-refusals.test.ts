// Plan-time refusals end to end through the CLI in-process (main(argv, io)) against a fresh emulator per test: an
// admin handover applies in one run, while a manifest that leaves an organization without an admin, or a user
// without any identifier, is refused at its file:line with no mutating request.

import { describe, expect, it } from 'vitest';
import { e2eContext, mutatingRequests } from '../helpers/cli.ts';
import { emulatorFetch } from '../helpers/emulator.ts';

const MARK = { clerkSync: { managedBy: 'clerk-sync' } };

/** Live: organization acme with Alice (admin) and Bob (member), both managed by clerk-sync. */
const ALICE = { external_id: 'emp-001', email_address: ['alice@acme.test'], private_metadata: MARK };
const LIVE = {
  organizations: [{ name: 'Acme Inc', slug: 'acme' }],
  users: [ALICE, { external_id: 'emp-002', email_address: ['bob@acme.test'], private_metadata: MARK }],
  memberships: [
    { organization: 'acme', user: 'emp-001', role: 'org:admin' },
    { organization: 'acme', user: 'emp-002', role: 'org:member' },
  ],
};

function manifest(aliceRole: string, bobRole: string): string {
  return `apiVersion: clerk-sync/v1
organizations:
  - slug: acme
    name: Acme Inc
users:
  - externalId: emp-001
    emailAddresses: [alice@acme.test]
    memberships:
      - { org: acme, role: "${aliceRole}" }
  - externalId: emp-002
    emailAddresses: [bob@acme.test]
    memberships:
      - { org: acme, role: "${bobRole}" }
`;
}

describe('organization admins', () => {
  it('hands admin from Alice to Bob in one apply; the next plan is empty', async () => {
    const e2e = await e2eContext({ seed: LIVE });
    const file = await e2e.write('users.yaml', manifest('org:member', 'org:admin'));
    const run = await e2e.cli(['apply', '-f', file, '--auto-approve']);
    expect(run.stderr).not.toContain('error');
    expect(run.code).toBe(0);
    const response = await emulatorFetch(e2e.emulator, 'GET', '/organizations/acme/memberships?limit=100');
    const roles = (response.body as { data: { role: string; public_user_data: { identifier: string } }[] }).data
      .map((membership) => `${membership.public_user_data.identifier} ${membership.role}`)
      .sort();
    expect(roles).toStrictEqual(['alice@acme.test org:member', 'bob@acme.test org:admin']);
    const again = await e2e.cli(['plan', '-f', file]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('No changes.');
  });

  it('refuses demoting the last admin at the membership line, before any write', async () => {
    const e2e = await e2eContext({ seed: LIVE });
    const file = await e2e.write('users.yaml', manifest('org:member', 'org:member'));
    const run = await e2e.cli(['apply', '-f', file, '--auto-approve']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/users\.yaml:9:\d+: error\[organization_without_admin\]: organization "acme"/);
    expect(mutatingRequests(e2e.emulator.stats())).toEqual({});
  });
});

describe('identifiers', () => {
  it("refuses removing a user's only email address at its emailAddresses line, before any write", async () => {
    const e2e = await e2eContext({ seed: { users: [ALICE] } });
    const file = await e2e.write(
      'users.yaml',
      `apiVersion: clerk-sync/v1
users:
  - externalId: emp-001
    emailAddresses: []
`,
    );
    const run = await e2e.cli(['plan', '-f', file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/users\.yaml:4:\d+: error\[last_identification_removal\]/);
    expect(mutatingRequests(e2e.emulator.stats())).toEqual({});
  });
});

describe('roles, member limits and the user cap of a new instance', () => {
  it('refuses an unknown role at its membership line with a did-you-mean, before any write', async () => {
    const e2e = await e2eContext({ seed: LIVE });
    const file = await e2e.write('users.yaml', manifest('org:admn', 'org:member'));
    const run = await e2e.cli(['plan', '-f', file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/users\.yaml:9:\d+: error\[unknown_role\]/);
    expect(run.stderr).toContain('org:admin');
    expect(mutatingRequests(e2e.emulator.stats())).toEqual({});
  });

  it('refuses a sixth member (unmanaged members count) at the first membership over the limit', async () => {
    // Five live members, one of them not in the manifest; the manifest adds two more to the four it lists.
    const seed = {
      organizations: [{ name: 'Acme Inc', slug: 'acme' }],
      users: [1, 2, 3, 4, 5].map((n) => ({ external_id: `emp-00${n}`, email_address: [`u${n}@acme.test`] })),
      memberships: [1, 2, 3, 4, 5].map((n) => ({
        organization: 'acme',
        user: `emp-00${n}`,
        role: n === 1 ? 'org:admin' : 'org:member',
      })),
    };
    const e2e = await e2eContext({ seed });
    const users = [1, 2, 3, 4, 6]
      .map(
        (n) => `  - externalId: emp-00${n}
    emailAddresses: [u${n}@acme.test]
    memberships: [{ org: acme, role: ${n === 1 ? 'org:admin' : 'org:member'} }]
`,
      )
      .join('');
    const file = await e2e.write(
      'users.yaml',
      `apiVersion: clerk-sync/v1
organizations:
  - slug: acme
    name: Acme Inc
users:
${users}`,
    );
    const run = await e2e.cli(['plan', '-f', file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/users\.yaml:\d+:\d+: error\[membership_quota_exceeded\]: organization "acme"/);
    expect(mutatingRequests(e2e.emulator.stats())).toEqual({});
  });

  it('refuses the 101st user of a development instance at that user', async () => {
    const e2e = await e2eContext({
      seed: {
        users: Array.from({ length: 99 }, (_, i) => ({ external_id: `live-${i}`, password: 'Correct-Horse-9' })),
      },
    });
    const file = await e2e.write(
      'users.yaml',
      `apiVersion: clerk-sync/v1
users:
  - externalId: new-1
    emailAddresses: [new1@acme.test]
  - externalId: new-2
    emailAddresses: [new2@acme.test]
`,
    );
    const run = await e2e.cli(['plan', '-f', file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/users\.yaml:5:\d+: error\[user_cap_exceeded\]/);
    expect(mutatingRequests(e2e.emulator.stats())).toEqual({});
  });

  it('refuses removing an email linked to an OAuth account, before any write', async () => {
    const e2e = await e2eContext({
      seed: {
        users: [
          {
            external_id: 'emp-001',
            email_address: ['alice@acme.test', 'alice@gmail.test'],
            email_addresses_linked_to: { 'alice@gmail.test': [{ type: 'oauth_google' }] },
            password: 'Correct-Horse-9',
          },
        ],
      },
    });
    const file = await e2e.write(
      'users.yaml',
      `apiVersion: clerk-sync/v1
users:
  - externalId: emp-001
    emailAddresses: [alice@acme.test]
`,
    );
    const run = await e2e.cli(['plan', '-f', file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/users\.yaml:4:\d+: error\[linked_email_removal\]/);
    expect(mutatingRequests(e2e.emulator.stats())).toEqual({});
  });
});

describe('organizations without slugs', () => {
  it('adopts an existing organization by its unique name (marks it), then plans to no changes', async () => {
    // Seeded without a slug on a new instance (slugs off): only its name can identify it.
    const e2e = await e2eContext({
      seed: {
        organizations: [{ name: 'Acme Inc' }],
        users: [{ ...ALICE, password: 'Correct-Horse-9' }],
        memberships: [{ organization: 'Acme Inc', user: 'emp-001', role: 'org:admin' }],
      },
    });
    const file = await e2e.write(
      'users.yaml',
      `apiVersion: clerk-sync/v1
organizations:
  - slug: acme
    name: Acme Inc
users:
  - externalId: emp-001
    emailAddresses: [alice@acme.test]
    memberships: [{ org: acme, role: org:admin }]
`,
    );
    const plan = await e2e.cli(['plan', '-f', file]);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('matched by name');
    expect(plan.stdout).not.toContain('create organization');
    const run = await e2e.cli(['apply', '-f', file, '--auto-approve']);
    expect(run.code).toBe(0);
    const orgs = await emulatorFetch(e2e.emulator, 'GET', '/organizations');
    const data = (orgs.body as { data: { slug: string | null; private_metadata: unknown }[] }).data;
    expect(data).toHaveLength(1);
    expect(data[0]?.slug).toBeNull();
    expect(data[0]?.private_metadata).toEqual({ clerkSync: { key: 'acme' } });
    const again = await e2e.cli(['plan', '-f', file]);
    expect(again.stdout).toContain('No changes.');
  });
});
