// Work done in steps (a generator that yields between them), run to its end: in one go, or letting other work (the
// I/O running beside it) go on between the steps.

export function runSteps<T>(steps: Generator<void, T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** runSteps with `pause()` awaited between steps; stops, with the signal's reason, once the signal is aborted. */
export async function runStepsPausing<T>(
  steps: Generator<void, T>,
  pause: () => Promise<unknown>,
  signal?: AbortSignal,
): Promise<T> {
  for (;;) {
    signal?.throwIfAborted();
    const step = steps.next();
    if (step.done) return step.value;
    await pause();
  }
}
