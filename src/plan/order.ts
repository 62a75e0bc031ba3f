// Operation order: one phase list, constructive first and destructive last, so an apply that stops halfway has done
// the additive work and none of the removals. Within a phase, a stable tie-break by operation id (which embeds the
// user key / org slug), so the same inputs always give the same order. Also the summary counts.

import { compareStrings } from './json-values.ts';
import type { ChangeKind, Operation, OperationType, PlanSummary } from './types.ts';

interface Phase {
  type: OperationType;
  /** For update_membership_role only: which direction belongs in this phase. */
  downgrade?: boolean;
  why: string;
}

export const PHASES: readonly Phase[] = [
  { type: 'create_organization', why: 'memberships in a new organization need it to exist' },
  { type: 'mark_organization', why: 'an adopted organization gets its identity (the mark) before anything else' },
  { type: 'update_organization', why: 'harmless renames, before anything refers to the new name' },
  { type: 'create_user', why: 'new users carry their profile, metadata, ban/lock in the create itself' },
  { type: 'unban_user', why: 'restoring access is additive and lets later steps be seen by the user' },
  { type: 'unlock_user', why: 'same as unban: additive' },
  { type: 'update_user', why: 'profile fields: in place, nothing is lost' },
  { type: 'add_email_address', why: 'adds before any removal, so a user never loses every address' },
  { type: 'add_phone_number', why: 'adds before any removal, as for email' },
  { type: 'set_primary_email_address', why: 'moves primary off an address before it can be removed' },
  { type: 'set_primary_phone_number', why: 'same as email' },
  { type: 'update_metadata', why: 'metadata edits (incl. the ownership mark) before memberships that may rely on it' },
  { type: 'create_membership', why: 'grants access: constructive' },
  { type: 'update_membership_role', downgrade: false, why: 'upgrades grant access: constructive' },
  // -- destructive from here: everything below removes or restricts something --
  { type: 'update_membership_role', downgrade: true, why: 'downgrades lower privileges: destructive' },
  { type: 'remove_email_address', why: 'after adds/set_primary of the same user, so a primary always remains' },
  { type: 'remove_phone_number', why: 'same as email' },
  { type: 'delete_membership', why: 'revokes access' },
  { type: 'ban_user', why: 'locks a user out: after every constructive step so a halted apply bans nobody early' },
  { type: 'lock_user', why: 'same as ban' },
  { type: 'delete_user', why: 'irreversible: last of all' },
];

export function phaseOf(op: Operation): number {
  const index = PHASES.findIndex(
    (phase) =>
      phase.type === op.type &&
      (phase.downgrade === undefined || (op.type === 'update_membership_role' && phase.downgrade === op.downgrade)),
  );
  return index;
}

/** Index of the first destructive phase: operations at or after it remove or restrict something. */
export const FIRST_DESTRUCTIVE_PHASE = PHASES.findIndex((phase) => phase.downgrade === true);

export function isDestructive(op: Operation): boolean {
  return phaseOf(op) >= FIRST_DESTRUCTIVE_PHASE;
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
