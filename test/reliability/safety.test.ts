// Safety rails through the CLI (in-process; the probe cases spawn the built binary): prune deletes only users carrying clerk-sync's ownership mark; --max-deletes
// and --max-change-ratio refuse (exit 1, not one mutating request) unless the allow flags are given, and proceed
// with them; destructive operations with an sk_live_ key need --allow-production; a non-loopback http:// API URL
// is refused before any connection (a preloaded probe records every socket connect and DNS lookup in the child).

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { WireCreateUserBody } from '../../src/clerk/index.ts';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import {
  type CliRun,
  MANAGED_MARK,
  mutatingRequests,
  type RawUser,
  readInstance,
  reportFigure,
  runCli,
  runInProcess,
  type Target,
} from './harness.ts';

let dir: string;
const figures = { refusalsChecked: 0, mutatingRequestsWhenRefused: 0 };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clerk-sync-rel-safety-'));
});
afterAll(async () => {
  reportFigure('safety', figures);
  await rm(dir, { recursive: true, force: true });
});

interface SimpleUser {
  externalId: string;
  firstName?: string;
}

async function writeManifest(name: string, users: SimpleUser[], prune: boolean): Promise<string> {
  const path = join(dir, name);
  await writeFile(
    path,
    stringify({
      apiVersion: 'clerk-sync/v1',
      settings: { userKey: 'externalId', prune },
      users: users.map((user) => ({
        externalId: user.externalId,
        emailAddresses: [`${user.externalId}@safety.test`],
        ...(user.firstName === undefined ? {} : { firstName: user.firstName }),
      })),
    }),
  );
  return path;
}

function seedUser(externalId: string | null, marked: boolean, firstName = 'Seed'): WireCreateUserBody {
  return {
    ...(externalId === null ? { username: `nokey_${firstName.toLowerCase()}` } : { external_id: externalId }),
    email_address: [`${externalId ?? firstName.toLowerCase()}@safety.test`],
    first_name: firstName,
    ...(marked ? { private_metadata: { ...MANAGED_MARK } } : {}),
  };
}

function byExternalId(users: RawUser[]): Map<string | null, RawUser> {
  return new Map(users.map((user) => [user.external_id, user]));
}

function keysOf(users: Map<string | null, RawUser>): string[] {
  return [...users.keys()].map((key) => key ?? '(none)').sort();
}

describe('with a development key', () => {
  let emulator: RunningEmulator;
  let target: Target;
  beforeAll(async () => {
    emulator = await startEmulator({ port: 0 });
    target = { url: emulator.url, secretKey: emulator.secretKey };
  });
  beforeEach(() => emulator.reset());
  afterAll(async () => {
    await emulator?.close();
  });

  const apply = (file: string, ...flags: string[]): Promise<CliRun> =>
    runInProcess(['apply', '-f', file, '--auto-approve', ...flags], { cwd: dir, target });

  /** Runs a refused apply and checks it sent no mutating request. */
  async function expectRefused(run: Promise<CliRun>, code: string): Promise<void> {
    emulator.resetStats();
    const result = await run;
    const writes = mutatingRequests(emulator.stats().byRoute);
    figures.refusalsChecked++;
    figures.mutatingRequestsWhenRefused += writes;
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain(`code: ${code}`);
    expect(writes).toBe(0);
    expect(emulator.stats().total).toBeGreaterThan(0);
  }

  it('prune deletes marked users only; unmarked live users survive', async () => {
    emulator.seed({
      users: [
        seedUser('old-1', true),
        seedUser('old-2', true),
        seedUser('legacy-1', false),
        seedUser('legacy-2', false),
        seedUser(null, false, 'Keyless'),
        seedUser('keep-1', false),
        seedUser('keep-2', false),
      ],
    });
    const file = await writeManifest(
      'prune.yaml',
      [{ externalId: 'keep-1' }, { externalId: 'keep-2' }, { externalId: 'new-1' }],
      true,
    );
    const run = await apply(file);
    expect(run.code, run.stderr).toBe(0);
    let users = byExternalId((await readInstance(target)).users);
    expect(keysOf(users)).toEqual(['(none)', 'keep-1', 'keep-2', 'legacy-1', 'legacy-2', 'new-1']);
    // Matched users were adopted (marked) and created ones carry the mark; unmarked strays do not.
    for (const key of ['keep-1', 'keep-2', 'new-1'])
      expect(users.get(key)?.private_metadata).toMatchObject(MANAGED_MARK);
    expect(users.get('legacy-1')?.private_metadata ?? {}).not.toHaveProperty('clerkSync');

    // Dropped from the manifest, an adopted user is now pruned; the unmarked ones still are not.
    const smaller = await writeManifest('prune-2.yaml', [{ externalId: 'keep-1' }], true);
    const pruned = await apply(smaller);
    expect(pruned.code, pruned.stderr).toBe(0);
    users = byExternalId((await readInstance(target)).users);
    expect(keysOf(users)).toEqual(['(none)', 'keep-1', 'legacy-1', 'legacy-2']);
  });

  it('--max-deletes refuses without --allow-mass-delete and proceeds with it', async () => {
    emulator.seed({ users: ['a', 'b', 'c', 'd', 'e'].map((id) => seedUser(`stray-${id}`, true)) });
    const file = await writeManifest('deletes.yaml', [{ externalId: 'only-1' }], true);
    await expectRefused(apply(file, '--max-deletes', '3'), 'mass_delete');
    // plan shows the plan and lists the refusal with it (stdout), it does not refuse.
    const plan = await runInProcess(['plan', '-f', file, '--max-deletes', '3'], { cwd: dir, target });
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('mass_delete');
    expect((await readInstance(target)).users).toHaveLength(5);

    const run = await apply(file, '--max-deletes', '3', '--allow-mass-delete');
    expect(run.code, run.stderr).toBe(0);
    expect((await readInstance(target)).users.map((user) => user.external_id)).toEqual(['only-1']);
  });

  it('--max-change-ratio refuses without --allow-mass-change and proceeds with it', async () => {
    const ids = Array.from({ length: 20 }, (_, index) => `ratio-${index}`);
    emulator.seed({ users: ids.map((id) => seedUser(id, true, 'Before')) });
    // Half of the live users renamed: 50 % against a limit of 20 %.
    const users = ids.map((id, index) => ({ externalId: id, firstName: index < 10 ? 'After' : 'Before' }));
    const file = await writeManifest('ratio.yaml', users, false);
    await expectRefused(apply(file, '--max-change-ratio', '0.2'), 'mass_change');
    // The default limit (30 %) refuses too.
    await expectRefused(apply(file), 'mass_change');

    const raised = await apply(file, '--max-change-ratio', '0.6');
    expect(raised.code, raised.stderr).toBe(0);
    const after = (await readInstance(target)).users.filter((user) => user.first_name === 'After');
    expect(after).toHaveLength(10);

    const back = await writeManifest(
      'ratio-back.yaml',
      ids.map((id) => ({ externalId: id, firstName: 'Back' })),
      false,
    );
    await expectRefused(apply(back, '--max-change-ratio', '0.2'), 'mass_change');
    const allowed = await apply(back, '--max-change-ratio', '0.2', '--allow-mass-change');
    expect(allowed.code, allowed.stderr).toBe(0);
    expect((await readInstance(target)).users.every((user) => user.first_name === 'Back')).toBe(true);
  });
});

describe('with a production (sk_live_) key', () => {
  let emulator: RunningEmulator;
  let target: Target;
  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, secretKey: 'sk_live_reliability_production' });
    target = { url: emulator.url, secretKey: emulator.secretKey };
  });
  afterAll(async () => {
    await emulator?.close();
  });

  it('needs --allow-production for destructive operations, not for constructive ones', async () => {
    emulator.seed({ users: [seedUser('prod-stray', true), seedUser('prod-1', true)] });
    const constructive = await writeManifest(
      'prod-add.yaml',
      [{ externalId: 'prod-stray' }, { externalId: 'prod-1' }, { externalId: 'prod-2' }],
      true,
    );
    const added = await runInProcess(['apply', '-f', constructive, '--auto-approve'], { cwd: dir, target });
    expect(added.code, added.stderr).toBe(0);

    const destructive = await writeManifest('prod-prune.yaml', [{ externalId: 'prod-1' }], true);
    emulator.resetStats();
    const refused = await runInProcess(['apply', '-f', destructive, '--auto-approve'], { cwd: dir, target });
    figures.refusalsChecked++;
    figures.mutatingRequestsWhenRefused += mutatingRequests(emulator.stats().byRoute);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('code: production_destructive');
    expect(mutatingRequests(emulator.stats().byRoute)).toBe(0);
    expect((await readInstance(target)).users).toHaveLength(3);

    const allowed = await runInProcess(['apply', '-f', destructive, '--auto-approve', '--allow-production'], {
      cwd: dir,
      target,
    });
    expect(allowed.code, allowed.stderr).toBe(0);
    expect((await readInstance(target)).users.map((user) => user.external_id)).toEqual(['prod-1']);
  });
});

describe('a plain http:// API URL on a non-loopback host', () => {
  /** Loaded into the child with --require: reports every socket connect and DNS lookup on stderr. */
  const PROBE = `const net = require('node:net');
const dns = require('node:dns');
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) { process.stderr.write('PROBE connect\\n'); return connect.apply(this, args); };
const lookup = dns.lookup;
dns.lookup = function (...args) { process.stderr.write('PROBE lookup\\n'); return lookup.apply(this, args); };
`;
  let probe: string;
  let emulator: RunningEmulator;
  beforeAll(async () => {
    probe = join(dir, 'probe.cjs');
    await writeFile(probe, PROBE);
    emulator = await startEmulator({ port: 0 });
  });
  afterAll(async () => {
    await emulator?.close();
  });

  const probed = (url: string, args: string[]): Promise<CliRun> =>
    runCli(args, {
      cwd: dir,
      target: { url, secretKey: 'sk_test_probe_key_1234' },
      env: { NODE_OPTIONS: `--require ${probe}` },
    });

  it('the probe sees the connection a loopback URL makes (control)', async () => {
    const file = await writeManifest('probe.yaml', [{ externalId: 'p-1' }], false);
    const run = await probed(emulator.url, ['plan', '-f', file]);
    expect(run.stderr).toContain('PROBE connect');
  });

  it.each(['http://example.com/v1', 'http://127.0.0.1.nip.io:8080/v1', 'http://10.0.0.1/v1'])(
    'refuses %s before any connection or lookup',
    async (url) => {
      const file = await writeManifest('probe.yaml', [{ externalId: 'p-1' }], false);
      for (const args of [['plan', '-f', file], ['apply', '-f', file, '--auto-approve'], ['export']]) {
        const run = await probed(url, args);
        expect(run.code).toBe(1);
        expect(run.stderr).toContain('code: config_error');
        expect(run.stderr).toContain('refusing plain http://');
        expect(run.stderr).not.toContain('PROBE');
      }
    },
  );
});
