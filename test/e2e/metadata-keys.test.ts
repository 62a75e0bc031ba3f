// Any key a JSON object can hold round-trips (issue 15): `__proto__`, `constructor` and `prototype` in metadata,
// merge and replace mode, are planned, sent, stored by the emulator, verified, and exported again, end to end
// through the CLI in-process (main(argv, io)).

import { describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.ts';
import { e2eContext } from '../helpers/cli.ts';
import { emulatorFetch } from '../helpers/emulator.ts';

/** Seeds are built by JSON.parse, as a server's body is read: `__proto__` is an own key there. */
const SEED = JSON.parse(`{"users": [
  { "external_id": "emp-001", "email_address": ["ada@acme.test"],
    "public_metadata": { "team": "platform", "__proto__": { "old": 1 } },
    "private_metadata": { "constructor": "old" } },
  { "external_id": "emp-002", "email_address": ["bob@acme.test"], "public_metadata": { "team": "data" } }
]}`) as { users: Record<string, unknown>[] };

async function metadataOf(emulator: RunningEmulator, externalId: string): Promise<string> {
  const response = await emulatorFetch(emulator, 'GET', `/users?external_id=${externalId}`);
  const [user] = response.body as { public_metadata: unknown; private_metadata: unknown }[];
  // The text, so a key that became a prototype (and so vanished from JSON) cannot look equal.
  return JSON.stringify({ public: user?.public_metadata, private: user?.private_metadata });
}

describe('metadata keys named __proto__, constructor and prototype', () => {
  it('merge mode: planned, sent, stored and verified; a second plan has no changes', async () => {
    const e2e = await e2eContext({ seed: SEED });
    const file = await e2e.write(
      'users.yaml',
      `apiVersion: clerk-sync/v1
settings: { metadataMode: merge }
users:
  - externalId: emp-001
    publicMetadata:
      __proto__: { admin: true }
      prototype: { x: 1 }
    privateMetadata: { constructor: new }
  - externalId: emp-002
    publicMetadata:
      __proto__: { admin: true }
`,
    );
    const plan = await e2e.cli(['plan', '-f', file, '--format', 'json']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('"__proto__"');
    expect(plan.stdout).toContain('"admin"');
    const applied = await e2e.cli(['apply', '-f', file, '--auto-approve']);
    expect(applied.code, applied.stderr + applied.stdout).toBe(0);
    expect(await metadataOf(e2e.emulator, 'emp-001')).toBe(
      JSON.stringify({
        public: JSON.parse('{"team":"platform","__proto__":{"old":1,"admin":true},"prototype":{"x":1}}'),
        private: { constructor: 'new' },
      }),
    );
    expect(await metadataOf(e2e.emulator, 'emp-002')).toBe(
      JSON.stringify({ public: JSON.parse('{"team":"data","__proto__":{"admin":true}}'), private: {} }),
    );
    const again = await e2e.cli(['plan', '-f', file, '--detailed-exitcode']);
    expect(again.code, again.stdout).toBe(0);
    expect(again.stdout).toContain('No changes');
  });

  it('a created user keeps them, applied from a saved plan', async () => {
    const e2e = await e2eContext({ seed: SEED });
    const file = await e2e.write(
      'users.yaml',
      `apiVersion: clerk-sync/v1
settings: { metadataMode: merge }
users:
  - externalId: emp-003
    emailAddresses: [cy@acme.test]
    publicMetadata: { __proto__: { admin: true }, constructor: { name: c } }
`,
    );
    const saved = await e2e.cli(['plan', '-f', file, '--out', 'p.json']);
    expect(saved.code, saved.stderr).toBe(0);
    const applied = await e2e.cli(['apply', 'p.json', '--auto-approve']);
    expect(applied.code, applied.stderr + applied.stdout).toBe(0);
    expect(JSON.parse(await metadataOf(e2e.emulator, 'emp-003')).public).toBeDefined();
    expect(await metadataOf(e2e.emulator, 'emp-003')).toContain(
      '"public":{"__proto__":{"admin":true},"constructor":{"name":"c"}}',
    );
    const again = await e2e.cli(['plan', '-f', file, '--detailed-exitcode']);
    expect(again.code, again.stdout).toBe(0);
  });

  it('replace mode: stored as written, verified, exported with the keys, and the export plans to no changes', async () => {
    const e2e = await e2eContext({ seed: SEED });
    const file = await e2e.write(
      'users.yaml',
      `apiVersion: clerk-sync/v1
users:
  - externalId: emp-002
    publicMetadata:
      __proto__: { admin: true }
      constructor: c
      prototype: [1]
`,
    );
    const applied = await e2e.cli(['apply', '-f', file, '--auto-approve']);
    expect(applied.code, applied.stderr + applied.stdout).toBe(0);
    expect(JSON.parse(await metadataOf(e2e.emulator, 'emp-002')).public).toBeDefined();
    expect(await metadataOf(e2e.emulator, 'emp-002')).toContain(
      '"public":{"__proto__":{"admin":true},"constructor":"c","prototype":[1]}',
    );
    const again = await e2e.cli(['plan', '-f', file, '--detailed-exitcode']);
    expect(again.code, again.stdout).toBe(0);

    const exported = await e2e.cli(['export', '-o', 'all.yaml', '--include-metadata', 'public,private']);
    expect(exported.code, exported.stderr).toBe(0);
    const round = await e2e.cli(['plan', '-f', 'all.yaml', '--detailed-exitcode']);
    expect(round.code, round.stdout + round.stderr).toBe(0);
    const { readFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const text = await readFile(join(e2e.dir, 'all.yaml'), 'utf8');
    expect(text).toMatch(/__proto__:/);
    expect(text).toMatch(/constructor: (old|c)/);
  });
});
