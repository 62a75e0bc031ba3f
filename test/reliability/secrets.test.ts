// No secret ever leaves the process: with a known secret key (the emulator's), a known wrong key, passwords from the
// environment and one written inline, every command runs (validate; plan as text, JSON and Markdown with --out;
// apply --dry-run; apply from a saved plan and from the manifest; drift; export; undo; failing runs with a wrong
// key, an unreachable API and a server that echoes the Authorization header), with --verbose wherever a command
// has it. None of the strings may appear in any stdout, stderr, plan file, journal, export or undo plan.

import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import { type CliRun, reportFigure, runCli, type Target } from './harness.ts';
import { answer, startHostileServer } from './hostile-server.ts';

const SECRET_KEY = 'sk_test_SUPERSECRET_abc123';
const WRONG_KEY = 'sk_test_WRONGKEY_zzz999';
const ENV_PASSWORD = 'EnvPassw0rd-SECRET-4f2a';
const INLINE_PASSWORD = 'InlinePassw0rd-SECRET-9c1d';
/** Never in any output or file. */
const SECRETS = [SECRET_KEY, WRONG_KEY, ENV_PASSWORD];
/** Files holding a secret on purpose (the manifest with an inline password): not outputs. */
const INPUTS = new Set(['users.yaml', 'users-v2.yaml']);

function manifest(version: 1 | 2): string {
  const users: Record<string, unknown>[] = [];
  for (let index = 0; index < 8; index++) {
    users.push({
      externalId: `sec-${index}`,
      emailAddresses: [`sec-${index}@secrets.test`],
      firstName: version === 1 ? `First${index}` : `Renamed${index}`,
      password: '${SEC_PASSWORD}',
      privateMetadata: { badge: index },
      ...(index === 3 ? { banned: version === 1 } : {}),
      // Two organizations of four: a new instance allows 5 members each; the first of each is its admin.
      memberships: [{ org: index < 4 ? 'vault' : 'safe', role: index % 4 === 0 ? 'org:admin' : 'org:member' }],
    });
  }
  if (version === 2) {
    users.push({ externalId: 'sec-inline', emailAddresses: ['inline@secrets.test'], password: INLINE_PASSWORD });
  }
  return stringify({
    apiVersion: 'clerk-sync/v1',
    settings: { userKey: 'externalId', prune: true },
    organizations: [
      { slug: 'vault', name: 'Vault' },
      { slug: 'safe', name: 'Safe' },
    ],
    users,
  });
}

let emulator: RunningEmulator;
let dir: string;
let target: Target;
const runs: { args: string[]; run: CliRun }[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, secretKey: SECRET_KEY });
  target = { url: emulator.url, secretKey: SECRET_KEY };
  dir = await mkdtemp(join(tmpdir(), 'clerk-sync-rel-secrets-'));
  await writeFile(join(dir, 'users.yaml'), manifest(1));
  await writeFile(join(dir, 'users-v2.yaml'), manifest(2));
});
afterAll(async () => {
  await emulator?.close();
  await rm(dir, { recursive: true, force: true });
});

async function cli(
  args: string[],
  options: { target?: Target; env?: Record<string, string | undefined> } = {},
): Promise<CliRun> {
  const run = await runCli(args, {
    cwd: dir,
    target: options.target ?? target,
    env: { SEC_PASSWORD: ENV_PASSWORD, ...options.env },
    timeoutMs: 90_000,
  });
  runs.push({ args, run });
  return run;
}

async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('secrets never appear in output or files', () => {
  it('runs every command, successful and failing, without leaking the key or a password', async () => {
    const ok = (run: CliRun, code = 0) => expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(code);

    ok(await cli(['validate', '-f', 'users.yaml']));
    ok(await cli(['validate', '-f', 'users-v2.yaml', '--format', 'json']));
    ok(await cli(['plan', '-f', 'users.yaml', '--verbose']));
    ok(await cli(['plan', '-f', 'users.yaml', '--format', 'json', '--out', 'plan.json', '--verbose']));
    ok(await cli(['plan', '-f', 'users-v2.yaml', '--format', 'markdown', '--out', 'plan-v2.json']));
    // The rehearsal applies the plan, passwords included, to an in-process emulated copy.
    ok(await cli(['plan', '-f', 'users-v2.yaml', '--rehearse', '--verbose']));
    ok(await cli(['apply', '-f', 'users-v2.yaml', '--dry-run', '--verbose']));
    // The saved plan names only the variable; apply reads the password from it again.
    ok(await cli(['apply', 'plan.json', '--auto-approve', '--journal', 'journal-1.jsonl', '--verbose']));
    ok(await cli(['apply', '-f', 'users-v2.yaml', '--auto-approve', '--journal', 'journal-2.jsonl', '--verbose']));
    expect(emulator.stats().byStatus['200'] ?? 0).toBeGreaterThan(0);

    // Drift: someone renames a user in the dashboard.
    const [user] = (await (
      await fetch(`${emulator.url}/users?external_id=sec-1`, { headers: { authorization: `Bearer ${SECRET_KEY}` } })
    ).json()) as { id: string }[];
    const renamed = await fetch(`${emulator.url}/users/${user?.id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${SECRET_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ first_name: 'Mallory' }),
    });
    expect(renamed.status).toBe(200);
    ok(await cli(['drift', '-f', 'users-v2.yaml', '--verbose']), 2);
    ok(await cli(['drift', '-f', 'users-v2.yaml', '--format', 'json']), 2);
    ok(await cli(['export', '-o', 'export.yaml', '--include-metadata', 'public,private,unsafe', '--verbose']));
    ok(await cli(['undo', 'journal-2.jsonl', '--out', 'undo-plan.json']));

    // Failing runs: the wrong key (401), in text and JSON; an unreachable API; a server echoing the header.
    const wrong = { url: emulator.url, secretKey: WRONG_KEY };
    const unauthorised = await cli(['plan', '-f', 'users.yaml', '--verbose'], { target: wrong });
    ok(unauthorised, 1);
    expect(unauthorised.stderr).toContain('401');
    ok(await cli(['plan', '-f', 'users.yaml', '--format', 'json'], { target: wrong }), 1);
    ok(await cli(['apply', '-f', 'users.yaml', '--auto-approve'], { target: wrong }), 1);
    ok(await cli(['export', '--verbose'], { target: wrong }), 1);
    const unreachable = { url: `http://127.0.0.1:${await closedPort()}/v1`, secretKey: SECRET_KEY };
    const down = await cli(['plan', '-f', 'users.yaml', '--verbose', '--max-wait', '1'], { target: unreachable });
    ok(down, 1);
    expect(down.stderr).toContain('code: api_unreachable');

    const echo = await startHostileServer(undefined);
    try {
      // A broken gateway that repeats the request's headers in its error body and message.
      echo.setRule(() =>
        answer(
          401,
          'application/json',
          JSON.stringify({
            errors: [
              { code: 'clerk_key_invalid', message: `bad key ${SECRET_KEY}`, long_message: `Bearer ${SECRET_KEY}` },
            ],
          }),
        ),
      );
      const echoed = await cli(['plan', '-f', 'users.yaml', '--format', 'json', '--verbose'], {
        target: { url: echo.url, secretKey: SECRET_KEY },
      });
      ok(echoed, 1);
      expect(echoed.stdout).toContain('"status": "error"');
    } finally {
      await echo.close();
    }

    // Every output and every file written.
    const leaks: string[] = [];
    for (const { args, run } of runs) {
      for (const [stream, text] of [
        ['stdout', run.stdout],
        ['stderr', run.stderr],
      ] as const) {
        for (const secret of SECRETS)
          if (text.includes(secret)) leaks.push(`${stream} of ${args.join(' ')}: ${secret}`);
        // The one exception, by the manifest module's design: a diagnostic quotes the manifest line it points at
        // (` 93 |     password: ...`), and an inline password is in that line. Nothing else may show it.
        const outsideQuotes = text
          .split('\n')
          .filter((line) => !/^ \d+ \| /.test(line))
          .join('\n');
        if (outsideQuotes.includes(INLINE_PASSWORD)) leaks.push(`${stream} of ${args.join(' ')}: inline password`);
      }
    }
    const files = (await filesUnder(dir)).filter((file) => !INPUTS.has(file.slice(dir.length + 1)));
    for (const expected of [
      'plan.json',
      'plan-v2.json',
      'journal-1.jsonl',
      'journal-2.jsonl',
      'export.yaml',
      'undo-plan.json',
    ]) {
      expect(files).toContain(join(dir, expected));
    }
    for (const file of files) {
      const content = await readFile(file, 'utf8');
      for (const secret of [...SECRETS, INLINE_PASSWORD])
        if (content.includes(secret)) leaks.push(`${file}: ${secret}`);
    }
    expect(leaks).toEqual([]);
    reportFigure('secrets', { commandsRun: runs.length, filesChecked: files.length, secretsLeaked: leaks.length });
  }, 300_000);
});
