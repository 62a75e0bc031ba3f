// Undo: from a journal, the operations that restore what an apply changed, newest first. Each applied operation's
// journalled intent holds the plan operation with its before-images; its `done` line holds the ids it created. What
// cannot be restored is listed instead: a deleted user (Clerk has no undelete), a created organization (clerk-sync has
// no operation that deletes organizations), a primary address change (the previous primary's id is not in the plan),
// an organization's mark (kept: it only records the organization's manifest key). checkedUndoPlan turns them into a
// plan checked like any plan against the live state of what it touches (readUndoLive).

import { createHash } from 'node:crypto';
import jsonPatch from 'fast-json-patch';
import type { ClerkClient } from '../clerk/index.ts';
import { ClerkSyncError } from '../errors.ts';
import { UNRESTRICTED_INSTANCE } from '../fields/constants.ts';
import { ORGANIZATION_METADATA_FIELDS } from '../fields/organization-fields.ts';
import type { JsonObject, LiveSnapshot, MetadataField, UserKeyKind } from '../model/index.ts';
import { lowersPrivileges } from '../plan/destructive.ts';
import { liveUserLabel, toPatch } from '../plan/diff-user.ts';
import {
  DEFAULT_PLAN_OPTIONS,
  type FieldChange,
  liveUserKey,
  liveVersionsOf,
  type MetadataChange,
  type Operation,
  type OrgRef,
  PLAN_FORMAT_VERSION,
  type Plan,
  type PlanDiagnostic,
  type PlanOptions,
  type PlanWarning,
  policyRefusals,
  protectedUserResults,
  summarize,
  type UpdateMetadataOp,
  type UpdateOrganizationMetadataOp,
  type UserProfileField,
  type UserRef,
} from '../plan/index.ts';
import { instanceChecks } from '../plan/instance-checks.ts';
import { fetchTouchedSnapshot, type TouchedIds, type TouchedSnapshot } from '../state/fetch-touched.ts';
import { plural } from '../util/plural.ts';
import type { JournalDone, JournalEntry } from './journal.ts';

export interface UndoPlan {
  /** Restoring operations, most recent change first; feed them to a Plan and apply it. */
  operations: Operation[];
  /** What cannot be restored automatically, one sentence each. */
  irreversible: string[];
}

const METADATA_BODY_KEY = {
  publicMetadata: 'public_metadata',
  privateMetadata: 'private_metadata',
  unsafeMetadata: 'unsafe_metadata',
} as const;

/** Operations that only set a value: reversing one that may not have happened sets the value it already has. */
const SETTERS: ReadonlySet<Operation['type']> = new Set([
  'update_organization',
  'update_user',
  'update_metadata',
  'ban_user',
  'unban_user',
  'lock_user',
  'unlock_user',
  'update_membership_role',
]);

function userRef(op: Operation & { user: UserRef }, done: JournalDone | undefined, userId?: string): UserRef {
  return {
    key: op.user.key,
    userId: userId ?? done?.userId ?? op.user.userId,
    ...(op.user.label === undefined ? {} : { label: op.user.label }),
  };
}

function orgRef(op: Operation & { org: OrgRef }, done: JournalDone | undefined): OrgRef {
  return { slug: op.org.slug, organizationId: done?.organizationId ?? op.org.organizationId };
}

function describeUser(user: UserRef): string {
  return user.label ?? user.key ?? user.userId ?? '(unknown user)';
}

function reverseMetadata(op: UpdateMetadataOp, done: JournalDone | undefined): UpdateMetadataOp {
  const changes: Partial<Record<MetadataField, MetadataChange>> = {};
  const body: UpdateMetadataOp['body'] = {};
  for (const [field, change] of Object.entries(op.changes) as [MetadataField, MetadataChange][]) {
    changes[field] = { before: change.after, after: change.before, patch: toPatch(change.after, change.before) };
    body[METADATA_BODY_KEY[field]] = change.before;
  }
  // Replace, whatever the original mode: the before-image is the whole object, and a merge could not remove keys.
  return {
    id: '',
    type: 'update_metadata',
    user: userRef(op, done),
    mode: 'replace',
    changes,
    body,
    dependsOn: [],
  };
}

/** The organization's metadata as it was: each changed field put back whole (replace), the mark included. */
function reverseOrganizationMetadata(
  op: UpdateOrganizationMetadataOp,
  done: JournalDone | undefined,
): UpdateOrganizationMetadataOp {
  const changes: UpdateOrganizationMetadataOp['changes'] = {};
  const body: UpdateOrganizationMetadataOp['body'] = {};
  for (const { name, wire } of ORGANIZATION_METADATA_FIELDS) {
    const change = op.changes[name];
    if (!change) continue;
    changes[name] = { before: change.after, after: change.before, patch: toPatch(change.after, change.before) };
    body[wire] = change.before;
  }
  return {
    id: '',
    type: 'update_organization_metadata',
    org: orgRef(op, done),
    mode: 'replace',
    changes,
    body,
    dependsOn: [],
  };
}

type Reversal = { operation: Operation } | { irreversible: string } | null;

function missingId(op: Operation): Reversal {
  return { irreversible: `${op.id}: the journal has no id for what it created; remove it by hand if needed` };
}

/** The restoring operation for one applied operation (id left empty; filled in by buildUndoPlan). */
function reverse(op: Operation, done: JournalDone | undefined): Reversal {
  const created = done?.created?.id;
  switch (op.type) {
    case 'create_organization':
      return {
        irreversible: `organization ${op.org.slug}${created ? ` (${created})` : ''} was created; clerk-sync does not delete organizations: delete it in the Clerk Dashboard if it should go`,
      };
    case 'mark_organization':
      // The mark only records which manifest key the organization is; removing it would buy nothing.
      return {
        irreversible: `organization ${op.org.slug}${op.org.organizationId ? ` (${op.org.organizationId})` : ''} keeps clerk-sync's mark (private metadata clerkSync.key); remove it in the Clerk Dashboard if the organization should not be managed`,
      };
    case 'update_organization':
      return {
        operation: {
          id: '',
          type: 'update_organization',
          org: orgRef(op, done),
          changes: { name: { before: op.changes.name.after, after: op.changes.name.before } },
          dependsOn: [],
        },
      };
    case 'create_user': {
      if (created === undefined) return missingId(op);
      const user = userRef(op, done, created);
      return {
        operation: { id: '', type: 'delete_user', user, label: describeUser(user), reason: 'undo', dependsOn: [] },
      };
    }
    case 'update_user': {
      const changes: typeof op.changes = {};
      for (const [field, change] of Object.entries(op.changes) as [
        keyof typeof op.changes,
        { before: string | null; after: string | null },
      ][]) {
        changes[field] = { before: change.after, after: change.before };
      }
      return { operation: { id: '', type: 'update_user', user: userRef(op, done), changes, dependsOn: [] } };
    }
    case 'add_email_address':
      if (created === undefined) return missingId(op);
      return {
        operation: {
          id: '',
          type: 'remove_email_address',
          user: userRef(op, done),
          emailAddress: op.emailAddress,
          emailAddressId: created,
          dependsOn: [],
        },
      };
    case 'add_phone_number':
      if (created === undefined) return missingId(op);
      return {
        operation: {
          id: '',
          type: 'remove_phone_number',
          user: userRef(op, done),
          phoneNumber: op.phoneNumber,
          phoneNumberId: created,
          dependsOn: [],
        },
      };
    case 'set_primary_email_address':
    case 'set_primary_phone_number': {
      if (op.before === null) return null;
      const what = op.type === 'set_primary_email_address' ? 'email address' : 'phone number';
      return {
        irreversible: `primary ${what} of user ${describeUser(op.user)} was changed from ${op.before}; set it back in the Clerk Dashboard if needed`,
      };
    }
    case 'remove_email_address':
      return {
        operation: {
          id: '',
          type: 'add_email_address',
          user: userRef(op, done),
          emailAddress: op.emailAddress,
          primary: false,
          dependsOn: [],
        },
      };
    case 'remove_phone_number':
      return {
        operation: {
          id: '',
          type: 'add_phone_number',
          user: userRef(op, done),
          phoneNumber: op.phoneNumber,
          primary: false,
          dependsOn: [],
        },
      };
    case 'update_metadata':
      return { operation: reverseMetadata(op, done) };
    case 'update_organization_metadata':
      return { operation: reverseOrganizationMetadata(op, done) };
    case 'ban_user':
      return { operation: { id: '', type: 'unban_user', user: userRef(op, done), dependsOn: [] } };
    case 'unban_user':
      return { operation: { id: '', type: 'ban_user', user: userRef(op, done), dependsOn: [] } };
    case 'lock_user':
      return { operation: { id: '', type: 'unlock_user', user: userRef(op, done), dependsOn: [] } };
    case 'unlock_user':
      return { operation: { id: '', type: 'lock_user', user: userRef(op, done), dependsOn: [] } };
    case 'create_membership':
      if (created === undefined) return missingId(op);
      return {
        operation: {
          id: '',
          type: 'delete_membership',
          org: orgRef(op, done),
          user: userRef(op, done),
          membershipId: created,
          role: op.role,
          dependsOn: [],
        },
      };
    case 'update_membership_role': {
      const before = op.changes.role.after;
      const after = op.changes.role.before;
      return {
        operation: {
          id: '',
          type: 'update_membership_role',
          org: orgRef(op, done),
          user: userRef(op, done),
          membershipId: op.membershipId,
          changes: { role: { before, after } },
          // A role journalled by reference (`(from ${ROLE})`) is not org:admin: leaving it counts as a downgrade.
          downgrade: lowersPrivileges(before, after),
          dependsOn: [],
        },
      };
    }
    case 'delete_membership':
      return {
        operation: {
          id: '',
          type: 'create_membership',
          org: orgRef(op, done),
          user: userRef(op, done),
          role: op.role,
          dependsOn: [],
        },
      };
    case 'delete_user':
      return {
        irreversible: `user ${op.label}${op.user.userId ? ` (${op.user.userId})` : ''} was deleted; Clerk cannot restore a deleted user`,
      };
    default: {
      const unexpected: never = op;
      return { irreversible: `unknown operation ${(unexpected as { id: string }).id}` };
    }
  }
}

// ---- coalescing: one restoring operation per value ----

/**
 * The value a setter reversal restores (a user's profile, metadata, ban or lock state, a membership's role, an
 * organization's name), or null for operations that are not setters.
 */
function valueKey(op: Operation): string | null {
  const user = 'user' in op ? (op.user.userId ?? `key:${op.user.key ?? ''}`) : '';
  switch (op.type) {
    case 'update_user':
      return `profile ${user}`;
    case 'update_metadata':
      return `metadata ${user}`;
    case 'ban_user':
    case 'unban_user':
      return `banned ${user}`;
    case 'lock_user':
    case 'unlock_user':
      return `locked ${user}`;
    case 'update_membership_role':
      return `role ${op.org.organizationId ?? op.org.slug} ${user}`;
    case 'update_organization':
      return `name ${op.org.organizationId ?? op.org.slug}`;
    default:
      return null;
  }
}

/** Per field: the value now from the newer reversal, the value to restore from the older one. */
function mergeChanges<T>(
  newer: Partial<Record<string, FieldChange<T>>>,
  older: Partial<Record<string, FieldChange<T>>>,
): Record<string, FieldChange<T>> {
  const out: Record<string, FieldChange<T>> = {};
  for (const field of new Set([...Object.keys(newer), ...Object.keys(older)])) {
    const now = newer[field] ?? older[field];
    const then = older[field] ?? newer[field];
    if (now && then) out[field] = { before: now.before, after: then.after };
  }
  return out;
}

/**
 * Two reversals of one value (several applies in the journal changed it) as one: from the value the newest apply
 * left to the value before the oldest. One request per value, and what is judged (the checks, isDestructive, the
 * production guard) is the net change: undoing "add key b" then "remove key b" restores nothing and removes nothing,
 * where the two reversals alone would be a destructive removal and a re-add.
 */
function coalesce(newer: Operation, older: Operation): Operation {
  if (newer.type === 'update_user' && older.type === 'update_user') {
    return { ...newer, changes: mergeChanges(newer.changes, older.changes) };
  }
  if (newer.type === 'update_metadata' && older.type === 'update_metadata') {
    const merged = mergeChanges(newer.changes, older.changes);
    const changes: Partial<Record<MetadataField, MetadataChange>> = {};
    const body: UpdateMetadataOp['body'] = {};
    for (const [field, change] of Object.entries(merged) as [MetadataField, FieldChange<JsonObject>][]) {
      changes[field] = { ...change, patch: toPatch(change.before, change.after) };
      body[METADATA_BODY_KEY[field]] = change.after;
    }
    return { ...newer, changes, body };
  }
  if (newer.type === 'update_membership_role' && older.type === 'update_membership_role') {
    const role = { before: newer.changes.role.before, after: older.changes.role.after };
    return { ...newer, changes: { role }, downgrade: lowersPrivileges(role.before, role.after) };
  }
  if (newer.type === 'update_organization' && older.type === 'update_organization') {
    return { ...newer, changes: { name: { before: newer.changes.name.before, after: older.changes.name.after } } };
  }
  // Ban/unban, lock/unlock: the state before the oldest apply, as the newest position in the plan.
  return { ...older, ...(newer.source ? { source: newer.source } : {}) };
}

/** A coalesced setter without the fields it restores to what is already there (A -> B, then B -> A); null if none. */
function withoutNoOps(op: Operation): Operation | null {
  switch (op.type) {
    case 'update_user': {
      const changes: typeof op.changes = {};
      for (const [field, change] of Object.entries(op.changes) as [UserProfileField, FieldChange<string | null>][]) {
        if (change.before !== change.after) changes[field] = change;
      }
      return Object.keys(changes).length > 0 ? { ...op, changes } : null;
    }
    case 'update_metadata': {
      const changes: typeof op.changes = {};
      const body: UpdateMetadataOp['body'] = {};
      for (const [field, change] of Object.entries(op.changes) as [MetadataField, MetadataChange][]) {
        if (jsonPatch.compare(change.before, change.after).length === 0) continue;
        changes[field] = change;
        const sent = op.body[METADATA_BODY_KEY[field]];
        if (sent !== undefined) body[METADATA_BODY_KEY[field]] = sent;
      }
      return Object.keys(changes).length > 0 ? { ...op, changes, body } : null;
    }
    case 'update_membership_role':
      return op.changes.role.before === op.changes.role.after ? null : op;
    case 'update_organization':
      return op.changes.name.before === op.changes.name.after ? null : op;
    default:
      return op;
  }
}

/**
 * The plan operations that restore, newest first, what the journalled applies changed. Only operations the journal
 * shows as applied count ('done', not 'unchanged'); one whose outcome is unknown (intent without outcome, e.g. the
 * process was killed) is reversed when reversing is harmless either way (a value setter), otherwise listed. Setters
 * of one value are coalesced (coalesce). With `journal` (the file as named on the command line), each operation's
 * source is the journal line of the change it reverses, where refusals of the undo plan point.
 */
export function buildUndoPlan(entries: readonly JournalEntry[], options: { journal?: string } = {}): UndoPlan {
  if (entries.some((entry) => entry.kind === 'header' && entry.redacted === true)) {
    throw new ClerkSyncError(
      'journal_redacted',
      'this is the public copy of a journal: its private metadata is masked, so it cannot restore',
      {
        meta: { redacted: true },
        hint: 'Pass the journal itself (the same name without .public), kept where apply ran.',
      },
    );
  }
  const intents = new Map<string, { op: Operation; line: number }>();
  const order: { key: string; done: JournalDone | undefined }[] = [];
  const settled = new Set<string>();
  const keyOf = (plan: string, op: string): string => `${plan}\u0000${op}`;
  // parseJournal drops only a torn last line, so entry i is line i + 1.
  entries.forEach((entry, index) => {
    if (entry.kind === 'intent') intents.set(keyOf(entry.plan, entry.op.id), { op: entry.op, line: index + 1 });
    else if (entry.kind === 'done' || entry.kind === 'failed') {
      const key = keyOf(entry.plan, entry.op);
      settled.add(key);
      if (entry.kind === 'done' && entry.status === 'done') order.push({ key, done: entry });
    }
  });
  // Intents without any outcome: the request may have taken effect.
  const uncertain: { op: Operation; line: number }[] = [];
  for (const [key, intent] of intents) if (!settled.has(key)) uncertain.push(intent);

  const reversals: { operation: Operation; target: string }[] = [];
  const byValue = new Map<string, number>();
  const irreversible: string[] = [];
  const add = (reversal: Reversal, original: Operation, line: number): void => {
    if (reversal === null) return;
    if ('irreversible' in reversal) {
      irreversible.push(reversal.irreversible);
      return;
    }
    const { journal } = options;
    const operation =
      journal === undefined ? reversal.operation : { ...reversal.operation, source: { file: journal, line } };
    const value = valueKey(operation);
    const earlier = value === null ? undefined : byValue.get(value);
    if (earlier !== undefined) {
      const newer = reversals[earlier] as { operation: Operation; target: string };
      newer.operation = coalesce(newer.operation, operation);
      return;
    }
    if (value !== null) byValue.set(value, reversals.length);
    reversals.push({ operation, target: original.id.slice(original.id.indexOf(':') + 1) });
  };

  for (const { op, line } of uncertain.reverse()) {
    if (SETTERS.has(op.type)) add(reverse(op, undefined), op, line);
    else
      irreversible.push(
        `${op.id}: the apply stopped while it was being sent; its outcome is unknown: check it by hand`,
      );
  }
  for (const { key, done } of [...order].reverse()) {
    const intent = intents.get(key);
    if (intent === undefined) continue; // done without intent: nothing was sent (e.g. an adopted create found by lookup)
    add(reverse(intent.op, done), intent.op, intent.line);
  }

  const operations: Operation[] = [];
  const used = new Set<string>();
  for (const reversal of reversals) {
    const operation = withoutNoOps(reversal.operation);
    if (operation === null) continue;
    const { target } = reversal;
    let id = `${operation.type}:${target}`;
    for (let n = 2; used.has(id); n += 1) id = `${operation.type}:${target}#${n}`;
    used.add(id);
    operations.push({ ...operation, id });
  }
  return { operations, irreversible };
}

// ---- the checked undo plan: the same checks as any plan ----

/** Hints that say what to do about a refusal of an undo plan (the checks' own hints speak of a manifest). */
const UNDO_HINTS: Record<string, string> = {
  last_identification_removal:
    "The apply being undone added this identifier, and it is now the user's only one (the others were removed since). Give the user another email address, phone number or username first, then run undo again. Clerk refuses to delete a user's last identification (last_required_identification_deletion_failed).",
  linked_email_removal:
    'The apply being undone added this address, and it has since been linked to an OAuth/SSO account. Disconnect the account in Clerk first, then run undo again (Clerk: delete_linked_identification_disallowed).',
  unknown_role:
    'The role the undo restores is no longer a role of this instance: create it again in the Clerk dashboard, then run undo again (Clerk answers 404 "Organization role not found").',
  membership_quota_exceeded:
    "Restoring the membership would pass the organization's member limit: remove a member or raise the organization's limit (max_allowed_memberships) in Clerk, then run undo again.",
  organization_without_admin:
    'The undo would leave the organization without an org:admin: give another member the role org:admin first, then run undo again. Clerk refuses to remove or demote the last admin (organization_minimum_permissions_needed).',
};

export interface UndoCheckOptions {
  /** The journal as named on the command line: the plan's source and where each operation points. */
  journal: string;
  /** Thresholds, as for any plan: exceeding one is a refusal in plan.warnings (apply needs the flag). */
  planOptions?: Pick<
    PlanOptions,
    'maxDeletes' | 'allowMassDelete' | 'maxChangeRatio' | 'allowMassChange' | 'developmentUserCap'
  >;
}

export interface CheckedUndoPlan {
  /** The undo plan: what is still there to restore, its live versions, and its refusals and warnings. */
  plan: Plan;
  /** What the instance would refuse (the planner's instance checks): when non-empty, do not save or apply it. */
  errors: PlanDiagnostic[];
  /** What cannot be restored automatically, one sentence each (also in plan.warnings). */
  irreversible: string[];
}

/** The userKey of the applies the journal records (its header line). */
export function journalUserKey(entries: readonly JournalEntry[]): UserKeyKind {
  for (const entry of entries) if (entry.kind === 'header') return entry.userKey;
  throw new ClerkSyncError(
    'journal_invalid',
    'the journal has no header line: it was not written by clerk-sync apply',
    {
      hint: 'Pass the journal file `clerk-sync apply` printed at the end of its run.',
    },
  );
}

/**
 * What an undo of `entries` must read live before checkedUndoPlan: the users and organizations its operations act
 * on, and the users it deletes (the organizations they leave are checked too).
 */
export function undoLiveIds(entries: readonly JournalEntry[]): TouchedIds {
  const users = new Set<string>();
  const organizations = new Set<string>();
  const deletedUsers = new Set<string>();
  for (const op of buildUndoPlan(entries).operations) {
    if ('user' in op && op.user.userId !== null) users.add(op.user.userId);
    if ('org' in op && op.org.organizationId !== null) organizations.add(op.org.organizationId);
    if (op.type === 'delete_user' && op.user.userId !== null) deletedUsers.add(op.user.userId);
  }
  return { users: [...users], organizations: [...organizations], deletedUsers: [...deletedUsers] };
}

/** Reads what undoLiveIds names; nothing (and no request) when the undo has no operation. */
export async function readUndoLive(
  client: ClerkClient,
  entries: readonly JournalEntry[],
  options: { signal?: AbortSignal } = {},
): Promise<TouchedSnapshot> {
  const ids = undoLiveIds(entries);
  if (ids.users.length === 0 && ids.organizations.length === 0) {
    return { ...EMPTY_LIVE, apiUrl: client.baseUrl, readWarnings: [] };
  }
  return fetchTouchedSnapshot(client, ids, options);
}

const EMPTY_LIVE: LiveSnapshot = { users: [], organizations: [], memberships: [], instance: UNRESTRICTED_INSTANCE };

/** The object an operation acts on that is gone live, if any: nothing is left to restore there. */
function goneTarget(op: Operation, present: ReadonlySet<string>): string | undefined {
  if ('user' in op && op.user.userId !== null && !present.has(op.user.userId)) return op.user.userId;
  if ('org' in op && op.org.organizationId !== null && !present.has(op.org.organizationId))
    return op.org.organizationId;
  if ((op.type === 'update_membership_role' || op.type === 'delete_membership') && !present.has(op.membershipId))
    return `membership ${op.membershipId}`;
  return undefined;
}

/** mass_delete and mass_change, counted as a manifest plan counts them (the instance's user count as the whole). */
function thresholdRefusals(
  operations: readonly Operation[],
  live: LiveSnapshot,
  options: NonNullable<UndoCheckOptions['planOptions']>,
): PlanWarning[] {
  const refusals: PlanWarning[] = [];
  const deletes = operations.filter((op) => op.type === 'delete_user').length;
  if (deletes > options.maxDeletes && !options.allowMassDelete) {
    refusals.push({
      code: 'mass_delete',
      severity: 'refusal',
      message: `the undo plan deletes ${plural(deletes, 'user')}, more than the limit of ${options.maxDeletes}`,
      hint: 'Review the deletions, then apply with a higher --max-deletes or with --allow-mass-delete.',
    });
  }
  const total = Math.max(live.instance.userCount, live.users.length);
  if (total >= MASS_CHANGE_MIN_USERS && !options.allowMassChange) {
    const touched = new Set<string>();
    for (const op of operations) {
      if (op.type !== 'create_membership' && 'user' in op && op.user.userId !== null) touched.add(op.user.userId);
    }
    const ratio = touched.size / total;
    if (ratio > options.maxChangeRatio) {
      refusals.push({
        code: 'mass_change',
        severity: 'refusal',
        message: `the undo plan changes or deletes ${touched.size} of ${total} live users (${Math.round(ratio * 100)}%), more than the limit of ${Math.round(options.maxChangeRatio * 100)}%`,
        hint: 'Review the plan, then apply with a higher --max-change-ratio or with --allow-mass-change.',
      });
    }
  }
  return refusals;
}

/**
 * settings.policies.protectedUsers as the journal's applies recorded them (their headers): an undo may not delete,
 * ban, lock, demote or remove from an organization a user the manifest protected, as no plan of it may.
 */
function protectedUserErrors(
  entries: readonly JournalEntry[],
  operations: readonly Operation[],
  live: LiveSnapshot,
  userKey: UserKeyKind,
): PlanDiagnostic[] {
  const keys = new Set<string>();
  for (const entry of entries) if (entry.kind === 'header') for (const key of entry.protectedUsers ?? []) keys.add(key);
  if (keys.size === 0) return [];
  const liveUsers = new Map(live.users.map((user) => [user.id, user]));
  const results = protectedUserResults(operations, {
    protectedUsers: [...keys],
    positions: {},
    keyOf: (user) => {
      const current = user.userId === null ? undefined : liveUsers.get(user.userId);
      return user.key ?? (current ? liveUserKey(current, userKey) : null);
    },
  });
  return policyRefusals(results).map((refusal) => ({
    ...refusal,
    message: refusal.message.replace(
      '(policy at settings.policies)',
      '(protected by the manifest the journal applied)',
    ),
    hint: 'The apply being undone ran with this user in settings.policies.protectedUsers: undo does not delete, ban, lock, demote or remove it. Make the change in the manifest instead, where the policy can be reviewed.',
  }));
}

/** Below this many live users the change-ratio rule stays quiet, as for a manifest plan (create-plan.ts). */
const MASS_CHANGE_MIN_USERS = 10;

/**
 * The undo plan of `entries`, checked like any plan against `live` (what readUndoLive read): operations on objects
 * deleted since are left out (listed as irreversible), the planner's instance checks run on the rest (last
 * identifier, linked email, unknown role, member limit, last admin), each refusal at the journal line it reverses,
 * and the thresholds go in plan.warnings. Pure: the same journal and live state give the same plan, so `apply PLAN`
 * of a saved undo plan can build it again and compare.
 */
export function checkedUndoPlan(
  entries: readonly JournalEntry[],
  live: LiveSnapshot,
  options: UndoCheckOptions,
): CheckedUndoPlan {
  const planOptions = options.planOptions ?? DEFAULT_PLAN_OPTIONS;
  const userKey = journalUserKey(entries);
  const undo = buildUndoPlan(entries, { journal: options.journal });
  const irreversible = [...undo.irreversible];
  const present = new Set<string>([
    ...live.users.map((user) => user.id),
    ...live.organizations.map((org) => org.id),
    ...live.memberships.map((membership) => membership.id),
  ]);
  const liveUsers = new Map(live.users.map((user) => [user.id, user]));
  const operations = undo.operations.flatMap((op): Operation[] => {
    const gone = goneTarget(op, present);
    if (gone !== undefined) {
      irreversible.push(`${op.id}: ${gone} no longer exists; nothing to restore`);
      return [];
    }
    // Named as the journal names it (values read from the environment by reference there); as known now otherwise.
    if (!('user' in op) || op.user.userId === null || op.user.label !== undefined) return [op];
    const current = liveUsers.get(op.user.userId);
    return current ? [{ ...op, user: { ...op.user, label: liveUserLabel(current) } } as Operation] : [op];
  });

  const errors = instanceChecks(null, live, operations, { options: planOptions, matches: null }).map(
    (error): PlanDiagnostic => {
      const hint = UNDO_HINTS[error.code] ?? error.hint;
      return { ...error, ...(hint === undefined ? {} : { hint }) };
    },
  );
  errors.push(...protectedUserErrors(entries, operations, live, userKey));
  const liveVersions = liveVersionsOf(operations, live);
  const journalDigest = createHash('sha256').update(JSON.stringify(entries)).digest('hex');
  const warnings: PlanWarning[] = [
    ...thresholdRefusals(operations, live, planOptions),
    ...irreversible.map(
      (message): PlanWarning => ({
        code: 'undo_irreversible',
        severity: 'warning',
        message,
        hint: 'Restore it by hand in the Clerk Dashboard if needed.',
      }),
    ),
  ];
  const plan: Plan = {
    formatVersion: PLAN_FORMAT_VERSION,
    source: { kind: 'undo', journal: options.journal },
    instance: { apiUrl: live.apiUrl ?? null, environment: live.instance.environment },
    fingerprints: {
      manifest: createHash('sha256').update(`undo\n${journalDigest}`).digest('hex'),
      live: createHash('sha256')
        .update(`undo\n${journalDigest}\n${JSON.stringify(liveVersions)}`)
        .digest('hex'),
    },
    // replace: the restoring metadata operations carry whole before-images. prune: the plan is not a manifest's.
    settings: { userKey, metadataMode: 'replace', prune: false },
    operations,
    summary: summarize(operations),
    liveVersions,
    warnings,
  };
  return { plan, errors, irreversible };
}
