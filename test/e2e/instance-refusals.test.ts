// Plan-time refusals end to end through the built CLI (`npm run build` first) against a fresh emulator per test: an
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
