// Work done in steps (a generator that yields between them) run to its end in one go, for callers with nothing to do
// between the steps.

export function runSteps<T>(steps: Generator<void, T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}
