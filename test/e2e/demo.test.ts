// `clerk-sync demo` through the built CLI (`npm run build` first): it runs every step against its in-process
// emulator, exits 0, and leaves nothing behind: no process in its process group (the emulator runs in-process),
// no temporary directory.

import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, cliEnv } from '../helpers/cli.ts';

function processGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

describe('clerk-sync demo', () => {
  it('prints every step, reaches No changes, exits 0 and leaves no process or file behind', async () => {
    // The demo's temporary directory goes under a directory of this test's own (os.tmpdir() honours TMPDIR).
    const tmp = await mkdtemp(join(tmpdir(), 'clerk-sync-demo-test-'));
    try {
      // A process group of its own, so anything the demo might leave running can be found after it exits.
      const child = spawn(process.execPath, [BIN, 'demo'], {
        cwd: tmp,
        env: cliEnv({ TMPDIR: tmp }),
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
      });
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
      const code = await new Promise<number | null>((resolveExit) => child.on('close', resolveExit));
      clearTimeout(timer);

      expect(code, stderr).toBe(0);
      for (const header of [
        '== 1. Validate the manifest (offline)',
        '== 2. Plan against the empty instance',
        '== 3. Apply it',
        '== 4. Plan again: nothing left to do',
        '== 5. Export the live instance as a manifest',
        '== 6. The exported manifest plans to no changes',
        '== 7. Someone edits users in the dashboard',
        '== 8. drift catches it (exit code 2)',
        '== 9. apply puts it back',
        '== Done.',
      ]) {
        expect(stdout).toContain(header);
      }
      // Steps 4 and 6 both print the empty plan.
      expect(stdout.match(/^No changes\./gm)?.length).toBeGreaterThanOrEqual(2);
      expect(stdout).toContain('Verified: the live state matches the manifest.');
      // The plan is shown once (step 2); apply stands for it with its summary line.
      expect(stdout.match(/^ {4}\+ create user$/gm)?.length).toBe(25);
      expect(stdout).toContain('(the plan shown in step 2)\nPlan: 54 to create, 0 to change, 0 to delete.');
      // Journals are not named as if they outlived the demo's temporary directory.
      expect(stderr).not.toMatch(/Journal: \S*journal/);
      expect(stderr).toContain("Journal: in the demo's temporary directory, removed when the demo ends");

      expect(child.pid).toBeDefined();
      expect(processGroupAlive(child.pid as number)).toBe(false);
      // The emulator ran inside the demo's own process; with the group gone, nothing is listening for it.
      expect(await readdir(tmp)).toEqual([]);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }, 180_000);
});
