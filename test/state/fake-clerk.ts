// A small in-test Clerk Backend API on 127.0.0.1:0: just the list and lookup endpoints the snapshot reader uses,
// with Clerk's documented semantics (docs/clerk-api.md#listing-users, #organization-memberships): limit 1..500,
// ascending/descending created_at, strict created_at_after/_before in ms, the starting_after cursor (created_at order
// only, 422 with an offset), array filters as repeated keys, `{data,total_count}` envelopes, GET /organizations/{id or
// slug}. It counts requests per route so tests can check the reader stays near the minimum. Hooks let a test act
// mid-read. GET /instance, /instance/organization_settings and /organization_roles answer from `settings` (a number
// there is the status to refuse with); switches make it behave like servers the reader must survive.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WireOrganization, WireOrganizationMembership, WireUser } from '../../src/clerk/index.ts';
import { wireEmail, wireMembership, wireOrganization, wireUser } from './wire-fixtures.ts';

export interface FakeClerk {
  url: string;
  users: WireUser[];
  organizations: WireOrganization[];
  memberships: WireOrganizationMembership[];
  settings: {
    /** GET /instance's body, or a status to answer with instead. */
    instance: Record<string, unknown> | number;
    organizationSettings: Record<string, unknown> | number;
    /** Role keys GET /organization_roles lists (pages honoured), or a status. */
    roles: string[] | number;
  };
  /** GET /users answers as if starting_after were not there (a server older than the parameter). */
  ignoreStartingAfter: boolean;
  /** Status for a starting_after naming no user (the fake forgets deleted users). @default 422 */
  unknownCursorStatus: number;
  /** Silently returns at most this many rows a page (a proxy or server capping pages). */
  maxPageSize?: number;
  /** Refuses every starting_after with this status (a server that does not know the parameter). */
  refuseStartingAfter?: number;
  /** Awaited before answering each request (after counting and onRequest): lets a test hold a request back. */
  beforeAnswer?: (route: string, query: URLSearchParams) => Promise<void>;
  /** 'GET /v1/users' -> count. */
  byRoute: Map<string, number>;
  total(): number;
  resetStats(): void;
  /** Called before answering each request (after counting); may mutate the data. */
  onRequest?: (route: string, query: URLSearchParams) => void;
  addUser(overrides: Partial<WireUser> & { id: string }): WireUser;
  close(): Promise<void>;
}

/** Returns true so handlers can `return send(...)`. */
function send(res: ServerResponse, status: number, body: unknown): true {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
  return true;
}

function error(res: ServerResponse, status: number, code: string, message: string): true {
  return send(res, status, { errors: [{ code, message, long_message: message }] });
}

function page<T>(
  items: T[],
  query: URLSearchParams,
  maxPageSize = 500,
): { data: T[]; total_count: number } | undefined {
  const limit = Number(query.get('limit') ?? '10');
  const offset = Number(query.get('offset') ?? '0');
  if (!(limit >= 1 && limit <= 500) || !(offset >= 0)) return undefined;
  return { data: items.slice(offset, offset + Math.min(limit, maxPageSize)), total_count: items.length };
}

function byCreated<T extends { created_at: number; id: string }>(items: T[], order: string | null): T[] {
  const descending = (order ?? '-created_at').startsWith('-');
  return [...items].sort((a, b) => {
    const diff = a.created_at - b.created_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    return descending ? -diff : diff;
  });
}

export async function startFakeClerk(): Promise<FakeClerk> {
  const fake: FakeClerk = {
    url: '',
    users: [],
    organizations: [],
    memberships: [],
    settings: {
      instance: { object: 'instance', id: 'ins_fake', environment_type: 'development' },
      organizationSettings: {
        object: 'organization_settings',
        enabled: true,
        max_allowed_memberships: 5,
        creator_role: 'org:admin',
        slug_disabled: false,
      },
      roles: ['org:admin', 'org:member'],
    },
    ignoreStartingAfter: false,
    unknownCursorStatus: 422,
    byRoute: new Map(),
    total: () => [...fake.byRoute.values()].reduce((a, b) => a + b, 0),
    resetStats: () => fake.byRoute.clear(),
    addUser(overrides) {
      const user = wireUser(overrides);
      fake.users.push(user);
      return user;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };

  function users(res: ServerResponse, query: URLSearchParams): true {
    let list = fake.users;
    const filters: [string, (user: WireUser) => string[]][] = [
      ['user_id', (u) => [u.id]],
      ['external_id', (u) => (u.external_id === null ? [] : [u.external_id])],
      ['username', (u) => (u.username === null ? [] : [u.username])],
      ['email_address', (u) => u.email_addresses.map((e) => e.email_address.toLowerCase())],
    ];
    for (const [name, values] of filters) {
      const wanted = query.getAll(name).map((v) => (name === 'email_address' ? v.toLowerCase() : v));
      if (wanted.length > 100) return error(res, 422, 'form_param_array_size_exceeded', `${name} too long`);
      if (wanted.length > 0) list = list.filter((user) => values(user).some((v) => wanted.includes(v)));
    }
    const after = query.get('created_at_after');
    const before = query.get('created_at_before');
    if (after !== null) list = list.filter((u) => u.created_at > Number(after));
    if (before !== null) list = list.filter((u) => u.created_at < Number(before));
    list = byCreated(list, query.get('order_by'));
    const cursor = fake.ignoreStartingAfter ? null : query.get('starting_after');
    if (cursor !== null && fake.refuseStartingAfter !== undefined) {
      return error(res, fake.refuseStartingAfter, 'form_param_unknown', 'starting_after');
    }
    if (cursor !== null) {
      if (Number(query.get('offset') ?? '0') !== 0) return error(res, 422, 'form_param_value_invalid', 'offset');
      const anchor = fake.users.find((u) => u.id === cursor);
      if (!anchor) return error(res, fake.unknownCursorStatus, 'form_param_value_invalid', 'starting_after');
      const descending = (query.get('order_by') ?? '-created_at').startsWith('-');
      list = list.filter((u) => {
        const diff = u.created_at - anchor.created_at || (u.id < anchor.id ? -1 : u.id > anchor.id ? 1 : 0);
        return descending ? diff < 0 : diff > 0;
      });
    }
    const result = page(list, query, fake.maxPageSize);
    if (!result) return error(res, 422, 'form_param_value_invalid', 'limit');
    return send(res, 200, result.data);
  }

  function setting(res: ServerResponse, value: Record<string, unknown> | number): true {
    return typeof value === 'number' ? error(res, value, 'refused', `answered ${value}`) : send(res, 200, value);
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const query = url.searchParams;
    const route = `${req.method} ${url.pathname.replace(
      /\/(org_|user_)[^/]+|\/organizations\/[a-z0-9-]+(?=$|\/)/g,
      (m) => (m.startsWith('/organizations/') ? '/organizations/{id}' : '/{id}'),
    )}`;
    fake.byRoute.set(route, (fake.byRoute.get(route) ?? 0) + 1);
    fake.onRequest?.(route, query);
    const hold = fake.beforeAnswer?.(route, query);
    if (hold === undefined) answer(req, res, url);
    else void hold.then(() => answer(req, res, url));
  });

  function answer(req: IncomingMessage, res: ServerResponse, url: URL): true {
    const path = url.pathname;
    const query = url.searchParams;
    if (req.method !== 'GET') return error(res, 405, 'method_not_allowed', 'read-only fake');
    if (path === '/v1/users/count') {
      return send(res, 200, { object: 'total_count', total_count: fake.users.length });
    }
    if (path === '/v1/users') return users(res, query);
    if (path === '/v1/instance') return setting(res, fake.settings.instance);
    if (path === '/v1/instance/organization_settings') return setting(res, fake.settings.organizationSettings);
    if (path === '/v1/organization_roles') {
      const { roles } = fake.settings;
      if (typeof roles === 'number') return error(res, roles, 'refused', `answered ${roles}`);
      const rows = roles.map((key, index) => ({ object: 'role', id: `role_${index}`, key, name: key }));
      const result = page(rows, query);
      if (!result) return error(res, 422, 'form_param_value_invalid', 'limit');
      return send(res, 200, result);
    }
    if (path === '/v1/organizations') {
      let list = fake.organizations;
      const ids = query.getAll('organization_id');
      if (ids.length > 0) list = list.filter((org) => ids.includes(org.id));
      const withCount = query.get('include_members_count') === 'true';
      const result = page(byCreated(list, query.get('order_by')), query);
      if (!result) return error(res, 422, 'form_param_value_invalid', 'limit');
      return send(res, 200, {
        data: result.data.map((org) =>
          withCount
            ? { ...org, members_count: fake.memberships.filter((m) => m.organization.id === org.id).length }
            : org,
        ),
        total_count: result.total_count,
      });
    }
    if (path === '/v1/organization_memberships') {
      const result = page(byCreated(fake.memberships, query.get('order_by')), query);
      if (!result) return error(res, 422, 'form_param_value_invalid', 'limit');
      return send(res, 200, result);
    }
    const orgMatch = /^\/v1\/organizations\/([^/]+)(\/memberships)?$/.exec(path);
    if (orgMatch) {
      const key = decodeURIComponent(orgMatch[1] ?? '');
      const org = fake.organizations.find((o) => o.id === key || o.slug === key);
      if (!org) return error(res, 404, 'resource_not_found', 'Given organization not found.');
      if (!orgMatch[2]) return send(res, 200, org);
      let list = fake.memberships.filter((m) => m.organization.id === org.id);
      const userIds = query.getAll('user_id');
      if (userIds.length > 0) list = list.filter((m) => userIds.includes(m.public_user_data?.user_id ?? ''));
      const result = page(byCreated(list, query.get('order_by')), query);
      if (!result) return error(res, 422, 'form_param_value_invalid', 'limit');
      return send(res, 200, result);
    }
    return error(res, 404, 'resource_not_found', 'not found');
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return fake;
}

/** Seeds `count` users with distinct created_at spread over `spanMs`, plus orgs and round-robin memberships. */
export function seedFake(
  fake: FakeClerk,
  options: { users: number; organizations: number; memberships: number; spanMs?: number; start?: number },
): void {
  const start = options.start ?? 1_750_000_000_000;
  const span = options.spanMs ?? options.users * 37;
  for (let i = 0; i < options.users; i += 1) {
    const n = String(i).padStart(6, '0');
    fake.addUser({
      id: `user_${n}`,
      external_id: `emp-${n}`,
      username: `u${n}`,
      email_addresses: [wireEmail(`idn_${n}`, `user${n}@example.test`)],
      primary_email_address_id: `idn_${n}`,
      // Deliberately clustered: several users share a millisecond.
      created_at: start + Math.floor((i * span) / Math.max(1, options.users)) - (i % 3 === 0 ? 0 : 1),
      updated_at: start + span + i,
    });
  }
  for (let i = 0; i < options.organizations; i += 1) {
    const n = String(i).padStart(3, '0');
    fake.organizations.push(
      wireOrganization({ id: `org_${n}`, slug: `org-${n}`, name: `Org ${n}`, created_at: start + i }),
    );
  }
  for (let i = 0; i < options.memberships; i += 1) {
    // Distinct (org, user) pairs as long as memberships <= users * organizations.
    const org = fake.organizations[(i + Math.floor(i / options.users)) % options.organizations];
    const user = fake.users[i % options.users];
    if (!org || !user) continue;
    const membership = wireMembership(
      `orgmem_${String(i).padStart(6, '0')}`,
      org,
      user.id,
      i % 5 === 0 ? 'org:admin' : 'org:member',
    );
    fake.memberships.push({ ...membership, created_at: start + i });
  }
}
