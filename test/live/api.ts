// Raw Backend API requests for the live suite, so a test sees Clerk's exact status and error body, and the sweep
// that removes what the suite created. Requests are paced client-side on a real instance (its 100-per-10-seconds
// budget is shared with the application using the key, docs/clerk-api.md); a 429 is waited out, and there a 404 for
// a user or organization just made is asked again after a second.

import { CLERK_API_VERSION } from '../../src/clerk/index.ts';
import { PREFIX } from './target.ts';

export interface ApiResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON, or the text when the body is not JSON. */
  body: unknown;
  text: string;
}

const MAX_429_WAITS = 4;
const MAX_RETRY_AFTER_MS = 30_000;
// A just-created user or organization can answer 404 for a moment (engram-app/Engram#474, docs/clerk-api.md).
const MISSING_RETRIES = 3;
const MISSING_RETRY_MS = 1_000;
const JUST_CREATED_404 = /^(No user was found with id|Given organization not found)/;

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

export class ClerkApi {
  readonly #baseUrl: string;
  readonly #secretKey: string;
  readonly #minGapMs: number;
  #nextAt = 0;

  /** `baseUrl` ends in /v1. */
  constructor(baseUrl: string, secretKey: string, minGapMs: number) {
    this.#baseUrl = baseUrl.replace(/\/+$/, '');
    this.#secretKey = secretKey;
    this.#minGapMs = minGapMs;
  }

  /** The origin without /v1 (the emulator's `/__emulator/*` routes live there). */
  get origin(): string {
    return this.#baseUrl.replace(/\/v1$/, '');
  }

  /** One request below /v1 (`/users?limit=1`); never throws on an HTTP status. */
  async send(method: string, path: string, body?: unknown): Promise<ApiResponse> {
    return this.#fetch(method, `${this.#baseUrl}${path}`, body, true);
  }

  /** A request that must succeed (2xx): its parsed body. */
  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.send(method, path, body);
    if (response.status >= 300) throw new Error(`${method} ${path} -> ${response.status} ${response.text}`);
    return response.body as T;
  }

  /** The emulator's own routes (`/__emulator/seed`), outside /v1 and without auth. */
  async emulator<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.#fetch(method, `${this.origin}${path}`, body, false);
    if (response.status >= 300) throw new Error(`${method} ${path} -> ${response.status} ${response.text}`);
    return response.body as T;
  }

  async #fetch(method: string, url: string, body: unknown, auth: boolean): Promise<ApiResponse> {
    let missing = 0;
    for (let attempt = 0; ; attempt++) {
      await this.#pace();
      const headers: Record<string, string> = { 'clerk-api-version': CLERK_API_VERSION };
      if (auth) headers.authorization = `Bearer ${this.#secretKey}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const response = await fetch(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      if (response.status === 429 && attempt < MAX_429_WAITS) {
        const seconds = Number.parseInt(response.headers.get('retry-after') ?? '', 10);
        await sleep(Number.isFinite(seconds) ? Math.min(seconds * 1000, MAX_RETRY_AFTER_MS) : 2_000);
        continue;
      }
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // Not JSON: keep the text.
      }
      // Only on a real instance (paced): the emulator answers a created object at once, so a 404 there is final.
      if (response.status === 404 && this.#minGapMs > 0 && missing < MISSING_RETRIES && justCreated404(parsed)) {
        missing++;
        await sleep(MISSING_RETRY_MS);
        continue;
      }
      return { status: response.status, headers: response.headers, body: parsed, text };
    }
  }

  async #pace(): Promise<void> {
    if (this.#minGapMs <= 0) return;
    const now = Date.now();
    const wait = this.#nextAt - now;
    this.#nextAt = Math.max(now, this.#nextAt) + this.#minGapMs;
    if (wait > 0) await sleep(wait);
  }
}

function justCreated404(body: unknown): boolean {
  const errors = (body as { errors?: { long_message?: unknown }[] } | null)?.errors;
  const message = Array.isArray(errors) ? errors[0]?.long_message : undefined;
  return typeof message === 'string' && JUST_CREATED_404.test(message);
}

interface SweptUser {
  id: string;
  external_id: string | null;
  username: string | null;
  email_addresses: { email_address: string }[];
  created_at: number;
}

interface SweptOrganization {
  id: string;
  name: string;
  slug: string | null;
  created_at: number;
}

export interface SweepOptions {
  /** Objects whose prefixed names start with this (this run's) are removed. */
  runPrefix: string;
  /** Prefixed objects created before this time (Unix ms) are removed too, whatever run made them. */
  createdBefore: number;
  /** Ids removed whatever their names (e.g. a user that lost its prefixed email). */
  userIds?: Iterable<string>;
  organizationIds?: Iterable<string>;
}

export interface SweepResult {
  users: number;
  organizations: number;
  /** Deletions that failed (other than 404), as `DELETE path -> status text`. */
  failures: string[];
}

const PAGE = 100;

async function listAll<T>(api: ClerkApi, path: string, unwrap: (body: unknown) => T[]): Promise<T[]> {
  const all: T[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const separator = path.includes('?') ? '&' : '?';
    const page = unwrap(await api.json<unknown>('GET', `${path}${separator}limit=${PAGE}&offset=${offset}`));
    all.push(...page);
    if (page.length < PAGE) return all;
  }
}

function userNames(user: SweptUser): string[] {
  const names = user.email_addresses.map((email) => email.email_address);
  if (user.external_id) names.push(user.external_id);
  if (user.username) names.push(user.username);
  return names;
}

/**
 * Removes the suite's organizations, then its users: those of this run, those with the prefix created before
 * `createdBefore`, and the ids given. Listing finds them by the prefix (`query` matches emails, usernames and
 * organization names); nothing without the prefix is ever touched unless its id is given.
 */
export async function sweep(api: ClerkApi, options: SweepOptions): Promise<SweepResult> {
  const result: SweepResult = { users: 0, organizations: 0, failures: [] };
  const remove = async (path: string): Promise<boolean> => {
    const response = await api.send('DELETE', path);
    if (response.status < 300) return true;
    if (response.status !== 404) result.failures.push(`DELETE ${path} -> ${response.status} ${response.text}`);
    return false;
  };
  const ours = (names: (string | null)[], createdAt: number): boolean => {
    const prefixed = names.filter((name): name is string => name?.startsWith(PREFIX) === true);
    if (prefixed.length === 0) return false;
    return createdAt < options.createdBefore || prefixed.some((name) => name.startsWith(options.runPrefix));
  };

  const organizations = new Set(options.organizationIds ?? []);
  const listedOrganizations = await listAll<SweptOrganization>(
    api,
    `/organizations?query=${encodeURIComponent(PREFIX)}`,
    (body) => (body as { data: SweptOrganization[] }).data,
  );
  for (const org of listedOrganizations) if (ours([org.name, org.slug], org.created_at)) organizations.add(org.id);
  for (const id of organizations) if (await remove(`/organizations/${id}`)) result.organizations++;

  const users = new Set(options.userIds ?? []);
  const listedUsers = await listAll<SweptUser>(
    api,
    `/users?query=${encodeURIComponent(PREFIX)}`,
    (body) => body as SweptUser[],
  );
  for (const user of listedUsers) if (ours(userNames(user), user.created_at)) users.add(user.id);
  for (const id of users) if (await remove(`/users/${id}`)) result.users++;
  return result;
}
