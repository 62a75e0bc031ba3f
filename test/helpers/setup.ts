// Runs before every test file. Tests draw Ink on fake terminals (isTTY streams of their own); Ink then hides the
// cursor and restore-cursor registers an exit hook that writes "show cursor" (ESC [?25h) to the worker's real
// stderr, terminal or not. When that stderr is not a terminal the sequence would land in a piped log: drop it.
// Once per worker: without isolation the setup runs again for each file.
const patched = Symbol.for('clerk-sync.test.cursor-restore-dropped');
const marks = globalThis as { [patched]?: true };
if (process.stderr.isTTY !== true && marks[patched] !== true) {
  marks[patched] = true;
  const write = process.stderr.write.bind(process.stderr) as (...args: unknown[]) => boolean;
  process.stderr.write = ((chunk: unknown, ...rest: unknown[]) =>
    chunk === '\u001B[?25h' ? true : write(chunk, ...rest)) as typeof process.stderr.write;
}
