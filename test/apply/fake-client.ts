// A fake ClerkClient (the executor's injected dependency) for scheduler tests: it answers through a handler, yields to
// the event loop a few times per request so concurrent requests really overlap, and records what it saw: every
// request in order, the most requests in flight at once, overall and per user.

import type { ClerkClient, ClientStats, RequestOptions, RequestSpec, WireUser } from '../../src/clerk/index.ts';
import { ApiError } from '../../src/errors.ts';

export interface FakeCall {
  spec: RequestSpec;
  options: RequestOptions | undefined;
}

export interface FakeClient extends ClerkClient {
  calls: FakeCall[];
  /** `start <METHOD path>` / `end <METHOD path>` in the order they happened. */
  log: string[];
  maxInFlight: number;
  maxInFlightPerUser: number;
}

export type Handler = (spec: RequestSpec, call: number) => unknown;

function userOf(spec: RequestSpec): string[] {
  const match = /^\/users\/([^/]+)/.exec(spec.path);
  if (match?.[1] && match[1] !== 'ban' && match[1] !== 'unban') return [match[1]];
  const body = spec.body as { user_id?: unknown; user_ids?: unknown } | undefined;
  if (typeof body?.user_id === 'string') return [body.user_id];
  if (Array.isArray(body?.user_ids)) return body.user_ids as string[];
  const membership = /^\/organizations\/[^/]+\/memberships\/([^/]+)/.exec(spec.path);
  return membership?.[1] ? [membership[1]] : [];
}

export function apiError(spec: RequestSpec, status: number, clerkCode?: string, message = 'refused'): ApiError {
  return new ApiError(`${spec.method} ${spec.path} failed: ${status} ${clerkCode ?? ''} ${message}`, {
    method: spec.method,
    path: spec.path,
    status,
    ...(clerkCode === undefined ? {} : { clerkCode }),
    code: status === 0 ? 'api_unreachable' : 'api_error',
  });
}

export function createFakeClient(handler: Handler = () => ({})): FakeClient {
  let inFlight = 0;
  const perUser = new Map<string, number>();
  const stats: ClientStats = { requests: 0, retries: 0, rateLimited: 0, byMethod: {} };
  const client: FakeClient = {
    baseUrl: 'http://127.0.0.1:1/v1',
    calls: [],
    log: [],
    maxInFlight: 0,
    maxInFlightPerUser: 0,
    async request<T>(spec: RequestSpec, options?: RequestOptions): Promise<T> {
      const call = client.calls.length;
      client.calls.push({ spec, options });
      stats.requests += 1;
      stats.byMethod[spec.method] = (stats.byMethod[spec.method] ?? 0) + 1;
      const label = `${spec.method} ${spec.path}`;
      client.log.push(`start ${label}`);
      inFlight += 1;
      client.maxInFlight = Math.max(client.maxInFlight, inFlight);
      const users = userOf(spec);
      for (const user of users) {
        const count = (perUser.get(user) ?? 0) + 1;
        perUser.set(user, count);
        client.maxInFlightPerUser = Math.max(client.maxInFlightPerUser, count);
      }
      try {
        for (let tick = 0; tick < 3; tick += 1) await new Promise((resolve) => setImmediate(resolve));
        return (await handler(spec, call)) as T;
      } finally {
        inFlight -= 1;
        for (const user of users) perUser.set(user, (perUser.get(user) ?? 1) - 1);
        client.log.push(`end ${label}`);
      }
    },
    stats: () => structuredClone(stats),
    close: async () => undefined,
  };
  return client;
}

/** A complete wire user, as GET /users answers it. */
export function wireUser(id: string, fields: Partial<WireUser> = {}): WireUser {
  return {
    id,
    object: 'user',
    external_id: null,
    primary_email_address_id: null,
    primary_phone_number_id: null,
    primary_web3_wallet_id: null,
    username: null,
    first_name: null,
    last_name: null,
    has_image: false,
    public_metadata: {},
    private_metadata: {},
    unsafe_metadata: {},
    email_addresses: [],
    phone_numbers: [],
    web3_wallets: [],
    passkeys: [],
    external_accounts: [],
    saml_accounts: [],
    enterprise_accounts: [],
    password_enabled: false,
    two_factor_enabled: false,
    totp_enabled: false,
    backup_code_enabled: false,
    mfa_enabled_at: null,
    mfa_disabled_at: null,
    last_sign_in_at: null,
    banned: false,
    locked: false,
    lockout_expires_in_seconds: null,
    verification_attempts_remaining: null,
    created_at: 1,
    updated_at: 1,
    delete_self_enabled: true,
    create_organization_enabled: true,
    last_active_at: null,
    legal_accepted_at: null,
    ...fields,
  };
}
