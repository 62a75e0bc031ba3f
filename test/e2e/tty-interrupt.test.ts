// Ctrl-C during `clerk-sync apply` on a terminal (a pseudo-terminal made by `script`, util-linux): the first stops
// starting work, lets the requests in flight finish, prints what was done, the journal and how to resume, and exits
// 1; a second exits at once (130). Without a terminal this was always so; on one, Ink's exit hook used to turn the
// first Ctrl-C into an immediate, silent exit 130. And `-v` there: request lines go above the live display, which
// leaves no stale copy behind. Everything is polled for (no fixed sleeps decide an outcome).

import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, cliEnv, type E2eContext, e2eContext, waitFor } from '../helpers/cli.ts';

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape sequences start with ESC.
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]|\u001b\][^\u0007]*\u0007/g;
const quote = (value: string): string => `'${value.replaceAll("'", "'\\''")}'`;

const USERS = 40;
const MANIFEST = `apiVersion: clerk-sync/v1
users:
${Array.from({ length: USERS }, (_, n) => `  - { externalId: emp-${n}, emailAddresses: [u${n}@acme.test] }`).join('\n')}
`;

interface Terminal {
  screen(): string;
  /** Everything written, escape sequences included. */
  raw(): string;
  /** Ctrl-C as a terminal sends it: the pseudo-terminal turns it into SIGINT for the foreground processes. */
  interrupt(): void;
  close(): Promise<void>;
}

async function startApply(
  e2e: E2eContext,
  args = ['--auto-approve', '--rate-limit', '4/1s', '--concurrency', '2'],
): Promise<Terminal> {
  await e2e.write('users.yaml', MANIFEST);
  const env = { ...cliEnv(e2e.env), TERM: 'xterm' };
  const exports = Object.entries(env)
    .map(([name, value]) => `export ${name}=${quote(value)}`)
    .join('\n');
  const script = await e2e.write(
    'run.sh',
    `#!/bin/sh
stty cols 120 rows 50 2>/dev/null
unset CI CONTINUOUS_INTEGRATION
${exports}
cd ${quote(e2e.dir)}
# The shell waits for the CLI through Ctrl-C and records how it exited.
trap 'true' INT
${quote(process.execPath)} ${quote(BIN)} apply -f users.yaml ${args.map(quote).join(' ')}
echo $? > rc.txt
`,
  );
  await chmod(join(e2e.dir, script), 0o755);
  const child: ChildProcess = spawn('script', ['-qfec', join(e2e.dir, script), '/dev/null'], {
    cwd: e2e.dir,
    env: cliEnv(),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: string): void => {
    output += chunk;
  };
  child.stdout?.setEncoding('utf8').on('data', collect);
  child.stderr?.setEncoding('utf8').on('data', collect);
  child.stdin?.on('error', () => {});
  const exited = new Promise<void>((resolveExit) => child.on('close', () => resolveExit()));
  return {
    screen: () => output.replace(ANSI, ''),
    raw: () => output,
    interrupt: () => child.stdin?.write('\u0003'),
    async close() {
      child.stdin?.end();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

async function exitCode(e2e: E2eContext): Promise<number> {
  let text = '';
  await waitFor(async () => {
    text = await readFile(join(e2e.dir, 'rc.txt'), 'utf8').catch(() => '');
    return text.trim() !== '';
  }, 'the CLI to exit');
  return Number(text.trim());
}

/** Users created so far (POST /users, whatever the route's key says about the API prefix). */
const createdUsers = (e2e: E2eContext): number =>
  Object.entries(e2e.emulator.stats().byRoute)
    .filter(([route]) => /^POST \S*\/users$/.test(route))
    .reduce((sum, [, count]) => sum + count, 0);

describe('Ctrl-C during apply on a terminal', () => {
  it('the first stops starting work, reports what was done, the journal and how to resume, and exits 1', async () => {
    const e2e = await e2eContext();
    const terminal = await startApply(e2e);
    try {
      await waitFor(() => createdUsers(e2e) >= 2, 'the apply to create users').catch((error: Error) => {
        throw new Error(`${error.message}: ${terminal.screen().slice(-1500)}`);
      });
      terminal.interrupt();
      expect(await exitCode(e2e)).toBe(1);
      const screen = terminal.screen();
      expect(screen).toContain('Interrupted: no new requests start');
      expect(screen).toMatch(/Apply [a-z ]+: \d+ applied, 0 already in place, 0 failed, \d+ skipped/);
      expect(screen).toMatch(/Journal: \.clerk-sync\/journal-[0-9a-f]{12}\.jsonl \(undo with: clerk-sync undo /);
      expect(screen).toContain('Error: apply interrupted:');
      expect(screen).toContain('Run the same apply again');
      // It stopped early: most users were never sent.
      expect(createdUsers(e2e)).toBeLessThan(USERS);
    } finally {
      await terminal.close();
    }
  }, 120_000);

  it('a second Ctrl-C exits at once with 130', async () => {
    const e2e = await e2eContext();
    const terminal = await startApply(e2e);
    try {
      await waitFor(() => createdUsers(e2e) >= 2, 'the apply to create users').catch((error: Error) => {
        throw new Error(`${error.message}: ${terminal.screen().slice(-1500)}`);
      });
      terminal.interrupt();
      await waitFor(() => terminal.screen().includes('Interrupted: no new requests start'), 'the first Ctrl-C');
      terminal.interrupt();
      expect(await exitCode(e2e)).toBe(130);
    } finally {
      await terminal.close();
    }
  }, 120_000);
});

/**
 * What a terminal shows after `raw` is written to it, for the sequences Ink draws with (erase line, cursor up, cursor
 * to a column, newline); colours and modes are dropped. Enough to see a frame left behind that should have been
 * erased.
 */
function shown(raw: string): string[] {
  const lines: string[] = [''];
  let row = 0;
  let column = 0;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: terminal control sequences.
  const tokens = raw.match(/\u001b\[[0-9;?]*[A-Za-z]|\u001b\][^\u0007]*\u0007|\r|\n|[^\u001b\r\n]+/g) ?? [];
  for (const token of tokens) {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: terminal control sequences.
    const csi = /^\u001b\[([0-9;?]*)([A-Za-z])$/.exec(token);
    if (csi) {
      const count = Number(csi[1] || '1');
      if (csi[2] === 'K') lines[row] = '';
      else if (csi[2] === 'A') row = Math.max(0, row - count);
      else if (csi[2] === 'G') column = count - 1;
      continue;
    }
    if (token.startsWith('\u001b')) continue;
    if (token === '\r') column = 0;
    else if (token === '\n') {
      row += 1;
      column = 0;
      lines[row] ??= '';
    } else {
      const line = (lines[row] ?? '').padEnd(column);
      lines[row] = line.slice(0, column) + token + line.slice(column + token.length);
      column += token.length;
    }
  }
  return lines;
}

describe('-v during apply on a terminal', () => {
  it('writes each request line above the live display, leaving no stale copy of it', async () => {
    const e2e = await e2eContext();
    const terminal = await startApply(e2e, ['--auto-approve', '-v', '--rate-limit', '20/1s', '--concurrency', '2']);
    try {
      expect(await exitCode(e2e)).toBe(0);
      await waitFor(() => terminal.screen().includes('Verified: the live state matches the manifest.'), 'verify');
      const screen = shown(terminal.raw());
      const http = screen.filter((line) => /\[http\] POST \S*\/users -> 200/.test(line));
      expect(http).toHaveLength(USERS);
      // Only the final frame of the live display is left on the screen: one status line with the bar.
      expect(screen.filter((line) => line.includes('░') || line.includes('█'))).toHaveLength(1);
    } finally {
      await terminal.close();
    }
  }, 120_000);
});
