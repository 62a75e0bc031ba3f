// A canary environment variable with a random value, used in every manifest field that takes a string (names,
// username, externalId, emails, metadata of all three kinds, organization name and key; phones, which take digits
// only, from a second canary of random digits), through the CLI in-process (main(argv, io)) against a fresh
// emulator: validate, plan (text, JSON, Markdown, --out, --github annotations, $GITHUB_STEP_SUMMARY), drift (every
// format, --github) and the diagnostics of invalid and unplannable manifests never print either value, in stdout,
// stderr or any file written; `--show-env CANARY` shows it. The secret key's variable is never read into a manifest.

import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CliResult, type E2eContext, e2eContext, mutatingRequests } from '../helpers/cli.ts';
import { emulatorFetch } from '../helpers/emulator.ts';

const CANARY = `cnry${randomBytes(8).toString('hex')}`;
const DIGITS = String(100_000_000 + (randomBytes(4).readUInt32BE() % 900_000_000));
const ENV = { CANARY, DIGITS };

/** Live: acme (another name), emp-1 with other values and a member of acme; boss, acme's admin. */
const LIVE = {
  organizations: [{ name: 'Acme Old', private_metadata: { clerkSync: { key: 'acme' } } }],
  users: [
    { external_id: 'boss', email_address: ['boss@example.test'] },
    {
      external_id: 'emp-1',
      email_address: ['old@example.test'],
      username: 'olduser',
      first_name: 'Old',
      public_metadata: { a: 'old' },
      private_metadata: { b: 'old-private', clerkSync: { managedBy: 'clerk-sync' } },
      unsafe_metadata: { c: 'old' },
    },
  ],
  memberships: [
    { organization: 'Acme Old', user: 'boss', role: 'org:admin' },
    { organization: 'Acme Old', user: 'emp-1', role: 'org:member' },
  ],
};

const V = (name: string): string => `\${${name}}`;

/** The canary in every string field: a user to create, a user and an organization to change, one to create. */
const MANIFEST = `apiVersion: clerk-sync/v1
organizations:
  - slug: k${V('CANARY')}
    name: Org ${V('CANARY')}
  - slug: acme
    name: ${V('CANARY')}
users:
  - externalId: ${V('CANARY')}
    emailAddresses: ["${V('CANARY')}@example.test"]
    phoneNumbers: ["+1555${V('DIGITS')}"]
    username: u${V('CANARY')}
    firstName: ${V('CANARY')}
    lastName: ${V('CANARY')}
    publicMetadata: {a: "${V('CANARY')}", nested: {list: ["${V('CANARY')}"]}}
    privateMetadata: {b: "${V('CANARY')}"}
    unsafeMetadata: {c: "${V('CANARY')}"}
    memberships: [{org: "k${V('CANARY')}", role: "org:admin"}]
  - externalId: emp-1
    emailAddresses: ["x${V('CANARY')}@example.test"]
    phoneNumbers: ["+1556${V('DIGITS')}"]
    username: v${V('CANARY')}
    firstName: ${V('CANARY')}
    lastName: ${V('CANARY')}
    publicMetadata: {a: "${V('CANARY')}"}
    privateMetadata: {b: "${V('CANARY')}"}
    unsafeMetadata: {c: "${V('CANARY')}"}
    memberships: [{org: acme, role: "org:admin"}]
`;

/** Every value the canaries could show as. */
const SECRETS = [CANARY, DIGITS];

async function filesUnder(dir: string): Promise<{ name: string; text: string }[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return Promise.all(
    entries
      .filter((entry) => entry.isFile())
      .map(async (entry) => {
        const name = join(entry.parentPath, entry.name);
        return { name, text: await readFile(name, 'utf8') };
      }),
  );
}

/** No run's output and no file in the test directory holds a canary value. */
async function expectNoCanary(e2e: E2eContext, runs: CliResult[]): Promise<void> {
  for (const run of runs) {
    for (const secret of SECRETS) {
      expect(run.stdout, run.stdout).not.toContain(secret);
      expect(run.stderr, run.stderr).not.toContain(secret);
    }
  }
  const files = await filesUnder(e2e.dir);
  for (const file of files) {
    for (const secret of SECRETS) expect(file.text, file.name).not.toContain(secret);
  }
}

async function context(): Promise<E2eContext> {
  const e2e = await e2eContext({ seed: LIVE });
  await e2e.write('users.yaml', MANIFEST);
  return e2e;
}

describe('a canary read from the environment never appears in any output', () => {
  it('validate, plan in every format, --out, --github annotations and the step summary', async () => {
    const e2e = await context();
    const github = { ...ENV, GITHUB_STEP_SUMMARY: join(e2e.dir, 'summary.md') };
    const runs = [
      await e2e.cli(['validate', '-f', 'users.yaml'], { env: ENV }),
      await e2e.cli(['validate', '-f', 'users.yaml', '--format', 'json'], { env: ENV }),
      await e2e.cli(['validate', '-f', 'users.yaml', '--github'], { env: ENV }),
      await e2e.cli(['plan', '-f', 'users.yaml'], { env: ENV }),
      await e2e.cli(['plan', '-f', 'users.yaml', '--format', 'json'], { env: ENV }),
      await e2e.cli(['plan', '-f', 'users.yaml', '--format', 'markdown', '--out', 'plan.json'], { env: ENV }),
      await e2e.cli(['plan', '-f', 'users.yaml', '--format', 'markdown', '--github'], { env: github }),
    ];
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    // Each output did show the plan, with the values by reference.
    const [, , , text, json, markdown] = runs as CliResult[];
    expect(text?.stdout).toContain('"(from ${CANARY})"');
    expect(text?.stdout).toContain('(from +1555${DIGITS})');
    expect(json?.stdout).toContain('"create_membership:(from k${CANARY})/(from ${CANARY})"');
    expect(markdown?.stdout).toContain('(from Org ${CANARY})');
    const saved = JSON.parse(await readFile(join(e2e.dir, 'plan.json'), 'utf8')) as { operations: unknown[] };
    expect(saved.operations.length).toBeGreaterThan(5);
    expect(await readFile(join(e2e.dir, 'summary.md'), 'utf8')).toContain('(from u${CANARY})');
    await expectNoCanary(e2e, runs);
    expect(mutatingRequests(e2e.emulator.stats())).toEqual({});
  });

  it('drift in every format, with --github and the step summary', async () => {
    const e2e = await context();
    const github = { ...ENV, GITHUB_STEP_SUMMARY: join(e2e.dir, 'drift-summary.md') };
    const runs = [
      await e2e.cli(['drift', '-f', 'users.yaml'], { env: ENV }),
      await e2e.cli(['drift', '-f', 'users.yaml', '--format', 'json'], { env: ENV }),
      await e2e.cli(['drift', '-f', 'users.yaml', '--format', 'markdown'], { env: ENV }),
      await e2e.cli(['drift', '-f', 'users.yaml', '--github'], { env: github }),
    ];
    for (const run of runs) expect(run.code, run.stderr).toBe(2);
    expect(runs[0]?.stdout).toContain('firstName is "Old" live; the manifest says "(from ${CANARY})"');
    expect(runs[3]?.stdout).toMatch(/^::error file=users\.yaml/m);
    expect(await readFile(join(e2e.dir, 'drift-summary.md'), 'utf8')).toContain('(from v${CANARY})');
    await expectNoCanary(e2e, runs);
  });

  it('apply: a dry run, and a saved plan applied with --github and a journal', async () => {
    const e2e = await context();
    const github = { ...ENV, GITHUB_STEP_SUMMARY: join(e2e.dir, 'apply-summary.md') };
    const dryRun = await e2e.cli(['apply', '-f', 'users.yaml', '--dry-run'], { env: ENV });
    expect(dryRun.code, dryRun.stderr).toBe(0);
    expect(dryRun.stdout).toContain('(from ${CANARY})');
    const plan = await e2e.cli(['plan', '-f', 'users.yaml', '--out', 'plan.json'], { env: ENV });
    const apply = await e2e.cli(['apply', 'plan.json', '--auto-approve', '--github', '--journal', 'j.jsonl'], {
      env: github,
    });
    expect(apply.code, apply.stderr).toBe(0);
    expect(apply.stdout).toContain('Verified: the live state matches the manifest.');
    expect(await readFile(join(e2e.dir, 'apply-summary.md'), 'utf8')).toContain('(from u${CANARY})');
    // The values did reach the instance: they are shown by reference, not kept from it.
    const users = (await emulatorFetch(e2e.emulator, 'GET', '/users?limit=10')).body as { first_name: string | null }[];
    expect(users.map((user) => user.first_name)).toContain(CANARY);
    const undo = await e2e.cli(['undo', 'j.jsonl', '--out', 'undo.json'], { env: ENV });
    expect(undo.code, undo.stderr).toBe(0);
    await expectNoCanary(e2e, [dryRun, plan, apply, undo]);
  });

  it('shows the value where the command line allows its variable, and only there', async () => {
    const e2e = await context();
    const plan = await e2e.cli(['plan', '-f', 'users.yaml', '--show-env', 'CANARY'], { env: ENV });
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain(`"Org ${CANARY}"`);
    expect(plan.stdout).not.toContain(DIGITS);
    const drift = await e2e.cli(['drift', '-f', 'users.yaml', '--show-env', 'CANARY', '--show-env', 'DIGITS'], {
      env: ENV,
    });
    expect(drift.stdout).toContain(`the manifest says "${CANARY}"`);
    expect(drift.stdout).toContain(DIGITS);
  });

  it('diagnostics of an invalid manifest name the values by reference', async () => {
    const e2e = await context();
    await e2e.write(
      'dup.yaml',
      `apiVersion: clerk-sync/v1
organizations:
  - slug: acme
    name: Acme
users:
  - externalId: ${V('CANARY')}
    emailAddresses: ["${V('CANARY')}@example.test", "${V('CANARY')}@example.test"]
    phoneNumbers: ["+1555${V('DIGITS')}", "+1555${V('DIGITS')}"]
    username: u${V('CANARY')}
    memberships: [{org: "o${V('CANARY')}", role: "org:admin"}]
  - externalId: ${V('CANARY')}
    username: u${V('CANARY')}
`,
    );
    const runs = [
      await e2e.cli(['validate', '-f', 'dup.yaml'], { env: ENV }),
      await e2e.cli(['validate', '-f', 'dup.yaml', '--format', 'json'], { env: ENV }),
      await e2e.cli(['validate', '-f', 'dup.yaml', '--github'], { env: ENV }),
      await e2e.cli(['plan', '-f', 'dup.yaml', '--github'], { env: ENV }),
    ];
    for (const run of runs) expect(run.code).toBe(1);
    const all = runs.map((run) => run.stdout + run.stderr).join('\n');
    for (const code of ['duplicate_user', 'duplicate_email', 'duplicate_phone', 'duplicate_username']) {
      expect(all).toContain(code);
    }
    expect(all).toContain('unknown_organization');
    expect(all).toContain('(from ${CANARY})');
    await expectNoCanary(e2e, runs);
  });

  it('plan errors about live conflicts name the values by reference', async () => {
    const e2e = await e2eContext({
      seed: { users: [{ external_id: 'other', email_address: [`${CANARY}@example.test`] }] },
    });
    await e2e.write(
      'taken.yaml',
      `apiVersion: clerk-sync/v1
users:
  - externalId: emp-9
    emailAddresses: ["${V('CANARY')}@example.test"]
`,
    );
    const run = await e2e.cli(['plan', '-f', 'taken.yaml'], { env: ENV });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('(from ${CANARY}@example.test)');
    expect(run.stderr).not.toContain(CANARY);
  });

  it('never reads the secret key into a manifest, with or without a default', async () => {
    const e2e = await context();
    await e2e.write(
      'key.yaml',
      `apiVersion: clerk-sync/v1
users:
  - externalId: emp-1
    firstName: ${V('CLERK_SECRET_KEY')}
    lastName: "\${CLERK_SECRET_KEY:-x}"
`,
    );
    const runs = [
      await e2e.cli(['validate', '-f', 'key.yaml']),
      await e2e.cli(['plan', '-f', 'key.yaml', '--format', 'markdown']),
    ];
    for (const run of runs) {
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/key\.yaml:4:16: error\[forbidden_variable\]/);
      expect(run.stderr).toMatch(/key\.yaml:5:16: error\[forbidden_variable\]/);
      expect(run.stdout + run.stderr).not.toContain(e2e.env.CLERK_SECRET_KEY);
    }
    // Only the reads plan starts while the manifest loads (issue 17, "Overlap"): never a change.
    const { byRoute } = e2e.emulator.stats();
    expect(Object.keys(byRoute).every((route) => route.startsWith('GET '))).toBe(true);
  });

  it('never prints an environment secret key: written in the project file, or read by a manifest', async () => {
    const e2e = await context();
    const key = e2e.env.CLERK_SECRET_KEY as string;
    await e2e.write(
      'clerk-sync.yaml',
      `apiVersion: clerk-sync/v1\nenvironments:\n  staging:\n    files: [users.yaml]\n    secretKeyEnv: ${key}\n`,
    );
    const written = [
      await e2e.cli(['validate', '--env', 'staging']),
      await e2e.cli(['plan', '--env', 'staging', '--format', 'json']),
    ];
    for (const run of written) {
      expect(run.code).toBe(1);
      expect(run.stderr + run.stdout).toContain('secret_in_project');
      expect(run.stdout + run.stderr).not.toContain(key);
    }
    // The key in STAGING_KEY (and a copy in ALSO): an overlay reading either is refused, never shown.
    await e2e.write(
      'clerk-sync.yaml',
      `apiVersion: clerk-sync/v1\nenvironments:\n  staging:\n    files: [users.yaml, overlay.yaml]\n    secretKeyEnv: STAGING_KEY\n`,
    );
    await e2e.write(
      'overlay.yaml',
      `apiVersion: clerk-sync/v1\noverlay: true\nusers:\n  emp-1: {firstName: "${V('STAGING_KEY')}", lastName: "${V('ALSO')}"}\n`,
    );
    const env = { CLERK_SECRET_KEY: undefined, STAGING_KEY: key, ALSO: key };
    const read = [
      await e2e.cli(['validate', '--env', 'staging'], { env }),
      await e2e.cli(['plan', '--env', 'staging', '--format', 'markdown', '-v'], { env }),
    ];
    for (const run of read) {
      expect(run.code).toBe(1);
      expect(run.stdout + run.stderr).not.toContain(key);
    }
    await expectNoCanary(e2e, [...written, ...read]);
    expect(Object.keys(mutatingRequests(e2e.emulator.stats()))).toEqual([]);
  });
});

describe('a password digest never appears in any output', () => {
  it('validate, plan in every format, --out, a dry run, apply with --github and a journal, undo, and errors', async () => {
    const { bcrypt } = await import('hash-wasm');
    const salt = randomBytes(16);
    const [fromEnv, inline] = await Promise.all(
      ['Canary-Digest-1!', 'Canary-Digest-2!'].map((password) =>
        bcrypt({ password, salt, costFactor: 4, outputType: 'encoded' }),
      ),
    );
    // The part after the cost is what only this digest holds (the prefix is every bcrypt digest's).
    const digests = [fromEnv, inline].map((digest) => (digest as string).slice(7));
    const e2e = await e2eContext();
    const env = { DIGEST: fromEnv as string, GITHUB_STEP_SUMMARY: join(e2e.dir, 'summary.md') };
    await e2e.write(
      'users.yaml',
      `apiVersion: clerk-sync/v1
users:
  - externalId: from-env
    passwordDigest: \${DIGEST}
    passwordHasher: bcrypt
  - externalId: inline
    passwordDigest: "${inline}"
    passwordHasher: bcrypt
`,
    );
    await e2e.write(
      'bad.yaml',
      `apiVersion: clerk-sync/v1
users:
  - externalId: both
    password: x
    passwordDigest: "${inline}"
    passwordHasher: bcrypt
  - externalId: half
    passwordDigest: "${inline}"
  - externalId: wrong
    passwordDigest: "${inline}"
    passwordHasher: md6
`,
    );
    const runs = [
      await e2e.cli(['validate', '-f', 'users.yaml', '--format', 'json'], { env }),
      await e2e.cli(['plan', '-f', 'users.yaml'], { env }),
      await e2e.cli(['plan', '-f', 'users.yaml', '--format', 'json'], { env }),
      await e2e.cli(['plan', '-f', 'users.yaml', '--format', 'markdown', '--github', '--out', 'plan.json'], { env }),
      await e2e.cli(['apply', '-f', 'users.yaml', '--dry-run'], { env }),
      await e2e.cli(['apply', 'plan.json', '-f', 'users.yaml', '--auto-approve', '--github', '--journal', 'j.jsonl'], {
        env,
      }),
      await e2e.cli(['undo', 'j.jsonl', '--out', 'undo.json'], { env }),
    ];
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    const invalid = [
      await e2e.cli(['validate', '-f', 'bad.yaml'], { env }),
      await e2e.cli(['validate', '-f', 'bad.yaml', '--format', 'json', '--github'], { env }),
      await e2e.cli(['plan', '-f', 'bad.yaml', '--format', 'markdown'], { env }),
    ];
    for (const run of invalid) expect(run.code).toBe(1);
    expect(invalid[0]?.stderr).toContain('conflicting_password_fields');
    expect(runs[1]?.stdout).toContain('passwordDigest: (sensitive)');
    const all = [...runs, ...invalid];
    for (const run of all) {
      for (const digest of digests) expect(run.stdout + run.stderr).not.toContain(digest);
    }
    for (const file of await filesUnder(e2e.dir)) {
      if (file.name.endsWith('.yaml')) continue;
      for (const digest of digests) expect(file.text, file.name).not.toContain(digest);
    }
  });
});

describe('generated users expanded from an environment value', () => {
  it('show it by reference in validate, every plan format, a dry run, apply and its journal', async () => {
    const e2e = await e2eContext({ settings: { password_required: false } });
    await e2e.write(
      'gen.yaml',
      `apiVersion: clerk-sync/v1
generate:
  - count: 3
    externalId: "${V('CANARY')}-{i:02}"
    emailAddresses: ["u{i}@${V('CANARY')}.test"]
    firstName: "${V('CANARY')} {firstName}"
    publicMetadata: { team: "${V('CANARY')}-{i}" }
`,
    );
    const runs = [
      await e2e.cli(['validate', '-f', 'gen.yaml', '--format', 'json'], { env: ENV }),
      await e2e.cli(['plan', '-f', 'gen.yaml'], { env: ENV }),
      await e2e.cli(['plan', '-f', 'gen.yaml', '--format', 'json', '--out', 'plan.json'], { env: ENV }),
      await e2e.cli(['plan', '-f', 'gen.yaml', '--format', 'markdown'], { env: ENV }),
      await e2e.cli(['apply', '-f', 'gen.yaml', '--dry-run'], { env: ENV }),
      await e2e.cli(['apply', '-f', 'gen.yaml', '--auto-approve', '--journal', 'j.jsonl'], { env: ENV }),
    ];
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    expect(runs[1]?.stdout).toContain('+ user (from ${CANARY}-02) ((from u2@${CANARY}.test))');
    // The values did reach the instance.
    const users = (await emulatorFetch(e2e.emulator, 'GET', '/users?limit=10')).body as { external_id: string }[];
    expect(users.map((user) => user.external_id)).toContain(`${CANARY}-02`);
    const again = await e2e.cli(['plan', '-f', 'gen.yaml'], { env: ENV });
    expect(again.stdout).toContain('No changes.');
    await expectNoCanary(e2e, [...runs, again]);
  });
});
