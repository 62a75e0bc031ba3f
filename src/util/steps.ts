// Work done in steps (a generator that yields between them), run to its end: in one go, or letting other work (the
// I/O running beside it) go on between the steps.

/**
 * Users handled in one step of stepped work over every user (the manifest's cross-checks, the match, the field
 * operations): about 15 ms at 100,000 users, where the cross-checks alone took 0.7 s in one piece, during which no
 * response of a live read beside them was handled.
 */
export const USERS_PER_STEP = 2_500;

/** Whether a step ends after `done` users: every USERS_PER_STEP. */
export function stepEndsAfter(done: number): boolean {
  return done % USERS_PER_STEP === 0;
}

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
