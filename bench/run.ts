// `npm run bench [-- --quick] [-- --runs N] [-- --no-write]`: the benchmarks of issue #7. The emulator runs in its
// own process, seeded through POST /__emulator/seed; the CLI runs as a child process (wall time, and peak RSS from
// bench/rss-probe.mjs); request counts come from GET /__emulator/stats. Prints a table and rewrites BENCHMARKS.md.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import {
  type BenchInstance,
  type DriftCounts,
  driftCounts,
  type GeneratedManifest,
  generateInstance,
  generateManifest,
  type InstanceSize,
  seedBody,
} from './generate.ts';
import { scenarioGenerated } from './generated.ts';
import { scenarioOverlap } from './overlap.ts';
import { scenarioOverlay } from './overlay.ts';
import { scenarioPolicies } from './policies.ts';
import {
  BIN_OPTIONS,
  type CliRun,
  type EmulatorProcess,
  type EmulatorStats,
  median,
  ROOT,
  runCli,
  runNode,
  type ScenarioContext,
  SECRET_KEY,
  startEmulatorProcess,
} from './processes.ts';
import { targetedManifest, targetedSeedBodies } from './targeted.ts';
import { scenarioYamlErr } from './yamlerr.ts';

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    runs: { type: 'string' },
    'no-write': { type: 'boolean' },
    'no-build': { type: 'boolean' },
    only: { type: 'string' },
  },
});
const quick = flags.quick === true;
const runs = flags.runs ? Math.max(1, Number(flags.runs)) : quick ? 1 : 3;
/** `--only a,b`: run just these scenarios (names as in SCENARIOS), print their figures, leave BENCHMARKS.md alone. */
const only = flags.only === undefined ? undefined : new Set(flags.only.split(',').map((name) => name.trim()));

/** Whether the named scenario runs in this invocation. */
function selected(name: string): boolean {
  return only === undefined || only.has(name);
}

// Clerk's production limit (docs/clerk-api.md#one-rate-limit-per-instance-shared): the read scenarios run under it,
// client and server.
const PRODUCTION_LIMIT = '1000/10s';
/** Scenario 4's limit, from the issue. */
const APPLY_LIMIT = '100/1s';
const APPLY_LIMIT_PER_SECOND = 100;

/** Scenario 4 and the apply-side comparison run the same command. */
function applyArgs(dir: string): string[] {
  return ['apply', '-f', dir, '--auto-approve', '--skip-verify', '--allow-mass-change', '--rate-limit', APPLY_LIMIT];
}

const SIZES = quick
  ? {
      large: { users: 10_000, organizations: 100, memberships: 15_000 },
      small: { users: 5_000, organizations: 50, memberships: 7_500 },
      apply: { users: 1_000, organizations: 10, memberships: 1_500 },
      applyDrift: 300,
      baselineRead: { users: 1_000, organizations: 10, memberships: 1_500 },
    }
  : {
      large: { users: 100_000, organizations: 1_000, memberships: 150_000 },
      small: { users: 50_000, organizations: 500, memberships: 75_000 },
      apply: { users: 4_000, organizations: 40, memberships: 6_000 },
      applyDrift: 1_900,
      baselineRead: { users: 10_000, organizations: 100, memberships: 15_000 },
    };

/** Issue 17's targeted-read goal: 200 declared users in a 1,000,000-user instance (quick: 100,000). */
const TARGETED = { users: quick ? 100_000 : 1_000_000, declared: 200, renamed: 2 };

const work = mkdtempSync(join(tmpdir(), 'clerk-sync-bench-'));

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

function writeManifest(name: string, manifest: GeneratedManifest): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of manifest.files) writeFileSync(join(dir, file), text);
  return dir;
}

function apiEnv(emulator: EmulatorProcess): Record<string, string> {
  return { CLERK_API_URL: emulator.url, CLERK_SECRET_KEY: SECRET_KEY };
}

interface RequestDiff {
  reads: number;
  writes: number;
  rateLimited: number;
  total: number;
}

function diffStats(before: EmulatorStats, after: EmulatorStats): RequestDiff {
  let reads = 0;
  let writes = 0;
  for (const [route, count] of Object.entries(after.byRoute)) {
    const delta = count - (before.byRoute[route] ?? 0);
    if (route.startsWith('GET ')) reads += delta;
    else writes += delta;
  }
  return {
    reads,
    writes,
    rateLimited: (after.byStatus['429'] ?? 0) - (before.byStatus['429'] ?? 0),
    total: after.total - before.total,
  };
}

function check(run: CliRun, expected: number[], what: string): void {
  if (!expected.includes(run.code)) {
    throw new Error(`${what} exited ${run.code}:\n${run.stderr.slice(-3000)}\n${run.stdout.slice(-2000)}`);
  }
}

async function seeded(
  size: InstanceSize,
  rateLimit: string,
  faults?: string,
): Promise<{ emulator: EmulatorProcess; seconds: number }> {
  const emulator = await startEmulatorProcess({ rateLimit, ...(faults === undefined ? {} : { faults }) });
  const started = performance.now();
  await emulator.seed(seedBody(generateInstance(size)));
  return { emulator, seconds: (performance.now() - started) / 1000 };
}

// ---------------------------------------------------------------------------------------------------------------

interface Figure {
  scenario: string;
  measure: string;
  value: string;
  goal: string;
  /** undefined: no goal (informational). */
  met?: boolean;
}

const figures: Figure[] = [];
const notes: string[] = [];

function figure(scenario: string, measure: string, value: string, goal = '', met?: boolean): void {
  figures.push({ scenario, measure, value, goal, ...(met === undefined ? {} : { met }) });
}

function seconds(value: number): string {
  return `${value.toFixed(2)} s`;
}

function megabytes(value: number): string {
  return `${Math.round(value)} MB`;
}

function describeDrift(drift: DriftCounts): string {
  return `${drift.renamed} renamed, ${drift.metadata} metadata, ${drift.roleChanged} role changes, ${drift.membershipRemoved} memberships removed, ${drift.banned} bans, ${drift.created} new users`;
}

function planSummary(stdout: string): string {
  return /Plan: [^\n]*|No changes\./.exec(stdout)?.[0] ?? '(no summary line)';
}

/** Runs `times` CLI runs; medians of wall time and peak RSS, and the request diff of the last run. */
async function timed(
  times: number,
  options: { args: string[]; env?: Record<string, string>; expect: number[]; what: string },
  emulator?: EmulatorProcess,
  before?: () => Promise<void>,
): Promise<{ wall: number; peak: number; requests?: RequestDiff; last: CliRun }> {
  const walls: number[] = [];
  const peaks: number[] = [];
  let requests: RequestDiff | undefined;
  let last: CliRun | undefined;
  for (let run = 1; run <= times; run += 1) {
    await before?.();
    const statsBefore = await emulator?.stats();
    last = await runCli({ args: options.args, ...(options.env ? { env: options.env } : {}) });
    check(last, options.expect, options.what);
    if (emulator && statsBefore) requests = diffStats(statsBefore, await emulator.stats());
    walls.push(last.seconds);
    peaks.push(last.peakMb);
    log(`${options.what} run ${run}/${times}: ${seconds(last.seconds)}, ${megabytes(last.peakMb)} peak`);
  }
  return {
    wall: median(walls),
    peak: median(peaks),
    ...(requests ? { requests } : {}),
    last: last as CliRun,
  };
}

// ---------------------------------------------------------------------------------------------------------------

async function scenarioValidate(instance: BenchInstance, dir: string): Promise<void> {
  const result = await timed(runs, { args: ['validate', '-f', dir], expect: [0], what: 'validate' });
  const users = instance.users.length.toLocaleString('en-US');
  figure(`1. validate ${users} users`, 'wall time', seconds(result.wall), '<= 3 s', result.wall <= 3);
  figure(`1. validate ${users} users`, 'peak RSS', megabytes(result.peak), '<= 500 MB', result.peak <= 500);
}

interface PlanFigures {
  wall: number;
  peak: number;
}

/** Scenarios 2 and 3 on one instance; returns the drifted plan's figures (for the memory slope). */
async function scenarioPlan(
  size: InstanceSize,
  dirs: { drift: string; clean: string },
  options: { label: string; withGoals: boolean },
): Promise<PlanFigures> {
  const { emulator, seconds: seedSeconds } = await seeded(size, PRODUCTION_LIMIT);
  log(
    `seeded ${size.users} users, ${size.organizations} orgs, ${size.memberships} memberships in ${seedSeconds.toFixed(1)} s`,
  );
  try {
    const env = apiEnv(emulator);
    const args = ['--rate-limit', PRODUCTION_LIMIT];
    const minimum =
      Math.ceil(size.users / 500) + Math.ceil(size.memberships / 500) + Math.ceil(size.organizations / 500);
    const drift = await timed(
      runs,
      { args: ['plan', '-f', dirs.drift, ...args], env, expect: [0], what: `plan ${options.label} 1% drift` },
      emulator,
    );
    const reads = drift.requests?.reads ?? Number.NaN;
    const name = `2. plan ${options.label}, 1% drift`;
    if (options.withGoals) {
      figure(name, 'wall time', seconds(drift.wall), '<= 10 s', drift.wall <= 10);
      figure(name, 'peak RSS', megabytes(drift.peak), '<= 600 MB', drift.peak <= 600);
      figure(
        name,
        'read requests',
        `${reads} (minimum ${minimum} + a constant)`,
        `<= ${minimum} + 15`,
        reads <= minimum + 15,
      );
      figure(name, 'plan', planSummary(drift.last.stdout), '');
    } else {
      figure(name, 'wall time / peak RSS', `${seconds(drift.wall)} / ${megabytes(drift.peak)}`, '(memory slope)');
    }
    if (!options.withGoals) return { wall: drift.wall, peak: drift.peak };
    const clean = await timed(
      runs,
      {
        args: ['plan', '-f', dirs.clean, '--detailed-exitcode', ...args],
        env,
        expect: [0, 2],
        what: `plan ${options.label} no changes`,
      },
      emulator,
    );
    const cleanName = `3. plan ${options.label}, no changes`;
    const cleanReads = clean.requests?.reads ?? Number.NaN;
    const mutating = clean.requests?.writes ?? Number.NaN;
    figure(cleanName, 'wall time', seconds(clean.wall), '<= 10 s', clean.wall <= 10);
    figure(cleanName, 'peak RSS', megabytes(clean.peak), '<= 600 MB', clean.peak <= 600);
    figure(cleanName, 'read requests', String(cleanReads), `same as 2 (${reads})`, cleanReads === reads);
    figure(cleanName, 'mutating requests', String(mutating), '0', mutating === 0);
    figure(cleanName, 'plan', planSummary(clean.last.stdout), 'No changes.', clean.last.code === 0);
    return { wall: drift.wall, peak: drift.peak };
  } finally {
    await emulator.stop();
  }
}

interface Sample {
  at: number;
  stats: EmulatorStats;
}

/** Scenario 4: apply about 2,000 operations under 100 req/s; sustained rate over the window of mutating requests. */
async function scenarioApply(size: InstanceSize, dir: string): Promise<{ seconds: number; requests: number }> {
  const { emulator } = await seeded(size, APPLY_LIMIT);
  const body = seedBody(generateInstance(size));
  try {
    const env = apiEnv(emulator);
    const rates: number[] = [];
    const walls: number[] = [];
    const applySeconds: number[] = [];
    let last: { diff: RequestDiff; run: CliRun; ops: number } | undefined;
    for (let run = 1; run <= runs; run += 1) {
      if (run > 1) {
        await emulator.reset();
        await emulator.seed(body);
      }
      const before = await emulator.stats();
      const samples: Sample[] = [];
      const started = performance.now();
      const cli = await runCli({
        args: applyArgs(dir),
        env,
        onTick: () => {
          const at = performance.now() - started;
          emulator
            .stats()
            .then((stats) => samples.push({ at, stats }))
            .catch(() => undefined);
        },
      });
      check(cli, [0], 'apply');
      const after = await emulator.stats();
      const diff = diffStats(before, after);
      // The window: from the last sample before the first mutating request to the first sample after the last.
      const writesAt = (sample: Sample): number => diffStats(before, sample.stats).writes;
      const sorted = samples.sort((a, b) => a.at - b.at);
      const startIndex = Math.max(0, sorted.findIndex((sample) => writesAt(sample) > 0) - 1);
      const endSample = sorted.find((sample) => writesAt(sample) >= diff.writes) ?? sorted[sorted.length - 1];
      const startSample = sorted[startIndex];
      let rate = Number.NaN;
      let window = Number.NaN;
      if (startSample && endSample && endSample.at > startSample.at) {
        const inWindow = diffStats(startSample.stats, endSample.stats);
        window = (endSample.at - startSample.at) / 1000;
        rate = (inWindow.total - inWindow.rateLimited) / window;
      }
      rates.push(rate);
      walls.push(cli.seconds);
      applySeconds.push(window);
      last = { diff, run: cli, ops: diff.writes };
      log(
        `apply run ${run}/${runs}: ${seconds(cli.seconds)}, ${rate.toFixed(1)} req/s over ${window.toFixed(1)} s, ${diff.rateLimited} x 429`,
      );
      // Zero failed operations: a second plan must find nothing left to do.
      const verify = await runCli({
        args: ['plan', '-f', dir, '--detailed-exitcode', '--rate-limit', APPLY_LIMIT],
        env,
      });
      if (verify.code !== 0) throw new Error(`after apply, plan still finds changes:\n${verify.stdout.slice(-2000)}`);
    }
    const rate = median(rates);
    const name = `4. apply ${last?.ops.toLocaleString('en-US')} changes at ${APPLY_LIMIT_PER_SECOND} req/s`;
    figure(
      name,
      'sustained rate',
      `${rate.toFixed(1)} req/s`,
      `>= ${APPLY_LIMIT_PER_SECOND * 0.9} req/s`,
      rate >= APPLY_LIMIT_PER_SECOND * 0.9,
    );
    figure(name, 'failed operations', '0 (exit 0, re-plan finds no changes)', '0', true);
    figure(name, '429 answers (absorbed)', String(last?.diff.rateLimited ?? Number.NaN), '');
    figure(name, 'wall time (incl. reads)', seconds(median(walls)), '');
    figure(name, 'requests', `${last?.diff.reads} reads + ${last?.diff.writes} writes`, '');
    return { seconds: median(applySeconds), requests: last?.diff.total ?? Number.NaN };
  } finally {
    await emulator.stop();
  }
}

/** Scenario 5: the @clerk/backend baseline script, read side and apply side. */
async function scenarioBaseline(
  readSize: InstanceSize,
  readDir: string,
  applySize: InstanceSize,
  applyDir: string,
): Promise<void> {
  // Read side: clerk-sync plan and the baseline's listing + lookups on the same instance, same limit.
  {
    const { emulator } = await seeded(readSize, PRODUCTION_LIMIT);
    try {
      const env = apiEnv(emulator);
      const ours = await timed(
        runs,
        { args: ['plan', '-f', readDir, '--rate-limit', PRODUCTION_LIMIT], env, expect: [0], what: 'plan (read side)' },
        emulator,
      );
      // Let the server's bucket refill so both start equal.
      await new Promise((resolve) => setTimeout(resolve, 10_000));
      const before = await emulator.stats();
      const baseline = await runNode(
        ['bench/baseline-sdk.ts', '--api-url', emulator.origin, '--manifest', readDir],
        {},
      );
      check(baseline, [0], 'baseline (read side)');
      const requests = diffStats(before, await emulator.stats());
      const result = JSON.parse(baseline.stdout.trim().split('\n').pop() ?? '{}') as { seconds: number };
      const users = readSize.users;
      const name = `5. baseline read side, ${users.toLocaleString('en-US')} users`;
      const oursRequests = ours.requests?.total ?? Number.NaN;
      figure(name, 'clerk-sync plan', `${seconds(ours.wall)}, ${oursRequests} requests`, '');
      figure(name, '@clerk/backend script', `${seconds(baseline.seconds)}, ${requests.total} requests`, '');
      const ratio = baseline.seconds / ours.wall;
      figure(
        name,
        'speed-up (time per user)',
        `${ratio.toFixed(1)}x (${((1000 * ours.wall) / users).toFixed(3)} vs ${((1000 * baseline.seconds) / users).toFixed(3)} ms/user)`,
        '>= 20x',
        ratio >= 20,
      );
      figure(
        name,
        'requests per user',
        `${(oursRequests / users).toFixed(4)} vs ${(requests.total / users).toFixed(3)} (${(requests.total / oursRequests).toFixed(0)}x fewer)`,
        '',
      );
      notes.push(
        `The read-side baseline made ${requests.total} requests (${requests.rateLimited} answered 429 and retried) in ${seconds(result.seconds)} of its own timing.`,
      );
    } finally {
      await emulator.stop();
    }
  }
  // Apply side: the same changes as scenario 4, same 100 req/s limit.
  {
    const { emulator } = await seeded(applySize, APPLY_LIMIT);
    try {
      const env = apiEnv(emulator);
      const ours = await timed(
        1,
        {
          args: applyArgs(applyDir),
          env,
          expect: [0],
          what: 'apply (apply side)',
        },
        emulator,
      );
      await emulator.reset();
      await emulator.seed(seedBody(generateInstance(applySize)));
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const before = await emulator.stats();
      const baseline = await runNode(
        ['bench/baseline-sdk.ts', '--api-url', emulator.origin, '--manifest', applyDir, '--apply'],
        { env },
      );
      check(baseline, [0], 'baseline (apply side)');
      const requests = diffStats(before, await emulator.stats());
      const name = `5. baseline apply side, ${applySize.users.toLocaleString('en-US')} users`;
      figure(name, 'clerk-sync apply', `${seconds(ours.wall)}, ${ours.requests?.total} requests`, '');
      figure(
        name,
        '@clerk/backend script',
        `${seconds(baseline.seconds)}, ${requests.total} requests (${requests.rateLimited} x 429)`,
        '',
      );
      figure(name, 'speed-up', `${(baseline.seconds / ours.wall).toFixed(1)}x`, '');
    } finally {
      await emulator.stop();
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------

function machine(): string[] {
  const cpu = cpus();
  return [
    `- CPU: ${cpu[0]?.model.trim() ?? 'unknown'}, ${cpu.length} cores`,
    `- Memory: ${(totalmem() / 1024 ** 3).toFixed(1)} GB`,
    `- Node ${process.version} on ${process.platform}/${process.arch}`,
  ];
}

function table(): string {
  const rows = figures.map((f) => [
    f.scenario,
    f.measure,
    f.value,
    f.goal,
    f.met === undefined ? '' : f.met ? 'met' : 'NOT MET',
  ]);
  const header = ['scenario', 'measure', 'measured', 'goal', ''];
  const widths = header.map((title, index) => Math.max(title.length, ...rows.map((row) => (row[index] ?? '').length)));
  const line = (cells: string[]): string =>
    `| ${cells.map((cell, index) => cell.padEnd(widths[index] ?? 0)).join(' | ')} |`;
  return [line(header), `| ${widths.map((width) => '-'.repeat(width)).join(' | ')} |`, ...rows.map(line)].join('\n');
}

/** Scenario 5's client and server limit: the figure is a request count, so the runs need not wait on Clerk's. */
const RESEED_LIMIT = '2000/1s';

/** Lines of the journal apply wrote under `cwd` (.clerk-sync/journal-<plan>.jsonl; one plan, so one journal). */
function journalLines(cwd: string): number {
  const dir = join(cwd, '.clerk-sync');
  const [file] = readdirSync(dir).filter((name) => /^journal-[0-9a-f]+\.jsonl$/.test(name));
  if (file === undefined) throw new Error(`no journal in ${dir}`);
  return readFileSync(join(dir, file), 'utf8')
    .split('\n')
    .filter((line) => line !== '').length;
}

/**
 * Scenario 5 (issue 17): the apply-size manifest seeded into an empty instance, the instance reset, then seeded
 * again from the same directory, the first run's journal beside it. Re-seeding costs the first seeding's requests.
 */
async function scenarioReseed(size: InstanceSize, manifestDir: string): Promise<void> {
  const emulator = await startEmulatorProcess({ rateLimit: RESEED_LIMIT });
  const cwd = join(work, 'reseed-cwd');
  mkdirSync(cwd, { recursive: true });
  const args = ['apply', '-f', manifestDir, '--auto-approve', '--skip-verify', '--allow-mass-change'];
  try {
    const seed = async (what: string): Promise<{ diff: RequestDiff; run: CliRun; lines: number }> => {
      const before = await emulator.stats();
      const run = await runCli({ args: [...args, '--rate-limit', RESEED_LIMIT], env: apiEnv(emulator), cwd });
      check(run, [0], what);
      const diff = diffStats(before, await emulator.stats());
      log(`${what}: ${seconds(run.seconds)}, ${diff.reads} reads + ${diff.writes} writes`);
      return { diff, run, lines: journalLines(cwd) };
    };
    const first = await seed('first seeding');
    await emulator.reset();
    const again = await seed('re-seed after reset');
    const name = `6. re-seed ${size.users.toLocaleString('en-US')} users after a reset`;
    const requests = (seeded: { diff: RequestDiff }): string =>
      `${seeded.diff.reads} reads + ${seeded.diff.writes} writes`;
    figure(name, 'first seeding', `${requests(first)} (${seconds(first.run.seconds)})`, '');
    figure(name, 're-seed, journal beside it', `${requests(again)} (${seconds(again.run.seconds)})`, '');
    const ratio = again.diff.total / first.diff.total;
    figure(name, 'requests, re-seed / first', `${ratio.toFixed(3)}x`, '<= 1.05x', ratio <= 1.05);
    figure(
      name,
      'journal lines after each',
      `${first.lines} / ${again.lines}`,
      'the same',
      again.lines === first.lines,
    );
  } finally {
    await emulator.stop();
  }
}

async function main(): Promise<void> {
  if (flags['no-build'] !== true) {
    log('building dist/ (tsc -p tsconfig.build.json)');
    const build = spawnSync(
      process.execPath,
      [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
      {
        cwd: ROOT,
        encoding: 'utf8',
      },
    );
    if (build.status !== 0) log(`tsc reported errors (dist/ may be partly stale):\n${build.stdout.slice(0, 2000)}`);
  }
  const started = performance.now();
  log(`runs per figure: ${runs}${quick ? ' (--quick: smaller sizes)' : ''}; work dir ${work}`);

  const large = generateInstance(SIZES.large);
  const largeDrift = driftCounts(Math.round(SIZES.large.users * 0.01));
  const largeDriftDir = writeManifest('large-drift', generateManifest(large, { drift: largeDrift }));
  const largeCleanDir = writeManifest('large-clean', generateManifest(large, { drift: driftCounts(0) }));
  const small = generateInstance(SIZES.small);
  const smallDriftDir = writeManifest(
    'small-drift',
    generateManifest(small, { drift: driftCounts(Math.round(SIZES.small.users * 0.01)) }),
  );
  const apply = generateInstance(SIZES.apply);
  const applyDrift = driftCounts(SIZES.applyDrift);
  const applyDir = writeManifest('apply', generateManifest(apply, { drift: applyDrift }));
  const baseRead = generateInstance(SIZES.baselineRead);
  const baseReadDir = writeManifest(
    'baseline-read',
    generateManifest(baseRead, { drift: driftCounts(Math.round(SIZES.baselineRead.users * 0.01)) }),
  );
  notes.push(`Scenario 2 drift: ${describeDrift(largeDrift)}.`);
  notes.push(`Scenario 4 drift: ${describeDrift(applyDrift)}.`);
  const reseedDir = writeManifest('reseed', generateManifest(apply, { drift: driftCounts(0) }));

  const scenarioContext: ScenarioContext = { work, runs, timed: (times, options) => timed(times, options), figure };
  if (selected('validate')) await scenarioValidate(large, largeDriftDir);
  if (selected('plan')) await planScenarios({ drift: largeDriftDir, clean: largeCleanDir }, smallDriftDir);
  if (selected('apply')) await scenarioApply(SIZES.apply, applyDir);
  if (selected('reseed')) await scenarioReseed(SIZES.apply, reseedDir);
  if (selected('baseline')) await scenarioBaseline(SIZES.baselineRead, baseReadDir, SIZES.apply, applyDir);
  if (selected('targeted')) await scenarioTargeted();
  if (selected('overlay')) {
    await scenarioOverlay({ ...scenarioContext, clean: largeCleanDir });
  }
  if (selected('yamlerr')) {
    await scenarioYamlErr({
      ...scenarioContext,
      clean: largeCleanDir,
      startEmulator: () => startEmulatorProcess({ rateLimit: PRODUCTION_LIMIT }),
      apiEnv,
    });
  }
  if (selected('policies')) scenarioPolicies({ users: quick ? 10_000 : 100_000, runs, figure, log });
  if (selected('overlap')) {
    await scenarioOverlap(
      {
        runs,
        seeded: async (faults) => (await seeded(SIZES.large, PRODUCTION_LIMIT, faults)).emulator,
        env: apiEnv,
        figure,
        log,
        rateLimit: PRODUCTION_LIMIT,
        users: SIZES.large.users,
      },
      largeDriftDir,
    );
  }

  if (selected('generate')) {
    await scenarioGenerated({ ...scenarioContext, users: SIZES.large.users });
  }

  const total = (performance.now() - started) / 1000;
  const printed = table();
  process.stdout.write(`\n${printed}\n\n${notes.join('\n')}\n`);
  if (flags['no-write'] !== true && !quick && only === undefined) {
    writeFileSync(join(ROOT, 'BENCHMARKS.md'), benchmarksDocument(total, printed));
    log('wrote BENCHMARKS.md');
  }
}

/**
 * Issue 17, targeted reads: a plan of 200 declared users in a large instance (no prune) reads them with the list
 * filters; the same plan with `--read full` (every page, as before) side by side, and the two plans' operations.
 */
async function scenarioTargeted(): Promise<void> {
  const { users, declared, renamed } = TARGETED;
  const dir = join(work, 'targeted');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'users.yaml'), targetedManifest(declared, renamed));
  // A million plain users are a few GB of JS objects in the emulator.
  const emulator = await startEmulatorProcess({ rateLimit: PRODUCTION_LIMIT, heapMb: 16_384 });
  try {
    const started = performance.now();
    for (const body of targetedSeedBodies(users, declared)) await emulator.seed(body);
    const seedSeconds = (performance.now() - started) / 1000;
    log(`seeded ${users} users in ${seedSeconds.toFixed(1)} s`);
    const env = apiEnv(emulator);
    const args = ['plan', '-f', dir, '--format', 'json', '--rate-limit', PRODUCTION_LIMIT];
    const ours = await timed(runs, { args, env, expect: [0], what: 'plan (default read)' }, emulator);
    const full = await timed(
      1,
      { args: [...args, '--read', 'full'], env, expect: [0], what: 'plan --read full' },
      emulator,
    );
    const plan = JSON.parse(ours.last.stdout) as {
      operations: unknown[];
      read?: { strategy: string; requests: { full: number; targeted: number } };
    };
    const fullPlan = JSON.parse(full.last.stdout) as typeof plan;
    const reads = ours.requests?.reads ?? Number.NaN;
    const same = JSON.stringify(plan.operations) === JSON.stringify(fullPlan.operations);
    const name = `7. targeted read: plan ${declared} declared of ${users.toLocaleString('en-US')} users (no prune)`;
    figure(name, 'read requests', String(reads), '<= 12', reads <= 12);
    figure(name, 'wall time', seconds(ours.wall), '< 2 s', ours.wall < 2);
    figure(
      name,
      'read chosen',
      `${plan.read?.strategy} (${plan.read?.requests.targeted} user requests instead of ${plan.read?.requests.full})`,
      'targeted',
      plan.read?.strategy === 'targeted',
    );
    figure(name, '--read full, side by side', `${seconds(full.wall)}, ${full.requests?.reads} read requests`, '');
    figure(name, 'wall time ratio (full / targeted)', `${(full.wall / ours.wall).toFixed(1)}x`, '');
    figure(name, 'same operations as --read full', `${same ? 'yes' : 'no'} (${plan.operations.length})`, 'yes', same);
    figure(name, 'emulator seed time (setup)', seconds(seedSeconds), '');
  } finally {
    await emulator.stop();
  }
}

/** Scenarios 2 and 3 at two sizes, and the memory slope between them. */
async function planScenarios(largeDirs: { drift: string; clean: string }, smallDriftDir: string): Promise<void> {
  const largePlan = await scenarioPlan(SIZES.large, largeDirs, {
    label: `${SIZES.large.users.toLocaleString('en-US')} users`,
    withGoals: true,
  });
  const smallPlan = await scenarioPlan(
    SIZES.small,
    { drift: smallDriftDir, clean: smallDriftDir },
    {
      label: `${SIZES.small.users.toLocaleString('en-US')} users`,
      withGoals: false,
    },
  );
  const slope = (largePlan.peak - smallPlan.peak) / (SIZES.large.users - SIZES.small.users);
  const intercept = largePlan.peak - slope * SIZES.large.users;
  const fit = slope > 0 ? Math.floor((1024 - intercept) / slope) : Number.NaN;
  figure(
    'memory',
    'users per 1 GB (plan peak RSS)',
    `${fit.toLocaleString('en-US')} (${(slope * 1024).toFixed(1)} KB/user + ${Math.round(intercept)} MB)`,
    '',
  );
}

function benchmarksDocument(total: number, printed: string): string {
  const command = `npm run bench${runs === 3 ? '' : ` -- --runs ${runs}`}`;
  return [
    '# Benchmarks',
    '',
    `Generated by \`${command}\` (bench/run.ts) on ${new Date().toISOString().slice(0, 10)}; the whole run took ${Math.round(total / 60)} minutes. Medians of ${runs} run${runs === 1 ? '' : 's'} (the baseline script and the apply-side comparison: 1 run). Only measured figures are reported.`,
    '',
    '## Machine',
    '',
    ...machine(),
    '- **Shared**: a virtual machine on a shared host; the same command varies by about 15% from run to run, hence medians.',
    '',
    '## Method',
    '',
    '- Synthetic data from bench/generate.ts (seeded, deterministic): users with 1-2 emails, some phones, a username, names, public and private metadata with nested keys; organizations; memberships (user k mod N). The manifest is split into files of 25,000 users (a manifest file is capped at 64 MB; several files is also how large teams keep them) and passed as `-f DIR`.',
    "- The emulator (`clerk-sync emulator --port 0`) runs in its own process and is seeded through `POST /__emulator/seed`; request counts come from `GET /__emulator/stats`. It shares the 2 cores with the CLI, as Clerk's servers would not: it serialises the seeded users and memberships once, at seed time (and caches each object's JSON until it changes), so that reads measure the client rather than the emulator.",
    `- The CLI runs as a child process with the Node options of its shebang line, as npm's bin link runs it: \`node --import ./bench/rss-probe.mjs ${BIN_OPTIONS.join(' ')} bin/clerk-sync.js ...\`; wall time is from spawn to exit, peak RSS is \`process.resourceUsage().maxRSS\` at exit (worker threads included).`,
    `- Read scenarios run under Clerk's production rate limit, ${PRODUCTION_LIMIT}, enforced by the emulator and given to the client (\`--rate-limit ${PRODUCTION_LIMIT}\`; a \`sk_test_\` key would default to 50/10s, half of 100/10s). Scenario 4 and the apply-side baseline run under ${APPLY_LIMIT} on both sides.`,
    '- Scenario 4 throughput: emulator stats sampled every 200 ms; requests answered (429s excluded) between the sample before the first mutating request and the first sample after the last, divided by that time.',
    '- Scenario 9: the bare client and the plan take turns (bare, plan, bare, plan...), so a host that slows down during the scenario weighs on both alike; the ratio is of their medians.',
    '- The baseline (bench/baseline-sdk.ts) is a script written the usual way with @clerk/backend: getUserList offset pagination (with /users/count on every page), one getUserList({externalId}) per manifest user, then updateUser / updateUserMetadata / banUser / createUser and one membership list per user with the membership calls, each call retried after `retryAfter` on 429. Its read side runs on a smaller instance (a full-size run would be 100,000+ requests); compare per user.',
    '',
    '## Results',
    '',
    printed,
    '',
    ...notes.map((note) => `- ${note}`),
    '',
    '## Reproduce',
    '',
    '```sh',
    'npm ci',
    command,
    'npm run bench -- --quick   # smaller sizes, one run each; prints the table, leaves BENCHMARKS.md alone',
    '```',
    '',
  ].join('\n');
}

try {
  await main();
} finally {
  rmSync(work, { recursive: true, force: true });
}
