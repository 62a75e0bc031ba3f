// The scheduler alone: a pure state machine driven here by hand (take, settle, finish), with no client and no time.

import { describe, expect, it } from 'vitest';
import { banBatch } from '../../src/apply/ban-batch.ts';
import type { OperationOutcome } from '../../src/apply/index.ts';
import { laneOf, validatePlan } from '../../src/apply/plan-graph.ts';
import {
  createScheduler,
  finish,
  type Scheduler,
  STOPPED,
  settle,
  take,
  type Unit,
} from '../../src/apply/scheduler.ts';
import { skipBlocked, skipRest } from '../../src/apply/skips.ts';
import type { Operation } from '../../src/plan/index.ts';
import { ban, existing, lock, planOf, updateUser } from './builders.ts';

const ids = (units: Unit[]): string[][] => units.map((unit) => unit.map((op) => op.id));

const unban = (key: string): Operation => ({
  id: `unban_user:${key}`,
  type: 'unban_user',
  user: existing(key),
  dependsOn: [],
});

/** Settles every operation of `unit` with `status` and frees its lanes, as the executor does when a unit ends. */
function complete(scheduler: Scheduler, unit: Unit, status: OperationOutcome['status'] = 'done'): void {
  for (const op of unit) settle(scheduler, { id: op.id, type: op.type, status });
  finish(scheduler, unit);
}

describe('scheduler', () => {
  it('starts ready operations in plan order, at most `concurrency` units at once', () => {
    const ops = Array.from({ length: 5 }, (_, index) => updateUser(`emp-${index}`, 'X'));
    const scheduler = createScheduler(ops, { concurrency: 2, continueOnError: false });
    const first = take(scheduler);
    expect(ids(first)).toStrictEqual([['update_user:emp-0'], ['update_user:emp-1']]);
    expect(take(scheduler)).toStrictEqual([]);
    complete(scheduler, first[1] as Unit);
    expect(ids(take(scheduler))).toStrictEqual([['update_user:emp-2']]);
  });

  it('starts an operation once its dependencies are done, and not before', () => {
    const ops = [updateUser('emp-1', 'A'), updateUser('emp-2', 'B', ['update_user:emp-1'])];
    const scheduler = createScheduler(ops, { concurrency: 8, continueOnError: false });
    const [first] = take(scheduler);
    expect(ids(take(scheduler))).toStrictEqual([]);
    complete(scheduler, first as Unit);
    expect(ids(take(scheduler))).toStrictEqual([['update_user:emp-2']]);
  });

  it('runs one operation at a time per user, in plan order', () => {
    const again: Operation = { ...updateUser('emp-1', 'B'), id: 'update_user:emp-1-again' };
    const ops = [updateUser('emp-1', 'A'), again, updateUser('emp-2', 'B')];
    const scheduler = createScheduler(ops, { concurrency: 8, continueOnError: false });
    const started = take(scheduler);
    expect(ids(started)).toStrictEqual([['update_user:emp-1'], ['update_user:emp-2']]);
    // Settled but its task not ended: the lane is still busy.
    settle(scheduler, { id: 'update_user:emp-1', type: 'update_user', status: 'done' });
    expect(take(scheduler)).toStrictEqual([]);
    finish(scheduler, started[0] as Unit);
    expect(ids(take(scheduler))).toStrictEqual([['update_user:emp-1-again']]);
  });

  it('holds destructive operations, and what follows them on their lane, until every constructive one settled', () => {
    const ops = [updateUser('emp-1', 'A'), lock('emp-2'), updateUser('emp-2', 'B'), updateUser('emp-3', 'C')];
    const scheduler = createScheduler(ops, { concurrency: 8, continueOnError: false });
    const started = take(scheduler);
    expect(ids(started)).toStrictEqual([['update_user:emp-1'], ['update_user:emp-3']]);
    for (const unit of started) complete(scheduler, unit);
    // emp-2's update waits behind its lock: the barrier opens only once it has nothing constructive left but that.
    expect(scheduler.barrierOpen).toBe(false);
    expect(take(scheduler)).toStrictEqual([]);
    scheduler.barrierOpen = true;
    expect(ids(take(scheduler))).toStrictEqual([['lock_user:emp-2']]);
  });

  it('stops after the first failure unless continueOnError', () => {
    const ops = [updateUser('emp-1', 'A'), updateUser('emp-2', 'B')];
    const failed: OperationOutcome = { id: 'update_user:emp-1', type: 'update_user', status: 'failed' };
    const stopping = createScheduler(ops, { concurrency: 1, continueOnError: false });
    complete(stopping, take(stopping)[0] as Unit, 'failed');
    expect(stopping.stopReason).toBe(STOPPED);
    expect(skipRest(stopping)).toStrictEqual([
      { id: 'update_user:emp-2', type: 'update_user', status: 'skipped', reason: STOPPED },
    ]);

    const going = createScheduler(ops, { concurrency: 1, continueOnError: true });
    take(going);
    settle(going, failed);
    expect(going.stopReason).toBeUndefined();
  });

  it('skips the dependents of a failure transitively, naming the dependency', () => {
    const ops = [
      updateUser('emp-1', 'A'),
      updateUser('emp-2', 'B', ['update_user:emp-1']),
      updateUser('emp-3', 'C', ['update_user:emp-2']),
      updateUser('emp-4', 'D'),
    ];
    const scheduler = createScheduler(ops, { concurrency: 1, continueOnError: true });
    complete(scheduler, take(scheduler)[0] as Unit, 'failed');
    expect(skipBlocked(scheduler).map((outcome) => [outcome.id, outcome.reason])).toStrictEqual([
      ['update_user:emp-2', 'dependency update_user:emp-1 failed'],
      ['update_user:emp-3', 'dependency update_user:emp-2 was skipped'],
    ]);
    expect(skipBlocked(scheduler)).toStrictEqual([]);
    expect(ids(take(scheduler))).toStrictEqual([['update_user:emp-4']]);
  });

  it('names a dependency cycle as the reason operations never started', () => {
    const ops = [updateUser('emp-1', 'A', ['update_user:emp-2']), updateUser('emp-2', 'B', ['update_user:emp-1'])];
    const scheduler = createScheduler(ops, { concurrency: 8, continueOnError: false });
    expect(take(scheduler)).toStrictEqual([]);
    expect(skipRest(scheduler).map((outcome) => outcome.reason)).toStrictEqual([
      'not started: its dependencies (update_user:emp-2) form a cycle',
      'not started: its dependencies (update_user:emp-1) form a cycle',
    ]);
  });

  it('refuses a plan with a duplicate id or a dependency outside it', () => {
    expect(() => validatePlan(planOf([lock('emp-1'), lock('emp-1')]))).toThrow(
      /two operations with id lock_user:emp-1/,
    );
    expect(() => validatePlan(planOf([lock('emp-1', ['nope'])]))).toThrow(/depends on nope/);
  });
});

describe('ban batching', () => {
  it('puts up to 50 ready bans in one unit, the rest in the next', () => {
    const ops = Array.from({ length: 120 }, (_, index) => ban(`emp-${index}`));
    const scheduler = createScheduler(ops, { concurrency: 8, continueOnError: false });
    expect(take(scheduler).map((unit) => unit.length)).toStrictEqual([50, 50, 20]);
  });

  it('never mixes bans with unbans, nor puts a busy user in a batch', () => {
    const ops = [unban('emp-4'), unban('emp-5'), lock('emp-1'), ban('emp-1'), ban('emp-2'), ban('emp-3')];
    const scheduler = createScheduler(ops, { concurrency: 8, continueOnError: false });
    const constructive = take(scheduler);
    expect(ids(constructive)).toStrictEqual([['unban_user:emp-4', 'unban_user:emp-5']]);
    complete(scheduler, constructive[0] as Unit);
    const destructive = take(scheduler);
    expect(ids(destructive)).toStrictEqual([['lock_user:emp-1'], ['ban_user:emp-2', 'ban_user:emp-3']]);
    complete(scheduler, destructive[0] as Unit);
    expect(ids(take(scheduler))).toStrictEqual([['ban_user:emp-1']]);
  });

  it('banBatch takes later operations of the same type only, one per lane, as `joinable` allows', () => {
    const twice: Operation = { ...ban('emp-2'), id: 'ban_user:emp-2-again' };
    const ops = [ban('emp-1'), unban('emp-2'), ban('emp-2'), twice, ban('emp-3'), ban('emp-4')];
    const batch = banBatch(ops, 0, (op) => op.id !== 'ban_user:emp-4', laneOf);
    expect(batch.map((op) => op.id)).toStrictEqual(['ban_user:emp-1', 'ban_user:emp-2', 'ban_user:emp-3']);
  });
});
