// `--only overlap`: issue 17's "Overlap" and "Memory without tricks" goals on the 100,000-user instance, full read.
// Side by side in one run: `validate` alone, a bare client reading the same pages (bench/bare-read.ts), and `plan`;
// then the load side alone (bench/load-while-reading.ts: the manifest loaded while the bare client reads, against
// each alone in the same kind of process).

import type { EmulatorProcess } from './processes.ts';
import { type CliRun, ROOT, runCli, runNode } from './processes.ts';

export interface OverlapKit {
  runs: number;
  seeded(): Promise<EmulatorProcess>;
  env(emulator: EmulatorProcess): Record<string, string>;
  figure(scenario: string, measure: string, value: string, goal?: string, met?: boolean): void;
  log(message: string): void;
  rateLimit: string;
  users: number;
}

interface Timed {
  wall: number;
  peak: number;
  last: CliRun;
}

function median(numbers: number[]): number {
  const sorted = [...numbers].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

async function repeat(kit: OverlapKit, what: string, run: () => Promise<CliRun>): Promise<Timed> {
  const walls: number[] = [];
  const peaks: number[] = [];
  let last: CliRun | undefined;
  for (let index = 1; index <= kit.runs; index += 1) {
    last = await run();
    if (last.code !== 0) throw new Error(`${what} exited ${last.code}: ${last.stderr.slice(-2000)}`);
    walls.push(last.seconds);
    peaks.push(last.peakMb);
    kit.log(`${what} run ${index}/${kit.runs}: ${last.seconds.toFixed(2)} s, ${Math.round(last.peakMb)} MB peak`);
  }
  return { wall: median(walls), peak: median(peaks), last: last as CliRun };
}

/** Seconds reported by a script's JSON line (the in-process figure, without Node's start-up). */
function reported(run: CliRun, field: string): number {
  const line = run.stdout.trim().split('\n').pop() ?? '{}';
  return Number((JSON.parse(line) as Record<string, unknown>)[field]);
}

export async function scenarioOverlap(kit: OverlapKit, manifestDir: string): Promise<void> {
  const emulator = await kit.seeded();
  try {
    const env = kit.env(emulator);
    const rate = ['--rate-limit', kit.rateLimit];
    const validate = await repeat(kit, 'validate', () => runCli({ args: ['validate', '-f', manifestDir], env }));
    const bare = await repeat(kit, 'bare client read', () =>
      runNode([`${ROOT}bench/bare-read.ts`, '--api-url', emulator.url, ...rate], { env }),
    );
    const plan = await repeat(kit, 'plan', () => runCli({ args: ['plan', '-f', manifestDir, ...rate], env }));
    const name = `5. plan ${kit.users.toLocaleString('en-US')} users, full read: overlap`;
    const larger = Math.max(validate.wall, bare.wall);
    const ratio = plan.wall / larger;
    kit.figure(name, 'validate alone / bare client read', `${validate.wall.toFixed(2)} s / ${bare.wall.toFixed(2)} s`);
    kit.figure(
      name,
      'plan wall time',
      `${plan.wall.toFixed(2)} s (${ratio.toFixed(2)}x the larger)`,
      '<= 1.3x',
      ratio <= 1.3,
    );
    kit.figure(
      name,
      'plan peak RSS, no forced collections',
      `${Math.round(plan.peak)} MB`,
      '<= 500 MB',
      plan.peak <= 500,
    );

    const harness = (mode: string) => () =>
      runNode(
        [`${ROOT}bench/load-while-reading.ts`, '--api-url', emulator.url, '-f', manifestDir, '--mode', mode, ...rate],
        {
          env,
        },
      );
    const loadAlone = await repeat(kit, 'load alone', harness('load'));
    const readAlone = await repeat(kit, 'read alone', harness('read'));
    const both = await repeat(kit, 'load while reading', harness('both'));
    const alone = Math.max(reported(loadAlone.last, 'load'), reported(readAlone.last, 'read'));
    const together = reported(both.last, 'wall');
    kit.figure(
      name,
      'load + bare read in one process (in-process seconds)',
      `${together.toFixed(2)} s against ${reported(loadAlone.last, 'load').toFixed(2)} s / ${reported(readAlone.last, 'read').toFixed(2)} s alone (${(together / alone).toFixed(2)}x the larger)`,
      '<= 1.3x',
      together / alone <= 1.3,
    );
  } finally {
    await emulator.stop();
  }
}
