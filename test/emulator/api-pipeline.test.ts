// The /v1 pipeline and the test hooks run on plain objects, with no socket: the order of the steps (auth before
// faults before the API version before rate limits before routing), dropped connections, and what a hook answers.

import { describe, expect, it } from 'vitest';
import { type ApiDeps, type ApiOutcome, type ApiRequest, handleApiRequest } from '../../src/emulator/api-pipeline.ts';
import { EmulatorData } from '../../src/emulator/emulator-data.ts';
import { FaultInjector } from '../../src/emulator/fault-injector.ts';
import { type HookDeps, handleHook } from '../../src/emulator/hooks.ts';
import { RateLimiter } from '../../src/emulator/rate-limiter.ts';
import type { Reply } from '../../src/emulator/reply.ts';
import { Router } from '../../src/emulator/router.ts';
import { StatsRecorder } from '../../src/emulator/stats.ts';
import { USER_ROUTES } from '../../src/emulator/users.ts';

const KEY = 'sk_test_pipeline';
const router = new Router(USER_ROUTES);

function setup(options: { faults?: string; rateLimit?: string } = {}) {
  const data = new EmulatorData({ settings: { password_required: false } }, KEY, () => 1_720_000_000_000);
  let persisted = 0;
  const deps: ApiDeps = {
    router,
    store: data.store,
    secretKey: KEY,
    stats: new StatsRecorder(),
    faults: new FaultInjector(options.faults),
    rateLimiter: new RateLimiter(() => 0, options.rateLimit),
    persist: () => {
      persisted++;
    },
  };
  return { data, deps, persisted: () => persisted };
}

function request(method: string, target: string, body?: unknown, headers: Record<string, string> = {}): ApiRequest {
  const [path = '', search = ''] = target.split('?');
  const bytes = Buffer.from(body === undefined ? '' : JSON.stringify(body));
  return {
    method,
    path,
    search,
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', ...headers },
    readBody: async () => ({ ok: true, bytes }),
  };
}

function replied(outcome: ApiOutcome): Reply {
  if (outcome.kind !== 'reply') throw new Error(`expected a reply, got a ${outcome.reason}`);
  return outcome.reply;
}

function code(reply: Reply): string | undefined {
  return (JSON.parse(reply.body) as { errors?: { code: string }[] }).errors?.[0]?.code;
}

describe('handleApiRequest', () => {
  it('creates and reads a user through the route table, counting the route and saving after the handler', async () => {
    const { deps, persisted } = setup();
    const created = replied(await handleApiRequest(request('POST', '/v1/users', { external_id: 'ext_1' }), deps));
    expect(created.status).toBe(200);
    const id = (JSON.parse(created.body) as { id: string }).id;
    const read = replied(await handleApiRequest(request('GET', `/v1/users/${id}`), deps));
    expect(JSON.parse(read.body)).toMatchObject({ id, external_id: 'ext_1' });
    expect(deps.stats.current().byRoute).toEqual({ 'POST /v1/users': 1, 'GET /v1/users/{user_id}': 1 });
    expect(persisted()).toBe(2);
  });

  it('checks the key before anything else, even on an unknown route', async () => {
    const { deps } = setup({ faults: '500=1' });
    const outcome = await handleApiRequest(request('GET', '/v1/nowhere', undefined, { authorization: 'x' }), deps);
    expect(code(replied(outcome))).toBe('authorization_header_format_invalid');
    expect(deps.stats.current()).toMatchObject({ total: 1, byRoute: { 'GET /v1/*': 1 }, faults: {} });
  });

  it('draws faults after auth and before the API version check', async () => {
    const { deps } = setup({ faults: '500=1' });
    const outcome = await handleApiRequest(request('GET', '/v1/users', undefined, { 'clerk-api-version': 'x' }), deps);
    expect(code(replied(outcome))).toBe('internal_clerk_error');
    expect(deps.stats.current().faults).toEqual({ '500': 1 });
  });

  it('refuses a bad API version before rate limits, and rate-limits before routing', async () => {
    const { deps } = setup({ rateLimit: '1/10s' });
    const badVersion = request('GET', '/v1/users?__clerk_api_version=2025', undefined);
    expect(code(replied(await handleApiRequest(badVersion, deps)))).toBe('api_version_invalid');
    expect(replied(await handleApiRequest(request('GET', '/v1/nowhere'), deps)).status).toBe(404);
    expect(code(replied(await handleApiRequest(request('GET', '/v1/nowhere'), deps)))).toBe('too_many_requests');
  });

  it('drops the connection on reset without running the handler, and after it on commit-reset', async () => {
    const reset = setup({ faults: 'reset=1' });
    const dropped = await handleApiRequest(request('POST', '/v1/users', { external_id: 'a' }), reset.deps);
    expect(dropped).toEqual({ kind: 'drop', reason: 'reset' });
    expect(reset.data.store.users.size).toBe(0);

    const commit = setup({ faults: 'commit-reset=1' });
    const committed = await handleApiRequest(request('POST', '/v1/users', { external_id: 'a' }), commit.deps);
    expect(committed).toEqual({ kind: 'drop', reason: 'commit-reset' });
    expect(commit.data.store.users.size).toBe(1);
    expect(commit.persisted()).toBe(1);
  });

  it('answers 404 for a path segment that cannot be decoded', async () => {
    const { deps } = setup();
    expect(code(replied(await handleApiRequest(request('GET', '/v1/users/%E0%A4%A'), deps)))).toBe(
      'resource_not_found',
    );
  });
});

describe('handleHook', () => {
  function hookDeps(overrides: Partial<HookDeps> = {}): HookDeps & { resets: number } {
    const { data } = setup();
    const deps = {
      resets: 0,
      stats: () => new StatsRecorder().current(),
      settings: () => data.settings(),
      reset: () => {
        deps.resets++;
      },
      seed: (input: unknown) => data.seed(input),
      updateSettings: (partial: unknown) => data.updateSettings(partial),
      ...overrides,
    };
    return deps;
  }
  const hook = (method: string, path: string, body = '') => ({
    method,
    path,
    readBody: async () => ({ ok: true as const, bytes: Buffer.from(body) }),
  });

  it('answers stats and reset, and names the hooks for an unknown one', async () => {
    const deps = hookDeps();
    expect(JSON.parse((await handleHook(hook('GET', '/__emulator/stats'), deps)).body)).toMatchObject({ total: 0 });
    expect((await handleHook(hook('POST', '/__emulator/reset'), deps)).body).toBe('{"reset":true}');
    expect(deps.resets).toBe(1);
    const unknown = await handleHook(hook('PUT', '/__emulator/settings'), deps);
    expect([unknown.status, code(unknown)]).toEqual([404, 'resource_not_found']);
  });

  it('applies settings and seeds, refusing an unknown settings key with 422 naming it', async () => {
    const deps = hookDeps();
    const updated = await handleHook(hook('POST', '/__emulator/settings', '{"user_cap":3}'), deps);
    expect(JSON.parse(updated.body)).toMatchObject({ user_cap: 3 });
    const refused = await handleHook(hook('POST', '/__emulator/settings', '{"nope":1}'), deps);
    expect([refused.status, code(refused)]).toEqual([422, 'form_param_unknown']);
    const seeded = await handleHook(hook('POST', '/__emulator/seed', '{"users":[{"external_id":"s1"}]}'), deps);
    expect(JSON.parse(seeded.body)).toEqual({ users: 1, organizations: 0, memberships: 0 });
    const badJson = await handleHook(hook('POST', '/__emulator/seed', '{'), deps);
    expect(code(badJson)).toBe('request_body_invalid');
  });

  it('lets an unexpected error through to the server', async () => {
    const deps = hookDeps({
      seed: () => {
        throw new TypeError('bug');
      },
    });
    await expect(handleHook(hook('POST', '/__emulator/seed', '{}'), deps)).rejects.toThrow('bug');
  });
});
