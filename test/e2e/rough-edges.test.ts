// What a new user runs into first, through the CLI in-process (main(argv, io)) against a fresh emulator:
// `--journal` with an absolute path, a nightly drift job without seed secrets, a misspelt `--ignore`, and a
// manifest given where a flag or a saved plan belongs.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { e2eContext, mutatingRequests } from '../helpers/cli.ts';
import { emulatorFetch } from '../helpers/emulator.ts';

const MANIFEST = `apiVersion: clerk-sync/v1
settings:
  prune: true
users:
  - externalId: emp-001
    emailAddresses: [alice@acme.test]
    firstName: Alice
    password: \${ALICE_PASSWORD}
  - externalId: emp-002
    emailAddresses: [bob@acme.test]
    firstName: Bob
    password: \${BOB_PASSWORD}
`;

const PASSWORDS = { ALICE_PASSWORD: 'Alice-Password-2026!', BOB_PASSWORD: 'Bob-Password-2026!' };

describe('a new user', () => {
  it('--journal /abs/path.jsonl writes there, and the printed undo command works from anywhere', async () => {
    const e2e = await e2eContext();
    const file = await e2e.write('users.yaml', MANIFEST);
    const journal = join(e2e.dir, 'logs', 'run.jsonl');
    const applied = await e2e.cli(['apply', '-f', file, '--auto-approve', '--journal', journal], { env: PASSWORDS });
    expect(applied.code).toBe(0);
    expect(applied.stderr).toContain(`Journal: ${journal} (undo with: clerk-sync undo ${journal})`);
    const undo = await e2e.cli(['undo', journal]);
    expect(undo.stderr).not.toContain('Error');
    expect(undo.code).toBe(0);
    expect(undo.stdout).toContain('delete user (undo: created by the apply this journal records)');
    expect(undo.stdout).not.toContain('prune');
  });

  it('plan and drift of users that exist need no password variables; creating one names every user', async () => {
    const e2e = await e2eContext();
    const file = await e2e.write('users.yaml', MANIFEST);
    expect((await e2e.cli(['apply', '-f', file, '--auto-approve'], { env: PASSWORDS })).code).toBe(0);
    const plan = await e2e.cli(['plan', '-f', file, '--detailed-exitcode']);
    expect(plan.stderr).not.toContain('error');
    expect(plan.code).toBe(0);
    expect((await e2e.cli(['drift', '-f', file])).code).toBe(0);

    const more = await e2e.write(
      'more.yaml',
      `${MANIFEST}${[3, 4, 5]
        .map(
          (n) => `  - externalId: emp-00${n}\n    emailAddresses: [u${n}@acme.test]\n    password: \${SEED_PASSWORD}\n`,
        )
        .join('')}`,
    );
    const creating = await e2e.cli(['plan', '-f', more]);
    expect(creating.code).toBe(1);
    expect(creating.stderr.match(/error\[unset_variable\]/g)).toHaveLength(1);
    expect(creating.stderr).toContain(
      'more.yaml:15:15: error[unset_variable]: environment variable SEED_PASSWORD is not set: the passwords of the 3 users this plan creates (emp-003, emp-004, emp-005)',
    );
    // A user deleted live is drift (missing), not an error about the password drift would never send.
    const [bob] = (await emulatorFetch(e2e.emulator, 'GET', '/users?external_id=emp-002')).body as { id: string }[];
    expect((await emulatorFetch(e2e.emulator, 'DELETE', `/users/${bob?.id}`)).status).toBe(200);
    const drift = await e2e.cli(['drift', '-f', file]);
    expect(drift.stderr).not.toContain('error');
    expect(drift.code).toBe(2);
    expect(drift.stdout).toContain('user emp-002 is declared in the manifest but does not exist live');
  });

  it('counts one thing in the singular: "Read 1 user", not "1 users"', async () => {
    const e2e = await e2eContext();
    const file = await e2e.write('one.yaml', MANIFEST.split('  - externalId: emp-002')[0] ?? '');
    expect((await e2e.cli(['apply', '-f', file, '--auto-approve'], { env: PASSWORDS })).code).toBe(0);
    const plan = await e2e.cli(['plan', '-f', file]);
    expect(plan.stderr).toMatch(/Read 1 user, 0 managed organizations, 0 memberships in [\d.]+s \(\d+ requests\)/);
  });

  it('--ignore is checked like settings.ignore', async () => {
    const e2e = await e2eContext();
    const file = await e2e.write('users.yaml', MANIFEST);
    for (const command of ['plan', 'drift', 'apply']) {
      const run = await e2e.cli([command, '-f', file, '--ignore', 'fristName'], { env: PASSWORDS });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(
        'Error: --ignore "fristName" does not name a user field (did you mean "firstName"?)',
      );
      expect(run.stderr).toContain('code: usage_error');
    }
    expect(mutatingRequests(e2e.emulator.stats())).toEqual({});
    const ignored = await e2e.cli(['plan', '-f', file, '--ignore', 'publicMetadata.lastSeenAt'], { env: PASSWORDS });
    expect(ignored.code).toBe(0);
  });

  it('a manifest given as an argument gets the -f command line', async () => {
    const e2e = await e2eContext();
    const file = await e2e.write('users.yaml', MANIFEST);
    const plan = await e2e.cli(['plan', file]);
    expect(plan.code).toBe(1);
    expect(plan.stderr).toContain('Error: plan reads manifests with -f, not as an argument: "users.yaml"');
    expect(plan.stderr).toContain('hint: Run `clerk-sync plan -f users.yaml`');
    const drift = await e2e.cli(['drift', '-f', file, 'other.yaml']);
    expect(drift.stderr).toContain('hint: Run `clerk-sync drift -f other.yaml`');
    const apply = await e2e.cli(['apply', file]);
    expect(apply.code).toBe(1);
    expect(apply.stderr).toContain('Error: users.yaml looks like a manifest, not a saved plan');
    expect(apply.stderr).toContain('hint: Apply a manifest with -f: `clerk-sync apply -f users.yaml`');
    expect(mutatingRequests(e2e.emulator.stats())).toEqual({});
  });
});
