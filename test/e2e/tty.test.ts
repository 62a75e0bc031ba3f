// The interactive confirmation of `clerk-sync apply -f` in a real pseudo-terminal: the built CLI (`npm run build`
// first) runs inside tmux when it is installed, and inside `script` (util-linux, on every Debian) in any case, so
// the fallback a fresh CI machine uses is exercised here too. Typing `yes` applies; typing `no` cancels with exit 1
// and sends no change. Everything is polled for (no fixed sleeps, no timing assertions).

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, cliEnv, type E2eContext, e2eContext, mutatingRequests, waitFor } from '../helpers/cli.ts';
import { emulatorFetch } from '../helpers/emulator.ts';

type Backend = 'tmux' | 'script';

function installed(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

const BACKENDS: Backend[] = [...(installed('tmux') ? (['tmux'] as const) : []), 'script'];

const PROMPT = 'Only "yes" is accepted';
const PASSWORD = 'Tty-Password-2026!';

const MANIFEST = `apiVersion: clerk-sync/v1
organizations:
  - slug: acme
    name: Acme Inc
users:
  - externalId: emp-001
    emailAddresses: [alice@acme.test]
    firstName: Alice
    password: \${PW}
    memberships: [{ org: acme, role: "org:admin" }]
  - externalId: emp-002
    emailAddresses: [bob@acme.test]
    firstName: Bob
`;

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape sequences start with ESC.
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]|\u001b\][^\u0007]*\u0007/g;

const quote = (value: string): string => `'${value.replaceAll("'", "'\\''")}'`;

interface Terminal {
  /** Everything the terminal shows (tmux: the pane and its history; script: the whole output), without ANSI. */
  screen(): Promise<string>;
  /** Types `text`, then Enter. */
  typeLine(text: string): Promise<void>;
  close(): Promise<void>;
}

function run(command: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolveRun({ code, stdout, stderr }));
  });
}

async function openTmux(dir: string, script: string): Promise<Terminal> {
  const socket = join(dir, 'tmux.sock');
  const conf = join(dir, 'tmux.conf');
  // remain-on-exit: the pane (and what it shows) stays after the CLI exits, so the test can still read it.
  await writeFile(conf, 'set -g remain-on-exit on\nset -g history-limit 20000\n');
  const tmux = (...args: string[]) => run('tmux', ['-S', socket, '-f', conf, ...args]);
  const started = await tmux('new-session', '-d', '-x', '120', '-y', '50', '-s', 'e2e', script);
  if (started.code !== 0) throw new Error(`tmux new-session failed: ${started.stderr}`);
  return {
    async screen() {
      const captured = await tmux('capture-pane', '-p', '-J', '-S', '-', '-E', '-', '-t', 'e2e');
      return captured.stdout;
    },
    async typeLine(text) {
      await tmux('send-keys', '-t', 'e2e', '-l', text);
      await tmux('send-keys', '-t', 'e2e', 'Enter');
    },
    async close() {
      await tmux('kill-server');
    },
  };
}

function openScript(dir: string, script: string): Terminal {
  const child: ChildProcess = spawn('script', ['-qfec', script, '/dev/null'], {
    cwd: dir,
    env: cliEnv(),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  child.stdin?.on('error', () => {});
  const exited = new Promise<void>((resolveExit) => child.on('close', () => resolveExit()));
  return {
    screen: async () => output.replace(ANSI, ''),
    async typeLine(text) {
      // A terminal's Enter key sends carriage return.
      child.stdin?.write(`${text}\r`);
    },
    async close() {
      child.stdin?.end();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/**
 * Writes a wrapper that runs `clerk-sync apply -f users.yaml` with the emulator's variables and records the exit
 * code in rc.txt. The terminal size is set explicitly: a pseudo-terminal created without one is 0x0.
 */
async function startApply(e2e: E2eContext, backend: Backend): Promise<Terminal> {
  await e2e.write('users.yaml', MANIFEST);
  const env = { ...cliEnv({ ...e2e.env, PW: PASSWORD }), TERM: 'xterm' };
  const exports = Object.entries(env)
    .map(([name, value]) => `export ${name}=${quote(value)}`)
    .join('\n');
  const script = await e2e.write(
    'run.sh',
    `#!/bin/sh
stty cols 120 rows 50 2>/dev/null
# A person at a terminal: the tmux server may have inherited CI=true from the test run, and Ink draws nothing live then.
unset CI CONTINUOUS_INTEGRATION
${exports}
cd ${quote(e2e.dir)}
${quote(process.execPath)} ${quote(BIN)} apply -f users.yaml
echo $? > rc.txt
`,
  );
  const path = join(e2e.dir, script);
  await chmod(path, 0o755);
  return backend === 'tmux' ? openTmux(e2e.dir, path) : openScript(e2e.dir, path);
}

async function exitCode(e2e: E2eContext): Promise<number> {
  let text = '';
  await waitFor(
    async () => {
      text = await readFile(join(e2e.dir, 'rc.txt'), 'utf8').catch(() => '');
      return text.trim() !== '';
    },
    'the CLI to exit',
    120_000,
  );
  return Number(text.trim());
}

async function waitForScreen(terminal: Terminal, text: string): Promise<string> {
  let screen = '';
  await waitFor(
    async () => {
      screen = await terminal.screen();
      return screen.includes(text);
    },
    `"${text}" on the terminal`,
    60_000,
  ).catch((error: Error) => {
    throw new Error(`${error.message}; the terminal shows:\n${screen}`);
  });
  return screen;
}

describe.each(BACKENDS)('apply confirmation in a pseudo-terminal (%s)', (backend) => {
  it('shows the plan and the prompt; typing yes applies, and a following plan has no changes', async () => {
    const e2e = await e2eContext();
    const terminal = await startApply(e2e, backend);
    try {
      const before = await waitForScreen(terminal, PROMPT);
      expect(before).toContain('+ user emp-001 (alice@acme.test)');
      expect(before).toContain('Plan: 4 to create, 0 to change, 0 to delete.');
      // Nothing is sent before the answer.
      expect(mutatingRequests(e2e.emulator.stats())).toEqual({});

      await terminal.typeLine('yes');
      expect(await exitCode(e2e)).toBe(0);
      const after = await waitForScreen(terminal, 'Verified: the live state matches the manifest.');
      expect(after).toContain('Apply complete: 4 applied, 0 already in place, 0 failed, 0 skipped.');
      expect(after).not.toContain(PASSWORD);
    } finally {
      await terminal.close();
    }
    const users = (await emulatorFetch(e2e.emulator, 'GET', '/users?limit=10')).body as { external_id: string }[];
    expect(users.map((user) => user.external_id).sort()).toEqual(['emp-001', 'emp-002']);
    const plan = await e2e.cli(['plan', '-f', 'users.yaml', '--detailed-exitcode'], { env: { PW: PASSWORD } });
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/^No changes\./);
  }, 180_000);

  it('typing no cancels: exit 1 and no change sent', async () => {
    const e2e = await e2eContext();
    const terminal = await startApply(e2e, backend);
    try {
      await waitForScreen(terminal, PROMPT);
      await terminal.typeLine('no');
      expect(await exitCode(e2e)).toBe(1);
      await waitForScreen(terminal, 'Apply cancelled. Nothing was changed.');
    } finally {
      await terminal.close();
    }
    expect(mutatingRequests(e2e.emulator.stats())).toEqual({});
  }, 180_000);
});
