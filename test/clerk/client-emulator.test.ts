// The client against the Clerk API emulator (src/emulator): CRUD, Clerk errors, and retries under injected faults.

import { afterEach, describe, expect, it } from 'vitest';
import { type ClerkClient, createClerkClient, type WireDeletedObject, type WireUser } from '../../src/clerk/index.ts';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import { ApiError } from '../../src/errors.ts';
import { createAutoClock } from './fake-clock.ts';

const running: { emulator: RunningEmulator; client: ClerkClient }[] = [];

afterEach(async () => {
  for (const { emulator, client } of running.splice(0)) {
    await client.close();
    await emulator.close();
  }
});

async function setup(options: Parameters<typeof startEmulator>[0] = {}, concurrency = 4) {
  const clock = createAutoClock();
  const emulator = await startEmulator({ port: 0, ...options });
  const client = createClerkClient({
    baseUrl: emulator.url,
    secretKey: emulator.secretKey,
    rateLimit: { requests: 100_000, windowMs: 1000 },
    concurrency,
    maxWaitMs: 30_000,
    maxAttempts: 10,
    // Retry-After and backoff waits are counted on a fake clock instead of slept, so faults do not slow the suite.
    now: clock.now,
    sleep: clock.sleep,
    random: () => 0.5,
  });
  running.push({ emulator, client });
  return { emulator, client, clock };
}

async function apiError(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected an ApiError');
}

describe('client against the emulator', () => {
  it('sends a request that asks to go ahead before those already waiting for a connection', async () => {
    const { client } = await setup({}, 1);
    const sent: string[] = [];
    client.subscribe?.((event) => {
      if (event.type === 'response') sent.push(event.path);
    });
    // One connection: the first holds it; the others wait, and the one that goes ahead is sent next.
    await Promise.all([
      client.request({ method: 'GET', path: '/users/count' }),
      client.request({ method: 'GET', path: '/organizations' }),
      client.request({ method: 'GET', path: '/users' }, { ahead: true }),
    ]);
    expect(sent).toStrictEqual(['/users/count', '/users', '/organizations']);
  });

  it('creates, reads, updates, merges metadata and deletes a user', async () => {
    const { client } = await setup();
    const created = await client.request<WireUser>({
      method: 'POST',
      path: '/users',
      body: {
        external_id: 'emp-1',
        email_address: ['ada@example.test'],
        first_name: 'Ada',
        skip_password_requirement: true,
      },
    });
    expect(created.id).toMatch(/^user_/);
    expect(created.external_id).toBe('emp-1');

    const read = await client.request<WireUser>({ method: 'GET', path: `/users/${created.id}` });
    expect(read.email_addresses.map((email) => email.email_address)).toEqual(['ada@example.test']);

    const patched = await client.request<WireUser>({
      method: 'PATCH',
      path: `/users/${created.id}`,
      body: { last_name: 'Lovelace' },
    });
    expect(patched.last_name).toBe('Lovelace');

    await client.request({
      method: 'PATCH',
      path: `/users/${created.id}/metadata`,
      body: { public_metadata: { a: 1, b: 2 } },
    });
    const merged = await client.request<WireUser>({
      method: 'PATCH',
      path: `/users/${created.id}/metadata`,
      body: { public_metadata: { b: null, c: 3 } },
    });
    expect(merged.public_metadata).toEqual({ a: 1, c: 3 });

    const listed = await client.request<WireUser[]>({
      method: 'GET',
      path: '/users',
      query: { external_id: ['emp-1', 'emp-x'] },
    });
    expect(listed.map((user) => user.id)).toEqual([created.id]);

    const deleted = await client.request<WireDeletedObject>({ method: 'DELETE', path: `/users/${created.id}` });
    expect(deleted.deleted).toBe(true);
    const gone = await apiError(client.request({ method: 'GET', path: `/users/${created.id}` }));
    expect(gone.status).toBe(404);
    expect(gone.clerkCode).toBe('resource_not_found');
  });

  it('reports a duplicate as 422 form_identifier_exists naming the parameter', async () => {
    const { client } = await setup();
    const body = { email_address: ['dup@example.test'], skip_password_requirement: true };
    await client.request({ method: 'POST', path: '/users', body });
    const error = await apiError(client.request({ method: 'POST', path: '/users', body }));
    expect(error.status).toBe(422);
    expect(error.clerkCode).toBe('form_identifier_exists');
    expect(error.hint).toContain('email_address');
  });

  it('rejects a wrong key with 401 and a CLERK_SECRET_KEY hint, without leaking it', async () => {
    const { emulator } = await setup();
    const wrong = 'sk_test_WrongKeyWrongKeyWrongKey123';
    const client = createClerkClient({
      baseUrl: emulator.url,
      secretKey: wrong,
      rateLimit: { requests: 100, windowMs: 1000 },
      concurrency: 1,
      maxWaitMs: 1000,
    });
    running.push({ emulator, client });
    const error = await apiError(client.request({ method: 'GET', path: '/users' }));
    expect(error.status).toBe(401);
    expect(error.hint).toContain('CLERK_SECRET_KEY');
    expect(JSON.stringify({ ...error.toJSON(), body: error.body, stack: error.stack })).not.toContain(wrong);
  });

  it("retries GETs through '429=0.2,500=0.2' faults until every one succeeds", async () => {
    const { emulator, client, clock } = await setup({ faults: '429=0.2,500=0.2', faultSeed: 7 });
    const results = await Promise.all(
      Array.from({ length: 60 }, () =>
        client.request<unknown[]>({ method: 'GET', path: '/users', query: { limit: 1 } }),
      ),
    );
    expect(results.every((result) => Array.isArray(result))).toBe(true);
    const stats = emulator.stats();
    expect((stats.faults['429'] ?? 0) + (stats.faults['500'] ?? 0)).toBeGreaterThan(0);
    expect(client.stats().retries).toBe((stats.faults['429'] ?? 0) + (stats.faults['500'] ?? 0));
    expect(client.stats().rateLimited).toBe(stats.faults['429'] ?? 0);
    expect(stats.byRoute['GET /v1/users']).toBe(60 + client.stats().retries);
    // The emulator's 429 says Retry-After: 1; each one was waited out in full.
    expect(clock.sleeps.filter((ms) => ms === 1000).length).toBeGreaterThanOrEqual(stats.faults['429'] ?? 0);
  });

  it('does not retry a POST that failed with 500 (its outcome is unknown)', async () => {
    const { emulator, client } = await setup({ faults: '500=1' });
    const error = await apiError(
      client.request({ method: 'POST', path: '/users', body: { external_id: 'x', skip_password_requirement: true } }),
    );
    expect(error.status).toBe(500);
    expect(emulator.stats().byRoute['POST /v1/users']).toBe(1);
  });

  it("stays within the instance's budget when --rate-limit is just under it, and recovers from 429s when it does not", async () => {
    const emulator = await startEmulator({ port: 0, rateLimit: '20/1s' });
    const matched = createClerkClient({
      baseUrl: emulator.url,
      secretKey: emulator.secretKey,
      // 5% under the instance's 20/1s: an exact match would race the server's refill by microseconds.
      rateLimit: { requests: 19, windowMs: 1000 },
      concurrency: 8,
      maxWaitMs: 30_000,
    });
    running.push({ emulator, client: matched });
    await Promise.all(Array.from({ length: 40 }, () => matched.request({ method: 'GET', path: '/users/count' })));
    expect(matched.stats().rateLimited).toBe(0);
    expect(emulator.stats().byStatus['429'] ?? 0).toBe(0);

    // A budget far above the instance's: the 429s pause every caller for Retry-After, and all requests succeed.
    const greedy = createClerkClient({
      baseUrl: emulator.url,
      secretKey: emulator.secretKey,
      rateLimit: { requests: 1000, windowMs: 1000 },
      concurrency: 8,
      maxWaitMs: 30_000,
    });
    running.push({ emulator, client: greedy });
    const results = await Promise.all(
      Array.from({ length: 40 }, () =>
        greedy.request<{ total_count: number }>({ method: 'GET', path: '/users/count' }),
      ),
    );
    expect(results.every((result) => result.total_count === 0)).toBe(true);
    expect(greedy.stats().rateLimited).toBeGreaterThan(0);
    expect(greedy.stats().requests).toBe(40 + greedy.stats().retries);
  });
});
