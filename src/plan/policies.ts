// settings.policies (issue 19): rules a plan must obey, checked on the organizations' members after the plan.
// `manifestPolicyResults` decides what the manifest alone decides (validate: the declared memberships and users);
// `planPolicyResults` what a plan does to the live state (plan, apply, apply PLAN); `protectedUserResults` is the
// protectedUsers rule on any operation list (an undo plan's too). Pure: no I/O; a violation is a refusal no flag lifts.

import type {
  DesiredState,
  DesiredUser,
  LiveSnapshot,
  LiveUser,
  ManifestPolicies,
  PerOrganization,
  PolicyPositions,
  SourceRef,
  UserKeyKind,
} from '../model/index.ts';
import { ADMIN_ROLE } from './destructive.ts';
import { fieldSource, type UserMatch } from './identity.ts';
import { compareStrings } from './json-values.ts';
import type { Operation, PlanDiagnostic, PlanPolicies, PolicyName, PolicyResult, UserRef } from './types.ts';

/**
 * The members of the managed organizations after the plan (or as the manifest declares them) and what is known of
 * each. A member is a live user id, or `key:<key>` for a user that is not live (yet). What a rule needs of a member
 * is looked up per rule, and positions only for a refusal: a plan of 100,000 members builds no object per member.
 */
interface Roster {
  /** Per organization key: member id -> role. */
  roles: Map<string, Map<string, string>>;
  /** The manifest user a member is, when the manifest declares it. */
  declared(id: string): DesiredUser | undefined;
  /** The member id of the manifest user with this key, if the manifest declares one. */
  idOf(key: string): string | undefined;
  /** The user's key: its manifest key, else the live user's settings.userKey value; null when unknown. */
  key(id: string): string | null;
  /** Primary email after the plan; null: none; undefined: not known (the manifest does not declare addresses). */
  email(id: string): string | null | undefined;
  /** A live member whose user a targeted read did not read: its key and email are unknown, so it fails closed. */
  unread(id: string): boolean;
  /** The manifest's field positions, for a refusal's line. */
  positions: DesiredState['positions'];
}

/** Where a member's membership in `org` (else its user) is declared; undefined when the manifest does not declare it. */
function memberSource(roster: Roster, id: string | undefined, org: string): SourceRef | undefined {
  const user = id === undefined ? undefined : roster.declared(id);
  if (user === undefined) return undefined;
  const index = user.memberships?.findIndex((candidate) => candidate.org === org) ?? -1;
  const membership = user.memberships?.[index];
  if (membership?.source) return membership.source;
  return fieldSource(roster.positions, user, ...(index >= 0 ? [`memberships.${index}`] : []), 'key');
}

/** Members listed in one message before "and N more". */
const LISTED = 5;

/** The policy codes, one per rule, and the one for an organization a rule names that the manifest does not declare. */
export const POLICY_CODES: Record<PolicyName | 'unknownOrganization', string> = {
  minAdmins: 'policy_min_admins',
  requiredAdmins: 'policy_required_admin',
  allowedEmailDomains: 'policy_email_domain',
  protectedUsers: 'policy_protected_user',
  unknownOrganization: 'policy_unknown_organization',
};

function position(ref: SourceRef | undefined): { file: string; line: number; column: number } | undefined {
  return ref === undefined ? undefined : { file: ref.file, line: ref.line, column: ref.column };
}

function where(ref: { file: string; line: number; column: number } | undefined): string {
  return ref === undefined ? 'settings.policies' : `${ref.file}:${ref.line}:${ref.column}`;
}

function listed(items: readonly string[]): string {
  const shown = items.slice(0, LISTED).join(', ');
  return items.length > LISTED ? `${shown} and ${items.length - LISTED} more` : shown;
}

function memberName(roster: Roster, id: string): string {
  if (roster.unread(id)) return `${id} (not read: plan with --read full)`;
  const key = roster.key(id) ?? id;
  const email = roster.email(id);
  return email ? `${key} (${email})` : key;
}

/** The value for one organization of a per-organization rule; undefined when the rule does not name it. */
function forOrganization<T>(rule: PerOrganization<T> | undefined, org: string): T | undefined {
  if (rule === undefined) return undefined;
  return 'all' in rule ? rule.all : rule.byOrganization[org];
}

/** The positions key of a per-organization rule's entry: the rule itself when it is one value for all. */
function entryPath<T>(rule: PerOrganization<T>, name: string, org: string): string {
  return 'all' in rule ? name : `${name}.${org}`;
}

class Results {
  readonly list: PolicyResult[] = [];
  private readonly positions: PolicyPositions;
  constructor(positions: PolicyPositions) {
    this.positions = positions;
  }

  at(path: string): { file: string; line: number; column: number } | undefined {
    return position(this.positions[path] ?? this.positions[path.split('.')[0] ?? path]);
  }

  passed(policy: PolicyName, subject: string, message: string, path: string): void {
    const policySource = this.at(path);
    this.list.push({ policy, subject, status: 'passed', message, ...(policySource ? { policySource } : {}) });
  }

  refused(
    policy: PolicyName | 'unknownOrganization',
    subject: string,
    message: string,
    path: string,
    source?: SourceRef,
  ): void {
    const policySource = this.at(path);
    const at = position(source);
    this.list.push({
      policy: policy === 'unknownOrganization' ? (path.split('.')[0] as PolicyName) : policy,
      subject,
      status: 'refused',
      code: POLICY_CODES[policy],
      message: `${message} (policy at ${where(policySource)})`,
      ...(policySource ? { policySource } : {}),
      ...(at ? { source: at } : {}),
    });
  }
}

// ---- the rules on members ----

/** One organization's members, with what the rules need to report on them. */
interface OrgScope {
  results: Results;
  policies: ManifestPolicies;
  org: string;
  roster: Roster;
  /** Member id -> role, in this organization after the plan. */
  members: ReadonlyMap<string, string>;
}

function checkMinAdmins({ results, policies, org, roster, members }: OrgScope): void {
  const rule = policies.minAdmins;
  const min = forOrganization(rule, org);
  if (rule === undefined || min === undefined) return;
  const path = entryPath(rule, 'minAdmins', org);
  let admins = 0;
  for (const role of members.values()) if (role === ADMIN_ROLE) admins += 1;
  const subject = `organization:${org}`;
  if (admins >= min) {
    results.passed('minAdmins', subject, `organization "${org}" has ${admins} ${ADMIN_ROLE} (at least ${min})`, path);
    return;
  }
  // The first declared member that is not an admin is where a reviewer would add the role.
  let first: string | undefined;
  for (const [id, role] of members) {
    if (role !== ADMIN_ROLE && roster.declared(id) !== undefined) {
      first = id;
      break;
    }
  }
  results.refused(
    'minAdmins',
    subject,
    `organization "${org}" would have ${admins} member(s) with the role ${ADMIN_ROLE}, fewer than minAdmins ${min}`,
    path,
    memberSource(roster, first, org),
  );
}

/** The member id of the user with `key` in this organization: the manifest's, else a live member with that key. */
function memberWithKey({ roster, members }: OrgScope, key: string): string | undefined {
  const id = roster.idOf(key);
  if (id !== undefined) return members.has(id) ? id : undefined;
  for (const candidate of members.keys()) if (roster.key(candidate) === key) return candidate;
  return undefined;
}

function checkRequiredAdmins(scope: OrgScope): void {
  const { results, policies, org, roster, members } = scope;
  const keys = policies.requiredAdmins?.[org];
  if (keys === undefined) return;
  keys.forEach((key, index) => {
    const path = `requiredAdmins.${org}.${index}`;
    const subject = `organization:${org}/user:${key}`;
    const id = memberWithKey(scope, key);
    const role = id === undefined ? undefined : members.get(id);
    if (role === ADMIN_ROLE) {
      results.passed('requiredAdmins', subject, `user "${key}" is ${ADMIN_ROLE} of "${org}"`, path);
      return;
    }
    let unread = 0;
    if (role === undefined) for (const candidate of members.keys()) if (roster.unread(candidate)) unread += 1;
    const now =
      role !== undefined
        ? `would have the role ${role}`
        : unread > 0
          ? `is not among the members read (${unread} were not: plan with --read full)`
          : 'would not be a member';
    const declared = roster.idOf(key);
    results.refused(
      'requiredAdmins',
      subject,
      `user "${key}" must be ${ADMIN_ROLE} of organization "${org}" but ${now}`,
      path,
      memberSource(roster, id ?? declared, org),
    );
  });
}

/** A matcher for a domain list: `example.com` matches that domain exactly; `*.example.com` its subdomains only. */
function domainMatcher(domains: readonly string[]): (email: string) => boolean {
  const exact = new Set(domains.filter((pattern) => !pattern.startsWith('*.')));
  // `*.example.com` -> `.example.com`: a subdomain ends with it; the domain itself does not.
  const suffixes = domains.filter((pattern) => pattern.startsWith('*.')).map((pattern) => pattern.slice(1));
  return (email) => {
    const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase();
    return exact.has(domain) || suffixes.some((suffix) => domain.endsWith(suffix));
  };
}

/** Whether `email`'s domain is in `domains` (`example.com` exactly, `*.example.com` any of its subdomains). */
export function emailDomainAllowed(email: string, domains: readonly string[]): boolean {
  return domainMatcher(domains)(email);
}

function checkDomains({ results, policies, org, roster, members }: OrgScope): void {
  const rule = policies.allowedEmailDomains;
  const domains = forOrganization(rule, org);
  if (rule === undefined || domains === undefined) return;
  const path = entryPath(rule, 'allowedEmailDomains', org);
  const subject = `organization:${org}`;
  const allowed = domainMatcher(domains);
  const bad: string[] = [];
  for (const id of members.keys()) {
    if (roster.unread(id)) {
      bad.push(id);
      continue;
    }
    const email = roster.email(id);
    if (email === null || (email !== undefined && !allowed(email))) bad.push(id);
  }
  if (bad.length === 0) {
    results.passed('allowedEmailDomains', subject, `every member has a primary email in ${domains.join(', ')}`, path);
    return;
  }
  const first = bad.find((id) => roster.declared(id) !== undefined) ?? bad[0];
  results.refused(
    'allowedEmailDomains',
    subject,
    `${bad.length} member(s) would have a primary email outside ${domains.join(', ')} (or none): ${listed(bad.map((id) => memberName(roster, id)))}`,
    path,
    memberSource(roster, first, org),
  );
}

/** Rules naming organizations the manifest does not declare: nothing could ever satisfy them. */
function checkNamedOrganizations(results: Results, policies: ManifestPolicies, declared: ReadonlySet<string>): void {
  const named: [string, string][] = [];
  const { minAdmins, allowedEmailDomains, requiredAdmins } = policies;
  if (minAdmins && 'byOrganization' in minAdmins)
    for (const org of Object.keys(minAdmins.byOrganization)) named.push(['minAdmins', org]);
  for (const org of Object.keys(requiredAdmins ?? {})) named.push(['requiredAdmins', org]);
  if (allowedEmailDomains && 'byOrganization' in allowedEmailDomains) {
    for (const org of Object.keys(allowedEmailDomains.byOrganization)) named.push(['allowedEmailDomains', org]);
  }
  for (const [rule, org] of named) {
    if (declared.has(org)) continue;
    results.refused(
      'unknownOrganization',
      `organization:${org}`,
      `${rule} names organization "${org}", which the manifest does not declare`,
      `${rule}.${org}`,
    );
  }
}

function memberRules(policies: ManifestPolicies, positions: PolicyPositions, roster: Roster): PolicyResult[] {
  const results = new Results(positions);
  const orgs = [...roster.roles.keys()].sort(compareStrings);
  checkNamedOrganizations(results, policies, new Set(orgs));
  for (const org of orgs) {
    const scope: OrgScope = { results, policies, org, roster, members: roster.roles.get(org) ?? new Map() };
    checkMinAdmins(scope);
    checkRequiredAdmins(scope);
    checkDomains(scope);
  }
  return results.list;
}

// ---- protected users ----

/** A live user's settings.userKey value (the key a manifest would give it). */
export function liveUserKey(user: LiveUser, kind: UserKeyKind): string | null {
  if (kind === 'externalId') return user.externalId;
  if (kind === 'username') return user.username;
  const primary = user.emailAddresses.find((email) => email.id === user.primaryEmailAddressId);
  return (primary ?? user.emailAddresses[0])?.emailAddress.toLowerCase() ?? null;
}

/** What an operation does to its user that protectedUsers forbids; undefined when nothing. */
function protectedChange(op: Operation): string | undefined {
  switch (op.type) {
    case 'delete_user':
      return `deletes it (${op.reason})`;
    case 'ban_user':
      return 'bans it';
    case 'lock_user':
      return 'locks it';
    case 'delete_membership':
      return `removes it from organization "${op.org.slug}"`;
    case 'update_membership_role':
      return op.downgrade || op.changes.role.before === ADMIN_ROLE
        ? `demotes it in organization "${op.org.slug}" (${op.changes.role.before} -> ${op.changes.role.after})`
        : undefined;
    case 'create_organization':
    case 'mark_organization':
    case 'update_organization':
    case 'update_organization_metadata':
    case 'create_user':
    case 'update_user':
    case 'add_email_address':
    case 'set_primary_email_address':
    case 'remove_email_address':
    case 'add_phone_number':
    case 'set_primary_phone_number':
    case 'remove_phone_number':
    case 'update_metadata':
    case 'unban_user':
    case 'unlock_user':
    case 'create_membership':
      return undefined;
    default: {
      const unreachable: never = op;
      return unreachable;
    }
  }
}

export interface ProtectedInput {
  protectedUsers: readonly string[];
  positions: PolicyPositions;
  /** The key of an operation's user: its own, else the live user's (a prune's delete has no manifest key). */
  keyOf: (user: UserRef) => string | null;
}

/** protectedUsers on an operation list: one result per protected user, refused when an operation harms it. */
export function protectedUserResults(operations: readonly Operation[], input: ProtectedInput): PolicyResult[] {
  const results = new Results(input.positions);
  const index = new Map(input.protectedUsers.map((key, at) => [key, at]));
  const harms = new Map<string, Operation[]>();
  if (index.size > 0) {
    for (const op of operations) {
      if (!('user' in op) || protectedChange(op) === undefined) continue;
      const key = input.keyOf(op.user);
      if (key === null || !index.has(key)) continue;
      const list = harms.get(key);
      if (list) list.push(op);
      else harms.set(key, [op]);
    }
  }
  for (const [key, at] of index) {
    const path = `protectedUsers.${at}`;
    const subject = `user:${key}`;
    const ops = harms.get(key);
    const first = ops?.[0];
    if (ops === undefined || first === undefined) {
      results.passed(
        'protectedUsers',
        subject,
        `no operation deletes, bans, locks, demotes or removes user "${key}"`,
        path,
      );
      continue;
    }
    const what = ops.map((op) => `${protectedChange(op)} [${op.id}]`);
    // The operation's line: the manifest's, or the journal line an undo reverses (operations carry no column).
    const source = first.source ? { ...first.source, column: 1 } : undefined;
    results.refused(
      'protectedUsers',
      subject,
      `user "${key}" is protected, but the plan ${listed(what)}`,
      path,
      source,
    );
  }
  return results.list;
}

/** Refusals (PlanDiagnostics, at the offending line) of a list of results. */
export function policyRefusals(results: readonly PolicyResult[]): PlanDiagnostic[] {
  return results.flatMap((result): PlanDiagnostic[] => {
    if (result.status !== 'refused' || result.code === undefined) return [];
    const source = result.source ?? result.policySource;
    return [
      {
        code: result.code,
        message: result.message,
        ...(source ? { source } : {}),
        hint: 'settings.policies is a rule of this manifest: change the manifest (or the live data) so the plan obeys it. No flag lifts a policy.',
      },
    ];
  });
}

function sortedResults(results: PolicyResult[]): PolicyResult[] {
  const order: PolicyName[] = ['minAdmins', 'requiredAdmins', 'allowedEmailDomains', 'protectedUsers'];
  return results.sort(
    (a, b) => order.indexOf(a.policy) - order.indexOf(b.policy) || compareStrings(a.subject, b.subject),
  );
}

// ---- from the manifest alone (validate) ----

function declaredEmail(user: DesiredUser): string | null | undefined {
  return user.emailAddresses === undefined ? undefined : (user.emailAddresses[0] ?? null);
}

/** The declared memberships of the declared organizations, as a roster of `key:<key>` members. */
function declaredRoster(desired: DesiredState): Roster {
  const roles = new Map<string, Map<string, string>>(desired.organizations.map((org) => [org.slug, new Map()]));
  const byKey = new Map<string, DesiredUser>();
  for (const user of desired.users) {
    byKey.set(user.key, user);
    for (const membership of user.memberships ?? []) roles.get(membership.org)?.set(`key:${user.key}`, membership.role);
  }
  const declared = (id: string): DesiredUser | undefined => byKey.get(id.slice(4));
  return {
    roles,
    declared,
    idOf: (key) => (byKey.has(key) ? `key:${key}` : undefined),
    key: (id) => id.slice(4),
    email: (id) => {
      const user = declared(id);
      return user === undefined ? undefined : declaredEmail(user);
    },
    unread: () => false,
    positions: desired.positions,
  };
}

/** Protected users the manifest itself bans or locks. */
function declaredProtectedRefusals(
  desired: DesiredState,
  policies: ManifestPolicies,
  positions: PolicyPositions,
): PolicyResult[] {
  const keys = policies.protectedUsers ?? [];
  if (keys.length === 0) return [];
  const wanted = new Set(keys);
  const byKey = new Map<string, DesiredUser>();
  for (const user of desired.users) if (wanted.has(user.key)) byKey.set(user.key, user);
  const checks = new Results(positions);
  keys.forEach((key, at) => {
    const user = byKey.get(key);
    const declared = [user?.banned === true ? 'banned' : '', user?.locked === true ? 'locked' : ''].filter(Boolean);
    if (user === undefined || declared.length === 0) return;
    const field = user.banned === true ? 'banned' : 'locked';
    checks.refused(
      'protectedUsers',
      `user:${key}`,
      `user "${key}" is protected, but the manifest declares it ${declared.join(' and ')}`,
      `protectedUsers.${at}`,
      fieldSource(desired.positions, user, field),
    );
  });
  return checks.list;
}

/** What the manifest alone decides: its declared memberships and users, and protected users it bans or locks. */
export function manifestPolicyResults(desired: DesiredState): PolicyResult[] {
  const policies = desired.settings.policies;
  if (policies === undefined) return [];
  const positions = desired.policyPositions ?? {};
  const results = memberRules(policies, positions, declaredRoster(desired));
  return sortedResults([...results, ...declaredProtectedRefusals(desired, policies, positions)]);
}

// ---- with the live state (plan) ----

export interface PlanPolicyInput {
  desired: DesiredState;
  live: LiveSnapshot;
  operations: readonly Operation[];
  /** Manifest users with the live user each matched (null: the plan creates it). */
  matches: readonly UserMatch[];
  /** Declared organization key -> the live id it matched (absent: created by the plan). */
  organizationIds: ReadonlyMap<string, string>;
}

function livePrimaryEmail(user: LiveUser): string | null {
  const primary = user.emailAddresses.find((email) => email.id === user.primaryEmailAddressId);
  return primary?.emailAddress.toLowerCase() ?? null;
}

/** A value built on first use: most plans never ask (no user created, no member outside the manifest). */
function lazy<T>(build: () => T): () => T {
  let value: T | undefined;
  return () => {
    value ??= build();
    return value;
  };
}

/** Per organization key: member id (live user id, or `key:<k>` for a user the plan creates) -> role after the plan. */
function rolesAfterPlan(input: PlanPolicyInput): Map<string, Map<string, string>> {
  const { desired, live, operations } = input;
  const roles = new Map<string, Map<string, string>>();
  const orgKeyById = new Map<string, string>();
  for (const org of desired.organizations) {
    roles.set(org.slug, new Map());
    const id = input.organizationIds.get(org.slug);
    if (id !== undefined) orgKeyById.set(id, org.slug);
  }
  for (const membership of live.memberships) {
    const key = orgKeyById.get(membership.organizationId);
    if (key !== undefined) roles.get(key)?.set(membership.userId, membership.role);
  }
  const memberId = (user: UserRef): string => user.userId ?? `key:${user.key ?? ''}`;
  for (const op of operations) {
    if (op.type === 'create_membership') roles.get(op.org.slug)?.set(memberId(op.user), op.role);
    else if (op.type === 'update_membership_role')
      roles.get(op.org.slug)?.set(memberId(op.user), op.changes.role.after);
    else if (op.type === 'delete_membership') roles.get(op.org.slug)?.delete(memberId(op.user));
    else if (op.type === 'delete_user' && op.user.userId !== null) {
      for (const members of roles.values()) members.delete(op.user.userId);
    }
  }
  return roles;
}

/** The members of each managed organization after the plan: live memberships, then the plan's changes. */
function rosterAfterPlan(input: PlanPolicyInput, liveUsers: () => Map<string, LiveUser>): Roster {
  const kind = input.desired.settings.userKey;
  const byLiveId = lazy(() => {
    const map = new Map<string, DesiredUser>();
    for (const match of input.matches) if (match.live) map.set(match.live.id, match.desired);
    return map;
  });
  // By key: the users the plan creates (their member id is `key:<key>`) and the keys requiredAdmins names.
  const byKey = lazy(() => {
    const wanted = new Set(Object.values(input.desired.settings.policies?.requiredAdmins ?? {}).flat());
    const map = new Map<string, UserMatch>();
    for (const match of input.matches)
      if (match.live === null || wanted.has(match.desired.key)) map.set(match.desired.key, match);
    return map;
  });
  const declared = (id: string): DesiredUser | undefined =>
    id.startsWith('key:') ? byKey().get(id.slice(4))?.desired : byLiveId().get(id);
  const liveUser = (id: string): LiveUser | undefined => (id.startsWith('key:') ? undefined : liveUsers().get(id));
  return {
    roles: rolesAfterPlan(input),
    declared,
    idOf: (key) => {
      const match = byKey().get(key);
      return match === undefined ? undefined : (match.live?.id ?? `key:${key}`);
    },
    key: (id) => {
      const user = declared(id);
      if (user) return user.key;
      const current = liveUser(id);
      return current ? liveUserKey(current, kind) : null;
    },
    email: (id) => {
      const user = declared(id);
      const email = user?.emailAddresses?.[0];
      if (email !== undefined) return email;
      const current = liveUser(id);
      return current ? livePrimaryEmail(current) : null;
    },
    unread: (id) => !id.startsWith('key:') && declared(id) === undefined && liveUser(id) === undefined,
    positions: input.desired.positions,
  };
}

/** Every policy on the plan's result: the members after it, its operations on protected users. */
export function planPolicyResults(input: PlanPolicyInput): PlanPolicies | undefined {
  const { desired, live } = input;
  const policies = desired.settings.policies;
  if (policies === undefined) return undefined;
  const positions = desired.policyPositions ?? {};
  const liveUsers = lazy(() => new Map(live.users.map((user) => [user.id, user])));
  const memberPolicies =
    policies.minAdmins !== undefined ||
    policies.requiredAdmins !== undefined ||
    policies.allowedEmailDomains !== undefined;
  const results = memberPolicies ? memberRules(policies, positions, rosterAfterPlan(input, liveUsers)) : [];
  const kind = desired.settings.userKey;
  const protectedResults = protectedUserResults(input.operations, {
    protectedUsers: policies.protectedUsers ?? [],
    positions,
    keyOf: (user) => {
      if (user.key !== null) return user.key;
      const liveUser = user.userId === null ? undefined : liveUsers().get(user.userId);
      return liveUser ? liveUserKey(liveUser, kind) : null;
    },
  });
  // A protected user the manifest bans or locks is refused even when it already is (validate refuses it too).
  const offline = declaredProtectedRefusals(desired, policies, positions);
  const refusedOffline = new Set(offline.map((result) => result.subject));
  const kept = protectedResults.filter((result) => result.status === 'refused' || !refusedOffline.has(result.subject));
  return {
    protectedUsers: [...(policies.protectedUsers ?? [])],
    results: sortedResults([...results, ...offline, ...kept]),
  };
}
