// The emulator under load and abuse, run as its own process (`clerk-sync emulator --port 0`) so a crash would show
// as an exit: 50 concurrent clients send 2,000 mixed reads and writes (creates, duplicate creates, metadata, bans,
// memberships, deletes) interleaved with bad requests (invalid JSON, wrong content types, oversized bodies, path
// traversal in ids, invalid UTF-8 and unicode junk, bad query values, missing or wrong keys, unknown methods) and
// protocol garbage on raw sockets. Every answer must be a 2xx with a JSON body or a 4xx with Clerk's error body
// (never a 5xx, never a dropped connection); afterwards the process is alive and its state is consistent: the users
// listed are exactly those created minus those deleted, /users/count agrees, rows match the OpenAPI schema, and no
// membership is duplicated or points at a deleted user.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/emulator/index.ts';
import { expectMatchesSpec } from '../helpers/openapi.ts';
import { duplicates, readInstance, reportFigure, type StartedCli, startCli, type Target, waitFor } from './harness.ts';

const SECRET = 'sk_test_load_9a8b7c';
const WORKERS = 50;
const REQUESTS = 2000;

interface Answer {
  status: number;
  contentType: string;
  text: string;
  body: unknown;
}

let emulator: StartedCli;
let target: Target;
let origin: string;
let dir: string;
const agent = new Agent({ keepAlive: true, maxSockets: WORKERS });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clerk-sync-rel-load-'));
  // Volume (2,000 requests, hundreds of users and members, orgs by slug): an instance with those limits raised.
  const settings = { user_cap: null, organization_settings: { max_allowed_memberships: 0, slug_disabled: false } };
  await writeFile(join(dir, 'settings.json'), JSON.stringify(settings));
  emulator = startCli(['emulator', '--port', '0', '--secret-key', SECRET, '--settings', 'settings.json'], {
    cwd: dir,
    timeoutMs: 600_000,
  });
  let out = '';
  emulator.child.stdout?.on('data', (chunk: string) => {
    out += chunk;
  });
  await waitFor(() => /listening on (http:\/\/\S+)\/v1/.test(out), 'the emulator to listen', 30_000);
  origin = /listening on (http:\/\/\S+)\/v1/.exec(out)?.[1] as string;
  target = { url: `${origin}/v1`, secretKey: SECRET };
});
afterAll(async () => {
  agent.destroy();
  emulator?.child.kill('SIGTERM');
  await emulator?.done;
  await rm(dir, { recursive: true, force: true });
});

/** One raw request: the path is sent exactly as given (no URL normalisation of `..` or percent-escapes). */
function send(
  method: string,
  path: string,
  options: { body?: string | Buffer; contentType?: string; auth?: string | null } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = {};
    if (options.auth !== null) headers.authorization = options.auth ?? `Bearer ${SECRET}`;
    if (options.body !== undefined) {
      headers['content-type'] = options.contentType ?? 'application/json';
      headers['content-length'] = Buffer.byteLength(options.body);
    }
    const url = new URL(origin);
    const req = request({ host: url.hostname, port: url.port, method, path, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          body = undefined;
        }
        resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), text, body });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Why an answer is not a valid 2xx or a Clerk 4xx; undefined when it is. */
function answerProblem(answer: Answer): string | undefined {
  if (answer.contentType !== 'application/json') return `content type "${answer.contentType}"`;
  if (answer.body === undefined) return `body is not JSON: ${answer.text.slice(0, 120)}`;
  if (answer.status >= 200 && answer.status < 300) return undefined;
  if (answer.status < 400 || answer.status >= 500) return `status ${answer.status}: ${answer.text.slice(0, 200)}`;
  const errors = (answer.body as { errors?: unknown }).errors;
  if (!Array.isArray(errors) || errors.length === 0) return `4xx without errors[]: ${answer.text.slice(0, 120)}`;
  for (const error of errors as Record<string, unknown>[]) {
    for (const field of ['code', 'message', 'long_message']) {
      if (typeof error[field] !== 'string') return `error without ${field}: ${answer.text.slice(0, 120)}`;
    }
  }
  return undefined;
}

const json = (value: unknown): string => JSON.stringify(value);
let deepMetadata = '1';
for (let level = 0; level < 5000; level++) deepMetadata = `{"a":${deepMetadata}}`;

/** Requests that must be refused with a 4xx. `{id}` is replaced by a live user id. */
const BAD: {
  name: string;
  method: string;
  path: string;
  body?: string | Buffer;
  contentType?: string;
  auth?: string | null;
}[] = [
  { name: 'invalid JSON', method: 'POST', path: '/v1/users', body: '{"email_address": [' },
  { name: 'JSON with a BOM', method: 'POST', path: '/v1/users', body: '\uFEFF{}' },
  {
    name: 'text/plain body',
    method: 'POST',
    path: '/v1/users',
    body: json({ first_name: 'x' }),
    contentType: 'text/plain',
  },
  {
    name: 'form body',
    method: 'POST',
    path: '/v1/users',
    body: 'first_name=x',
    contentType: 'application/x-www-form-urlencoded',
  },
  {
    name: 'multipart body',
    method: 'PATCH',
    path: '/v1/users/{id}',
    body: '--b\r\n\r\nx\r\n--b--',
    contentType: 'multipart/form-data; boundary=b',
  },
  {
    name: 'oversized body (2 MB)',
    method: 'POST',
    path: '/v1/users',
    body: json({ first_name: 'x'.repeat(2 * 1024 * 1024) }),
  },
  { name: 'array body', method: 'POST', path: '/v1/users', body: '[]' },
  { name: 'string body', method: 'PATCH', path: '/v1/users/{id}/metadata', body: '"a string"' },
  {
    name: 'metadata nested 5,000 deep',
    method: 'PATCH',
    path: '/v1/users/{id}/metadata',
    body: `{"public_metadata":${deepMetadata}}`,
  },
  {
    name: 'metadata over 8 KB',
    method: 'PATCH',
    path: '/v1/users/{id}/metadata',
    body: json({ public_metadata: { big: 'm'.repeat(9000) } }),
  },
  {
    name: 'unknown body field',
    method: 'POST',
    path: '/v1/users',
    body: json({ email_address: ['u@x.test'], is_admin: true }),
  },
  { name: 'wrong field type', method: 'POST', path: '/v1/users', body: json({ email_address: 'not-an-array' }) },
  { name: 'traversal ..%2F..', method: 'GET', path: '/v1/users/..%2F..%2Fetc%2Fpasswd' },
  { name: 'traversal %2e%2e', method: 'GET', path: '/v1/users/%2e%2e/%2e%2e/etc/passwd' },
  { name: 'raw ../..', method: 'GET', path: '/v1/../../etc/passwd' },
  { name: 'traversal on delete', method: 'DELETE', path: '/v1/users/..%2F..%2Forganizations' },
  {
    name: 'traversal into memberships',
    method: 'POST',
    path: '/v1/organizations/..%2Fusers/memberships',
    body: json({ user_id: 'x', role: 'org:member' }),
  },
  { name: 'invalid UTF-8 id', method: 'GET', path: '/v1/users/%ED%A0%80' },
  { name: 'broken escape', method: 'GET', path: '/v1/users/%E0%A4%A' },
  { name: 'NUL in id', method: 'GET', path: '/v1/users/user_%00' },
  { name: 'emoji id', method: 'PATCH', path: '/v1/users/user_%F0%9F%92%A5', body: json({ first_name: 'x' }) },
  { name: 'limit not a number', method: 'GET', path: '/v1/users?limit=abc' },
  { name: 'limit too large', method: 'GET', path: '/v1/users?limit=100000' },
  { name: 'negative offset', method: 'GET', path: '/v1/users?offset=-1' },
  { name: 'cursor with another order', method: 'GET', path: '/v1/users?starting_after=user_x&order_by=first_name' },
  {
    name: 'bulk ban over 50 ids',
    method: 'POST',
    path: '/v1/users/ban',
    body: json({ user_ids: Array.from({ length: 51 }, (_, i) => `user_${i}`) }),
  },
  { name: 'missing key', method: 'GET', path: '/v1/users', auth: null },
  {
    name: 'wrong key',
    method: 'POST',
    path: '/v1/users',
    body: json({ email_address: ['w@x.test'] }),
    auth: 'Bearer sk_test_wrong',
  },
  { name: 'unknown method', method: 'PROPFIND', path: '/v1/users' },
  { name: 'unknown route', method: 'GET', path: '/v1/%F0%9F%92%A5/\u0000'.replace('\u0000', '%00') },
];

/** Valid requests carrying junk values: any 2xx or 4xx is fine, a 5xx is not. */
const JUNK_BODIES: unknown[] = [
  { first_name: '\ud800 lone surrogate', last_name: '\u202e right-to-left' },
  { first_name: '💥'.repeat(300) },
  { first_name: 'x\u0000y', username: 'zalgo_z̷̧̛a̶l̵g̸o' },
  { first_name: '<script>alert(1)</script>', last_name: "'; DROP TABLE users; --" },
];

interface Tally {
  requests: number;
  badInputs: number;
  byStatus: Record<string, number>;
  problems: string[];
}

describe('the emulator under load', () => {
  it('answers 2,000 concurrent mixed and bad requests correctly, stays up and consistent', async () => {
    const random = seededRandom(424_242);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const tally: Tally = { requests: 0, badInputs: 0, byStatus: {}, problems: [] };
    const created = new Map<string, string | null>(); // user id -> external id
    const deleted = new Set<string>();
    const successfulCreates = new Map<string, number>(); // external id -> 200s
    let nextUser = 0;

    const record = (what: string, answer: Answer, mustBe4xx = false): void => {
      tally.requests++;
      tally.byStatus[answer.status] = (tally.byStatus[answer.status] ?? 0) + 1;
      const problem = answerProblem(answer);
      if (problem) tally.problems.push(`${what}: ${problem}`);
      else if (mustBe4xx && answer.status < 400) tally.problems.push(`${what}: accepted with ${answer.status}`);
    };

    const orgs: string[] = [];
    for (const slug of ['load-a', 'load-b', 'load-c']) {
      const answer = await send('POST', '/v1/organizations', { body: json({ name: slug, slug }) });
      record('create org', answer);
      orgs.push((answer.body as { id: string }).id);
    }
    const liveIds = (): string[] => [...created.keys()].filter((id) => !deleted.has(id));
    // Every bad input once, in order, against one real user; then again at random under load.
    const victim = await send('POST', '/v1/users', {
      body: json({ email_address: ['victim@load.test'], skip_password_requirement: true }),
    });
    record('create victim', victim);
    created.set((victim.body as { id: string }).id, null);
    for (const bad of BAD) {
      tally.badInputs++;
      const path = bad.path.replace('{id}', (victim.body as { id: string }).id);
      record(`bad (serial): ${bad.name}`, await send(bad.method, path, bad), true);
    }
    const someUser = (): string => pick(liveIds().length > 0 ? liveIds() : ['user_none']);

    const task = async (): Promise<void> => {
      const roll = random();
      if (roll < 0.28 || created.size < 20) {
        // Creates; one in eight reuses an external id already sent (a duplicate or a race with its first create).
        const reuse = random() < 0.125 && nextUser > 0;
        const number = reuse ? Math.floor(random() * nextUser) : nextUser++;
        const externalId = `load-${number}`;
        const answer = await send('POST', '/v1/users', {
          body: json({
            external_id: externalId,
            email_address: [`${externalId}@load.test`],
            first_name: `Load ${number}`,
            public_metadata: { n: number },
            skip_password_requirement: true,
          }),
        });
        record('create user', answer);
        if (answer.status === 200) {
          created.set((answer.body as { id: string }).id, externalId);
          successfulCreates.set(externalId, (successfulCreates.get(externalId) ?? 0) + 1);
        } else if (answer.status !== 422) {
          tally.problems.push(`create user ${externalId}: ${answer.status} ${answer.text.slice(0, 120)}`);
        }
      } else if (roll < 0.38) {
        record('list users', await send('GET', `/v1/users?limit=20&offset=${Math.floor(random() * 50)}`));
      } else if (roll < 0.42) {
        record('count users', await send('GET', '/v1/users/count'));
      } else if (roll < 0.48) {
        record('get user', await send('GET', `/v1/users/${someUser()}`));
      } else if (roll < 0.55) {
        const body = json({ public_metadata: { touched: Math.floor(random() * 1000) }, private_metadata: { k: null } });
        record('patch metadata', await send('PATCH', `/v1/users/${someUser()}/metadata`, { body }));
      } else if (roll < 0.58) {
        const body = json(pick(JUNK_BODIES));
        record('patch user with junk', await send('PATCH', `/v1/users/${someUser()}`, { body }));
      } else if (roll < 0.62) {
        const action = pick(['ban', 'unban', 'lock', 'unlock']);
        record(action, await send('POST', `/v1/users/${someUser()}/${action}`));
      } else if (roll < 0.7) {
        const body = json({ user_id: someUser(), role: pick(['org:member', 'org:admin']) });
        record('add membership', await send('POST', `/v1/organizations/${pick(orgs)}/memberships`, { body }));
      } else if (roll < 0.72) {
        record('remove membership', await send('DELETE', `/v1/organizations/${pick(orgs)}/memberships/${someUser()}`));
      } else if (roll < 0.8) {
        const id = someUser();
        const answer = await send('DELETE', `/v1/users/${id}`);
        record('delete user', answer);
        if (answer.status === 200) deleted.add(id);
      } else {
        const bad = pick(BAD);
        tally.badInputs++;
        const path = bad.path.replace('{id}', someUser());
        record(`bad: ${bad.name}`, await send(bad.method, path, bad), true);
      }
    };

    let started = 0;
    const worker = async (): Promise<void> => {
      while (started < REQUESTS) {
        started++;
        await task();
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, worker));

    // Protocol garbage on raw sockets: answered 400 (Node's own reply, not a Clerk body) without taking it down.
    const garbage = [
      'GARBAGE\r\n\r\n',
      'GET /v1/users HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n',
      '\u0000\u0001\u0002\r\n\r\n',
    ];
    for (const payload of garbage) {
      tally.badInputs++;
      const reply = await new Promise<string>((resolve) => {
        const socket = connect(Number(new URL(origin).port), '127.0.0.1');
        let data = '';
        socket.on('data', (chunk) => {
          data += chunk.toString('latin1');
        });
        socket.on('close', () => resolve(data));
        socket.on('error', () => resolve(data));
        socket.end(payload);
      });
      expect(reply).toMatch(/^HTTP\/1\.1 4\d\d /);
    }

    expect(tally.problems.slice(0, 20)).toEqual([]);
    expect(emulator.child.exitCode).toBeNull();
    // An external id is created again only after its previous holder was deleted (Clerk keeps it unique).
    const deletedPerExternalId = new Map<string, number>();
    for (const id of deleted) {
      const externalId = created.get(id) ?? '(none)';
      deletedPerExternalId.set(externalId, (deletedPerExternalId.get(externalId) ?? 0) + 1);
    }
    const duplicateCreates = [...successfulCreates].filter(
      ([externalId, count]) => count > 1 + (deletedPerExternalId.get(externalId) ?? 0),
    );
    expect(duplicateCreates).toEqual([]);

    // Consistency: exactly the users created minus those deleted, with every field the schema requires.
    const state = await readInstance(target);
    const expected = liveIds().sort();
    expect(state.users.map((user) => user.id).sort()).toEqual(expected);
    for (const user of state.users) expect(user.external_id).toBe(created.get(user.id));
    expect(duplicates(state.users.map((user) => user.external_id))).toEqual([]);
    const count = await send('GET', '/v1/users/count');
    expect((count.body as { total_count: number }).total_count).toBe(expected.length);
    for (let offset = 0; offset < expected.length; offset += 500) {
      const page = await send('GET', `/v1/users?limit=500&offset=${offset}`);
      expectMatchesSpec('GET', '/users', 200, page.body);
    }
    const live = new Set(expected);
    const orgList = await send('GET', '/v1/organizations?include_members_count=true&limit=10');
    for (const org of (orgList.body as { data: { slug: string; members_count: number }[] }).data) {
      const rows = state.memberships.get(org.slug) ?? [];
      const members = rows.map((row) => row.public_user_data?.user_id ?? '');
      expect(new Set(members).size, `${org.slug}: duplicated members`).toBe(members.length);
      expect(
        members.filter((id) => !live.has(id)),
        `${org.slug}: members that do not exist`,
      ).toEqual([]);
      expect(org.members_count).toBe(rows.length);
    }

    reportFigure('emulator-load', {
      requests: tally.requests,
      badInputsTried: tally.badInputs,
      usersCreated: created.size,
      usersDeleted: deleted.size,
      duplicatesFound: duplicateCreates.length + duplicates(state.users.map((user) => user.external_id)).length,
      byStatus: Object.entries(tally.byStatus)
        .map(([status, n]) => `${status}:${n}`)
        .join('/'),
    });
  }, 300_000);
});
