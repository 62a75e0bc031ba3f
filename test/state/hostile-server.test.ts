// The snapshot and touched-object readers against servers that never end, send absurd counts or nest metadata
// deeper than any Clerk instance holds: each must stop with live_response_invalid, in bounded time and memory.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type ClerkClient, createClerkClient, type WireMetadata } from '../../src/clerk/index.ts';
import { LiveStateError } from '../../src/errors.ts';
import { fetchTouchedSnapshot } from '../../src/state/fetch-touched.ts';
import { MAX_METADATA_DEPTH, metadataDepthProblem } from '../../src/state/from-wire.ts';
import { fetchLiveSnapshot } from '../../src/state/index.ts';
import { type FakeClerk, startFakeClerk } from './fake-clerk.ts';
import { wireMembership, wireOrganization } from './wire-fixtures.ts';

const clients: ClerkClient[] = [];
const fakes: FakeClerk[] = [];
const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

function clientFor(url: string): ClerkClient {
  const client = createClerkClient({
    baseUrl: url,
    secretKey: 'sk_test_fake',
    rateLimit: { requests: 100_000, windowMs: 1000 },
    concurrency: 4,
    maxWaitMs: 1000,
    maxAttempts: 1,
  });
  clients.push(client);
  return client;
}

async function fake(): Promise<FakeClerk> {
  const started = await startFakeClerk();
  fakes.push(started);
  return started;
}

/** A server answering each path with a fixed JSON body (404 for any other path). */
async function answering(routes: Record<string, unknown>): Promise<string> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    const body = routes[path];
    res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body ?? { errors: [{ code: 'resource_not_found', message: 'not found' }] }));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
}

async function refusal(promise: Promise<unknown>): Promise<LiveStateError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(LiveStateError);
  return error as LiveStateError;
}

function nested(depth: number): WireMetadata {
  let value: WireMetadata = { leaf: true };
  for (let level = 1; level < depth; level += 1) value = { level: value };
  return value;
}

describe('pages that never end', () => {
  it('stops a user read whose every page brings 500 fresh users at the start count plus the margin', async () => {
    const server = await fake();
    for (let i = 0; i < 3; i += 1) server.addUser({ id: `user_seed${i}`, created_at: 1_000 + i });
    let created = 0;
    server.onRequest = (route) => {
      if (route !== 'GET /v1/users') return;
      // A fresh, newer page every time: the instance "grows" faster than it is read.
      for (let i = 0; i < 500; i += 1) {
        created += 1;
        server.addUser({ id: `user_new${String(created).padStart(8, '0')}`, created_at: 2_000 + created });
      }
    };
    const error = await refusal(fetchLiveSnapshot(clientFor(server.url), { managedOrgs: [] }));
    expect(error.code).toBe('live_response_invalid');
    expect(error.message).toContain('GET /users returned more than 1003 objects');
    expect(error.message).toContain('the count at the start of the read was 3');
    expect(created).toBeLessThanOrEqual(2_000);
  });

  it('stops a touched organization whose membership pages keep growing (total_count raised on every page)', async () => {
    const server = await fake();
    server.addUser({ id: 'user_a', created_at: 1 });
    const org = wireOrganization({ id: 'org_1', slug: 'org-1' });
    server.organizations.push(org);
    let added = 0;
    server.onRequest = (route) => {
      if (route !== 'GET /v1/organizations/{id}/memberships') return;
      // More new members than a page holds: every page is full and the total always ahead of the offset.
      for (let i = 0; i < 600; i += 1) {
        added += 1;
        server.memberships.push({ ...wireMembership(`orgmem_${added}`, org, 'user_a'), created_at: added });
      }
    };
    const error = await refusal(
      fetchTouchedSnapshot(clientFor(server.url), { users: [], organizations: ['org_1'], deletedUsers: [] }),
    );
    expect(error.code).toBe('live_response_invalid');
    expect(error.message).toContain('GET /organizations/org_1/memberships returned more than 1600 objects');
    expect(added).toBeLessThanOrEqual(3_000);
  });
});

describe('absurd counts', () => {
  for (const [label, total] of [
    ['1e12', 1e12],
    ['negative', -5],
    ['non-integer', 2.5],
    ['a string', '12'],
  ] as const) {
    it(`refuses a GET /users/count of ${label} before sizing anything from it`, async () => {
      const url = await answering({
        '/v1/users/count': { object: 'total_count', total_count: total },
        '/v1/users': [],
      });
      const error = await refusal(fetchLiveSnapshot(clientFor(url), { managedOrgs: [] }));
      expect(error.code).toBe('live_response_invalid');
      expect(error.message).toContain('GET /users/count');
      expect(error.message).toContain('total_count');
    });
  }

  it('refuses a list page whose total_count is 1e12 (organizations)', async () => {
    const url = await answering({
      '/v1/users/count': { object: 'total_count', total_count: 0 },
      '/v1/users': [],
      '/v1/organizations': {
        data: Array.from({ length: 500 }, (_, i) => wireOrganization({ id: `org_${i}`, slug: `o-${i}` })),
        total_count: 1e12,
      },
    });
    const error = await refusal(fetchLiveSnapshot(clientFor(url), { managedOrgs: [{ key: 'x', name: 'X' }] }));
    expect(error.code).toBe('live_response_invalid');
    expect(error.message).toContain('total_count 1000000000000 is over');
  });

  it('refuses a touched read whose GET /users/count is 1e12', async () => {
    const url = await answering({ '/v1/users/count': { object: 'total_count', total_count: 1e12 } });
    const error = await refusal(
      fetchTouchedSnapshot(clientFor(url), { users: [], organizations: [], deletedUsers: [] }),
    );
    expect(error.code).toBe('live_response_invalid');
    expect(error.message).toContain('total_count 1000000000000 is over');
  });
});

describe('metadata nesting', () => {
  it(`accepts ${MAX_METADATA_DEPTH} levels and refuses one more`, () => {
    expect(metadataDepthProblem('public_metadata', nested(MAX_METADATA_DEPTH))).toBeUndefined();
    expect(metadataDepthProblem('public_metadata', nested(MAX_METADATA_DEPTH + 1))).toBe(
      `public_metadata is nested deeper than ${MAX_METADATA_DEPTH} levels`,
    );
    expect(metadataDepthProblem('x', [[[[]]]])).toBeUndefined();
  });

  it('counts levels through arrays, later keys and a "__proto__" key as JSON.parse makes them', () => {
    // 64 levels: an object, then arrays and objects alternating, the deep branch after a shallow one.
    const mixed = (depth: number): string =>
      depth === 1
        ? '{"leaf":1}'
        : depth % 2 === 0
          ? `[0,{"a":1},${mixed(depth - 1)}]`
          : `{"a":1,"b":${mixed(depth - 1)}}`;
    expect(metadataDepthProblem('m', JSON.parse(mixed(MAX_METADATA_DEPTH)))).toBeUndefined();
    expect(metadataDepthProblem('m', JSON.parse(mixed(MAX_METADATA_DEPTH + 1)))).toContain('nested deeper');
    const underProto = JSON.parse(`{"__proto__":${JSON.stringify(nested(MAX_METADATA_DEPTH))}}`);
    expect(metadataDepthProblem('p', underProto)).toContain('nested deeper');
  });

  it('refuses a live user whose metadata nests 2,000 deep as live_response_invalid (no stack overflow)', async () => {
    const server = await fake();
    server.addUser({ id: 'user_deep', created_at: 1, private_metadata: nested(2_000) });
    const error = await refusal(fetchLiveSnapshot(clientFor(server.url), { managedOrgs: [] }));
    expect(error.code).toBe('live_response_invalid');
    expect(error.message).toContain('private_metadata is nested deeper than 64 levels');
  });

  it('refuses it in a touched read too', async () => {
    const server = await fake();
    server.addUser({ id: 'user_deep', created_at: 1, unsafe_metadata: nested(2_000) });
    const error = await refusal(
      fetchTouchedSnapshot(clientFor(server.url), { users: ['user_deep'], organizations: [], deletedUsers: [] }),
    );
    expect(error.code).toBe('live_response_invalid');
    expect(error.message).toContain('unsafe_metadata is nested deeper');
  });
});
