// Wiping or removing metadata is destructive (issue 14), end to end through the CLI in-process (main(argv, io)):
// with an sk_live_ key, apply refuses it without --allow-production, from a manifest and from a saved plan, sending
// nothing; adding metadata stays constructive.

import { describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.ts';
import { e2eContext, mutatingRequests } from '../helpers/cli.ts';
import { emulatorFetch } from '../helpers/emulator.ts';

const LIVE_KEY = 'sk_live_destructive_metadata';

const SEED = {
  users: [
    {
      external_id: 'emp-001',
      email_address: ['ada@acme.test'],
      public_metadata: { team: 'platform' },
      private_metadata: { employeeId: 4700 },
    },
  ],
};

function manifest(user: string, settings = ''): string {
  return `apiVersion: clerk-sync/v1
${settings}users:
  - externalId: emp-001
${user}`;
}

async function metadataOf(emulator: RunningEmulator): Promise<{ public: unknown; private: unknown }> {
  const response = await emulatorFetch(emulator, 'GET', '/users?external_id=emp-001');
  const [user] = response.body as { public_metadata: unknown; private_metadata: unknown }[];
  return { public: user?.public_metadata, private: user?.private_metadata };
}

describe('a metadata wipe with a production key', () => {
  it('is refused without --allow-production, from the manifest and from a saved plan; allowed with it', async () => {
    const e2e = await e2eContext({ seed: SEED, secretKey: LIVE_KEY });
    const file = await e2e.write('users.yaml', manifest('    privateMetadata: {}\n'));

    const refused = await e2e.cli(['apply', '-f', file, '--auto-approve']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('code: production_destructive');
    expect(refused.stderr).toMatch(/destructive operation\(s\) \(update_metadata\)/);
    expect(mutatingRequests(e2e.emulator.stats())).toEqual({});

    const saved = await e2e.cli(['plan', '-f', file, '--out', 'p.json']);
    expect(saved.code, saved.stderr).toBe(0);
    const fromFile = await e2e.cli(['apply', 'p.json', '--auto-approve']);
    expect(fromFile.code).toBe(1);
    expect(fromFile.stderr).toContain('code: production_destructive');
    expect(mutatingRequests(e2e.emulator.stats())).toEqual({});
    expect(await metadataOf(e2e.emulator)).toEqual({ public: { team: 'platform' }, private: { employeeId: 4700 } });

    const allowed = await e2e.cli(['apply', '-f', file, '--auto-approve', '--allow-production']);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect((await metadataOf(e2e.emulator)).private).toEqual({});
  });

  it('removing one key in merge mode (null) is refused too; adding a key is not', async () => {
    const e2e = await e2eContext({ seed: SEED, secretKey: LIVE_KEY });
    const merge = 'settings: { metadataMode: merge }\n';
    const removal = await e2e.write('remove.yaml', manifest('    publicMetadata: { team: null }\n', merge));
    const refused = await e2e.cli(['apply', '-f', removal, '--auto-approve']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('code: production_destructive');
    expect(mutatingRequests(e2e.emulator.stats())).toEqual({});

    const addition = await e2e.write('add.yaml', manifest('    publicMetadata: { level: 2 }\n', merge));
    const added = await e2e.cli(['apply', '-f', addition, '--auto-approve']);
    expect(added.code, added.stderr).toBe(0);
    expect((await metadataOf(e2e.emulator)).public).toEqual({ team: 'platform', level: 2 });
  });
});
