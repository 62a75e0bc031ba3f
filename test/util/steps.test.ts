// Stepped work run to its end: in one go, or pausing between steps and stopping once told to.

import { describe, expect, it } from 'vitest';
import { runSteps, runStepsPausing } from '../../src/util/steps.ts';

function* counted(log: string[], steps: number): Generator<void, number> {
  for (let step = 1; step <= steps; step += 1) {
    log.push(`step ${step}`);
    yield;
  }
  return steps;
}

describe('runStepsPausing', () => {
  it('pauses between the steps and returns what the work returns, as runSteps does', async () => {
    const log: string[] = [];
    const pause = async (): Promise<void> => {
      log.push('pause');
    };
    expect(await runStepsPausing(counted(log, 3), pause)).toBe(3);
    expect(log).toStrictEqual(['step 1', 'pause', 'step 2', 'pause', 'step 3', 'pause']);
    expect(runSteps(counted([], 3))).toBe(3);
  });

  it('takes no further step once the signal is aborted, and rejects with its reason', async () => {
    const log: string[] = [];
    const stop = new AbortController();
    const pause = async (): Promise<void> => {
      if (log.length === 1) stop.abort(new Error('read failed'));
    };
    await expect(runStepsPausing(counted(log, 5), pause, stop.signal)).rejects.toThrow('read failed');
    expect(log).toStrictEqual(['step 1']);
  });
});
