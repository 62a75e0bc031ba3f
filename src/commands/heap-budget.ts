// A bound on the heap while the live state is read. V8 collects the old generation in full only when it reaches a
// multiple (up to 4x) of what survived the last full collection. During the read of a large instance, what was
// alive when a minor collection ran (the page being parsed: its text and its wire objects) is promoted to the old
// generation and stays there until then: a 100,000-user plan peaked at 600-770 MB while keeping about 250 MB
// (measured with --trace-gc-nvp: ~490 MB promoted in all). Collecting in full whenever the heap has grown by half
// of what it held after the last collection (at least MIN_STEP) keeps the peak near 1.5x what is kept: about
// 500 MB there, with two collections, for 0.5-1 s more of a ~8 s plan on the 2-core benchmark machine. The step
// grows with the heap, so a larger instance pays a few collections, not one per MIN_STEP.
//
// gc() is reached the way test runners reach it (jest's leak detector): --expose-gc set at run time and the
// function read from a new context. Where that does nothing, the heap is left to V8. Asking through the inspector
// protocol (HeapProfiler.collectGarbage) was tried: an open inspector session made the plan 2.5 s slower.

import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Heap growth below which nothing is collected: an instance of a few thousand users never pays a collection. */
export const MIN_STEP = 150 * 1024 * 1024;

export interface HeapBudget {
  /**
   * Collects in full when the heap has grown by the step since the last collection (or the lowest it was since).
   * Cheap otherwise: one read of V8's heap statistics.
   */
  check(): void;
  /** Collections made so far. */
  readonly collections: number;
}

export interface HeapBudgetOptions {
  minStep?: number;
  /** Heap in use, in bytes. @default V8's used_heap_size */
  heapUsed?: () => number;
  /** A full collection. @default V8's gc(), if it can be reached */
  collect?: () => void;
}

function usedHeapSize(): number {
  return getHeapStatistics().used_heap_size;
}

let exposed: (() => void) | null | undefined;

/** V8's gc(), or null where it cannot be reached. */
function v8Collect(): (() => void) | null {
  if (exposed === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      const gc: unknown = runInNewContext('gc');
      exposed = typeof gc === 'function' ? (gc as () => void) : null;
    } catch {
      exposed = null;
    }
  }
  return exposed;
}

export function heapBudget(options: HeapBudgetOptions = {}): HeapBudget {
  const minStep = options.minStep ?? MIN_STEP;
  const heapUsed = options.heapUsed ?? usedHeapSize;
  let base = heapUsed();
  let collections = 0;
  return {
    check() {
      const used = heapUsed();
      // A collection V8 made on its own lowers the mark too.
      if (used < base) base = used;
      if (used - base < Math.max(minStep, base / 2)) return;
      const collect = options.collect ?? v8Collect();
      if (collect) {
        collect();
        collections += 1;
      }
      base = heapUsed();
    },
    get collections() {
      return collections;
    },
  };
}
