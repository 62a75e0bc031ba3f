// clerk-sync demo (`npm run demo`): the whole workflow against an in-process emulator, in well under a minute,
// leaving nothing running: validate, plan, apply, plan again (No changes.), export, drift made outside the
// manifest and caught by `drift`, then how to point the same commands at a real instance.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { WireOrganization } from '../clerk/index.ts';
import { startEmulator } from '../emulator/index.ts';
import { ClerkSyncError, InternalError } from '../errors.ts';
import { orgMarkKey } from '../state/index.ts';
import type { CliIO, CommandDefinition } from './command.ts';

const EXAMPLE = fileURLToPath(new URL('../../examples/staging-seed.yaml', import.meta.url));

export const demoCommand: CommandDefinition = {
  name: 'demo',
  summary: 'run the whole workflow against a local emulator (no Clerk account needed)',
  help: `Usage: clerk-sync demo [--keep]

Starts the Clerk API emulator in-process and runs: validate, plan, apply, plan (No changes.), export, a change
made outside the manifest, and drift catching it. Sends nothing over the network; leaves nothing running.

Options:
  --keep   keep the exported manifest (the temporary directory is printed)`,
  options: { keep: { type: 'boolean' } },
  allowPositionals: false,
  async run({ values }, io) {
    const main = io.runCli;
    if (!main) throw new InternalError('demo needs io.runCli (set by cli.ts)');
    const emulator = await startEmulator({ port: 0 });
    const workdir = await mkdtemp(join(tmpdir(), 'clerk-sync-demo-'));
    const env = {
      ...io.env,
      CLERK_SECRET_KEY: emulator.secretKey,
      CLERK_API_URL: emulator.url,
      // The demo's own emulator is shared with no application: the whole documented limit, not the default half.
      CLERK_SYNC_RATE_SHARE: '1',
      STAGING_PASSWORD: io.env.STAGING_PASSWORD ?? 'Demo-Password-2026!',
    };
    // The demo's own steps never prompt: stdin is not handed to them.
    const stepIO: CliIO = { ...io, env, cwd: workdir };
    const say = (text: string): void => {
      io.stdout.write(io.stdout.isTTY ? `\n\u001b[1m== ${text}\u001b[0m\n` : `\n== ${text}\n`);
    };
    const keep = values.keep === true;
    // Step 2 showed the plan; apply shows it again before applying: here its summary line stands for it. Journals
    // live in the temporary directory, removed at the end unless --keep: they are not named as if they stayed.
    const journalIO: CliIO = {
      ...stepIO,
      stderr: rewriting(io.stderr, (text) =>
        !keep && text.startsWith('Journal: ')
          ? "Journal: in the demo's temporary directory, removed when the demo ends (`clerk-sync demo --keep` keeps it)\n"
          : text,
      ),
    };
    const applyIO: CliIO = {
      ...journalIO,
      stdout: rewriting(io.stdout, (text) => (/^Plan: /m.test(text) ? shortPlan(text) : text)),
    };
    const step = async (title: string, argv: string[], expected: number[], stepIo = stepIO): Promise<number> => {
      say(`${title}\n$ clerk-sync ${argv.map((arg) => (arg.includes(' ') ? `'${arg}'` : arg)).join(' ')}`);
      const code = await main(argv, stepIo);
      if (!expected.includes(code)) {
        throw new ClerkSyncError(
          'demo_failed',
          `demo step "${title}" exited ${code}, expected ${expected.join(' or ')}`,
        );
      }
      return code;
    };
    try {
      io.stdout.write(`clerk-sync demo: an emulated Clerk instance is listening on ${emulator.url}\n`);
      await step('1. Validate the manifest (offline)', ['validate', '-f', EXAMPLE], [0]);
      await step('2. Plan against the empty instance', ['plan', '-f', EXAMPLE], [0]);
      const journal = (name: string): string[] => ['--journal', join(workdir, name)];
      await step('3. Apply it', ['apply', '-f', EXAMPLE, '--auto-approve', ...journal('apply.jsonl')], [0], applyIO);
      await step('4. Plan again: nothing left to do', ['plan', '-f', EXAMPLE, '--detailed-exitcode'], [0]);
      const exported = join(workdir, 'exported.yaml');
      await step(
        '5. Export the live instance as a manifest',
        ['export', '-o', exported, '--include-metadata', 'public,private'],
        [0],
      );
      await step('6. The exported manifest plans to no changes', ['plan', '-f', exported, '--detailed-exitcode'], [0]);

      say('7. Someone edits users in the dashboard (simulated with direct API calls)');
      await driftOutsideManifest(emulator.url, emulator.secretKey, io);
      await step('8. drift catches it (exit code 2)', ['drift', '-f', EXAMPLE], [2]);
      await step(
        '9. apply puts it back',
        ['apply', '-f', EXAMPLE, '--auto-approve', ...journal('repair.jsonl')],
        [0],
        journalIO,
      );

      say('Done. To use clerk-sync with a real instance');
      io.stdout.write(
        [
          '  export CLERK_SECRET_KEY=sk_test_...          # from the Clerk dashboard: API keys',
          '  clerk-sync export -o clerk/users.yaml         # start from what the instance has',
          '  clerk-sync plan -f clerk/                     # review',
          '  clerk-sync apply -f clerk/                    # type "yes" to apply',
          'CI recipes: examples/github/. Manifest reference: docs/manifest.md.',
          '',
        ].join('\n'),
      );
      if (keep) io.stdout.write(`Kept: ${workdir}\n`);
      return 0;
    } finally {
      await emulator.close();
      if (!keep) await rm(workdir, { recursive: true, force: true });
    }
  },
};

/** A plan text reduced to its summary line (`Plan: 54 to create, ...`): the whole plan was shown one step before. */
function shortPlan(text: string): string {
  const summary = text.split('\n').find((line) => line.startsWith('Plan: ')) ?? '';
  return `(the plan shown in step 2)\n${summary}\n`;
}

/** `stream`, with each write passed through `rewrite` first; a terminal stays one (colour, width). */
function rewriting(stream: CliIO['stdout'], rewrite: (text: string) => string): CliIO['stdout'] {
  const out = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      stream.write(rewrite(chunk.toString()));
      done();
    },
  });
  return Object.assign(out, {
    ...(stream.isTTY === undefined ? {} : { isTTY: stream.isTTY }),
    ...(stream.columns === undefined ? {} : { columns: stream.columns }),
  });
}

/** Three edits an admin might make by hand: rename a user, unban one the manifest keeps banned, promote a member. */
async function driftOutsideManifest(apiUrl: string, secretKey: string, io: CliIO): Promise<void> {
  const call = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${secretKey}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok) throw new ClerkSyncError('demo_failed', `demo edit ${method} ${path} failed: ${response.status}`);
    return response.json();
  };
  const [grace] = (await call('GET', '/users?external_id=stg-002')) as { id: string }[];
  const [keptBanned] = (await call('GET', '/users?external_id=stg-024')) as { id: string }[];
  const [edsger] = (await call('GET', '/users?external_id=stg-004')) as { id: string }[];
  if (!grace || !keptBanned || !edsger)
    throw new ClerkSyncError('demo_failed', 'demo users were not found after apply');
  await call('PATCH', `/users/${grace.id}`, { first_name: 'Amazing Grace' });
  io.stdout.write('  renamed stg-002 to "Amazing Grace"\n');
  await call('POST', `/users/${keptBanned.id}/unban`);
  io.stdout.write('  unbanned stg-024 (the manifest keeps this user banned)\n');
  // Slugs are off on a new instance: the organization is found by the key clerk-sync marked it with.
  const { data: orgs } = (await call('GET', '/organizations?limit=100')) as { data: WireOrganization[] };
  const acme = orgs.find((org) => orgMarkKey(org.private_metadata) === 'acme' || org.slug === 'acme');
  if (!acme) throw new ClerkSyncError('demo_failed', 'demo organization acme was not found after apply');
  await call('PATCH', `/organizations/${acme.id}/memberships/${edsger.id}`, { role: 'org:admin' });
  io.stdout.write('  promoted stg-004 to org:admin in acme\n');
}
