// Whether a saved plan file holds what its own recorded inputs give now: each saved operation is compared, in
// canonical JSON, with the recomputed operation of the same id, in the forms a file may show it (as publicPlan
// renders it, or in full). Apply executes the recomputed operations; this only decides whether to refuse.

import type { JsonValue } from '../model/index.ts';
import { canonicalJson } from '../util/json.ts';
import { type Disclosure, publicPlan } from './redact.ts';
import type { Operation, Plan } from './types.ts';

export interface OperationMismatch {
  id: string;
  /**
   * not_produced: in the file, but not recomputed now; differs: recomputed with other content; missing:
   * recomputed now, but not in the file.
   */
  kind: 'not_produced' | 'differs' | 'missing';
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item, index) => item === b[index]);
}

/**
 * The recomputed operation as the saved one would read had nothing started: a user or organization an earlier,
 * interrupted run created has a live id now where the file has null, and the creates it waited for are done.
 */
function asBeforeStarted(saved: Operation, recomputed: Operation, started: ReadonlySet<string>): Operation {
  let out = recomputed;
  if (
    'user' in saved &&
    'user' in out &&
    saved.user.userId === null &&
    saved.user.key !== null &&
    out.user.key === saved.user.key &&
    started.has(`create_user:${saved.user.key}`)
  ) {
    out = { ...out, user: saved.user } as Operation;
  }
  if (
    'org' in saved &&
    'org' in out &&
    saved.org.organizationId === null &&
    out.org.slug === saved.org.slug &&
    started.has(`create_organization:${saved.org.slug}`)
  ) {
    out = { ...out, org: saved.org } as Operation;
  }
  // A started create may or may not have taken effect: what it waited for is still awaited, or no longer.
  const now = out.dependsOn;
  if (
    !sameList(now, saved.dependsOn) &&
    now.every((id) => saved.dependsOn.includes(id)) &&
    saved.dependsOn.every((id) => now.includes(id) || started.has(id))
  ) {
    out = { ...out, dependsOn: saved.dependsOn };
  }
  return out;
}

/** A recomputed operation and the forms a plan file may hold it in (as publicPlan shows it, and in full). */
export interface Recomputed {
  op: Operation;
  views: readonly Operation[];
}

export interface Comparison {
  mismatches: OperationMismatch[];
  /** Recomputed operations the saved plan holds (or began), in recomputed order. */
  matched: Operation[];
  /** Recomputed operations the saved plan lacks. */
  missing: Operation[];
}

/**
 * Saved operations against the recomputed ones. `started`: saved operations an interrupted apply of this same
 * file already began (its journal); those may be gone from the recomputed plan or changed, since their effect is
 * (partly) live.
 */
export function compareOperations(
  saved: readonly Operation[],
  recomputed: readonly Recomputed[],
  started: ReadonlySet<string>,
): Comparison {
  const byId = new Map<string, Recomputed>();
  for (const entry of recomputed) for (const view of entry.views) byId.set(view.id, entry);
  const mismatches: OperationMismatch[] = [];
  const held = new Set<Recomputed>();
  for (const op of saved) {
    const entry = byId.get(op.id);
    if (entry === undefined) {
      if (!started.has(op.id)) mismatches.push({ id: op.id, kind: 'not_produced' });
      continue;
    }
    held.add(entry);
    if (started.has(op.id)) continue;
    const text = canonicalJson(op as unknown as JsonValue);
    if (
      !entry.views.some((view) => canonicalJson(asBeforeStarted(op, view, started) as unknown as JsonValue) === text)
    ) {
      mismatches.push({ id: op.id, kind: 'differs' });
    }
  }
  const matched: Operation[] = [];
  const missing: Operation[] = [];
  for (const entry of recomputed) {
    if (held.has(entry)) {
      matched.push(entry.op);
      continue;
    }
    missing.push(entry.op);
    // Named as a file would show it: the first view.
    mismatches.push({ id: (entry.views[0] ?? entry.op).id, kind: 'missing' });
  }
  return { mismatches, matched, missing };
}

/** One line per mismatch, for stderr. */
export function formatMismatches(mismatches: readonly OperationMismatch[]): string {
  const says: Record<OperationMismatch['kind'], string> = {
    not_produced: 'in the saved plan, but its inputs do not call for it now',
    differs: 'in the saved plan with other content than its inputs give now',
    missing: 'called for now, but not in the saved plan',
  };
  return mismatches.map((mismatch) => `  operation ${mismatch.id}: ${says[mismatch.kind]}\n`).join('');
}

/** Each recomputed operation with the forms a file may hold it in: as shown (publicPlan), all hidden, in full. */
export function recomputedOf(plan: Plan, disclosure: Disclosure): Recomputed[] {
  const shown = publicPlan(plan, disclosure).operations;
  // A plan saved without this run's --show-env hides every value read from the environment.
  const hidden =
    disclosure.shownVariables.length === 0 ? shown : publicPlan(plan, { ...disclosure, shownVariables: [] }).operations;
  return plan.operations.map((op, index) => ({ op, views: [shown[index] ?? op, hidden[index] ?? op, op] }));
}

export function withoutPosition(op: Operation): Operation {
  const { source: _source, ...rest } = op;
  return rest as Operation;
}

export function withoutPositions(recomputed: Recomputed[]): Recomputed[] {
  return recomputed.map(({ op, views }) => ({ op, views: views.map(withoutPosition) }));
}
