// createPlan: (desired state, live snapshot, options) -> ordered plan, errors and safety refusals. Pure and
// deterministic: no I/O, no clock, no randomness; input array order never changes the output.

import { ORGANIZATION_METADATA_FIELDS } from '../fields/organization-fields.ts';
import type {
  DesiredState,
  JsonObject,
  JsonValue,
  LiveOrganization,
  LiveSnapshot,
  SourcePositions,
} from '../model/index.ts';
import { planCreateOrganization, planUpdateOrganization } from './diff-organization.ts';
import {
  hasManagedMark,
  liveUserLabel,
  membershipSource,
  planUserMemberships,
  type UserDiffContext,
} from './diff-user.ts';
import { guardRefusals, snapshotFacts, thresholdsOf } from './guards.ts';
import type { UserMatch } from './identity.ts';
import { parseIgnore } from './ignore.ts';
import { instanceChecks } from './instance-checks.ts';
import { canonicalSha256, compareStrings, sha256Lines } from './json-values.ts';
import {
  type GroupedMemberships,
  groupMembershipsByUser,
  type MembershipsByUser,
  membershipsOfUser,
} from './memberships-by-user.ts';
import { sortOperations, summarize } from './order.ts';
import { matchOrganizations } from './org-identity.ts';
import { planPolicyResults, policyRefusals } from './policies.ts';
import { type PreparedUsers, usersFor } from './prepare-users.ts';
import { addProvenance } from './provenance.ts';
import {
  formatTarget,
  missingDependencyErrors,
  selectTargets,
  type TargetSelection,
  targetOf,
  unknownTargets,
} from './target.ts';
import {
  type LiveVersions,
  type Operation,
  PLAN_FORMAT_VERSION,
  type Plan,
  type PlanDiagnostic,
  type PlanFingerprints,
  type PlanOptions,
  type PlanResult,
  type PlanTarget,
  type Target,
} from './types.ts';

/** Defaults for the safety thresholds; the CLI flags override them. */
export const DEFAULT_PLAN_OPTIONS: PlanOptions = Object.freeze({
  maxDeletes: 10,
  allowMassDelete: false,
  maxChangeRatio: 0.3,
  allowMassChange: false,
  ignore: [],
  developmentUserCap: 100,
});

/** What a command computed from the same inputs while the read went on; each part is used only for its own inputs. */
export interface PreparedPlan {
  /** The identity and user field operations (prepare-users.ts). */
  users?: PreparedUsers | undefined;
  /** The live memberships by user, as the read grouped them (memberships-by-user.ts). */
  memberships?: GroupedMemberships | undefined;
}

export function createPlan(
  desired: DesiredState,
  live: LiveSnapshot,
  options: PlanOptions,
  prepared: PreparedPlan = {},
): PlanResult {
  const { settings } = desired;
  const errors: PlanDiagnostic[] = [];
  const ignore = parseIgnore([...settings.ignore, ...options.ignore]);

  const orgIdentity = matchOrganizations(desired.organizations, live.organizations);
  errors.push(...orgIdentity.errors);
  const declaredKeys = new Set(desired.organizations.map((org) => org.slug));
  // Memberships are authoritative in the declared organizations whose live match is known (or that this plan creates).
  const managedKeys = new Set([...declaredKeys].filter((key) => !orgIdentity.unresolved.has(key)));
  const liveOrgsByKey = new Map<string, LiveOrganization>();
  for (const { desired: org, live: match } of orgIdentity.matches) if (match) liveOrgsByKey.set(org.slug, match);
  // A live organization no declared one claims is known by its slug (a membership in it is enforced, nothing else).
  const claimed = new Set(liveOrgsByKey.values());
  for (const org of live.organizations) {
    if (org.slug === null || claimed.has(org) || declaredKeys.has(org.slug) || liveOrgsByKey.has(org.slug)) continue;
    liveOrgsByKey.set(org.slug, org);
  }

  const operations: Operation[] = [];
  const createdOrgKeys = new Set<string>();
  for (const { desired: org, live: current, by } of orgIdentity.matches) {
    if (current) {
      operations.push(...planUpdateOrganization(org, current, by, settings, ignore));
      continue;
    }
    createdOrgKeys.add(org.slug);
    operations.push(planCreateOrganization(org, settings, live.instance.slugsEnabled));
  }

  const { identity, fieldOperations } = usersFor(desired, live, options.ignore, prepared.users);
  errors.push(...identity.errors);

  for (const { desired: user } of identity.matches) {
    for (const membership of user.memberships ?? []) {
      if (declaredKeys.has(membership.org) || liveOrgsByKey.has(membership.org)) continue;
      const source = membershipSource(user, membership, desired.positions);
      errors.push({
        code: 'unknown_organization',
        message: `manifest user "${user.key}" is a member of organization "${membership.org}", which is neither declared nor live`,
        source: { file: source.file, line: source.line, column: source.column },
        hint: 'Declare the organization under `organizations:` (it will be created) or fix the slug.',
      });
    }
  }

  // A subset (--target) needs only the passwords of the users it creates: decided once it is known, below.
  const unsetPasswords =
    options.targets === undefined ? unsetPasswordError(identity.matches, desired.positions) : undefined;
  if (unsetPasswords) errors.push(unsetPasswords);

  const grouped = prepared.memberships;
  const liveMembershipsByUser =
    grouped !== undefined && grouped.list === live.memberships
      ? grouped.byUser
      : groupMembershipsByUser(live.memberships);
  const context: UserDiffContext = {
    settings,
    ignore,
    managedKeys,
    liveOrgsByKey,
    liveOrgKeysById: new Map([...liveOrgsByKey].map(([key, org]) => [org.id, key])),
    liveMembershipsByUser,
    createdOrgKeys,
    positions: desired.positions,
  };
  // One by one: a spread of 100,000 creates would exceed the engine's argument limit.
  for (const operation of fieldOperations) operations.push(operation);
  for (const { desired: user, live: match } of identity.matches) {
    operations.push(...planUserMemberships(user, match, context));
  }

  // Prune: only users clerk-sync created or adopted (they carry the mark) and that no manifest user claims. Their
  // memberships go with them (a deleted user's memberships are deleted by Clerk), so no delete_membership for them.
  if (settings.prune) {
    for (const user of live.users) {
      if (identity.claimedLiveUsers.has(user.id) || !hasManagedMark(user.privateMetadata)) continue;
      // The user is no longer in the manifest, so name it by everything a reviewer may know it by.
      const email = liveUserLabel(user);
      const label = user.externalId !== null && user.externalId !== email ? `${user.externalId}, ${email}` : email;
      operations.push({
        id: `delete_user:${user.id}`,
        type: 'delete_user',
        user: { key: null, userId: user.id, label },
        label,
        reason: 'prune',
        dependsOn: [],
      });
    }
  }

  const whole = sortOperations(operations);
  addProvenance(whole, desired);
  const targeted =
    options.targets === undefined
      ? undefined
      : targetedSubset(whole, options.targets, { desired, live, matches: identity.matches });
  if (targeted) errors.push(...targeted.errors);
  // An approved subset is checked and guarded as what an apply of it would send: only its operations.
  const ordered = targeted?.selection.selected ?? whole;
  // What the instance's settings would refuse halfway through an apply (roles, limits, last admin...): refused now.
  errors.push(...instanceChecks(desired, live, ordered, { options, matches: identity.matches }));
  const organizationIds = new Map(
    orgIdentity.matches.flatMap(({ desired: org, live: match }) => (match ? [[org.slug, match.id] as const] : [])),
  );
  const policies = planPolicyResults({
    desired,
    live,
    operations: ordered,
    matches: identity.matches,
    organizationIds,
  });
  // Policies come first: no flag lifts them.
  const refusals = [
    ...policyRefusals(policies?.results ?? []),
    ...guardRefusals(
      ordered,
      snapshotFacts({
        desired,
        live,
        claimedUsers: identity.claimedLiveUsers,
        declaredOrganizationIds: organizationIds,
        productionKey: options.productionKey ?? false,
      }),
      thresholdsOf(options, settings.policies),
    ),
  ];
  const plan: Plan = {
    formatVersion: PLAN_FORMAT_VERSION,
    source: { kind: 'manifest', files: [...desired.files] },
    instance: { apiUrl: live.apiUrl ?? null, environment: live.instance.environment },
    ...(live.read === undefined ? {} : { read: { ...live.read, requests: { ...live.read.requests } } }),
    fingerprints: options.fingerprints === false ? null : planFingerprints(desired, live),
    settings: { userKey: settings.userKey, metadataMode: settings.metadataMode, prune: settings.prune },
    operations: ordered,
    summary: summarize(ordered),
    liveVersions: liveVersionsOf(ordered, live, liveMembershipsByUser),
    warnings: refusals.map((refusal) => ({ ...refusal, severity: 'refusal' as const })),
    ...(targeted === undefined ? {} : { target: targeted.target }),
    ...(policies === undefined ? {} : { policies }),
  };
  return { plan, errors, refusals };
}

/**
 * The targets' subset of the whole plan, and the errors that refuse it: an unknown target, a missing dependency, an
 * unset password of a user the subset creates.
 */
function targetedSubset(
  whole: readonly Operation[],
  targets: readonly Target[],
  { desired, live, matches }: { desired: DesiredState; live: LiveSnapshot; matches: readonly UserMatch[] },
): { selection: TargetSelection; target: PlanTarget; errors: PlanDiagnostic[] } {
  // Email keys are compared lower-cased, as the manifest's are normalised.
  const normal = targets.map((target) =>
    target.kind === 'user' && desired.settings.userKey === 'emailAddress'
      ? { ...target, key: target.key.toLowerCase() }
      : target,
  );
  const known = new Set<string>([
    ...desired.users.map((user) => `user:${user.key}`),
    ...desired.organizations.map((org) => `org:${org.slug}`),
    ...live.organizations.flatMap((org) =>
      [org.key, org.slug].filter((key) => key !== null).map((key) => `org:${key}`),
    ),
    ...whole.map((op) => formatTarget(targetOf(op))),
  ]);
  const selection = selectTargets(whole, normal);
  const creates = new Set(selection.selected.flatMap((op) => (op.type === 'create_user' ? [op.user.key] : [])));
  const unset = unsetPasswordError(
    matches.filter(({ desired: user }) => creates.has(user.key)),
    desired.positions,
  );
  return {
    selection,
    target: { targets: normal.map(formatTarget), leftOut: selection.leftOut.map((op) => op.id) },
    errors: [
      ...unknownTargets(normal, known),
      ...missingDependencyErrors(selection.missing),
      ...(unset === undefined ? [] : [unset]),
    ],
  };
}

/**
 * updatedAt of every live object an operation touches, keyed by id in sorted order (stable JSON). With `byUser` (the
 * grouping of `live.memberships`), a touched membership is found among its user's instead of in the whole list.
 */
export function liveVersionsOf(
  operations: readonly Operation[],
  live: LiveSnapshot,
  byUser?: MembershipsByUser,
): LiveVersions {
  const users = new Set<string>();
  const orgs = new Set<string>();
  const memberships = new Set<string>();
  // The users holding them; null when one is not known (then the whole list is searched).
  let membershipHolders: Set<string> | null = new Set<string>();
  for (const op of operations) {
    if ('user' in op && op.user.userId !== null) users.add(op.user.userId);
    if ('org' in op && op.org.organizationId !== null) orgs.add(op.org.organizationId);
    if ('membershipId' in op) {
      memberships.add(op.membershipId);
      if (op.user.userId === null) membershipHolders = null;
      else membershipHolders?.add(op.user.userId);
    }
  }
  const touchedMemberships =
    byUser === undefined || membershipHolders === null
      ? live.memberships
      : [...membershipHolders].flatMap((userId) => membershipsOfUser(byUser, userId));
  return {
    users: versionsOf(live.users, users),
    organizations: versionsOf(live.organizations, orgs),
    memberships: versionsOf(touchedMemberships, memberships),
  };
}

/** The updatedAt of the objects whose id is in `ids`, by id in sorted order. */
function versionsOf<T extends { id: string; updatedAt: number }>(
  objects: readonly T[],
  ids: ReadonlySet<string>,
): Record<string, { updatedAt: number }> {
  const out: Record<string, { updatedAt: number }> = {};
  if (ids.size === 0) return out;
  // Only the touched objects are sorted (a 1% plan touches 1,000 of 100,000 users).
  const touched = objects.filter((object) => ids.has(object.id));
  for (const object of touched.sort((a, b) => compareStrings(a.id, b.id))) {
    out[object.id] = { updatedAt: object.updatedAt };
  }
  return out;
}

// ---- fingerprints ----

/** The fingerprints of a plan of `desired` against `live`: what a saved plan records of its inputs. */
export function planFingerprints(desired: DesiredState, live: LiveSnapshot): PlanFingerprints {
  return { manifest: fingerprintDesired(desired), live: fingerprintLive(live) };
}

function sortedBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  return [...items].sort((a, b) => compareStrings(key(a), key(b)));
}

/**
 * sha256 of the desired state in a canonical form: users by key, organizations by slug, memberships by org, object
 * keys sorted. Source positions, file names and password values are left out: moving a line or rotating a secret
 * does not change what the plan does.
 */
export function fingerprintDesired(desired: DesiredState): string {
  const users = sortedBy(desired.users, (user) => user.key).map((user) => {
    const { password, memberships } = user;
    const out: JsonObject = {};
    const fields = user as unknown as Record<string, JsonValue>;
    for (const key of Object.keys(user)) {
      if (key === 'source' || key === 'password' || key === 'memberships') continue;
      out[key] = fields[key] as JsonValue;
    }
    if (password) out.password = { ...password.source, ...(password.hasher ? { hasher: password.hasher } : {}) };
    if (memberships) out.memberships = sortedBy(memberships, (m) => m.org).map((m) => ({ org: m.org, role: m.role }));
    return out;
  });
  const { policies, ...settings } = desired.settings;
  const canonical: JsonValue = {
    // Policies only when declared: a manifest without them keeps the fingerprint it always had.
    settings: {
      ...settings,
      ignore: [...desired.settings.ignore].sort(compareStrings),
      ...(policies === undefined ? {} : { policies: policies as unknown as JsonValue }),
    },
    organizations: sortedBy(desired.organizations, (org) => org.slug).map((org) => {
      const out: JsonObject = { slug: org.slug, name: org.name };
      // Only declared fields: a manifest without organization metadata keeps the fingerprint it always had.
      for (const { name } of ORGANIZATION_METADATA_FIELDS) {
        const value = org[name];
        if (value !== undefined) out[name] = value;
      }
      return out;
    }),
    users,
  };
  return canonicalSha256(canonical);
}

/**
 * sha256 of the live snapshot's versions: the id and `updated_at` of every user, organization and membership, each
 * list sorted by id. Clerk moves `updated_at` on every change to an object
 * (docs/clerk-api.md#timestamps-in-milliseconds), so the versions identify the state as well as the whole content
 * would, at a fraction of the cost (docs/performance.md).
 */
export function fingerprintLive(live: LiveSnapshot): string {
  const lines: string[] = [];
  const add = (kind: string, objects: readonly { id: string; updatedAt: number }[]): void => {
    const part = objects.map((object) => `${kind} ${object.id} ${object.updatedAt}\n`);
    // The default sort (UTF-16 code units, as compareStrings) on the lines orders them by id: the space after an
    // id sorts before any character an id can hold. Native string sort, no comparator calls.
    part.sort();
    for (const line of part) lines.push(line);
  };
  add('user', live.users);
  add('organization', live.organizations);
  add('membership', live.memberships);
  return sha256Lines(lines);
}

/** Users listed by name in one error, at most this many (the count says the rest). */
const LISTED_USERS = 10;

/**
 * Passwords are create-only, so an unset `password: ${VAR}` matters only for a user this plan creates: one error
 * for all of them, naming the users and the variables (never a value).
 */
function unsetPasswordError(
  matches: readonly UserMatch[],
  positions: SourcePositions | undefined,
): PlanDiagnostic | undefined {
  const created = matches.filter(({ desired, live }) => !live && desired.password?.unset === true);
  const [first] = created;
  if (first === undefined) return undefined;
  const variables = [
    ...new Set(
      created.map(({ desired }) => (desired.password?.source.kind === 'env' ? desired.password.source.variable : '')),
    ),
  ];
  const names = created.slice(0, LISTED_USERS).map(({ desired }) => desired.key);
  const more = created.length > LISTED_USERS ? ` and ${created.length - LISTED_USERS} more` : '';
  const fields = positions?.user(first.desired.key);
  const source = fields?.password ?? fields?.passwordDigest ?? first.desired.source;
  const whose = created.length === 1 ? 'the password of the user' : `the passwords of the ${created.length} users`;
  return {
    code: 'unset_variable',
    message: `environment variable${variables.length === 1 ? '' : 's'} ${variables.join(', ')} ${variables.length === 1 ? 'is' : 'are'} not set: ${whose} this plan creates (${names.join(', ')}${more})`,
    source: { file: source.file, line: source.line, column: source.column },
    hint: 'Set them: a password is sent only when a user is created, so plans that create no user do not need them.',
  };
}
