import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ApplyEvent, type ApplyOptions, applyPlan, createJournal, readJournal } from '../../src/apply/index.ts';
import type { RequestSpec, WireMetadata } from '../../src/clerk/index.ts';
import type { Operation } from '../../src/plan/index.ts';
import { wireOrganization } from '../state/wire-fixtures.ts';
import { ban, everyOperation, existing, fresh, lock, planOf, updateUser } from './builders.ts';
import { apiError, createFakeClient, type FakeClient, type Handler, wireUser } from './fake-client.ts';
import { createFakeRuntime } from './fake-runtime.ts';

function options(client: FakeClient, extra: Partial<ApplyOptions> = {}): ApplyOptions {
  return {
    client,
    userKey: 'externalId',
    concurrency: 8,
    continueOnError: false,
    secrets: () => undefined,
    runtime: createFakeRuntime(),
    ...extra,
  };
}

const statusOf = (result: { outcomes: { id: string; status: string }[] }) =>
  Object.fromEntries(result.outcomes.map((outcome) => [outcome.id, outcome.status]));

describe('applyPlan scheduler', () => {
  it('starts an operation only after its dependencies are done', async () => {
    const client = createFakeClient();
    const plan = planOf([
      updateUser('emp-1', 'A'),
      updateUser('emp-2', 'B', ['update_user:emp-1']),
      updateUser('emp-3', 'C', ['update_user:emp-2']),
      updateUser('emp-4', 'D'),
    ]);
    const result = await applyPlan(plan, options(client));
    expect(result).toMatchObject({ done: 4, failed: 0, skipped: 0, requests: 4 });
    const at = (entry: string) => client.log.indexOf(entry);
    expect(at('end PATCH /users/user_emp-1')).toBeLessThan(at('start PATCH /users/user_emp-2'));
    expect(at('end PATCH /users/user_emp-2')).toBeLessThan(at('start PATCH /users/user_emp-3'));
    // Independent work runs alongside.
    expect(at('start PATCH /users/user_emp-4')).toBeLessThan(at('end PATCH /users/user_emp-1'));
  });

  it('starts no destructive operation before every constructive one has settled, whatever the lanes', async () => {
    const client = createFakeClient((spec) => (spec.path === '/users' ? wireUser('user_new') : {}));
    const plan = planOf([
      { id: 'create_user:emp-9', type: 'create_user', user: fresh('emp-9'), attributes: {}, dependsOn: [] },
      updateUser('emp-1', 'A'),
      updateUser('emp-1b', 'B', ['update_user:emp-1']),
      {
        id: 'delete_user:user_gone',
        type: 'delete_user',
        user: { key: null, userId: 'user_gone', label: 'gone@acme.test' },
        label: 'gone@acme.test',
        reason: 'prune',
        dependsOn: [],
      },
      ban('emp-2'),
    ]);
    const result = await applyPlan(plan, options(client, { concurrency: 8 }));
    expect(result).toMatchObject({ done: 5, failed: 0, skipped: 0 });
    const at = (entry: string) => client.log.indexOf(entry);
    const lastConstructiveEnd = Math.max(
      at('end POST /users'),
      at('end PATCH /users/user_emp-1'),
      at('end PATCH /users/user_emp-1b'),
    );
    expect(at('start DELETE /users/user_gone')).toBeGreaterThan(lastConstructiveEnd);
    expect(
      client.log.findIndex((entry) => entry.startsWith('start POST /users/') && entry.includes('ban')),
    ).toBeGreaterThan(lastConstructiveEnd);
  });

  it('a constructive failure stops the run before any destructive operation starts', async () => {
    const client = createFakeClient((spec) => {
      if (spec.path === '/users/user_emp-1') throw apiError(spec, 422);
      return {};
    });
    const plan = planOf([updateUser('emp-1', 'A'), ban('emp-2'), lock('emp-3')]);
    const result = await applyPlan(plan, options(client, { concurrency: 8 }));
    expect(statusOf(result)).toStrictEqual({
      'update_user:emp-1': 'failed',
      'ban_user:emp-2': 'skipped',
      'lock_user:emp-3': 'skipped',
    });
    expect(client.calls.map((call) => call.spec.path)).toStrictEqual(['/users/user_emp-1']);
  });

  it('serializes the operations of one user, in plan order', async () => {
    const client = createFakeClient();
    const ops: Operation[] = [
      updateUser('emp-1', 'A'),
      lock('emp-1'),
      { id: 'unlock_user:emp-1', type: 'unlock_user', user: existing('emp-1'), dependsOn: [] },
      updateUser('emp-2', 'B'),
      lock('emp-2'),
    ];
    const result = await applyPlan(planOf(ops), options(client));
    expect(result.done).toBe(5);
    expect(client.maxInFlightPerUser).toBe(1);
    expect(client.maxInFlight).toBe(2);
    expect(client.calls.filter((call) => call.spec.path.includes('emp-1')).map((call) => call.spec.path)).toStrictEqual(
      ['/users/user_emp-1', '/users/user_emp-1/lock', '/users/user_emp-1/unlock'],
    );
  });

  it('keeps at most `concurrency` operations in flight, and uses all of them', async () => {
    const client = createFakeClient();
    const ops = Array.from({ length: 20 }, (_, index) => updateUser(`emp-${index}`, 'X'));
    const result = await applyPlan(planOf(ops), options(client, { concurrency: 4 }));
    expect(result.done).toBe(20);
    expect(client.maxInFlight).toBe(4);
  });

  it('stops starting operations after the first failure, unless continueOnError', async () => {
    const failing: Handler = (spec) => {
      if (spec.path === '/users/user_emp-1') throw apiError(spec, 422, 'form_param_value_invalid');
      return {};
    };
    const ops = [updateUser('emp-1', 'A'), updateUser('emp-2', 'B'), updateUser('emp-3', 'C')];

    const stopping = createFakeClient(failing);
    const stopped = await applyPlan(planOf(ops), options(stopping, { concurrency: 1 }));
    expect(statusOf(stopped)).toStrictEqual({
      'update_user:emp-1': 'failed',
      'update_user:emp-2': 'skipped',
      'update_user:emp-3': 'skipped',
    });
    expect(stopped.outcomes[0]?.error).toMatchObject({ code: 'form_param_value_invalid', status: 422 });
    expect(stopped.outcomes[1]?.reason).toMatch(/stopped after an earlier failure/);
    expect(stopped.requests).toBe(1);

    const going = createFakeClient(failing);
    const continued = await applyPlan(planOf(ops), options(going, { concurrency: 1, continueOnError: true }));
    expect(continued).toMatchObject({ done: 2, failed: 1, skipped: 0 });
  });

  it('skips dependents of a failed operation, naming the dependency', async () => {
    const client = createFakeClient((spec) => {
      if (spec.path === '/users/user_emp-1') throw apiError(spec, 400, 'bad');
      return {};
    });
    const ops = [
      updateUser('emp-1', 'A'),
      updateUser('emp-2', 'B', ['update_user:emp-1']),
      updateUser('emp-3', 'C', ['update_user:emp-2']),
      updateUser('emp-4', 'D'),
    ];
    const result = await applyPlan(planOf(ops), options(client, { continueOnError: true }));
    expect(result.outcomes.map((outcome) => [outcome.id, outcome.status, outcome.reason])).toStrictEqual([
      ['update_user:emp-1', 'failed', undefined],
      ['update_user:emp-2', 'skipped', 'dependency update_user:emp-1 failed'],
      ['update_user:emp-3', 'skipped', 'dependency update_user:emp-2 was skipped'],
      ['update_user:emp-4', 'done', undefined],
    ]);
  });

  it('reports events: start, one per request, one per operation', async () => {
    const events: ApplyEvent[] = [];
    const client = createFakeClient();
    await applyPlan(
      planOf([updateUser('emp-1', 'A'), lock('emp-2')]),
      options(client, { onEvent: (e) => events.push(e) }),
    );
    expect(events[0]).toStrictEqual({ type: 'start', total: 2 });
    expect(events.filter((event) => event.type === 'request')).toHaveLength(2);
    expect(events.filter((event) => event.type === 'operation').map((event) => event.outcome.status)).toStrictEqual([
      'done',
      'done',
    ]);
  });

  it('treats an already-removed object as unchanged', async () => {
    const client = createFakeClient((spec) => {
      if (spec.method === 'DELETE') throw apiError(spec, 404, 'resource_not_found');
      return {};
    });
    const ops = everyOperation().filter((op) =>
      ['delete_user', 'delete_membership', 'remove_email_address', 'remove_phone_number'].includes(op.type),
    );
    const result = await applyPlan(planOf(ops), options(client));
    expect(result).toMatchObject({ unchanged: 4, failed: 0 });
  });

  it('a 404 on a user that is not new is a failure', async () => {
    const client = createFakeClient((spec) => {
      throw apiError(spec, 404, 'resource_not_found');
    });
    const result = await applyPlan(planOf([lock('emp-1')]), options(client));
    expect(result.failed).toBe(1);
    expect(result.requests).toBe(1);
  });

  it('retries 409 resource_locked', async () => {
    const client = createFakeClient((spec, call) => {
      if (call < 2) throw apiError(spec, 409, 'resource_locked');
      return {};
    });
    const result = await applyPlan(planOf([updateUser('emp-1', 'A')]), options(client));
    expect(result.done).toBe(1);
    expect(client.calls).toHaveLength(3);
  });

  it('rejects a plan whose dependency is missing, before any request', async () => {
    const client = createFakeClient();
    await expect(applyPlan(planOf([updateUser('emp-1', 'A', ['nope'])]), options(client))).rejects.toThrow(/nope/);
    expect(client.calls).toHaveLength(0);
  });

  it('stops starting operations when aborted; running ones finish', async () => {
    const controller = new AbortController();
    const client = createFakeClient();
    const ops = Array.from({ length: 10 }, (_, index) => updateUser(`emp-${index}`, 'X'));
    const result = await applyPlan(
      planOf(ops),
      options(client, {
        concurrency: 2,
        signal: controller.signal,
        onEvent: (event) => {
          if (event.type === 'operation') controller.abort();
        },
      }),
    );
    expect(result.done).toBe(2); // the two in flight when the first finished
    expect(result.skipped).toBe(8);
    expect(result.outcomes.at(-1)?.reason).toMatch(/interrupted/);
    expect(client.calls).toHaveLength(2);
  });
});

describe('bulk ban', () => {
  it('sends 120 ready bans as 3 requests of at most 50 ids', async () => {
    const client = createFakeClient((spec) =>
      ((spec.body as { user_ids: string[] }).user_ids ?? []).map((id) => wireUser(id, { banned: true })),
    );
    const ops = Array.from({ length: 120 }, (_, index) => ban(`emp-${index}`));
    const result = await applyPlan(planOf(ops), options(client));
    expect(result).toMatchObject({ done: 120, requests: 3 });
    expect(
      client.calls.map((call) => [call.spec.path, (call.spec.body as { user_ids: string[] }).user_ids.length]),
    ).toStrictEqual([
      ['/users/ban', 50],
      ['/users/ban', 50],
      ['/users/ban', 20],
    ]);
    expect(client.calls[0]?.options?.retry).toBe('always');
  });

  it('batches bans and unbans separately, and never puts a busy user in a batch', async () => {
    const client = createFakeClient((spec) => {
      const ids = (spec.body as { user_ids?: string[] } | undefined)?.user_ids;
      return ids ? ids.map((id) => wireUser(id)) : {};
    });
    // Unbans are constructive and go first; emp-1 is busy being locked when the bans start.
    const ops: Operation[] = [
      { id: 'unban_user:emp-4', type: 'unban_user', user: existing('emp-4'), dependsOn: [] },
      { id: 'unban_user:emp-5', type: 'unban_user', user: existing('emp-5'), dependsOn: [] },
      lock('emp-1'),
      ban('emp-1'),
      ban('emp-2'),
      ban('emp-3'),
    ];
    const result = await applyPlan(planOf(ops), options(client));
    expect(result.done).toBe(6);
    const bans = client.calls.filter((call) => call.spec.path.endsWith('ban'));
    expect(bans.map((call) => [call.spec.path, call.spec.body])).toStrictEqual([
      ['/users/unban', { user_ids: ['user_emp-4', 'user_emp-5'] }],
      ['/users/ban', { user_ids: ['user_emp-2', 'user_emp-3'] }],
      ['/users/user_emp-1/ban', undefined],
    ]);
  });

  it('falls back to one request per user when the batch is refused', async () => {
    const client = createFakeClient((spec) => {
      if (spec.path === '/users/ban') throw apiError(spec, 404, 'resource_not_found');
      if (spec.path === '/users/user_emp-2/ban') throw apiError(spec, 404, 'resource_not_found');
      return wireUser('x');
    });
    const result = await applyPlan(
      planOf([ban('emp-1'), ban('emp-2'), ban('emp-3')]),
      options(client, { continueOnError: true }),
    );
    expect(statusOf(result)).toStrictEqual({
      'ban_user:emp-1': 'done',
      'ban_user:emp-2': 'failed',
      'ban_user:emp-3': 'done',
    });
    expect(result.requests).toBe(4);
  });
});

describe('creates', () => {
  const createUser = (key: string, password = false): Operation => ({
    id: `create_user:${key}`,
    type: 'create_user',
    user: fresh(key),
    attributes: { externalId: key },
    ...(password ? { password: { kind: 'env' as const, variable: 'PW' } } : {}),
    dependsOn: [],
  });
  const membership = (key: string): Operation => ({
    id: `create_membership:acme/${key}`,
    type: 'create_membership',
    org: { slug: 'acme', organizationId: null },
    user: fresh(key),
    role: 'org:member',
    dependsOn: ['create_organization:acme', `create_user:${key}`],
  });
  const org: Operation = {
    id: 'create_organization:acme',
    type: 'create_organization',
    org: { slug: 'acme', organizationId: null },
    name: 'Acme',
    slug: 'acme',
    dependsOn: [],
  };

  it('uses the ids of objects created earlier in the same apply', async () => {
    const client = createFakeClient((spec) => {
      if (spec.path === '/users') return wireUser('user_created');
      if (spec.path === '/organizations') return { id: 'org_created' };
      return { id: 'orgmem_1' };
    });
    const result = await applyPlan(planOf([org, createUser('emp-1'), membership('emp-1')]), options(client));
    expect(result.done).toBe(3);
    expect(client.calls.at(-1)?.spec).toStrictEqual({
      method: 'POST',
      path: '/organizations/org_created/memberships',
      body: { user_id: 'user_created', role: 'org:member' },
    });
    // A create is never repeated by the client after a 5xx: only apply decides, after a lookup.
    expect(client.calls.every((call) => call.options?.retry === 'safe')).toBe(true);
  });

  it('retries a 404 right after a create (read-after-write lag)', async () => {
    let lagging = 2;
    const client = createFakeClient((spec) => {
      if (spec.path === '/users') return wireUser('user_created');
      if (spec.path === '/organizations') return { id: 'org_created' };
      if (lagging > 0) {
        lagging -= 1;
        throw apiError(spec, 404, 'resource_not_found');
      }
      return { id: 'orgmem_1' };
    });
    const result = await applyPlan(planOf([org, createUser('emp-1'), membership('emp-1')]), options(client));
    expect(result.done).toBe(3);
    expect(client.calls).toHaveLength(5);
  });

  it('after an unknown outcome, looks the user up and adopts it instead of creating it twice', async () => {
    const created: string[] = [];
    const client = createFakeClient((spec) => {
      if (spec.method === 'POST' && spec.path === '/users') {
        created.push('user_1');
        throw apiError(spec, 0); // the connection dropped after Clerk committed the create
      }
      if (spec.method === 'GET' && spec.path === '/users') {
        const wanted = (spec.query?.external_id as string[] | undefined)?.[0];
        return created.map((id) => wireUser(id, { external_id: wanted ?? null }));
      }
      throw new Error(`unexpected ${spec.method} ${spec.path}`);
    });
    const result = await applyPlan(planOf([createUser('emp-1')]), options(client));
    expect(result.done).toBe(1);
    expect(created).toStrictEqual(['user_1']);
    expect(client.calls.map((call) => `${call.spec.method} ${call.spec.path}`)).toStrictEqual([
      'POST /users',
      'GET /users',
    ]);
  });

  const joinAcme: Operation = {
    id: 'create_membership:acme/emp-1',
    type: 'create_membership',
    org: { slug: 'acme', organizationId: null },
    user: existing('emp-1'),
    role: 'org:member',
    dependsOn: ['create_organization:acme'],
  };

  it("after an unknown outcome, finds the organization by clerk-sync's mark, never a same-named one", async () => {
    const orgs = [wireOrganization({ id: 'org_other', slug: null, name: 'Acme' })];
    const client = createFakeClient((spec) => {
      if (spec.method === 'POST' && spec.path === '/organizations') {
        // Committed, then the connection dropped: the organization exists with the mark the create sent.
        const body = spec.body as { name: string; private_metadata: WireMetadata };
        orgs.push(
          wireOrganization({ id: 'org_made', slug: null, name: body.name, private_metadata: body.private_metadata }),
        );
        throw apiError(spec, 0);
      }
      if (spec.method === 'GET' && spec.path === '/organizations') return { data: orgs, total_count: orgs.length };
      if (spec.method === 'POST') return { id: 'orgmem_1' };
      throw new Error(`unexpected ${spec.method} ${spec.path}`);
    });
    const result = await applyPlan(planOf([{ ...org, slug: null }, joinAcme]), options(client));
    expect(result).toMatchObject({ done: 2, failed: 0 });
    expect(client.calls.map((call) => `${call.spec.method} ${call.spec.path}`)).toStrictEqual([
      'POST /organizations',
      'GET /organizations',
      'POST /organizations/org_made/memberships',
    ]);
  });

  it('after an unknown outcome, an organization that only shares the name is not taken for the one created', async () => {
    const orgs = [wireOrganization({ id: 'org_other', slug: null, name: 'Acme' })];
    let posts = 0;
    const client = createFakeClient((spec) => {
      if (spec.method === 'POST' && spec.path === '/organizations') {
        posts += 1;
        if (posts === 1) throw apiError(spec, 503); // not committed
        return wireOrganization({ id: 'org_made', slug: null, name: 'Acme' });
      }
      if (spec.method === 'GET' && spec.path === '/organizations') return { data: orgs, total_count: orgs.length };
      if (spec.method === 'POST') return { id: 'orgmem_1' };
      throw new Error(`unexpected ${spec.method} ${spec.path}`);
    });
    const result = await applyPlan(planOf([{ ...org, slug: null }, joinAcme]), options(client));
    expect(result).toMatchObject({ done: 2, failed: 0 });
    expect(posts).toBe(2);
    expect(client.calls.at(-1)?.spec.path).toBe('/organizations/org_made/memberships');
  });

  it('after an unknown outcome, treats form_identifier_exists as the first attempt having succeeded', async () => {
    let lookups = 0;
    const client = createFakeClient((spec) => {
      if (spec.method === 'POST' && spec.path === '/users') {
        if (lookups === 0) throw apiError(spec, 502);
        throw apiError(spec, 422, 'form_identifier_exists');
      }
      lookups += 1;
      // Read-after-write lag: the first lookup does not see the user yet.
      return lookups === 1 ? [] : [wireUser('user_1', { external_id: 'emp-1' })];
    });
    const result = await applyPlan(planOf([createUser('emp-1')]), options(client));
    expect(result.done).toBe(1);
    expect(client.calls.map((call) => `${call.spec.method} ${call.spec.path}`)).toStrictEqual([
      'POST /users',
      'GET /users',
      'POST /users',
      'GET /users',
    ]);
  });

  it('a conflict without an earlier unknown outcome is a real failure', async () => {
    const client = createFakeClient((spec) => {
      throw apiError(spec, 422, 'form_identifier_exists');
    });
    const result = await applyPlan(planOf([createUser('emp-1')]), options(client));
    expect(result.outcomes[0]).toMatchObject({ status: 'failed', error: { code: 'form_identifier_exists' } });
    expect(client.calls).toHaveLength(1);
  });

  it('gives up on a create after a bounded number of attempts', async () => {
    const client = createFakeClient((spec) => {
      if (spec.method === 'GET') return [];
      throw apiError(spec, 503);
    });
    const result = await applyPlan(planOf([createUser('emp-1')]), options(client));
    expect(result.failed).toBe(1);
    expect(client.calls.filter((call) => call.spec.method === 'POST')).toHaveLength(4);
  });

  it("backs off between apply's own retries, doubling from retryBaseMs with jitter, on the injected clock", async () => {
    const client = createFakeClient((spec) => {
      if (spec.method === 'GET') return [];
      throw apiError(spec, 503);
    });
    // An hour per retry: the test would time out if apply waited on a real timer.
    const runtime = createFakeRuntime(0);
    const result = await applyPlan(planOf([createUser('emp-1')]), options(client, { runtime, retryBaseMs: 3_600_000 }));
    expect(result.failed).toBe(1);
    // random() = 0 is the low end of the jitter: 0.75 of the doubled base.
    expect(runtime.sleeps).toStrictEqual([2_700_000, 5_400_000, 10_800_000]);
    expect(result.elapsedMs).toBe(18_900_000);
  });

  it('spreads retries by up to a quarter either way', async () => {
    const client = createFakeClient((spec, call) => {
      if (call < 2) throw apiError(spec, 409, 'resource_locked');
      return {};
    });
    const high = createFakeRuntime(0.999_999);
    await applyPlan(planOf([updateUser('emp-1', 'A')]), options(client, { runtime: high }));
    expect(high.sleeps.map(Math.round)).toStrictEqual([250, 500]);
  });

  it('never lets the password out: events, outcomes and journal', async () => {
    const password = 'Zebra-Kettle-9931-secret';
    const dir = await mkdtemp(join(tmpdir(), 'clerk-sync-apply-'));
    try {
      const client = createFakeClient((spec) => {
        // A hostile answer that echoes the password back in its message.
        throw apiError(spec, 422, 'form_password_pwned', `password ${password} was found in a breach`);
      });
      const plan = planOf([createUser('emp-1', true)]);
      const journal = await createJournal(join(dir, 'journal.jsonl'), plan);
      const events: ApplyEvent[] = [];
      const result = await applyPlan(
        plan,
        options(client, { secrets: () => password, journal, onEvent: (event) => events.push(event) }),
      );
      await journal.close();
      expect(client.calls[0]?.spec.body).toMatchObject({ password });
      expect(result.failed).toBe(1);
      expect(JSON.stringify(result)).not.toContain(password);
      expect(JSON.stringify(result)).toContain('[redacted]');
      expect(JSON.stringify(events)).not.toContain(password);
      expect(await readFile(join(dir, 'journal.jsonl'), 'utf8')).not.toContain(password);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('redacts the password as a whole word only, never inside an error code', async () => {
    const client = createFakeClient((spec) => {
      throw apiError(spec, 422, 'form_password_length_too_short', 'form_password_length_too_short: short is too short');
    });
    const result = await applyPlan(planOf([createUser('emp-1', true)]), options(client, { secrets: () => 'short' }));
    const failure = result.outcomes.find((outcome) => outcome.status === 'failed');
    expect(failure?.status === 'failed' && failure.error?.message).toContain(
      'form_password_length_too_short: [redacted] is too [redacted]',
    );
  });
});

/** The journal as a run killed after its last outcome leaves it: without its end line. */
async function withoutEnd(file: string): Promise<void> {
  await writeFile(file, (await readFile(file, 'utf8')).replace(/^\{"kind":"end".*\n/m, ''));
}

describe('journal', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'clerk-sync-apply-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('records intent before each mutating request, then done with created ids', async () => {
    const file = join(dir, 'journal.jsonl');
    const plan = planOf([
      { id: 'create_user:emp-1', type: 'create_user', user: fresh('emp-1'), attributes: {}, dependsOn: [] },
      updateUser('emp-2', 'B'),
    ]);
    const journal = await createJournal(file, plan);
    const client = createFakeClient((spec: RequestSpec) => (spec.path === '/users' ? wireUser('user_new') : {}));
    await applyPlan(plan, options(client, { journal }));
    await journal.close();
    const entries = await readJournal(file);
    expect(
      entries.map(
        (entry) => `${entry.kind}${'op' in entry ? ` ${typeof entry.op === 'string' ? entry.op : entry.op.id}` : ''}`,
      ),
    ).toStrictEqual([
      'header',
      'intent create_user:emp-1',
      'intent update_user:emp-2',
      'done create_user:emp-1',
      'done update_user:emp-2',
      'end',
    ]);
    expect(entries[3]).toMatchObject({ status: 'done', created: { kind: 'user', id: 'user_new' }, userId: 'user_new' });
  });

  it("stamps journal lines with the injected clock's time", async () => {
    const file = join(dir, 'journal-clock.jsonl');
    const plan = planOf([updateUser('emp-1', 'A')]);
    const journal = await createJournal(file, plan);
    await applyPlan(
      plan,
      options(createFakeClient(), { journal, runtime: createFakeRuntime(0.5, Date.UTC(2030, 0, 2)) }),
    );
    await journal.close();
    const stamps = (await readJournal(file)).filter((entry) => entry.kind !== 'header').map((entry) => entry.at);
    expect(stamps).toStrictEqual(['2030-01-02T00:00:00.000Z', '2030-01-02T00:00:00.000Z', '2030-01-02T00:00:00.000Z']);
  });

  it('a re-run of the same plan after a killed run finds what the journal shows created instead of creating it again', async () => {
    const file = join(dir, 'journal.jsonl');
    const plan = planOf([
      { id: 'create_user:emp-1', type: 'create_user', user: fresh('emp-1'), attributes: {}, dependsOn: [] },
      {
        id: 'lock_user:emp-1',
        type: 'lock_user',
        user: fresh('emp-1'),
        dependsOn: ['create_user:emp-1'],
      },
    ]);
    const first = createFakeClient((spec) => {
      if (spec.path === '/users') return wireUser('user_new');
      throw apiError(spec, 0);
    });
    const journal = await createJournal(file, plan);
    const firstRun = await applyPlan(plan, options(first, { journal }));
    await journal.close();
    expect(statusOf(firstRun)).toStrictEqual({ 'create_user:emp-1': 'done', 'lock_user:emp-1': 'failed' });
    await withoutEnd(file);

    const second = createFakeClient((spec) =>
      spec.method === 'GET' ? [wireUser('user_new', { external_id: 'emp-1' })] : {},
    );
    const again = await createJournal(file, plan);
    const secondRun = await applyPlan(plan, options(second, { journal: again }));
    await again.close();
    expect(statusOf(secondRun)).toStrictEqual({ 'create_user:emp-1': 'unchanged', 'lock_user:emp-1': 'done' });
    expect(second.calls.map((call) => `${call.spec.method} ${call.spec.path}`)).toStrictEqual([
      'GET /users',
      'POST /users/user_new/lock',
    ]);
  });

  it('does not trust a journal the live state contradicts: a user it shows created but now gone is created again', async () => {
    const file = join(dir, 'journal-reset.jsonl');
    const plan = planOf([
      { id: 'create_user:emp-1', type: 'create_user', user: fresh('emp-1'), attributes: {}, dependsOn: [] },
      { id: 'lock_user:emp-1', type: 'lock_user', user: fresh('emp-1'), dependsOn: ['create_user:emp-1'] },
    ]);
    const first = createFakeClient((spec) => (spec.path === '/users' ? wireUser('user_old') : {}));
    const journal = await createJournal(file, plan);
    await applyPlan(plan, options(first, { journal }));
    await journal.close();
    await withoutEnd(file);

    // The instance was reset since: the lookup finds nobody, so the user is created anew and locked by its new id.
    const second = createFakeClient((spec) =>
      spec.method === 'GET' ? [] : spec.path === '/users' ? wireUser('user_fresh') : {},
    );
    const again = await createJournal(file, plan);
    const secondRun = await applyPlan(plan, options(second, { journal: again }));
    await again.close();
    expect(statusOf(secondRun)).toStrictEqual({ 'create_user:emp-1': 'done', 'lock_user:emp-1': 'done' });
    expect(second.calls.map((call) => `${call.spec.method} ${call.spec.path}`)).toStrictEqual([
      'GET /users',
      'POST /users',
      'POST /users/user_fresh/lock',
    ]);
  });

  it('a re-run of the same plan after a run that ended looks nothing up: its plan was made from the live state', async () => {
    const file = join(dir, 'journal-ended.jsonl');
    const plan = planOf([
      { id: 'create_user:emp-1', type: 'create_user', user: fresh('emp-1'), attributes: {}, dependsOn: [] },
    ]);
    const journal = await createJournal(file, plan);
    await applyPlan(
      plan,
      options(
        createFakeClient(() => wireUser('user_old')),
        { journal },
      ),
    );
    await journal.close();

    const second = createFakeClient(() => wireUser('user_fresh'));
    const again = await createJournal(file, plan);
    expect(statusOf(await applyPlan(plan, options(second, { journal: again })))).toStrictEqual({
      'create_user:emp-1': 'done',
    });
    await again.close();
    expect(second.calls.map((call) => `${call.spec.method} ${call.spec.path}`)).toStrictEqual(['POST /users']);
  });
});
