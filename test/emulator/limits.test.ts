// Rate limiting (instance token bucket, per-user update limit) and fault injection (429, 500, reset,
// commit-reset, latency), including replaying the same faults from the same seed. The clock is injected and frozen
// so buckets refill only when a test moves it: no timing assumptions.

import { describe, expect, it } from 'vitest';
import type { WireUser } from '../../src/clerk/index.ts';
import { parseFaults } from '../../src/emulator/index.ts';
import { UsageError } from '../../src/errors.ts';
import { emulatorFetch, withEmulator } from '../helpers/emulator.ts';
import { firstError, specFetch } from './spec-fetch.ts';

let now = 1_720_000_000_000;
// About rate limits and faults, not the password rule (test/emulator/user-rules.test.ts has that).
const emu = withEmulator({ clock: () => now, settings: { password_required: false } });

async function createUser(externalId: string): Promise<WireUser> {
  const response = await specFetch(emu, 'POST', '/users', '/users', { external_id: externalId });
  expect(response.status).toBe(200);
  return response.body as WireUser;
}

describe('rate limit', () => {
  it('answers 429 with Retry-After once the instance bucket is empty, and refills over the window', async () => {
    emu.setRateLimit('3/1s');
    try {
      for (let i = 0; i < 3; i++) expect((await specFetch(emu, 'GET', '/users', '/users')).status).toBe(200);
      const limited = await specFetch(emu, 'GET', '/users', '/users');
      expect(limited.status).toBe(429);
      expect(firstError(limited)?.code).toBe('too_many_requests');
      // One token comes back every 333 ms: Retry-After is whole seconds, at least 1.
      expect(limited.headers.get('retry-after')).toBe('1');
      now += 334;
      expect((await specFetch(emu, 'GET', '/users', '/users')).status).toBe(200);
      expect((await specFetch(emu, 'GET', '/users', '/users')).status).toBe(429);

      emu.setRateLimit('2/10s');
      await specFetch(emu, 'GET', '/users', '/users');
      await specFetch(emu, 'GET', '/users', '/users');
      const slow = await specFetch(emu, 'GET', '/users', '/users');
      expect(slow.headers.get('retry-after')).toBe('5');
      expect(emu.stats().byStatus['429']).toBeGreaterThanOrEqual(3);
    } finally {
      emu.setRateLimit(undefined);
    }
    for (let i = 0; i < 5; i++) expect((await specFetch(emu, 'GET', '/users', '/users')).status).toBe(200);
  });

  it("applies Clerk's per-user update limit (10 per 10 s) only when rate limiting is on", async () => {
    const user = await createUser('per-user');
    const other = await createUser('per-user-other');
    const patch = (id: string, i: number) =>
      specFetch(emu, 'PATCH', '/users/{user_id}/metadata', `/users/${id}/metadata`, { public_metadata: { i } });
    for (let i = 0; i < 12; i++) expect((await patch(user.id, i)).status).toBe(200);

    emu.setRateLimit('1000/1s');
    try {
      for (let i = 0; i < 10; i++) {
        const response =
          i % 2 === 0
            ? await patch(user.id, i)
            : await specFetch(emu, 'PATCH', '/users/{user_id}', `/users/${user.id}`, { first_name: `n${i}` });
        expect(response.status).toBe(200);
      }
      const limited = await specFetch(emu, 'PUT', '/users/{user_id}/metadata', `/users/${user.id}/metadata`, {
        public_metadata: {},
      });
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      // Reads of the same user and updates of another user are not affected.
      expect((await specFetch(emu, 'GET', '/users/{user_id}', `/users/${user.id}`)).status).toBe(200);
      expect((await patch(other.id, 1)).status).toBe(200);
      now += 1000;
      expect((await patch(user.id, 99)).status).toBe(200);
    } finally {
      emu.setRateLimit(undefined);
    }
  });
});

describe('faults', () => {
  it('429 and 500 faults answer with Clerk error bodies', async () => {
    emu.resetStats();
    emu.setFaults('429=1');
    const limited = await specFetch(emu, 'GET', '/users', '/users');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    emu.setFaults('500=1');
    const failed = await specFetch(emu, 'GET', '/users', '/users');
    expect(failed.status).toBe(500);
    expect(firstError(failed)?.code).toBe('internal_clerk_error');
    emu.setFaults(undefined);
    expect(emu.stats().faults).toEqual({ '429': 1, '500': 1 });
  });

  it('reset drops the connection before anything happens', async () => {
    emu.setFaults('reset=1');
    await expect(emulatorFetch(emu, 'POST', '/users', { external_id: 'never-created' })).rejects.toThrow();
    emu.setFaults(undefined);
    const users = await specFetch(emu, 'GET', '/users', '/users?external_id=never-created');
    expect(users.body).toEqual([]);
    expect(emu.stats().byStatus.reset).toBe(1);
  });

  it('commit-reset applies the mutation, then drops the connection; reads are never commit-reset', async () => {
    emu.setFaults('commit-reset=1');
    await expect(emulatorFetch(emu, 'POST', '/users', { external_id: 'committed' })).rejects.toThrow();
    expect((await specFetch(emu, 'GET', '/users', '/users?external_id=committed')).status).toBe(200);
    emu.setFaults(undefined);
    const users = (await specFetch(emu, 'GET', '/users', '/users?external_id=committed')).body as WireUser[];
    expect(users.map((user) => user.external_id)).toEqual(['committed']);
    expect(emu.stats().faults['commit-reset']).toBe(1);
  });

  it('latency delays responses without changing them', async () => {
    emu.setFaults('latency=20ms');
    const response = await specFetch(emu, 'GET', '/users', '/users?limit=1');
    expect(response.status).toBe(200);
    emu.setFaults(undefined);
    expect(parseFaults('latency=20ms').latencyMs).toBe(20);
    expect(parseFaults('latency=2s, 429=0.5').latencyMs).toBe(2000);
  });

  it('replays the same faults for the same seed, and different ones for another seed', async () => {
    const run = async (seed: number) => {
      emu.setFaults('429=0.3,500=0.2', seed);
      const statuses: number[] = [];
      for (let i = 0; i < 40; i++) statuses.push((await emulatorFetch(emu, 'GET', '/users?limit=1')).status);
      emu.setFaults(undefined);
      return statuses;
    };
    const first = await run(42);
    expect(new Set(first)).toEqual(new Set([200, 429, 500]));
    expect(await run(42)).toEqual(first);
    expect(await run(43)).not.toEqual(first);
  });

  it('rejects malformed fault specs', () => {
    for (const spec of ['bogus=0.1', '429=2', '429=0.6,500=0.6', '429', 'latency=fast', '500=-0.1']) {
      expect(() => parseFaults(spec), spec).toThrow(UsageError);
    }
    expect(parseFaults('429=0.08,500=0.05,reset=0.03,commit-reset=0.03,latency=5ms')).toEqual({
      probabilities: { '429': 0.08, '500': 0.05, reset: 0.03, 'commit-reset': 0.03 },
      latencyMs: 5,
    });
  });
});
