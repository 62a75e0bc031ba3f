// Runs the CLI with a clean environment: only PATH, NO_COLOR=1 and what the test passes, so neither the developer's
// CLERK_* variables nor a CI runner's GITHUB_* ones leak into a run. `runCliInProcess` calls `main(argv, io)` with
// that environment, its own cwd and streams (no TTY); `runCli`/`startCli` spawn the built binary
// (`node bin/clerk-sync.js`, so `npm run build` first) for what only a process shows: exit codes set by bin/,
// signals, pipes, terminals. `stripIds` normalises live ids and timestamps for snapshots.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { onTestFinished } from 'vitest';
import { main } from '../../src/cli.ts';
import type { CliIO } from '../../src/commands/command.ts';
import {
  type EmulatorOptions,
  type EmulatorStats,
  type RunningEmulator,
  startEmulator,
} from '../../src/emulator/index.ts';

export const BIN = resolve(import.meta.dirname, '../../bin/clerk-sync.js');

export interface CliResult {
  /** Exit code; null when the process was killed by a signal (see `signal`). */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Variables on top of PATH and NO_COLOR=1 (e.g. CLERK_SECRET_KEY, CLERK_API_URL). */
  env?: Record<string, string>;
  cwd: string;
  /** Written to stdin, then stdin is closed. Without it stdin is /dev/null. */
  input?: string;
  /** The child is killed with SIGKILL after this long (the result then has signal SIGKILL). @default 120_000 */
  timeoutMs?: number;
}

export interface StartedCli {
  child: ChildProcess;
  /** Output so far (grows while the child runs). */
  output(): { stdout: string; stderr: string };
  /** Resolves when the child exits; never rejects on a non-zero exit. */
  done: Promise<CliResult>;
}

export function cliEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', NO_COLOR: '1', ...extra };
}

/** Starts the CLI without waiting for it (for tests that watch output or kill it midway). */
export function startCli(args: string[], options: CliOptions): StartedCli {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    env: cliEnv(options.env),
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  if (options.input !== undefined && child.stdin) {
    // The child may exit before reading everything; EPIPE on stdin is not the test's failure.
    child.stdin.on('error', () => {});
    child.stdin.end(options.input);
  }
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
  const done = new Promise<CliResult>((resolveRun, reject) => {
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolveRun({ code, signal, stdout, stderr });
    });
  });
  return { child, output: () => ({ stdout, stderr }), done };
}

export function runCli(args: string[], options: CliOptions): Promise<CliResult> {
  return startCli(args, options).done;
}

export interface InProcessOptions extends Omit<CliOptions, 'env'> {
  /** The whole environment main sees (the spawned runner's clean one unless `rawEnv`). */
  env?: Record<string, string | undefined>;
  /** Use `env` as given, without PATH and NO_COLOR added. */
  rawEnv?: boolean;
  /** Aborting it is the in-process Ctrl-C (the binary's first SIGINT aborts the same signal). */
  signal?: AbortSignal;
  /** Clock, sleep and jitter for the API client (see CliIO.clock). */
  clock?: CliIO['clock'];
}

/** A writable that keeps what is written, as text, and is not a terminal. */
function collector(): { stream: Writable; text(): string } {
  const chunks: string[] = [];
  const stream = new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _encoding, callback) {
      chunks.push(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
      callback();
    },
  });
  return { stream, text: () => chunks.join('') };
}

/**
 * Runs `main(args, io)` in this process with the same result shape as `runCli` (signal is always null): own env
 * (never this process's), cwd, stdin (the input, or an empty stream like /dev/null) and non-TTY stdout/stderr.
 */
export async function runCliInProcess(args: string[], options: InProcessOptions): Promise<CliResult> {
  const stdout = collector();
  const stderr = collector();
  // A run cannot be killed in-process: past the limit it is interrupted (as a first Ctrl-C) and the test fails.
  const limitMs = options.timeoutMs ?? 120_000;
  const overrun = new AbortController();
  const io: CliIO = {
    stdout: stdout.stream,
    stderr: stderr.stream,
    stdin: Readable.from(options.input === undefined ? [] : [Buffer.from(options.input)]),
    env: options.rawEnv ? { ...options.env } : cliEnv(definedOnly(options.env)),
    cwd: options.cwd,
    signal: options.signal ? AbortSignal.any([options.signal, overrun.signal]) : overrun.signal,
    ...(options.clock ? { clock: options.clock } : {}),
  };
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      overrun.abort();
      reject(new Error(`clerk-sync ${args.join(' ')} ran over ${limitMs} ms`));
    }, limitMs);
  });
  const code = await Promise.race([main(args, io), limit]).finally(() => clearTimeout(timer));
  return { code, signal: null, stdout: stdout.text(), stderr: stderr.text() };
}

function definedOnly(env: Record<string, string | undefined> = {}): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/** The variables that point the CLI at an emulator. */
export function emulatorEnv(emulator: { url: string; secretKey: string }): Record<string, string> {
  return { CLERK_SECRET_KEY: emulator.secretKey, CLERK_API_URL: emulator.url };
}

/**
 * Replaces what differs between runs: Clerk-style ids (`user_…`, `org_…`, `orgmem_…`, `idn_…`), 64-hex
 * fingerprints, ISO timestamps, durations and rates, the emulator's port, and the journal file name.
 */
export function stripIds(text: string): string {
  return text
    .replace(/\b(user|org|orgmem|idn|ins)_[A-Za-z0-9]{20,}\b/g, '$1_<id>')
    .replace(/\b[0-9a-f]{64}\b/g, '<sha256>')
    .replace(/journal-[0-9a-f]{12}\.jsonl/g, 'journal-<fingerprint>.jsonl')
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z/g, '<time>')
    .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:<port>')
    .replace(/\b\d+(?:\.\d+)?s\b/g, '<seconds>s')
    .replace(/\b\d+(?:\.\d+)? req\/s\b/g, '<rate> req/s');
}

/** Polls until `condition` holds (no fixed sleep decides an outcome); rejects after `timeoutMs`. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((tick) => setTimeout(tick, 20));
  }
}

// ---- per-test setup: a fresh emulator and a temporary directory, both removed when the test finishes ----

export interface E2eContext {
  emulator: RunningEmulator;
  dir: string;
  /** CLERK_SECRET_KEY and CLERK_API_URL of the emulator. */
  env: Record<string, string>;
  /** Writes `content` to `name` in the test directory and returns the name (relative to `dir`). */
  write(name: string, content: string): Promise<string>;
  /** Runs the CLI in-process (`main(argv, io)`) in the test directory against the emulator. */
  cli(args: string[], options?: Omit<InProcessOptions, 'cwd'>): Promise<CliResult>;
  /** Runs the built binary as a child process in the test directory against the emulator. */
  bin(args: string[], options?: Omit<CliOptions, 'cwd'>): Promise<CliResult>;
}

export async function e2eContext(options: EmulatorOptions = {}): Promise<E2eContext> {
  const emulator = await startEmulator({ port: 0, ...options });
  const dir = await mkdtemp(join(tmpdir(), 'clerk-sync-e2e-'));
  onTestFinished(async () => {
    await emulator.close();
    await rm(dir, { recursive: true, force: true });
  });
  const env = emulatorEnv(emulator);
  return {
    emulator,
    dir,
    env,
    async write(name, content) {
      await writeFile(join(dir, name), content);
      return name;
    },
    cli: (args, cliOptions = {}) =>
      runCliInProcess(args, { ...cliOptions, cwd: dir, env: { ...env, ...cliOptions.env } }),
    bin: (args, cliOptions = {}) => runCli(args, { ...cliOptions, cwd: dir, env: { ...env, ...cliOptions.env } }),
  };
}

/** Requests that can change data (anything but GET/HEAD), from the emulator's stats. */
export function mutatingRequests(stats: EmulatorStats): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [route, count] of Object.entries(stats.byRoute)) {
    if (!route.startsWith('GET ') && !route.startsWith('HEAD ')) out[route] = count;
  }
  return out;
}
