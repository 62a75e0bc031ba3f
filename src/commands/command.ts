// The contract every command file implements, and the I/O handles a command receives. Commands never touch
// `process` directly: cli.ts passes these in, so tests can run a command in-process with their own streams.

import type { ParseArgsConfig } from 'node:util';
import type { ClientConfig } from '../clerk/index.ts';
import { UsageError } from '../errors.ts';

export interface CliIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  env: Record<string, string | undefined>;
  cwd: string;
  /** Resolves when the user interrupts (SIGINT/SIGTERM); commands that serve or apply listen to it. */
  signal: AbortSignal;
  /** Runs another clerk-sync command line (the demo chains commands); set by cli.ts, so no command imports cli.ts. */
  runCli?: (argv: string[], io: CliIO) => Promise<number>;
  /** Clock, sleep and jitter of the API client and the executor; tests pass a virtual clock so retries do not wait. */
  clock?: Pick<ClientConfig, 'now' | 'sleep' | 'random'>;
  /** The variable the secret key is read from, when --env selected one (default CLERK_SECRET_KEY). */
  secretKeyVariable?: string;
}

export type OptionValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface CommandArgs {
  values: OptionValues;
  positionals: string[];
}

export interface CommandDefinition {
  name: string;
  /** One line for `clerk-sync --help`. */
  summary: string;
  /** Full help text shown by `clerk-sync <name> --help` (usage line, options, exit codes). */
  help: string;
  options: NonNullable<ParseArgsConfig['options']>;
  allowPositionals: boolean;
  /** Hidden commands do not appear in the top-level help. */
  hidden?: boolean;
  /** Returns the exit code. Throws ClerkSyncError for user-facing failures. */
  run(args: CommandArgs, io: CliIO): Promise<number>;
}

/** Read a string option that may be repeated (`-f a.yaml -f b.yaml`). */
export function stringList(values: OptionValues, name: string): string[] {
  const raw = values[name];
  if (raw === undefined) return [];
  const list = Array.isArray(raw) ? raw : [raw];
  return list.filter((value): value is string => typeof value === 'string');
}

export function stringOption(values: OptionValues, name: string): string | undefined {
  const raw = values[name];
  if (Array.isArray(raw)) {
    const last = raw[raw.length - 1];
    return typeof last === 'string' ? last : undefined;
  }
  return typeof raw === 'string' ? raw : undefined;
}

export function booleanOption(values: OptionValues, name: string): boolean {
  return values[name] === true;
}

/** `--format`: one of `allowed`, or `fallback` when not given. */
export function formatOption<T extends string>(values: OptionValues, allowed: readonly T[], fallback: T): T {
  const raw = stringOption(values, 'format');
  if (raw === undefined) return fallback;
  if ((allowed as readonly string[]).includes(raw)) return raw as T;
  throw new UsageError(`--format must be one of ${allowed.join(', ')}, got "${raw}"`);
}
