// The library API (issue 18) the way a project that installed clerk-sync uses it: imported by the package's name,
// through package.json "exports" (dist/, so `npm run build` first). plan() returns the JSON plan the CLI prints,
// apply() applies it and verifies, a second plan is empty; nothing is printed; errors are ClerkSyncErrors with codes.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apply, type ClerkSyncError, plan, type RunningEmulator, startEmulator } from 'clerk-sync';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCliInProcess } from '../helpers/cli.ts';

const MANIFEST = `apiVersion: clerk-sync/v1
organizations:
  - { slug: acme, name: Acme Inc }
users:
  - externalId: emp-001
    emailAddresses: [alice@acme.test]
    firstName: Alice
    password: \${PW}
    memberships: [{ org: acme, role: org:admin }]
`;
const PW = 'Library-Password-2026!';

let emulator: RunningEmulator;
let dir: string;

beforeEach(async () => {
  emulator = await startEmulator({ port: 0 });
  dir = await mkdtemp(join(tmpdir(), 'clerk-sync-library-'));
  await writeFile(join(dir, 'seed.yaml'), MANIFEST);
});

afterEach(async () => {
  vi.restoreAllMocks();
  await emulator.close();
  await rm(dir, { recursive: true, force: true });
});

/** The connection and the variables the manifest reads, as a caller passes them. */
function connection(): { secretKey: string; apiUrl: string; cwd: string; variables: Record<string, string> } {
  return { secretKey: emulator.secretKey, apiUrl: emulator.url, cwd: dir, variables: { PW } };
}

async function rejection(promise: Promise<unknown>): Promise<ClerkSyncError> {
  try {
    await promise;
  } catch (error) {
    return error as ClerkSyncError;
  }
  throw new Error('expected a rejection');
}

describe("the library API, imported as 'clerk-sync'", () => {
  it('plans (the JSON the CLI prints), applies the plan, verifies, and plans nothing left; printing nothing', async () => {
    const stdout = vi.spyOn(process.stdout, 'write');
    const stderr = vi.spyOn(process.stderr, 'write');
    const planned = await plan({ files: ['seed.yaml'], ...connection() });
    expect(planned.formatVersion).toBe(2);
    expect(planned.operations.map((op) => op.id)).toStrictEqual([
      'create_organization:acme',
      'create_user:emp-001',
      'create_membership:acme/emp-001',
    ]);
    const cli = await runCliInProcess(['plan', '-f', 'seed.yaml', '--format', 'json'], {
      cwd: dir,
      env: { CLERK_SECRET_KEY: emulator.secretKey, CLERK_API_URL: emulator.url, PW },
    });
    expect(JSON.parse(cli.stdout)).toStrictEqual(planned);

    const outcome = await apply({ plan: planned }, { autoApprove: true, ...connection() });
    expect(outcome).toMatchObject({ status: 'applied', done: 3, failed: 0, skipped: 0, verified: true });
    expect(outcome.operations.map((op) => [op.id, op.status])).toStrictEqual([
      ['create_organization:acme', 'done'],
      ['create_user:emp-001', 'done'],
      ['create_membership:acme/emp-001', 'done'],
    ]);
    expect(outcome.journal).toMatch(/journal-[0-9a-f]{12}\.jsonl$/);
    expect(JSON.stringify([planned, outcome])).not.toContain(PW);

    expect((await plan({ files: ['seed.yaml'], ...connection() })).operations).toStrictEqual([]);
    const again = await apply({ files: ['seed.yaml'] }, { autoApprove: true, ...connection() });
    expect(again).toMatchObject({ status: 'no_changes', done: 0, operations: [], journal: null });
    expect(stdout).not.toHaveBeenCalled();
    expect(stderr).not.toHaveBeenCalled();
  });

  it('reads the secret key from `variables` (CLERK_SECRET_KEY) when not given', async () => {
    const planned = await plan({
      files: ['seed.yaml'],
      cwd: dir,
      variables: { PW, CLERK_SECRET_KEY: emulator.secretKey, CLERK_API_URL: emulator.url },
    });
    expect(planned.instance.apiUrl).toBe(emulator.url);
    const none = await rejection(plan({ files: ['seed.yaml'], cwd: dir, apiUrl: emulator.url, variables: { PW } }));
    expect(none.code).toBe('config_error');
  });

  it('throws ClerkSyncErrors with stable codes, the printed diagnostics in meta.log', async () => {
    const invalid = await rejection(plan({ files: ['missing.yaml'], ...connection() }));
    expect(invalid.code).toBe('manifest_invalid');
    expect(JSON.stringify(invalid.meta.diagnostics)).toContain('missing.yaml');

    await writeFile(join(dir, 'bad.yaml'), MANIFEST.replace('org:admin', 'org:ghost'));
    const refused = await rejection(plan({ files: ['bad.yaml'], ...connection() }));
    expect(refused.code).toBe('plan_invalid');
    expect(refused.meta.log).toContain('bad.yaml:9:');
    expect(refused.meta.log).toContain('error[unknown_role]');
    expect(refused.meta.log).not.toContain(PW);

    const unconfirmed = await rejection(apply({ files: ['seed.yaml'] }, { autoApprove: false, ...connection() }));
    expect(unconfirmed.code).toBe('confirmation_required');
    expect(emulator.stats().byRoute['POST /v1/users']).toBeUndefined();

    const project = await rejection(plan({ files: ['seed.yaml'], env: 'staging', ...connection() }));
    expect(project.code).toBe('usage_error');
    // `env` is read from the project file, as --env: there is none here.
    expect(project.message).toContain('--env staging needs a project file');
  });
});
