// Shared harness for the reliability suite: run the CLI against an emulator, in-process through main(argv, io) or
// as the built binary (`node bin/clerk-sync.js`, so `npm run build` first) where a process is the point (kills),
// read the emulator's whole state back over raw GET requests, and build large generated manifests. Nothing here
// imports clerk-sync internals except the emulator and the CLI's entry point.

import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { stringify } from 'yaml';
import type { CliIO } from '../../src/commands/command.ts';
import { runCliInProcess } from '../helpers/cli.ts';

export const BIN = resolve(import.meta.dirname, '../../bin/clerk-sync.js');

/** Every route that changes data; a GET never does. */
export function isMutatingRoute(routeKey: string): boolean {
  return !routeKey.startsWith('GET ') && !routeKey.startsWith('HEAD ');
}

/** Mutating requests the emulator has seen (faulted ones included), from its stats' byRoute. */
export function mutatingRequests(byRoute: Record<string, number>): number {
  let total = 0;
  for (const [route, count] of Object.entries(byRoute)) if (isMutatingRoute(route)) total += count;
  return total;
}

export interface Target {
  /** Base URL with /v1. */
  url: string;
  secretKey: string;
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd: string;
  target?: Target;
  /** Extra variables; `undefined` removes one inherited from the base environment. */
  env?: Record<string, string | undefined>;
  /** Kills the child (SIGKILL) if it runs longer; the run then resolves with signal SIGKILL. @default 120_000 */
  timeoutMs?: number;
}

/** The child's environment: this process's, minus anything that would switch on CI/GitHub behaviour or colour. */
export function cliEnv(options: Pick<CliOptions, 'target' | 'env'>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined || name.startsWith('GITHUB_') || name.startsWith('CLERK_') || name === 'FORCE_COLOR')
      continue;
    env[name] = value;
  }
  env.NO_COLOR = '1';
  if (options.target) {
    env.CLERK_SECRET_KEY = options.target.secretKey;
    env.CLERK_API_URL = options.target.url;
  }
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

export interface StartedCli {
  child: ChildProcess;
  done: Promise<CliRun>;
}

/** Starts the CLI; `done` resolves when it exits (never rejects on a non-zero exit). */
export function startCli(args: string[], options: CliOptions): StartedCli {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    env: cliEnv(options),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
  const done = new Promise<CliRun>((resolveRun, reject) => {
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolveRun({ code, signal, stdout, stderr });
    });
  });
  return { child, done };
}

export function runCli(args: string[], options: CliOptions): Promise<CliRun> {
  return startCli(args, options).done;
}

/** Runs `main(args, io)` in this process with the child's environment (cliEnv); `clock` replaces real waits. */
export function runInProcess(args: string[], options: CliOptions & { clock?: CliIO['clock'] }): Promise<CliRun> {
  return runCliInProcess(args, {
    cwd: options.cwd,
    env: cliEnv(options),
    rawEnv: true,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.clock ? { clock: options.clock } : {}),
  });
}

/** Polls `condition` (no fixed sleeps decide an outcome); rejects after `timeoutMs`. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolveTick) => setTimeout(resolveTick, 2));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Reading the emulator back over plain HTTP, in the wire shapes Clerk answers
// (docs/clerk-api.md#lists-bare-arrays-or-data-and-total_count).

export interface RawUser {
  id: string;
  external_id: string | null;
  username: string | null;
  first_name: string | null;
  last_name: string | null;
  primary_email_address_id: string | null;
  email_addresses: { id: string; email_address: string }[];
  phone_numbers: { id: string; phone_number: string }[];
  public_metadata: Record<string, unknown>;
  private_metadata?: Record<string, unknown> | null;
  unsafe_metadata?: Record<string, unknown>;
  banned: boolean;
  locked: boolean;
  password_enabled: boolean;
}

export interface RawOrganization {
  id: string;
  /** null on an instance with organization slugs off (a new one). */
  slug: string | null;
  name: string;
  private_metadata?: Record<string, unknown> | null;
}

/** The manifest key of an organization: clerk-sync's mark (private_metadata.clerkSync.key), else its slug. */
export function orgKey(org: RawOrganization): string | null {
  const mark = (org.private_metadata?.clerkSync as { key?: unknown } | undefined)?.key;
  return typeof mark === 'string' ? mark : org.slug;
}

export interface RawMembership {
  id: string;
  role: string;
  organization: { id: string; slug: string };
  public_user_data?: { user_id: string };
}

export async function getJson<T>(target: Target, path: string): Promise<T> {
  const response = await fetch(`${target.url}${path}`, {
    headers: { authorization: `Bearer ${target.secretKey}` },
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`GET ${path} -> ${response.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

export interface InstanceState {
  users: RawUser[];
  organizations: RawOrganization[];
  /** Keyed by organization key (`orgKey`: clerk-sync's mark, else the slug). */
  memberships: Map<string, RawMembership[]>;
}

/** Every user (a cursor walk, docs/clerk-api.md#cursor-pages-starting_after), every organization and its memberships. */
export async function readInstance(target: Target): Promise<InstanceState> {
  const users: RawUser[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await getJson<RawUser[]>(
      target,
      `/users?limit=500${after === undefined ? '' : `&starting_after=${encodeURIComponent(after)}`}`,
    );
    users.push(...page);
    if (page.length < 500) break;
    after = page[page.length - 1]?.id;
  }
  const organizations = (await getJson<{ data: RawOrganization[] }>(target, '/organizations?limit=500')).data;
  const memberships = new Map<string, RawMembership[]>();
  for (const org of organizations) {
    const rows: RawMembership[] = [];
    for (let offset = 0; ; offset += 500) {
      const page = await getJson<{ data: RawMembership[]; total_count: number }>(
        target,
        `/organizations/${org.id}/memberships?limit=500&offset=${offset}`,
      );
      rows.push(...page.data);
      if (page.data.length < 500) break;
    }
    memberships.set(orgKey(org) ?? org.id, rows);
  }
  return { users, organizations, memberships };
}

/** Values that occur more than once (e.g. external ids of duplicated users). */
export function duplicates(values: readonly (string | null)[]): string[] {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const value of values) {
    if (value === null) continue;
    if (seen.has(value)) repeated.add(value);
    seen.add(value);
  }
  return [...repeated];
}

/** Duplicates in the instance: users by external_id, memberships by (org, user), organizations by key. */
export function countDuplicates(state: InstanceState): number {
  let count = duplicates(state.users.map((user) => user.external_id)).length;
  count += duplicates(state.organizations.map(orgKey)).length;
  for (const [slug, rows] of state.memberships) {
    count += duplicates(rows.map((row) => `${slug}/${row.public_user_data?.user_id ?? row.id}`)).length;
  }
  return count;
}

// ---------------------------------------------------------------------------------------------------------------
// Generated manifests.

export const ORG_SLUGS = ['acme', 'globex', 'initech'] as const;
/** The ownership mark clerk-sync writes into private_metadata of every user it creates. */
export const MANAGED_MARK = { clerkSync: { managedBy: 'clerk-sync' } };

export interface ManifestUser {
  externalId: string;
  emailAddresses: string[];
  firstName: string;
  lastName: string;
  username?: string;
  password?: string;
  publicMetadata: Record<string, unknown>;
  privateMetadata: Record<string, unknown>;
  banned?: boolean;
  locked?: boolean;
  memberships: { org: string; role: string }[];
}

export interface GeneratedManifest {
  yaml: string;
  users: ManifestUser[];
  /** The organizations' manifest keys. */
  organizations: string[];
}

/**
 * A manifest of `count` users. Over three organizations by default: each user is in one or two of them (some
 * admins). With `fitNewInstance` (a new instance allows 5 members per organization), over as many organizations as needed: users go four by four,
 * the first of each four is its organization's admin, and every fourth is also a member of the next organization, so
 * none holds more than five. Every 17th user is banned, every 23rd locked, all carry public and private metadata;
 * users whose index is a multiple of `passwordEvery` take their password from `${passwordVariable}`.
 */
export function generateManifest(options: {
  count: number;
  prefix?: string;
  passwordVariable?: string;
  passwordEvery?: number;
  prune?: boolean;
  fitNewInstance?: boolean;
}): GeneratedManifest {
  const prefix = options.prefix ?? 'rel';
  const grouped = options.fitNewInstance === true;
  const organizations: string[] = grouped
    ? Array.from({ length: Math.ceil(options.count / 4) }, (_, index) => `org-${String(index).padStart(3, '0')}`)
    : [...ORG_SLUGS];
  const users: ManifestUser[] = [];
  for (let index = 0; index < options.count; index++) {
    const id = `${prefix}-${String(index).padStart(4, '0')}`;
    const memberships: { org: string; role: string }[] = [];
    if (grouped) {
      const group = Math.floor(index / 4);
      memberships.push({ org: organizations[group] as string, role: index % 4 === 0 ? 'org:admin' : 'org:member' });
      if (index % 4 === 0 && organizations.length > 1) {
        memberships.push({ org: organizations[(group + 1) % organizations.length] as string, role: 'org:member' });
      }
    } else {
      // The first user of each organization is an admin, so none is left without one (organization_without_admin).
      memberships.push({
        org: ORG_SLUGS[index % 3] as string,
        role: index < 3 || index % 10 === 0 ? 'org:admin' : 'org:member',
      });
      if (index % 4 === 0) memberships.push({ org: ORG_SLUGS[(index + 1) % 3] as string, role: 'org:member' });
    }
    const user: ManifestUser = {
      externalId: id,
      emailAddresses: [`${id}@reliability.test`],
      firstName: `First${index}`,
      lastName: `Last${index}`,
      publicMetadata: { team: `team-${index % 7}`, level: index % 5, tags: [`t${index % 3}`] },
      privateMetadata: { employeeId: 10_000 + index, costCenter: { code: `CC-${index % 11}` } },
      memberships,
    };
    if (index % 5 === 0) user.username = `user_${prefix}_${index}`;
    if (options.passwordVariable !== undefined && index % (options.passwordEvery ?? 10) === 0) {
      user.password = `\${${options.passwordVariable}}`;
    }
    if (index % 17 === 3) user.banned = true;
    if (index % 23 === 5) user.locked = true;
    users.push(user);
  }
  const manifest = {
    apiVersion: 'clerk-sync/v1',
    settings: { userKey: 'externalId', prune: options.prune ?? false, metadataMode: 'replace' },
    organizations: organizations.map((slug) => ({ slug, name: `${slug[0]?.toUpperCase()}${slug.slice(1)} Inc` })),
    users,
  };
  return { yaml: stringify(manifest), users, organizations };
}

/** Differences between the instance and a generated manifest (empty when the instance is exactly the manifest). */
export function compareWithManifest(state: InstanceState, manifest: GeneratedManifest): string[] {
  const problems: string[] = [];
  const byExternalId = new Map(state.users.map((user) => [user.external_id, user]));
  const orgByKey = new Map(state.organizations.map((org) => [orgKey(org), org]));
  for (const key of manifest.organizations) if (!orgByKey.has(key)) problems.push(`organization ${key} missing`);
  const expectedMemberships = new Map<string, string>();
  for (const user of manifest.users) {
    const live = byExternalId.get(user.externalId);
    if (!live) {
      problems.push(`${user.externalId}: missing`);
      continue;
    }
    const same = (what: string, actual: unknown, expected: unknown): void => {
      if (JSON.stringify(actual) !== JSON.stringify(expected)) {
        problems.push(`${user.externalId}: ${what} is ${JSON.stringify(actual)}, want ${JSON.stringify(expected)}`);
      }
    };
    same(
      'emails',
      live.email_addresses.map((email) => email.email_address),
      user.emailAddresses,
    );
    same('first_name', live.first_name, user.firstName);
    same('last_name', live.last_name, user.lastName);
    same('username', live.username, user.username ?? null);
    same('public_metadata', sortKeys(live.public_metadata), sortKeys(user.publicMetadata));
    same(
      'private_metadata',
      sortKeys(live.private_metadata ?? {}),
      sortKeys({ ...user.privateMetadata, ...MANAGED_MARK }),
    );
    same('banned', live.banned, user.banned ?? false);
    same('locked', live.locked, user.locked ?? false);
    if (user.password !== undefined) same('password_enabled', live.password_enabled, true);
    for (const membership of user.memberships) expectedMemberships.set(`${membership.org}/${live.id}`, membership.role);
  }
  const liveMemberships = new Map<string, string>();
  for (const [slug, rows] of state.memberships) {
    for (const row of rows) liveMemberships.set(`${slug}/${row.public_user_data?.user_id ?? '?'}`, row.role);
  }
  for (const [key, role] of expectedMemberships) {
    const live = liveMemberships.get(key);
    if (live !== role) problems.push(`membership ${key}: role ${live ?? 'missing'}, want ${role}`);
  }
  for (const key of liveMemberships.keys()) {
    if (!expectedMemberships.has(key)) problems.push(`membership ${key}: not in the manifest`);
  }
  return problems;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, entry]) => [key, sortKeys(entry)]),
  );
}

/** Operations an apply run reports as applied ("Apply complete: 12 applied, ..."), 0 when it printed no summary. */
export function appliedCount(stdout: string): number {
  const match = /(\d+) applied/.exec(stdout);
  return match ? Number(match[1]) : 0;
}

/** Prints one figure line for the closing note (vitest shows console output of passing tests too). */
export function reportFigure(file: string, figures: Record<string, number | string>): void {
  const text = Object.entries(figures)
    .map(([name, value]) => `${name}=${value}`)
    .join(' ');
  console.log(`[reliability] ${file}: ${text}`);
}
