// `plan --rehearse`: copy the live snapshot into an in-process emulator, plan the same manifest there (ids differ,
// so the plan is recomputed rather than reused), apply it with the real executor, then plan once more. It catches
// what the planner cannot know offline: an operation Clerk would refuse (a password the API rejects, an identifier
// the instance validates differently) and a plan that does not converge. Nothing is sent to the real instance: the
// only requests it ever saw were the reads that built the snapshot.

import {
  type ClerkClient,
  createClerkClient,
  resolveClientConfig,
  type WireCreateUserBody,
  type WireUser,
} from '../clerk/index.ts';
import {
  DEFAULT_ROLES,
  type EmulatorSeedMembership,
  type EmulatorSeedOrganization,
  type EmulatorSettingsInput,
  type RunningEmulator,
  startEmulator,
} from '../emulator/index.ts';
import { isClerkSyncError } from '../errors.ts';
import type {
  DesiredState,
  LiveInstance,
  LiveMembership,
  LiveOrganization,
  LiveSnapshot,
  LiveUser,
} from '../model/index.ts';
import {
  createPlan,
  operationTitles,
  orgMark,
  type Plan,
  type PlanDiagnostic,
  type PlanOptions,
} from '../plan/index.ts';
import { fetchLiveSnapshot, listOrganizations } from '../state/index.ts';
import { applyPlan } from './apply-plan.ts';
import type { OperationOutcome } from './types.ts';

/** The emulator is local and in-process: Clerk's documented budgets would only slow the rehearsal down. */
const EMULATOR_RATE_LIMIT = '100000/1s';
const EMULATOR_KEY = 'sk_test_rehearsal';

export interface RehearsalRefusal {
  /** Operation id (`create_user:emp-003`). */
  id: string;
  title: string;
  code: string;
  message: string;
}

export interface RehearsalReport {
  /** Operations in the plan computed on the emulated copy. */
  planned: number;
  applied: number;
  unchanged: number;
  refused: RehearsalRefusal[];
  /** Not attempted because something they depend on was refused. */
  skipped: number;
  /** Live objects the emulator would not accept as a copy (the rehearsal then differs from the real instance). */
  notCopied: string[];
  /** Errors the planner reported on the copy (the real plan had none: the copy differs). */
  planErrors: PlanDiagnostic[];
  /** Titles of the operations a second plan still wants (empty: the plan converges). */
  remaining: string[];
}

export interface RehearseOptions {
  desired: DesiredState;
  live: LiveSnapshot;
  planOptions: PlanOptions;
  signal?: AbortSignal;
}

function describeError(error: unknown): string {
  if (isClerkSyncError(error)) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

function userLabel(user: LiveUser): string {
  return user.externalId ?? user.emailAddresses[0]?.emailAddress ?? user.username ?? user.id;
}

/** The POST /users body that recreates a live user: primary address first (Clerk makes the first one primary). */
function createBody(user: LiveUser): WireCreateUserBody {
  const primaryFirst = <T extends { id: string }>(items: T[], primaryId: string | null): T[] => [
    ...items.filter((item) => item.id === primaryId),
    ...items.filter((item) => item.id !== primaryId),
  ];
  const emails = primaryFirst(user.emailAddresses, user.primaryEmailAddressId).map((email) => email.emailAddress);
  const phones = primaryFirst(user.phoneNumbers, user.primaryPhoneNumberId).map((phone) => phone.phoneNumber);
  return {
    ...(user.externalId === null ? {} : { external_id: user.externalId }),
    ...(emails.length === 0 ? {} : { email_address: emails }),
    ...(phones.length === 0 ? {} : { phone_number: phones }),
    ...(user.username === null ? {} : { username: user.username }),
    first_name: user.firstName,
    last_name: user.lastName,
    public_metadata: user.publicMetadata,
    private_metadata: user.privateMetadata,
    unsafe_metadata: user.unsafeMetadata,
    banned: user.banned,
    locked: user.locked,
    created_at: new Date(user.createdAt).toISOString(),
  };
}

/** How a seed membership names a copied user: external id or primary email, else its new id (looked up). */
async function emulatedUserRef(client: ClerkClient, user: LiveUser): Promise<string | undefined> {
  if (user.externalId !== null) return user.externalId;
  const primary = user.emailAddresses.find((email) => email.id === user.primaryEmailAddressId);
  if (primary) return primary.emailAddress;
  const query = user.username
    ? { username: [user.username] }
    : user.phoneNumbers[0]
      ? { phone_number: [user.phoneNumbers[0].phoneNumber] }
      : undefined;
  if (query === undefined) return undefined;
  const [found] = await client.request<WireUser[]>({ method: 'GET', path: '/users', query: { ...query, limit: 1 } });
  return found?.id;
}

/**
 * The seed item that copies a live organization: its name, its slug when it has one, its own member limit and
 * clerk-sync's mark when it carries one, so the planner matches the copy exactly as it matches the original.
 */
export function seedOrganization(org: LiveOrganization): EmulatorSeedOrganization {
  // The emulator takes a seed without a slug (like POST /organizations); its type predates slug-less instances.
  const item: Omit<EmulatorSeedOrganization, 'slug'> & { slug?: string } = {
    name: org.name,
    ...(org.slug === null ? {} : { slug: org.slug }),
    ...(org.key === null ? {} : { private_metadata: orgMark(org.key) }),
    ...(org.maxAllowedMemberships > 0 ? { max_allowed_memberships: org.maxAllowedMemberships } : {}),
  };
  return item as EmulatorSeedOrganization;
}

/**
 * How a seed membership names the emulated copy of each seeded organization (its slug, else its id), by live id. A
 * seed answers with counts, not ids, so copies without a slug are listed and paired by mark and name, in seed order
 * (organizations alike in slug, mark and name are alike to the planner too).
 */
async function copiedOrganizationRefs(
  client: ClerkClient,
  seeded: readonly LiveOrganization[],
): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  if (seeded.every((org) => org.slug !== null)) {
    for (const org of seeded) ids.set(org.id, org.slug as string);
    return ids;
  }
  const copies = await listOrganizations(client);
  const bySlug = new Map(copies.flatMap((copy) => (copy.slug === null ? [] : [[copy.slug, copy] as const])));
  const used = new Set<string>();
  for (const org of seeded) {
    if (org.slug === null) continue;
    const copy = bySlug.get(org.slug);
    if (copy) {
      ids.set(org.id, copy.id);
      used.add(copy.id);
    }
  }
  for (const org of seeded) {
    if (org.slug !== null) continue;
    const copy = copies.find((item) => !used.has(item.id) && item.key === org.key && item.name === org.name);
    if (copy) {
      ids.set(org.id, copy.id);
      used.add(copy.id);
    }
  }
  return ids;
}

async function copySnapshot(emulator: RunningEmulator, client: ClerkClient, live: LiveSnapshot): Promise<string[]> {
  const notCopied: string[] = [];
  const seeded: LiveOrganization[] = [];
  // Those with a slug first: a copy seeded without one may get a slug made from its name, never one taken later.
  const withSlugFirst = [
    ...live.organizations.filter((org) => org.slug !== null),
    ...live.organizations.filter((org) => org.slug === null),
  ];
  for (const org of withSlugFirst) {
    try {
      emulator.seed({ organizations: [seedOrganization(org)] });
      seeded.push(org);
    } catch (error) {
      notCopied.push(`organization ${org.slug ?? org.key ?? org.name} (${org.id}): ${describeError(error)}`);
    }
  }
  const copy = await copiedOrganizationRefs(client, seeded);
  const copied = new Set<string>();
  // One user per seed call: the emulator stops a seed at its first invalid item, and one bad live user must not
  // keep the others out of the copy.
  for (const user of live.users) {
    try {
      emulator.seed({ users: [createBody(user)] });
      copied.add(user.id);
    } catch (error) {
      notCopied.push(`user ${userLabel(user)}: ${describeError(error)}`);
    }
  }
  const orgNames = new Map(live.organizations.map((org) => [org.id, org.slug ?? org.key ?? org.name]));
  const users = new Map(live.users.map((user) => [user.id, user]));
  for (const membership of live.memberships) {
    const user = users.get(membership.userId);
    const target = copy.get(membership.organizationId);
    const orgName = orgNames.get(membership.organizationId) ?? membership.organizationId;
    if (target === undefined) continue;
    if (!user && live.read?.strategy === 'targeted') {
      copyUnreadMember(emulator, membership, target, notCopied);
      continue;
    }
    if (!user || !copied.has(user.id)) continue;
    const ref = await emulatedUserRef(client, user);
    if (ref === undefined) {
      notCopied.push(`membership of ${userLabel(user)} in ${orgName}: the user has no identifier to find its copy by`);
      continue;
    }
    const item: EmulatorSeedMembership = { organization: target, user: ref, role: membership.role };
    try {
      emulator.seed({ memberships: [item] });
    } catch (error) {
      notCopied.push(`membership of ${userLabel(user)} in ${orgName}: ${describeError(error)}`);
    }
  }
  return notCopied;
}

/**
 * A member of a managed organization a targeted read did not read (it holds no identifier the manifest names): a
 * stand-in with none of them, so the copy's organization keeps its live members (the member limit, the last admin).
 */
function copyUnreadMember(
  emulator: RunningEmulator,
  membership: LiveMembership,
  organization: string,
  notCopied: string[],
): void {
  const ref = `clerk-sync-rehearsal-${membership.userId}`;
  try {
    emulator.seed({
      users: [{ external_id: ref, skip_password_requirement: true }],
      memberships: [{ organization, user: ref, role: membership.role }],
    });
  } catch (error) {
    notCopied.push(`membership of ${membership.userId} (not read) in ${organization}: ${describeError(error)}`);
  }
}

function refusal(outcome: OperationOutcome, titles: Map<string, string>): RehearsalRefusal {
  return {
    id: outcome.id,
    title: titles.get(outcome.id) ?? outcome.id,
    code: outcome.error?.code ?? 'unknown',
    message: outcome.error?.message ?? 'failed',
  };
}

/**
 * The emulator settings that make the copy behave like the real instance, from what the plan read of it, and what
 * could not be copied: the Backend API does not expose the password policy or the lockout duration, so those stay a
 * new instance's defaults (docs/clerk-api.md).
 */
export function copiedSettings(instance: LiveInstance): { settings: EmulatorSettingsInput; notCopied: string[] } {
  const notCopied: string[] = [
    'instance setting password policy: not readable through the Backend API; the copy requires a password and refuses weak or breached ones, like a new instance',
    'instance setting lockout duration: not readable through the Backend API; the copy locks for an hour, like a new instance, and copied locks start afresh',
  ];
  const environment = instance.environment ?? 'development';
  if (instance.environment === null) {
    notCopied.push('instance setting environment: not read; the copy is a development instance (at most 100 users)');
  }
  const roles = instance.roles ?? [];
  if (instance.roles === null) {
    notCopied.push('instance setting roles: not read; the copy accepts any role');
  } else if (roles.some((role) => role !== 'org:admin' && role !== 'org:member')) {
    notCopied.push(
      "instance setting role permissions: not copied; in the copy only org:admin holds an admin's permissions",
    );
  }
  const admin = DEFAULT_ROLES.find((role) => role.key === 'org:admin');
  const member = DEFAULT_ROLES.find((role) => role.key === 'org:member');
  const roleKeys = [...new Set([...roles, instance.creatorRole, 'org:member'])];
  return {
    settings: {
      environment_type: environment,
      user_cap: environment === 'production' ? null : 100,
      unknown_roles_refused: instance.roles !== null,
      roles: roleKeys.map((key) => ({
        key,
        name: key,
        description: null,
        permissions: [...((key === 'org:admin' ? admin : member)?.permissions ?? [])],
      })),
      organization_settings: {
        slug_disabled: !instance.slugsEnabled,
        max_allowed_memberships: instance.maxAllowedMemberships,
        creator_role: instance.creatorRole,
        domains_default_role: 'org:member',
      },
    },
    notCopied,
  };
}

/** Plans, applies and re-plans the manifest on an emulated copy of `live`. */
export async function rehearsePlan(options: RehearseOptions): Promise<RehearsalReport> {
  const { desired, live, planOptions } = options;
  const copied = copiedSettings(live.instance);
  const emulator = await startEmulator({ port: 0, secretKey: EMULATOR_KEY, settings: copied.settings });
  const client = createClerkClient(
    resolveClientConfig({
      env: { CLERK_SECRET_KEY: EMULATOR_KEY, CLERK_API_URL: emulator.url },
      flags: { rateLimit: EMULATOR_RATE_LIMIT },
    }),
  );
  try {
    const notCopied = [...copied.notCopied, ...(await copySnapshot(emulator, client, live))];
    const managedOrgs = desired.organizations.map((org) => ({ key: org.slug, name: org.name }));
    const read = (): Promise<LiveSnapshot> =>
      fetchLiveSnapshot(client, { managedOrgs, ...(options.signal ? { signal: options.signal } : {}) });

    const first = createPlan(desired, await read(), planOptions);
    const report: RehearsalReport = {
      planned: first.plan.operations.length,
      applied: 0,
      unchanged: 0,
      refused: [],
      skipped: 0,
      notCopied,
      planErrors: first.errors,
      remaining: [],
    };
    if (first.errors.length > 0) return report;

    const passwords = new Map(desired.users.map((user) => [user.key, user.password?.value]));
    const result = await applyPlan(first.plan, {
      client,
      userKey: first.plan.settings.userKey,
      concurrency: 8,
      // Every refusal is worth knowing about, not only the first.
      continueOnError: true,
      secrets: (op) => (op.user.key === null ? undefined : passwords.get(op.user.key)),
      retryBaseMs: 10,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const titles = operationTitles(first.plan);
    report.applied = result.done;
    report.unchanged = result.unchanged;
    report.skipped = result.skipped;
    report.refused = result.outcomes
      .filter((outcome) => outcome.status === 'failed')
      .map((outcome) => refusal(outcome, titles));

    // The safety caps were judged on the real plan; the second plan only asks whether anything is left to do.
    const second = createPlan(desired, await read(), {
      ...planOptions,
      allowMassDelete: true,
      allowMassChange: true,
      fingerprints: false,
    });
    report.planErrors = second.errors;
    report.remaining = remainingTitles(second.plan);
    return report;
  } finally {
    await client.close();
    await emulator.close();
  }
}

function remainingTitles(plan: Plan): string[] {
  const titles = operationTitles(plan);
  return plan.operations.map((op) => titles.get(op.id) ?? op.id);
}

export function rehearsalPassed(report: RehearsalReport): boolean {
  return report.refused.length === 0 && report.planErrors.length === 0 && report.remaining.length === 0;
}
