// The executor's scheduler, a pure state machine over the plan's operations: which may start now (plan order,
// dependencies done, at most `concurrency` units in flight, one at a time per lane), which are skipped because a
// dependency failed, and when nothing new may start. It sends nothing: the caller runs each unit and reports the
// outcomes. One lane per user: Clerk answers 409 to concurrent writes on one object and allows 10 updates per 10 s
// per user (docs/clerk-api.md#concurrent-writes-409-resource_locked).

import { isDestructive, type Operation } from '../plan/index.ts';
import { banBatch, isBan } from './ban-batch.ts';
import { laneOf, type RunState } from './plan-graph.ts';
import type { OperationOutcome } from './types.ts';

export const INTERRUPTED = 'not started: apply was interrupted';
export const STOPPED = 'not started: stopped after an earlier failure (use --continue-on-error to go on)';

/** What starts together: one operation, or bans (unbans) of different users sent as one bulk request. */
export type Unit = readonly Operation[];

export interface SchedulerOptions {
  concurrency: number;
  /** false: the first failed outcome stops the schedule. */
  continueOnError: boolean;
}

export interface Scheduler {
  readonly operations: readonly Operation[];
  readonly concurrency: number;
  readonly continueOnError: boolean;
  readonly state: Map<string, RunState>;
  readonly outcomes: Map<string, OperationOutcome>;
  readonly busyLanes: Set<string>;
  /** Constructive operations not settled yet. Destructive ones wait for them (see `take`). */
  readonly constructiveLeft: Set<string>;
  barrierOpen: boolean;
  blockedMayExist: boolean;
  /** Set: nothing new starts. The first reason is kept and given to whatever never started. */
  stopReason: string | undefined;
  inFlight: number;
  firstPending: number;
}

export function createScheduler(operations: readonly Operation[], options: SchedulerOptions): Scheduler {
  const constructiveLeft = new Set(operations.filter((op) => !isDestructive(op)).map((op) => op.id));
  return {
    operations,
    concurrency: Math.max(1, Math.floor(options.concurrency)),
    continueOnError: options.continueOnError,
    state: new Map(operations.map((op) => [op.id, 'pending'])),
    outcomes: new Map(),
    busyLanes: new Set(),
    constructiveLeft,
    barrierOpen: constructiveLeft.size === 0,
    blockedMayExist: false,
    stopReason: undefined,
    inFlight: 0,
    firstPending: 0,
  };
}

export const isPending = (s: Scheduler, op: Operation): boolean => s.state.get(op.id) === 'pending';

function isReady(s: Scheduler, op: Operation): boolean {
  const satisfied = (id: string): boolean => s.state.get(id) === 'done' || s.state.get(id) === 'unchanged';
  return (
    isPending(s, op) &&
    (s.barrierOpen || !isDestructive(op)) &&
    op.dependsOn.every(satisfied) &&
    !s.busyLanes.has(laneOf(op))
  );
}

function start(s: Scheduler, unit: Unit): Unit {
  for (const op of unit) {
    s.state.set(op.id, 'running');
    s.busyLanes.add(laneOf(op));
  }
  s.inFlight += 1;
  return unit;
}

/**
 * Units that may start now, in plan order; their operations count as running, their lanes as busy. Destructive
 * operations start only once every constructive one has settled, so an apply that stops halfway has done additive
 * work and no removal (with several lanes, plan order alone would let a later user's ban overtake a create).
 */
export function take(s: Scheduler): Unit[] {
  const { operations } = s;
  while (s.firstPending < operations.length && !isPending(s, operations[s.firstPending] as Operation)) {
    s.firstPending += 1;
  }
  const units: Unit[] = [];
  // Lanes whose next operation waits at the destructive barrier: later operations of that lane do not overtake it.
  const held = new Set<string>();
  const joinable = (other: Operation): boolean => isReady(s, other) && !held.has(laneOf(other));
  for (let index = s.firstPending; index < operations.length && s.inFlight < s.concurrency; index += 1) {
    const op = operations[index] as Operation;
    if (held.has(laneOf(op))) continue;
    if (!s.barrierOpen && isDestructive(op) && isPending(s, op)) {
      held.add(laneOf(op));
      continue;
    }
    if (!isReady(s, op)) continue;
    units.push(start(s, isBan(op) ? banBatch(operations, index, joinable, laneOf) : [op]));
  }
  return units;
}

/** A unit's task ended (its outcomes are settled): its lanes are free again. */
export function finish(s: Scheduler, unit: Unit): void {
  for (const op of unit) s.busyLanes.delete(laneOf(op));
  s.inFlight -= 1;
}

export function settle(s: Scheduler, outcome: OperationOutcome): void {
  if (s.constructiveLeft.delete(outcome.id) && s.constructiveLeft.size === 0) s.barrierOpen = true;
  if (outcome.status === 'failed' || outcome.status === 'skipped') s.blockedMayExist = true;
  if (outcome.status === 'failed' && !s.continueOnError) s.stopReason ??= STOPPED;
  s.state.set(outcome.id, outcome.status);
  s.outcomes.set(outcome.id, outcome);
}
