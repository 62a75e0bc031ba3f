// Child processes for the benchmark: the emulator (its own process, so the CLI's memory is measured alone) and
// timed CLI runs whose peak RSS comes from bench/rss-probe.mjs.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';

export const ROOT = new URL('..', import.meta.url).pathname;
export const BIN = join(ROOT, 'bin', 'clerk-sync.js');
export const RSS_PROBE = join(ROOT, 'bench', 'rss-probe.mjs');
export const SECRET_KEY = 'sk_test_emulator';
/**
 * The emulator's instance settings for the benchmark: the limits its sizes exceed, lifted; everything else new.
 * 100k users is a production instance's size (a development one holds 100, and the plan refuses more there), so
 * GET /instance says production while the key stays sk_test_ for the rate figures; 150 members pass the quota of 5.
 */
export const BENCH_SETTINGS = {
  environment_type: 'production',
  user_cap: null,
  organization_settings: { max_allowed_memberships: 0 },
} as const;

export interface EmulatorStats {
  total: number;
  byRoute: Record<string, number>;
  byStatus: Record<string, number>;
  faults: Record<string, number>;
}

export interface EmulatorProcess {
  /** 'http://127.0.0.1:PORT/v1' */
  url: string;
  origin: string;
  seed(body: string): Promise<{ users: number; organizations: number; memberships: number }>;
  reset(): Promise<void>;
  stats(): Promise<EmulatorStats>;
  stop(): Promise<void>;
}

/** Starts `clerk-sync emulator --port 0 [--rate-limit ...]` and reads its `listening on` line. */
export async function startEmulatorProcess(
  options: { rateLimit?: string; heapMb?: number; faults?: string } = {},
): Promise<EmulatorProcess> {
  // A new instance otherwise (BENCH_SETTINGS); users are created with skip_password_requirement, so passwords stay required.
  const settingsDir = mkdtempSync(join(tmpdir(), 'clerk-sync-bench-emu-'));
  const settingsFile = join(settingsDir, 'settings.json');
  writeFileSync(settingsFile, JSON.stringify(BENCH_SETTINGS));
  const args = [
    BIN,
    'emulator',
    '--port',
    '0',
    '--settings',
    settingsFile,
    ...(options.rateLimit ? ['--rate-limit', options.rateLimit] : []),
    ...(options.faults ? ['--faults', options.faults] : []),
  ];
  // A 100k-user instance is several hundred MB of JS objects in the emulator; give it room.
  const child = spawn(process.execPath, [`--max-old-space-size=${options.heapMb ?? 4096}`, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      const match = /^listening on (\S+)/.exec(line);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`the emulator exited (${code}) before listening: ${stderr}`)));
  });
  let stopping = false;
  child.once('exit', (code, signal) => {
    if (!stopping) process.stderr.write(`[bench] the emulator exited (${code ?? signal}): ${stderr.slice(-2000)}\n`);
  });
  const origin = new URL(url).origin;
  const hook = async <T>(method: string, path: string, body?: string): Promise<T> => {
    const response = await fetch(`${origin}/__emulator/${path}`, {
      method,
      ...(body === undefined ? {} : { body, headers: { 'content-type': 'application/json' } }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} /__emulator/${path} -> ${response.status}: ${text.slice(0, 500)}`);
    return JSON.parse(text) as T;
  };
  return {
    url,
    origin,
    seed: (body) => hook('POST', 'seed', body),
    reset: async () => {
      await hook('POST', 'reset');
    },
    stats: () => hook<EmulatorStats>('GET', 'stats'),
    stop: async () => {
      stopping = true;
      await stopChild(child);
      rmSync(settingsDir, { recursive: true, force: true });
    },
  };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

export interface CliRun {
  code: number;
  seconds: number;
  /** Peak resident set size in MB (process.resourceUsage().maxRSS). */
  peakMb: number;
  stdout: string;
  stderr: string;
}

export interface CliRunOptions {
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
  /** Called about every 200 ms while the CLI runs (used to sample emulator stats). */
  onTick?: () => void;
}

/**
 * The Node options on the launcher's shebang line (`#!/usr/bin/env -S node --flag ...`): the installed command
 * (npm's bin link, or cmd-shim's wrapper on Windows) runs with them, so the benchmark does too.
 */
export function shebangOptions(text: string): string[] {
  const first = text.split('\n', 1)[0] ?? '';
  const match = /^#!\s*\/usr\/bin\/env\s+-S\s+node\s+(.*)$/.exec(first);
  return match?.[1] === undefined ? [] : match[1].trim().split(/\s+/);
}

export const BIN_OPTIONS = shebangOptions(readFileSync(BIN, 'utf8'));

/** Runs `node --import bench/rss-probe.mjs [shebang options] bin/clerk-sync.js ARGS`, timed from spawn to exit. */
export async function runCli(options: CliRunOptions): Promise<CliRun> {
  return runNode([...BIN_OPTIONS, BIN, ...options.args], options);
}

/** Runs a Node script (with tsx when it is TypeScript) the same way: wall time and peak RSS. */
export async function runNode(argv: string[], options: Omit<CliRunOptions, 'args'>): Promise<CliRun> {
  const dir = mkdtempSync(join(tmpdir(), 'clerk-sync-bench-'));
  const rssFile = join(dir, 'rss');
  const loader = argv.find((arg) => !arg.startsWith('-'))?.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', RSS_PROBE, ...loader, ...argv], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, NO_COLOR: '1', ...options.env, BENCH_RSS_FILE: rssFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const timer = options.onTick ? setInterval(options.onTick, 200) : undefined;
  const code = await new Promise<number>((resolve) => child.once('exit', (exit) => resolve(exit ?? 1)));
  const seconds = (performance.now() - started) / 1000;
  if (timer) clearInterval(timer);
  let peakMb = Number.NaN;
  try {
    peakMb = Number(readFileSync(rssFile, 'utf8')) / 1024;
  } catch {
    // No file: the process died before its exit handler ran (a crash or a kill); NaN marks the figure missing.
  }
  rmSync(dir, { recursive: true, force: true });
  return { code, seconds, peakMb, stdout, stderr };
}

/** The median of the runs' figures (the bench reports medians: the machine is shared and noisy). */
/** What run.ts hands a scenario module: the work directory, medians of CLI runs, and the figures table. */
export interface ScenarioContext {
  work: string;
  runs: number;
  /** Medians of `times` CLI runs. */
  timed(
    times: number,
    options: { args: string[]; env?: Record<string, string>; expect: number[]; what: string },
  ): Promise<{ wall: number; peak: number; last: CliRun }>;
  figure(scenario: string, measure: string, value: string, goal?: string, met?: boolean): void;
}

export function median(numbers: number[]): number {
  const sorted = [...numbers].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}
