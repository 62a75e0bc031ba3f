// `--github` annotates an invalid manifest from the diagnostics of its one load: no command reads the manifest a
// second time to list them. The manifest is a named pipe whose writer serves it once, so a second read would wait
// for a writer that never comes (and the run would overrun its limit).

import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { e2eContext } from '../helpers/cli.ts';

const BROKEN = 'apiVersion: clerk-sync/v1\nusers:\n  - externalId: emp-001\n    fristName: Alice\n';

/** A named pipe at `path` whose writer hands out `text` to one reader, then stops. */
function servedOnce(path: string, text: string): { served: () => number; stop: () => Promise<void> } {
  execFileSync('mkfifo', [path]);
  let served = 0;
  let stopping = false;
  const serving = (async () => {
    // Waits (on a libuv thread) until a reader opens the pipe.
    const handle = await open(path, 'w');
    try {
      if (!stopping) {
        await handle.writeFile(text);
        served += 1;
      }
    } finally {
      await handle.close();
    }
  })();
  return {
    served: () => served,
    async stop() {
      stopping = true;
      // A reader of our own ends the writer's wait when the command never opened the pipe.
      const reader = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
      await serving.catch(() => {});
      closeSync(reader);
    },
  };
}

describe('--github with an invalid manifest', () => {
  it.each([
    ['validate', ['validate', '-f', 'pipe.yaml', '--github']],
    ['plan', ['plan', '-f', 'pipe.yaml', '--github']],
    ['drift', ['drift', '-f', 'pipe.yaml', '--github']],
    ['apply', ['apply', '-f', 'pipe.yaml', '--auto-approve', '--github']],
  ])('%s reads the manifest once and annotates its file:line', async (_command, args) => {
    const e2e = await e2eContext();
    const pipe = servedOnce(join(e2e.dir, 'pipe.yaml'), BROKEN);
    try {
      const run = await e2e.cli(args, { timeoutMs: 20_000 });
      expect(run.code).toBe(1);
      expect(pipe.served()).toBe(1);
      expect(run.stdout).toContain(
        '::error file=pipe.yaml,line=4,col=5,endLine=4,endColumn=14,title=clerk-sync unknown_field::unknown field "fristName"',
      );
    } finally {
      await pipe.stop();
    }
  });
});
