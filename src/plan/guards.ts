// The safety guards of every path: `apply -f`, `apply PLAN` (a manifest's or an undo's) and `plan`, which reports
// them. Each is decided from the operations' content, what is live now and this command line's thresholds, never
// from counts, flags or summaries a plan file carries. Pure: no I/O.

import type { DesiredState, JsonObject, LiveSnapshot, ManifestPolicies } from '../model/index.ts';
import { plural } from '../util/plural.ts';
import { hasManagedMark } from './diff-user.ts';
import { isDestructive } from './order.ts';
import type { Operation, PlanDiagnostic, PlanOptions } from './types.ts';

/** The command line's limits. */
export interface GuardThresholds {
  maxDeletes: number;
  allowMassDelete: boolean;
  maxChangeRatio: number;
  allowMassChange: boolean;
  allowProduction: boolean;
}

/** What the manifest declares, for the checks that keep an apply on managed objects. */
export interface DeclaredFacts {
  /** True when a manifest user is matched with this live user. */
  declaresUser(userId: string): boolean;
  /** True for a declared organization key whose live match (null: created by the plan) has this id. */
  declaresOrganization(key: string, organizationId: string | null): boolean;
  /** True when the manifest user `userKey` declares a membership in the organization `orgKey`. */
  declaresMembership(orgKey: string, userKey: string): boolean;
}

/** What is live now. */
export interface LiveFacts {
  /** Users in the instance: the base of the change ratio. */
  userCount: number;
  /** A live user by id, with whether it carries clerk-sync's mark; undefined when there is none. */
  user(id: string): { managed: boolean } | undefined;
  /** The secret key is a production one (sk_live_). */
  productionKey: boolean;
  /** null when no manifest is involved (an undo plan restores what a journalled apply touched). */
  declared: DeclaredFacts | null;
}

/** Below this many live users the change-ratio rule stays quiet: 3 of 5 users is not a mass change. */
export const MASS_CHANGE_MIN_USERS = 10;

/** Ids listed in a refusal's message before "and N more". */
const LISTED = 5;

/**
 * The limits of one run: a flag the command line set (PlanOptions.overrides), else the manifest's
 * settings.policies default, else clerk-sync's default (already in `options`).
 */
export function thresholdsOf(options: PlanOptions, policies?: ManifestPolicies): GuardThresholds {
  const flag = (name: 'maxDeletes' | 'maxChangeRatio'): boolean => options.overrides?.includes(name) === true;
  return {
    maxDeletes: flag('maxDeletes') ? options.maxDeletes : (policies?.maxDeletes ?? options.maxDeletes),
    allowMassDelete: options.allowMassDelete,
    maxChangeRatio: flag('maxChangeRatio')
      ? options.maxChangeRatio
      : (policies?.maxChangeRatio ?? options.maxChangeRatio),
    allowMassChange: options.allowMassChange,
    allowProduction: options.allowProduction ?? false,
  };
}

function listed(items: readonly string[]): string {
  const shown = items.slice(0, LISTED).join(', ');
  return items.length > LISTED ? `${shown} and ${items.length - LISTED} more` : shown;
}

/** Deletes only of live users that carry clerk-sync's mark and that no manifest user claims. */
function unmanagedDeletes(operations: readonly Operation[], facts: LiveFacts): PlanDiagnostic[] {
  const problems: string[] = [];
  for (const op of operations) {
    if (op.type !== 'delete_user') continue;
    const id = op.user.userId;
    const live = id === null ? undefined : facts.user(id);
    if (id === null || live === undefined) problems.push(`${id ?? op.id} does not exist`);
    else if (!live.managed) problems.push(`${id} does not carry clerk-sync's mark`);
    else if (facts.declared?.declaresUser(id)) problems.push(`${id} is declared in the manifest`);
  }
  if (problems.length === 0) return [];
  return [
    {
      code: 'unmanaged_delete',
      message: `the plan deletes ${problems.length} user(s) clerk-sync may not delete: ${listed(problems)}`,
      hint: 'clerk-sync deletes only live users that carry its mark and that the manifest no longer lists. Make the plan again with `clerk-sync plan`; never edit a plan file.',
    },
  ];
}

/** Operations on organizations only touch declared ones; a membership elsewhere only where a user declares it. */
function undeclaredOrganizations(operations: readonly Operation[], declared: DeclaredFacts): PlanDiagnostic[] {
  const problems: string[] = [];
  for (const op of operations) {
    if (!('org' in op)) continue;
    const { slug, organizationId } = op.org;
    if (declared.declaresOrganization(slug, organizationId)) continue;
    const membershipDeclared =
      (op.type === 'create_membership' || op.type === 'update_membership_role') &&
      op.user.key !== null &&
      declared.declaresMembership(slug, op.user.key);
    if (!membershipDeclared) problems.push(op.id);
  }
  if (problems.length === 0) return [];
  return [
    {
      code: 'undeclared_organization',
      message: `${problems.length} operation(s) act on organizations the manifest does not declare: ${listed(problems)}`,
      hint: 'clerk-sync changes only the organizations the manifest declares (and memberships a user declares). Make the plan again with `clerk-sync plan`; never edit a plan file.',
    },
  ];
}

/** Every user an operation changes is one the manifest declares (or one the plan creates). */
function undeclaredUsers(operations: readonly Operation[], declared: DeclaredFacts): PlanDiagnostic[] {
  const problems: string[] = [];
  for (const op of operations) {
    if (!('user' in op) || op.type === 'delete_user' || op.user.userId === null) continue;
    if (!declared.declaresUser(op.user.userId)) problems.push(op.id);
  }
  if (problems.length === 0) return [];
  return [
    {
      code: 'undeclared_user',
      message: `${problems.length} operation(s) change users the manifest does not declare: ${listed(problems)}`,
      hint: 'clerk-sync changes only the users the manifest declares. Make the plan again with `clerk-sync plan`; never edit a plan file.',
    },
  ];
}

function massDelete(operations: readonly Operation[], limits: GuardThresholds): PlanDiagnostic[] {
  const deletes = operations.filter((op) => op.type === 'delete_user').length;
  if (deletes <= limits.maxDeletes || limits.allowMassDelete) return [];
  return [
    {
      code: 'mass_delete',
      message: `the plan deletes ${plural(deletes, 'user')}, more than the limit of ${limits.maxDeletes}`,
      hint: 'Review the deletions, then raise --max-deletes or pass --allow-mass-delete.',
    },
  ];
}

function massChange(operations: readonly Operation[], facts: LiveFacts, limits: GuardThresholds): PlanDiagnostic[] {
  if (facts.userCount < MASS_CHANGE_MIN_USERS || limits.allowMassChange) return [];
  // Adding a membership rewrites nothing a user had, and it is what a re-run after an interrupted apply mostly
  // does (users were created, their memberships were not yet): it does not count as changing the user.
  const touched = new Set<string>();
  for (const op of operations) {
    if (op.type === 'create_membership') continue;
    if ('user' in op && op.user.userId !== null) touched.add(op.user.userId);
  }
  const ratio = touched.size / facts.userCount;
  if (ratio <= limits.maxChangeRatio) return [];
  return [
    {
      code: 'mass_change',
      message: `the plan changes or deletes ${touched.size} of ${facts.userCount} live users (${Math.round(ratio * 100)}%), more than the limit of ${Math.round(limits.maxChangeRatio * 100)}%`,
      hint: 'Review the plan, then raise --max-change-ratio or pass --allow-mass-change.',
    },
  ];
}

function production(operations: readonly Operation[], facts: LiveFacts, limits: GuardThresholds): PlanDiagnostic[] {
  if (!facts.productionKey || limits.allowProduction) return [];
  const destructive = operations.filter(isDestructive);
  if (destructive.length === 0) return [];
  return [
    {
      code: 'production_destructive',
      message: `refusing ${destructive.length} destructive operation(s) (${[...new Set(destructive.map((op) => op.type))].join(', ')}) against a production instance (sk_live_ key)`,
      hint: 'Review the plan, then re-run with --allow-production.',
    },
  ];
}

/**
 * Every refusal for applying `operations` now: thresholds, the production guard, and managed-only changes. The
 * ones no flag lifts (unmanaged_delete, undeclared_*) come first, then mass_delete, mass_change,
 * production_destructive.
 */
export function guardRefusals(
  operations: readonly Operation[],
  facts: LiveFacts,
  limits: GuardThresholds,
): PlanDiagnostic[] {
  return [
    ...unmanagedDeletes(operations, facts),
    ...(facts.declared ? undeclaredUsers(operations, facts.declared) : []),
    ...(facts.declared ? undeclaredOrganizations(operations, facts.declared) : []),
    ...massDelete(operations, limits),
    ...massChange(operations, facts, limits),
    ...production(operations, facts, limits),
  ];
}

/** clerk-sync's mark on a user's private metadata (prune deletes only users that carry it). */
export function carriesManagedMark(privateMetadata: JsonObject): boolean {
  return hasManagedMark(privateMetadata);
}

/** Lazily built lookups: most plans never ask (no delete, no organization outside the manifest). */
function lazy<T>(build: () => T): () => T {
  let value: T | undefined;
  return () => {
    value ??= build();
    return value;
  };
}

export interface SnapshotFactsInput {
  desired: DesiredState;
  live: LiveSnapshot;
  /** Ids of the live users the manifest's users match (or might: an ambiguous match is an error, never a prune). */
  claimedUsers: { has(userId: string): boolean };
  /** Declared organization key -> the live id it matched (absent: created by the plan). */
  declaredOrganizationIds: ReadonlyMap<string, string>;
  productionKey: boolean;
}

/** The facts for a plan made from a manifest and a live snapshot. */
export function snapshotFacts(input: SnapshotFactsInput): LiveFacts {
  const { desired, live } = input;
  const users = lazy(() => new Map(live.users.map((user) => [user.id, user])));
  const declaredKeys = new Set(desired.organizations.map((org) => org.slug));
  const memberships = lazy(() => {
    const out = new Set<string>();
    for (const user of desired.users)
      for (const membership of user.memberships ?? []) {
        out.add(`${membership.org}\u0000${user.key}`);
      }
    return out;
  });
  return {
    // A targeted read holds only the users the manifest names; the instance's count is what a ratio is of.
    userCount: live.read?.strategy === 'targeted' ? live.instance.userCount : live.users.length,
    user: (id) => {
      const user = users().get(id);
      return user === undefined ? undefined : { managed: hasManagedMark(user.privateMetadata) };
    },
    productionKey: input.productionKey,
    declared: {
      // Only live users are claimed: no index of every live user by id is needed.
      declaresUser: (id) => input.claimedUsers.has(id),
      declaresOrganization: (key, organizationId) =>
        declaredKeys.has(key) && (input.declaredOrganizationIds.get(key) ?? null) === organizationId,
      declaresMembership: (orgKey, userKey) => memberships().has(`${orgKey}\u0000${userKey}`),
    },
  };
}
