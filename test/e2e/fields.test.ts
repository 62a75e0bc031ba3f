// The fields added as rows of the field tables (src/fields), end to end through the built CLI against the emulator
// (`npm run build` first): plan -> apply -> a second plan has no changes; one change plans exactly one update.

import { describe, expect, it } from 'vitest';
import { e2eContext } from '../helpers/cli.ts';
import { emulatorFetch } from '../helpers/emulator.ts';

const SEED = { users: [{ external_id: 'emp-001', email_address: ['ada@acme.test'] }] };

describe('legalAcceptedAt', () => {
  it('is applied, compared by instant, and a changed value plans exactly one update_user', async () => {
    const e2e = await e2eContext({ seed: SEED });
    const manifest = (value: string) => `apiVersion: clerk-sync/v1
users:
  - externalId: emp-001
    legalAcceptedAt: "${value}"
  - externalId: emp-002
    emailAddresses: [bo@acme.test]
    legalAcceptedAt: "2024-06-01T08:30:00Z"
`;
    const file = await e2e.write('users.yaml', manifest('2024-05-01T14:00:00+02:00'));
    const applied = await e2e.cli(['apply', '-f', file, '--auto-approve']);
    expect(applied.code, applied.stderr + applied.stdout).toBe(0);
    const read = await emulatorFetch(e2e.emulator, 'GET', '/users?external_id=emp-001&external_id=emp-002');
    const stored = (read.body as { external_id: string; legal_accepted_at: number }[])
      .map((user) => [user.external_id, user.legal_accepted_at])
      .sort();
    expect(stored).toEqual([
      ['emp-001', Date.UTC(2024, 4, 1, 12)],
      ['emp-002', Date.UTC(2024, 5, 1, 8, 30)],
    ]);

    // The same instant written another way is no change.
    await e2e.write('users.yaml', manifest('2024-05-01T12:00:00.000Z'));
    const again = await e2e.cli(['plan', '-f', file, '--detailed-exitcode']);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toContain('No changes');

    await e2e.write('users.yaml', manifest('2025-01-01T00:00:00Z'));
    const changed = await e2e.cli(['plan', '-f', file, '--format', 'json']);
    expect(changed.code, changed.stderr).toBe(0);
    const plan = JSON.parse(changed.stdout) as { operations: { type: string; changes?: unknown }[] };
    expect(plan.operations).toEqual([
      expect.objectContaining({
        type: 'update_user',
        changes: { legalAcceptedAt: { before: '2024-05-01T12:00:00.000Z', after: '2025-01-01T00:00:00.000Z' } },
      }),
    ]);
  });
});

describe('organization publicMetadata / privateMetadata', () => {
  it("is applied (replace), keeps clerk-sync's mark, and a changed value plans exactly one metadata update", async () => {
    const e2e = await e2eContext({
      seed: {
        organizations: [
          {
            name: 'Acme',
            slug: 'acme',
            public_metadata: { tier: 'silver', region: 'eu' },
            private_metadata: { crm: 'old' },
          },
        ],
      },
    });
    const manifest = (tier: string) => `apiVersion: clerk-sync/v1
organizations:
  - slug: acme
    name: Acme
    publicMetadata: { tier: ${tier} }
    privateMetadata: { crm: c-1 }
  - slug: globex
    name: Globex
    publicMetadata: { tier: bronze }
users: []
`;
    const file = await e2e.write('orgs.yaml', manifest('gold'));
    const applied = await e2e.cli(['apply', '-f', file, '--auto-approve']);
    expect(applied.code, applied.stderr + applied.stdout).toBe(0);
    const read = await emulatorFetch(e2e.emulator, 'GET', '/organizations?include_private_metadata=true');
    const stored = (read.body as { data: { name: string; public_metadata: unknown; private_metadata: unknown }[] }).data
      .map((org) => [org.name, org.public_metadata, org.private_metadata])
      .sort();
    expect(stored).toEqual([
      // Acme matched by its slug: no mark needed. Globex was created (without a slug: the emulator has them off).
      ['Acme', { tier: 'gold' }, { crm: 'c-1' }],
      ['Globex', { tier: 'bronze' }, { clerkSync: { key: 'globex' } }],
    ]);

    const again = await e2e.cli(['plan', '-f', file, '--detailed-exitcode']);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toContain('No changes');

    await e2e.write('orgs.yaml', manifest('platinum'));
    const changed = await e2e.cli(['plan', '-f', file, '--format', 'json']);
    expect(changed.code, changed.stderr).toBe(0);
    const plan = JSON.parse(changed.stdout) as { operations: { type: string; changes?: unknown }[] };
    expect(plan.operations).toEqual([
      expect.objectContaining({
        type: 'update_organization_metadata',
        changes: {
          publicMetadata: expect.objectContaining({ before: { tier: 'gold' }, after: { tier: 'platinum' } }),
        },
      }),
    ]);
  });
});
