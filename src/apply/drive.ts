// Drives a schedule: starts what is ready, waits for any unit to end, until nothing runs and nothing may start.

import { finish, INTERRUPTED, type Scheduler, take, type Unit } from './scheduler.ts';
import { skipBlocked } from './skips.ts';
import type { OperationOutcome } from './types.ts';

export interface DriveOptions {
  /** Runs one unit to its outcomes (settled through the scheduler); never rejects for a failed operation. */
  start(unit: Unit): Promise<void>;
  /** Aborted: nothing new starts; running units finish. */
  signal: AbortSignal | undefined;
  /** Reports an operation the scheduler skipped because a dependency failed. */
  skipped(outcome: OperationOutcome): void;
}

export async function drive(scheduler: Scheduler, options: DriveOptions): Promise<void> {
  const running = new Set<Promise<void>>();
  const startReady = (): void => {
    if (scheduler.stopReason !== undefined) return;
    for (const unit of take(scheduler)) {
      const promise: Promise<void> = options.start(unit).finally(() => {
        finish(scheduler, unit);
        running.delete(promise);
      });
      running.add(promise);
    }
  };
  for (;;) {
    for (const outcome of skipBlocked(scheduler)) options.skipped(outcome);
    if (options.signal?.aborted) scheduler.stopReason ??= INTERRUPTED;
    startReady();
    if (running.size === 0 && scheduler.stopReason === undefined && !scheduler.barrierOpen) {
      // Constructive operations remain but none can start (one waits on a destructive one): open the barrier
      // rather than stop, so the plan's own dependencies decide.
      scheduler.barrierOpen = true;
      startReady();
    }
    if (running.size === 0) return;
    await Promise.race(running);
  }
}
