// The single wiring point between the library API's options and the command stages: the option values the CLI
// would parse, and an I/O that prints nothing (what the CLI would print is kept as the run's log).

import { Readable, Writable } from 'node:stream';
import type { CliIO, OptionValues } from '../commands/command.ts';
import { selectEnvironment } from '../commands/environment-options.ts';
import type { ApplyOptions, ConnectionOptions, SafetyOptions } from './types.ts';

export interface ResolvedInputs {
  values: OptionValues;
  io: CliIO;
  /** What the CLI would have printed on stdout and stderr, in order. */
  log(): string;
}

/** Keeps what is written; never a terminal, so nothing prompts and no colour is used. */
function keeper(chunks: string[]): Writable {
  return new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _encoding, callback) {
      chunks.push(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
      callback();
    },
  });
}

function safetyValues(options: SafetyOptions): OptionValues {
  const values: OptionValues = {};
  if (options.maxDeletes !== undefined) values['max-deletes'] = String(options.maxDeletes);
  if (options.maxChangeRatio !== undefined) values['max-change-ratio'] = String(options.maxChangeRatio);
  if (options.allowMassDelete) values['allow-mass-delete'] = true;
  if (options.allowMassChange) values['allow-mass-change'] = true;
  if (options.allowProduction) values['allow-production'] = true;
  if (options.ignore !== undefined) values.ignore = [...options.ignore];
  if (options.targets !== undefined && options.targets.length > 0) values.target = [...options.targets];
  if (options.read !== undefined) values.read = options.read;
  if (options.showEnv !== undefined) values['show-env'] = [...options.showEnv];
  return values;
}

function applyValues(options: Partial<ApplyOptions>): OptionValues {
  const values: OptionValues = {};
  if (options.autoApprove) values['auto-approve'] = true;
  if (options.dryRun) values['dry-run'] = true;
  if (options.continueOnError) values['continue-on-error'] = true;
  if (options.skipVerify) values['skip-verify'] = true;
  if (options.journal !== undefined) values.journal = options.journal;
  return values;
}

/** Options -> the command stages' inputs: each maps to the flag of the same meaning (`env` to `--env`). */
export function resolveInputs(
  options: ConnectionOptions & SafetyOptions & Partial<ApplyOptions>,
  files: readonly string[] = [],
): ResolvedInputs {
  const variables = { ...(options.variables ?? process.env) };
  if (options.secretKey !== undefined) variables.CLERK_SECRET_KEY = options.secretKey;
  const values: OptionValues = { ...safetyValues(options), ...applyValues(options) };
  if (files.length > 0) values.file = [...files];
  if (options.apiUrl !== undefined) values['api-url'] = options.apiUrl;
  if (options.rateShare !== undefined) values['rate-share'] = String(options.rateShare);
  if (options.env !== undefined) values.env = options.env;
  if (options.project !== undefined) values.project = options.project;
  const chunks: string[] = [];
  const io: CliIO = {
    stdout: keeper(chunks),
    stderr: keeper(chunks),
    stdin: Readable.from([]),
    // No colour in the log, whatever the caller's environment says.
    env: { ...variables, NO_COLOR: '1' },
    cwd: options.cwd ?? process.cwd(),
    signal: options.signal ?? new AbortController().signal,
  };
  return { values, io, log: () => chunks.join('') };
}

/**
 * The inputs with the project file's environment applied, as the CLI applies `--env` (src/cli.ts): its
 * files, API URL and budget where the options give none, its secret key variable unless `secretKey` is given.
 */
export async function withEnvironment(inputs: ResolvedInputs, options: ConnectionOptions): Promise<ResolvedInputs> {
  const selected = await selectEnvironment(inputs.values, inputs.io);
  const io = { ...selected.io };
  if (options.secretKey !== undefined) delete io.secretKeyVariable;
  return { ...inputs, values: selected.values, io };
}
