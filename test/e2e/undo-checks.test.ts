// Undo plans pass the same checks as any plan (issue 14), end to end through the CLI in-process (main(argv, io)):
// undo reads the live state of what it touches and refuses, at the journal line, what the instance would refuse
// (exit 1, nothing saved, nothing sent); the same journal undoes once the live data allows it.

import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.ts';
import { e2eContext, mutatingRequests } from '../helpers/cli.ts';
import { emulatorFetch } from '../helpers/emulator.ts';

async function userId(emulator: RunningEmulator, externalId: string): Promise<string> {
  const response = await emulatorFetch(emulator, 'GET', `/users?external_id=${externalId}`);
  const [user] = response.body as { id: string }[];
  if (!user) throw new Error(`no user ${externalId}`);
  return user.id;
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

function manifest(emails: string[]): string {
  return `apiVersion: clerk-sync/v1
users:
  - externalId: emp-001
    emailAddresses: [${emails.join(', ')}]
`;
}

describe('undo runs the instance checks', () => {
  it("refuses an older journal's undo that would remove a user's only email address, at the journal line", async () => {
    const e2e = await e2eContext({ seed: { users: [{ external_id: 'emp-001', email_address: ['old@acme.test'] }] } });
    // The first apply adds new@acme.test; a later one removes old@acme.test: the added address is now the only one.
    await e2e.write('add.yaml', manifest(['old@acme.test', 'new@acme.test']));
    await e2e.write('move.yaml', manifest(['new@acme.test']));
    const first = await e2e.cli(['apply', '-f', 'add.yaml', '--auto-approve', '--journal', 'j1.jsonl']);
    expect(first.code, first.stderr).toBe(0);
    const second = await e2e.cli(['apply', '-f', 'move.yaml', '--auto-approve', '--journal', 'j2.jsonl']);
    expect(second.code, second.stderr).toBe(0);

    e2e.emulator.resetStats();
    const undo = await e2e.cli(['undo', 'j1.jsonl', '--out', 'u.json']);
    expect(undo.code).toBe(1);
    // j1.jsonl line 2 is the intent of add_email_address (line 1 is the header). The user is named as the journal
    // names it (a live label could be a value a manifest read from the environment).
    expect(undo.stderr).toMatch(
      /^j1\.jsonl:2:1: error\[last_identification_removal\]: user "emp-001" \(old@acme\.test\) would be left with no email address, phone number or username/m,
    );
    expect(undo.stderr).toContain('hint: The apply being undone added this identifier');
    expect(undo.stderr).toContain('code: plan_invalid');
    expect(undo.stdout).toBe('');
    expect(await exists(join(e2e.dir, 'u.json'))).toBe(false);
    expect(mutatingRequests(e2e.emulator.stats())).toEqual({});

    // Once the user has another identifier, the same journal undoes, and applying it removes the address.
    const id = await userId(e2e.emulator, 'emp-001');
    await emulatorFetch(e2e.emulator, 'POST', '/email_addresses', {
      user_id: id,
      email_address: 'other@acme.test',
      verified: true,
    });
    const again = await e2e.cli(['undo', 'j1.jsonl', '--out', 'u.json']);
    expect(again.code, again.stderr).toBe(0);
    const applied = await e2e.cli(['apply', 'u.json', '--auto-approve']);
    expect(applied.code, applied.stderr).toBe(0);
    const user = (await emulatorFetch(e2e.emulator, 'GET', `/users/${id}`)).body as {
      email_addresses: { email_address: string }[];
    };
    expect(user.email_addresses.map((email) => email.email_address)).toStrictEqual(['other@acme.test']);
  });

  it('refuses an undo that would leave an organization without an admin', async () => {
    const e2e = await e2eContext({
      seed: {
        organizations: [{ name: 'Acme Inc', slug: 'acme' }],
        users: [
          { external_id: 'emp-001', email_address: ['alice@acme.test'] },
          { external_id: 'emp-002', email_address: ['bob@acme.test'] },
        ],
        memberships: [
          { organization: 'acme', user: 'emp-001', role: 'org:member' },
          { organization: 'acme', user: 'emp-002', role: 'org:admin' },
        ],
      },
    });
    // The apply promotes Alice; then Bob, the other admin, leaves acme in the dashboard.
    await e2e.write(
      'promote.yaml',
      `apiVersion: clerk-sync/v1
organizations: [{ slug: acme, name: Acme Inc }]
users:
  - externalId: emp-001
    memberships: [{ org: acme, role: "org:admin" }]
`,
    );
    const run = await e2e.cli(['apply', '-f', 'promote.yaml', '--auto-approve', '--journal', 'j.jsonl']);
    expect(run.code, run.stderr).toBe(0);
    const acme = (await emulatorFetch(e2e.emulator, 'GET', '/organizations/acme')).body as { id: string };
    const left = await emulatorFetch(
      e2e.emulator,
      'DELETE',
      `/organizations/${acme.id}/memberships/${await userId(e2e.emulator, 'emp-002')}`,
    );
    expect(left.status).toBe(200);

    const undo = await e2e.cli(['undo', 'j.jsonl', '--format', 'json']);
    expect(undo.code).toBe(1);
    expect(undo.stderr).toMatch(
      /^j\.jsonl:2:1: error\[organization_without_admin\]: organization "acme" would have 1 member and no org:admin after the plan/m,
    );
    // No plan on stdout: the error, as JSON since --format json.
    expect(JSON.parse(undo.stdout)).toMatchObject({ status: 'error', error: { code: 'plan_invalid' } });
  });

  it('a passing undo plan carries what cannot be undone in its warnings', async () => {
    const e2e = await e2eContext({
      seed: { users: [{ external_id: 'emp-001', email_address: ['old@acme.test', 'new@acme.test'] }] },
    });
    await e2e.write('move.yaml', manifest(['new@acme.test']));
    const run = await e2e.cli(['apply', '-f', 'move.yaml', '--auto-approve', '--journal', 'j.jsonl']);
    expect(run.code, run.stderr).toBe(0);
    const undo = await e2e.cli(['undo', 'j.jsonl', '--format', 'json']);
    expect(undo.code, undo.stderr).toBe(0);
    const plan = JSON.parse(undo.stdout) as {
      source: unknown;
      operations: { id: string; source?: unknown }[];
      warnings: { code: string; severity: string; message: string }[];
    };
    expect(plan.source).toStrictEqual({ kind: 'undo', journal: 'j.jsonl' });
    expect(plan.operations.map((op) => op.id)).toStrictEqual(['add_email_address:emp-001/old@acme.test']);
    expect(plan.operations.every((op) => typeof op.source === 'object')).toBe(true);
    expect(plan.warnings).toStrictEqual([
      expect.objectContaining({
        code: 'undo_irreversible',
        severity: 'warning',
        message: expect.stringContaining('primary email address of user new@acme.test was changed from old@acme.test'),
      }),
    ]);
  });
});
