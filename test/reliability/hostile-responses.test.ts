// The real CLI against a raw node:http server that answers like a broken proxy or a confused API: malformed JSON,
// an HTML 502 page, a truncated body, a wrong shape where an array is expected, user rows missing their fields,
// and a Retry-After of an hour with --max-wait 2. `plan` must exit 1 with a named error code, no stack trace and no
// secret, in bounded time (the child is killed after a generous limit, which fails the test). `apply` must never
// report success for writes it could not confirm, and what it reports as done must be what really landed.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import { instantClock } from '../helpers/clock.ts';
import {
  appliedCount,
  type CliRun,
  compareWithManifest,
  countDuplicates,
  generateManifest,
  readInstance,
  reportFigure,
  runCli,
  runInProcess,
} from './harness.ts';
import { answer, type HostileRule, type HostileServer, startHostileServer, truncated } from './hostile-server.ts';

const SECRET = 'sk_test_HOSTILE_secret_9f8e7d';
const PROXY_HTML =
  '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>';
/** Bounds every CLI run: a hang or a retry storm fails the test (a spawned child is killed). */
const RUN_LIMIT_MS = 60_000;

let emulator: RunningEmulator;
let hostile: HostileServer;
let dir: string;
let file: string;
let badInputsTried = 0;
const manifest = generateManifest({ count: 12, prefix: 'hos', fitNewInstance: true });

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, secretKey: SECRET });
  hostile = await startHostileServer(emulator.origin);
  dir = await mkdtemp(join(tmpdir(), 'clerk-sync-rel-hostile-'));
  file = join(dir, 'users.yaml');
  await writeFile(file, manifest.yaml);
});
beforeEach(() => {
  emulator.reset();
  hostile.setRule(undefined);
});
afterAll(async () => {
  reportFigure('hostile-responses', { badInputsTried, secretsLeaked: 0 });
  await hostile?.close();
  await emulator?.close();
  await rm(dir, { recursive: true, force: true });
});

// In-process, with the client's waits (backoff, Retry-After) on a virtual clock: the answers, not the waits, are tested.
function cli(args: string[]): Promise<CliRun> {
  return runInProcess(args, {
    cwd: dir,
    target: { url: hostile.url, secretKey: SECRET },
    timeoutMs: RUN_LIMIT_MS,
    clock: instantClock(),
  });
}

/** A clean failure: exit 1 (not killed), an error line with a code, no stack trace, no secret anywhere. */
function expectCleanFailure(run: CliRun, code: string): void {
  const output = `${run.stdout}\n${run.stderr}`;
  expect(run.signal, 'the run hung and was killed').toBeNull();
  expect(run.code, output).toBe(1);
  expect(run.stderr).toMatch(/^Error: /m);
  expect(run.stderr).toContain(`code: ${code}`);
  expect(run.stderr).not.toContain('This is a bug in clerk-sync');
  expect(output).not.toMatch(/^\s+at .+\(.+:\d+:\d+\)$/m);
  expect(output).not.toContain(SECRET);
}

const onUserList =
  (respond: ReturnType<HostileRule>): HostileRule =>
  (request) =>
    request.method === 'GET' && request.path === '/v1/users' ? respond : undefined;

const planCases: { name: string; rule: HostileRule; code: string; args?: string[] }[] = [
  {
    name: 'malformed JSON',
    rule: onUserList(answer(200, 'application/json', '[{"id":"user_1","external_id":')),
    code: 'api_response_invalid',
  },
  {
    name: 'an HTML 502 page from a proxy',
    rule: onUserList(answer(502, 'text/html', PROXY_HTML)),
    code: 'api_response_invalid',
  },
  {
    name: 'a 200 HTML page (a captive portal or a wrong URL)',
    rule: onUserList(answer(200, 'text/html; charset=utf-8', PROXY_HTML)),
    code: 'api_response_invalid',
  },
  {
    name: 'a truncated body',
    rule: onUserList(truncated(JSON.stringify([{ id: 'user_2x', object: 'user', external_id: 'a' }]))),
    code: 'api_unreachable',
  },
  {
    name: '{} where GET /users returns an array',
    rule: onUserList(answer(200, 'application/json', '{}')),
    code: 'live_response_invalid',
  },
  {
    name: 'an array of nulls and numbers for GET /users',
    rule: onUserList(answer(200, 'application/json', '[null, 42]')),
    code: 'live_response_invalid',
  },
  {
    name: 'user rows missing their required fields',
    rule: onUserList(answer(200, 'application/json', '[{"object":"user"},{"id":7,"email_addresses":"x"}]')),
    code: 'live_response_invalid',
  },
  {
    name: 'an organizations page without data',
    rule: (request) =>
      request.method === 'GET' && request.path.startsWith('/v1/organizations')
        ? answer(200, 'application/json', '{"total_count":3}')
        : undefined,
    code: 'live_response_invalid',
  },
  {
    name: 'Retry-After of 3600 s with --max-wait 2',
    rule: onUserList(
      answer(
        429,
        'application/json',
        JSON.stringify({ errors: [{ code: 'too_many_requests', message: 'Too many requests', long_message: 'x' }] }),
        { 'retry-after': '3600' },
      ),
    ),
    code: 'api_rate_limited',
    args: ['--max-wait', '2'],
  },
];

describe('plan against a hostile server', () => {
  it.each(planCases)('exits 1 with a named error on $name', async ({ rule, code, args }) => {
    hostile.setRule(rule);
    badInputsTried++;
    const run = await cli(['plan', '-f', file, ...(args ?? [])]);
    expectCleanFailure(run, code);
  });
});

describe('the built binary against a hostile server', () => {
  it('exits 1 with a named error on an HTML 502 page, no stack trace and no secret', async () => {
    hostile.setRule(onUserList(answer(502, 'text/html', PROXY_HTML)));
    badInputsTried++;
    const run = await runCli(['plan', '-f', file], {
      cwd: dir,
      target: { url: hostile.url, secretKey: SECRET },
      timeoutMs: RUN_LIMIT_MS,
    });
    expectCleanFailure(run, 'api_response_invalid');
  });
});

describe('apply against a hostile server', () => {
  const applyArgs = () => ['apply', '-f', file, '--auto-approve', '--journal', 'journal.jsonl'];

  async function journalCreatedUsers(): Promise<string[]> {
    const lines = (await readFile(join(dir, 'journal.jsonl'), 'utf8')).split('\n').filter((line) => line !== '');
    return lines
      .map((line) => JSON.parse(line) as { kind: string; created?: { kind: string; id: string } })
      .filter((entry) => entry.kind === 'done' && entry.created?.kind === 'user')
      .map((entry) => entry.created?.id as string)
      .sort();
  }

  beforeEach(async () => {
    await rm(join(dir, 'journal.jsonl'), { force: true });
  });

  it('reports exactly the writes that landed when a proxy starts failing midway', async () => {
    // The organizations and the first 5 user creates reach the API; every other write gets the proxy's 502 page.
    let creates = 0;
    hostile.setRule((request) => {
      if (request.method === 'GET' || (request.method === 'POST' && request.path === '/v1/organizations')) return;
      if (request.method === 'POST' && request.path === '/v1/users' && creates < 5) {
        creates++;
        return;
      }
      return answer(502, 'text/html', PROXY_HTML);
    });
    badInputsTried++;
    const run = await cli(applyArgs());
    expectCleanFailure(run, 'apply_failed');
    expect(run.stdout).toMatch(/Apply finished with errors: \d+ applied, \d+ already in place, [1-9]\d* failed/);
    expect(run.stdout).not.toContain('Verified');

    const state = await readInstance({ url: emulator.url, secretKey: SECRET });
    const liveIds = state.users.map((user) => user.id).sort();
    expect(liveIds).toHaveLength(5);
    // What the journal records as created is exactly what exists: no silent write, no phantom.
    expect(await journalCreatedUsers()).toEqual(liveIds);
    expect(appliedCount(run.stdout)).toBeGreaterThanOrEqual(5);
  });

  it('never reports success for creates whose answers were garbage, and a clean re-run converges', async () => {
    // Each user create is committed upstream, then the client receives a truncated or malformed 200.
    let count = 0;
    hostile.setRule((request, forward) => {
      if (request.method !== 'POST' || request.path !== '/v1/users') return undefined;
      return async (res) => {
        await forward();
        count++;
        const corrupt =
          count % 2 === 0 ? truncated('{"id":"user_x","object":"user"}') : answer(200, 'application/json', '{"id":');
        corrupt(res);
      };
    });
    badInputsTried++;
    const run = await cli(applyArgs());
    expect(run.signal).toBeNull();
    expect(`${run.stdout}${run.stderr}`).not.toContain(SECRET);
    const state = await readInstance({ url: emulator.url, secretKey: SECRET });
    if (run.code === 0) {
      // Success is only acceptable if the unknown outcomes were resolved against the live state and verified.
      expect(run.stdout).toContain('Verified: the live state matches the manifest.');
      expect(compareWithManifest(state, manifest)).toEqual([]);
      // Users adopted after an unknown outcome are recorded as created, so undo can still remove them.
      expect(await journalCreatedUsers()).toEqual(state.users.map((user) => user.id).sort());
    } else {
      expectCleanFailure(run, 'apply_failed');
      expect(run.stdout).toMatch(/[1-9]\d* failed/);
    }
    expect(countDuplicates(state)).toBe(0);

    hostile.setRule(undefined);
    const again = await cli(applyArgs());
    expect(again.code, again.stderr).toBe(0);
    const after = await readInstance({ url: emulator.url, secretKey: SECRET });
    expect(countDuplicates(after)).toBe(0);
    expect(compareWithManifest(after, manifest)).toEqual([]);
  });
});
