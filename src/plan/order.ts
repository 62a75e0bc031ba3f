// Operation order: one phase list, constructive first and destructive last, so an apply that stops halfway has done
// the additive work and none of the removals. Within a phase, a stable tie-break by operation id (which embeds the
// user key / org slug), so the same inputs always give the same order. Also the summary counts.

import { lowersPrivileges, removesMetadata } from './destructive.ts';
import { compareStrings } from './json-values.ts';
import type { ChangeKind, Operation, OperationType, PlanSummary } from './types.ts';

interface Phase {
  type: OperationType;
  /**
   * For the types split over two phases (update_membership_role, update_metadata): whether this phase holds the
   * operations that take something away (a downgrade, a removed metadata key), as `takesAway` reads their content.
   */
  takesAway?: boolean;
  /** Removes or restricts something: after every constructive phase, refused with a production key by default. */
  destructive: boolean;
  why: string;
}

export const PHASES: readonly Phase[] = [
  { type: 'create_organization', destructive: false, why: 'memberships in a new organization need it to exist' },
  {
    type: 'mark_organization',
    destructive: false,
    why: 'an adopted organization gets its identity (the mark) before anything else',
  },
  { type: 'update_organization', destructive: false, why: 'harmless renames, before anything refers to the new name' },
  {
    type: 'update_organization_metadata',
    takesAway: false,
    destructive: false,
    why: 'organization metadata edits that keep every key (the mark too), before memberships that may rely on them',
  },
  {
    type: 'create_user',
    destructive: false,
    why: 'new users carry their profile, metadata, ban/lock in the create itself',
  },
  {
    type: 'unban_user',
    destructive: false,
    why: 'restoring access is additive and lets later steps be seen by the user',
  },
  { type: 'unlock_user', destructive: false, why: 'same as unban: additive' },
  { type: 'update_user', destructive: false, why: 'profile fields: in place, nothing is lost' },
  {
    type: 'add_email_address',
    destructive: false,
    why: 'adds before any removal, so a user never loses every address',
  },
  { type: 'add_phone_number', destructive: false, why: 'adds before any removal, as for email' },
  {
    type: 'set_primary_email_address',
    destructive: false,
    why: 'moves primary off an address before it can be removed',
  },
  { type: 'set_primary_phone_number', destructive: false, why: 'same as email' },
  {
    type: 'update_metadata',
    takesAway: false,
    destructive: false,
    why: 'metadata edits that keep every key (incl. the ownership mark) before memberships that may rely on them',
  },
  { type: 'create_membership', destructive: false, why: 'grants access: constructive' },
  {
    type: 'update_membership_role',
    takesAway: false,
    destructive: false,
    why: 'promotions (to org:admin) grant access: constructive',
  },
  // -- destructive from here: everything below removes or restricts something --
  {
    type: 'update_membership_role',
    takesAway: true,
    destructive: true,
    why: 'downgrades may lower privileges (src/plan/destructive.ts)',
  },
  {
    type: 'update_metadata',
    takesAway: true,
    destructive: true,
    why: 'removing a metadata key or wiping an object loses data, like a ban loses access',
  },
  {
    type: 'update_organization_metadata',
    takesAway: true,
    destructive: true,
    why: "removing a key of an organization's metadata loses data, as for a user's",
  },
  {
    type: 'remove_email_address',
    destructive: true,
    why: 'after adds/set_primary of the same user, so a primary always remains',
  },
  { type: 'remove_phone_number', destructive: true, why: 'same as email' },
  { type: 'delete_membership', destructive: true, why: 'revokes access' },
  {
    type: 'ban_user',
    destructive: true,
    why: 'locks a user out: after every constructive step so a halted apply bans nobody early',
  },
  { type: 'lock_user', destructive: true, why: 'same as ban' },
  { type: 'delete_user', destructive: true, why: 'irreversible: last of all' },
];

/** Whether the operation takes something away, for the types whose phase depends on it; read from its content. */
function takesAway(op: Operation): boolean | undefined {
  if (op.type === 'update_membership_role') return lowersPrivileges(op.changes.role.before, op.changes.role.after);
  if (op.type === 'update_metadata' || op.type === 'update_organization_metadata') return removesMetadata(op);
  return undefined;
}

// Phases by operation object: the scheduler asks isDestructive over and over, and a metadata operation's answer
// walks its before-image. Operations are never changed after they are made.
const phaseCache = new WeakMap<Operation, number>();

export function phaseOf(op: Operation): number {
  const cached = phaseCache.get(op);
  if (cached !== undefined) return cached;
  const away = takesAway(op);
  const phase = PHASES.findIndex(
    (candidate) => candidate.type === op.type && (candidate.takesAway === undefined || candidate.takesAway === away),
  );
  phaseCache.set(op, phase);
  return phase;
}

/** Index of the first destructive phase: operations at or after it remove or restrict something. */
export const FIRST_DESTRUCTIVE_PHASE = PHASES.findIndex((phase) => phase.destructive);

/**
 * Removes or restricts something (deletes, removals, bans, locks, downgrades, removed metadata keys), judged from the
 * operation's content. An operation of no known phase (not one clerk-sync makes) counts as destructive.
 */
export function isDestructive(op: Operation): boolean {
  return PHASES[phaseOf(op)]?.destructive ?? true;
}

/**
 * Phase order with an id tie-break, then each operation moved after its dependencies. Dependencies point to earlier
 * phases, except a few within one phase (removing the primary address last), so this only reorders inside a phase.
 */
export function sortOperations(operations: Operation[]): Operation[] {
  const sorted = [...operations].sort((a, b) => phaseOf(a) - phaseOf(b) || compareStrings(a.id, b.id));
  const byId = new Map(sorted.map((op) => [op.id, op]));
  const emitted = new Set<string>();
  const out: Operation[] = [];
  const visit = (op: Operation, path: Set<string>): void => {
    if (emitted.has(op.id) || path.has(op.id)) return;
    path.add(op.id);
    for (const dependency of op.dependsOn) {
      const target = byId.get(dependency);
      if (target) visit(target, path);
    }
    emitted.add(op.id);
    out.push(op);
  };
  for (const op of sorted) visit(op, new Set());
  return out;
}

export function changeKindOf(type: OperationType): ChangeKind {
  if (type.startsWith('create_')) return 'create';
  if (type.startsWith('delete_') || type.startsWith('remove_')) return 'delete';
  return 'change';
}

/** The key a user is counted under: its live id, else its manifest key. */
function userIdentity(op: Operation): string | null {
  if (!('user' in op)) return null;
  return op.user.userId ?? (op.user.key === null ? null : `key:${op.user.key}`);
}

export function summarize(operations: Operation[]): PlanSummary {
  const summary: PlanSummary = { create: 0, change: 0, delete: 0, byType: {}, usersTouched: 0 };
  const users = new Set<string>();
  // byType keys follow phase order, so the JSON is stable.
  for (const phase of PHASES) {
    const count = operations.filter((op) => op.type === phase.type).length;
    if (count > 0) summary.byType[phase.type] = count;
  }
  for (const op of operations) {
    summary[changeKindOf(op.type)] += 1;
    const identity = userIdentity(op);
    if (identity !== null) users.add(identity);
  }
  summary.usersTouched = users.size;
  return summary;
}

export function summaryLine(summary: PlanSummary): string {
  if (summary.create + summary.change + summary.delete === 0) return 'No changes.';
  return `Plan: ${summary.create} to create, ${summary.change} to change, ${summary.delete} to delete.`;
}
