// Approved subsets (`--target user:KEY|org:SLUG`, as Terraform's -target): which operations of a plan a target
// selects, and what they depend on. A user target takes every operation on that user (its memberships too); an
// organization target takes the organization's own operations (create, adopt, rename, metadata). Each selected
// operation brings its `dependsOn`, transitively: a membership brings the create of its new organization and of its
// new user. Pure: the same plan and targets give the same selection.

import { editDistance } from '../manifest/suggest.ts';
import type { Operation, PlanDiagnostic, Target } from './types.ts';

/** What a target names, as written: `user:emp-001`, `org:acme`. */
export function formatTarget(target: Target): string {
  return `${target.kind}:${target.key}`;
}

/** `user:KEY` or `org:SLUG`; undefined for anything else (the caller says where it came from). */
export function parseTarget(text: string): Target | undefined {
  const match = /^(user|org):(.+)$/.exec(text.trim());
  if (match === null) return undefined;
  return { kind: match[1] as Target['kind'], key: match[2] as string };
}

/**
 * The target `op` belongs to: its user (memberships included), else its organization. The same key as the
 * scheduler's lanes (src/apply/plan-graph.ts laneOf), whose validatePlan refuses a subset missing a dependency.
 */
export function targetOf(op: Operation): Target {
  if ('user' in op) return { kind: 'user', key: op.user.key ?? op.user.userId ?? op.id };
  return { kind: 'org', key: op.org.slug };
}

export interface MissingDependency {
  /** The selected operation. */
  id: string;
  /** What it waits for, neither in the plan nor done. */
  dependency: string;
}

export interface TargetSelection {
  /** In plan order. */
  selected: Operation[];
  /** In plan order: what the plan holds beyond the targets and their dependencies. */
  leftOut: Operation[];
  /** Dependencies of selected operations that are not in the plan (and not `done`): the subset cannot run. */
  missing: MissingDependency[];
}

/** A membership on an organization the plan creates needs that create (or a live organization). */
function orgCreateOf(op: Operation): string | undefined {
  if (!('org' in op) || op.org.organizationId !== null || op.type === 'create_organization') return undefined;
  return `create_organization:${op.org.slug}`;
}

/**
 * The operations `targets` select in `operations`, with their transitive dependencies. `done`: operations an
 * earlier run of this plan already started, which a dependency may name without being in the plan any more.
 */
export function selectTargets(
  operations: readonly Operation[],
  targets: readonly Target[],
  done: ReadonlySet<string> = new Set(),
): TargetSelection {
  const byId = new Map(operations.map((op) => [op.id, op]));
  const wanted = new Set(targets.map(formatTarget));
  const chosen = new Set<string>();
  const stack: Operation[] = [];
  const missing: MissingDependency[] = [];
  const take = (op: Operation): void => {
    if (chosen.has(op.id)) return;
    chosen.add(op.id);
    stack.push(op);
  };
  for (const op of operations) if (wanted.has(formatTarget(targetOf(op)))) take(op);
  while (stack.length > 0) {
    const op = stack.pop() as Operation;
    const needs = [...op.dependsOn];
    const create = orgCreateOf(op);
    if (create !== undefined && !needs.includes(create)) needs.push(create);
    for (const id of needs) {
      const dependency = byId.get(id);
      if (dependency !== undefined) take(dependency);
      else if (!done.has(id)) missing.push({ id: op.id, dependency: id });
    }
  }
  return {
    selected: operations.filter((op) => chosen.has(op.id)),
    leftOut: operations.filter((op) => !chosen.has(op.id)),
    missing,
  };
}

/** Known targets listed after "did you mean": the closest few. */
const CLOSE_MATCHES = 3;

/** Up to three known targets closest to `target` by edit distance (same kind first), for an unknown one. */
export function closeTargets(target: Target, known: Iterable<string>): string[] {
  const wanted = formatTarget(target).toLowerCase();
  const limit = Math.max(2, Math.floor(wanted.length / 3));
  const scored: { name: string; distance: number }[] = [];
  for (const name of known) {
    const distance = editDistance(wanted, name.toLowerCase(), limit);
    if (distance <= limit) scored.push({ name, distance });
  }
  scored.sort((a, b) => a.distance - b.distance || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return scored.slice(0, CLOSE_MATCHES).map((entry) => entry.name);
}

/** `unknown_target` for each target `known` does not hold, with its close matches. */
export function unknownTargets(targets: readonly Target[], known: ReadonlySet<string>): PlanDiagnostic[] {
  const out: PlanDiagnostic[] = [];
  for (const target of targets) {
    const name = formatTarget(target);
    if (known.has(name)) continue;
    const close = closeTargets(target, known);
    out.push({
      code: 'unknown_target',
      message: `--target ${name} names no ${target.kind === 'user' ? 'user' : 'organization'} of the manifest or the live state`,
      hint:
        close.length > 0
          ? `Did you mean ${close.join(', ')}? A target is user:KEY (the settings.userKey value) or org:SLUG (the organization's key).`
          : "A target is user:KEY (the settings.userKey value) or org:SLUG (the organization's key).",
    });
  }
  return out;
}

/** `target_dependency_missing`: the subset needs what the plan does not hold, so none of it is applied. */
export function missingDependencyErrors(missing: readonly MissingDependency[]): PlanDiagnostic[] {
  if (missing.length === 0) return [];
  const listed = missing.slice(0, 5).map((item) => `${item.id} needs ${item.dependency}`);
  const more = missing.length > 5 ? ` and ${missing.length - 5} more` : '';
  return [
    {
      code: 'target_dependency_missing',
      message: `the targeted operations depend on operations that are neither in the plan nor done: ${listed.join(', ')}${more}`,
      hint: 'Target what they depend on too (for a membership, the organization: org:SLUG), or plan without --target. Nothing of the subset was applied.',
    },
  ];
}
