// The heap budget of the live read: when it collects (growth since the last collection, or since the lowest point
// V8's own collections left), and that V8's gc() is reachable in this runtime, so the bound holds outside tests too.

import { describe, expect, it } from 'vitest';
import { heapBudget, MIN_STEP } from '../../src/commands/heap-budget.ts';

const MB = 1024 * 1024;

/** A heap that grows as told and shrinks to `live` when collected. */
function fakeHeap(start: number) {
  const heap = { used: start, live: start, collected: 0 };
  return {
    heap,
    options: {
      minStep: 150 * MB,
      heapUsed: () => heap.used,
      collect: () => {
        heap.collected += 1;
        heap.used = heap.live;
      },
    },
  };
}

describe('heapBudget', () => {
  it('collects once the heap has grown by the minimum step, then measures from what is left', () => {
    const { heap, options } = fakeHeap(100 * MB);
    const budget = heapBudget(options);
    heap.used = 249 * MB;
    budget.check();
    expect(heap.collected).toBe(0);
    heap.used = 250 * MB;
    heap.live = 180 * MB;
    budget.check();
    expect(heap.collected).toBe(1);
    // From 180 MB: the next step is 150 MB again (half of 180 is less).
    heap.used = 329 * MB;
    budget.check();
    expect(heap.collected).toBe(1);
    heap.used = 330 * MB;
    budget.check();
    expect([heap.collected, budget.collections]).toEqual([2, 2]);
  });

  it('grows the step with the heap: half of what the last collection left', () => {
    const { heap, options } = fakeHeap(1000 * MB);
    const budget = heapBudget(options);
    heap.used = 1499 * MB;
    budget.check();
    expect(heap.collected).toBe(0);
    heap.used = 1500 * MB;
    budget.check();
    expect(heap.collected).toBe(1);
  });

  it("follows V8's own collections down, so growth is measured from the lowest point", () => {
    const { heap, options } = fakeHeap(300 * MB);
    const budget = heapBudget(options);
    heap.used = 200 * MB;
    budget.check();
    heap.used = 349 * MB;
    budget.check();
    expect(heap.collected).toBe(0);
    heap.used = 350 * MB;
    budget.check();
    expect(heap.collected).toBe(1);
  });

  it("reaches V8's gc() in this runtime and frees what nothing holds", () => {
    // The growth is told (heapUsed); the collection is V8's own.
    let told = 0;
    const budget = heapBudget({ minStep: 1, heapUsed: () => told });
    let garbage: unknown[] | undefined = Array.from({ length: 300_000 }, (_, index) => ({ index, text: `x${index}` }));
    const before = process.memoryUsage().heapUsed;
    garbage = undefined;
    expect(garbage).toBeUndefined();
    told = 10 * MB;
    budget.check();
    expect(budget.collections).toBe(1);
    expect(process.memoryUsage().heapUsed).toBeLessThan(before - 10 * MB);
    expect(MIN_STEP).toBeGreaterThanOrEqual(100 * MB);
  });
});
