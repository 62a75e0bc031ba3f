// The options and results of the library API (src/index.ts). Each option mirrors a command-line flag of the same
// meaning (README, "Library API"); results are the JSON the CLI prints or would print.

import type { ApplyResult } from '../apply/index.ts';
import type { Plan } from '../plan/index.ts';
import type { ReadOption } from '../state/index.ts';

/** Where the instance is and what the manifest's `${VAR}` references read. */
export interface ConnectionOptions {
  /** The Clerk secret key. @default variables.CLERK_SECRET_KEY */
  secretKey?: string;
  /** The Backend API base URL (`--api-url`). @default variables.CLERK_API_URL, else https://api.clerk.com/v1 */
  apiUrl?: string;
  /**
   * The environment variables the manifest's `${VAR}` references, CLERK_SECRET_KEY and CLERK_API_URL are read from.
   * @default process.env
   */
  variables?: Record<string, string | undefined>;
  /** Manifest paths (and a saved plan's recorded files) are relative to it. @default process.cwd() */
  cwd?: string;
  /**
   * An environment of the project file (`plan --env staging`): its manifest files, secret key variable, API URL and
   * budget, where `files`, `secretKey`, `apiUrl` and `rateShare` do not say (docs/manifest.md#project-file).
   */
  env?: string;
  /** The project file naming the environments. @default clerk-sync.yaml in `cwd`; only with `env` */
  project?: string;
  /** Share of Clerk's documented rate limit to use, 0..1 (`--rate-share`). @default 0.5 */
  rateShare?: number;
  /** Aborting it interrupts an apply as Ctrl-C does: requests in flight finish, no new one starts. */
  signal?: AbortSignal;
}

/** The safety flags of `plan` and `apply` (README, "plan"). */
export interface SafetyOptions {
  /** `--max-deletes`. @default 10 */
  maxDeletes?: number;
  allowMassDelete?: boolean;
  /** `--max-change-ratio`, 0..1. @default 0.3 */
  maxChangeRatio?: number;
  allowMassChange?: boolean;
  allowProduction?: boolean;
  /** `--ignore` paths, added to settings.ignore. */
  ignore?: string[];
  /** `--target user:KEY|org:SLUG`: plan or apply only these objects and what they depend on. */
  targets?: string[];
  /** `--read`. @default 'auto' */
  read?: ReadOption;
  /** `--show-env`: variables whose values the plan may show. */
  showEnv?: string[];
}

export interface PlanInput extends ConnectionOptions, SafetyOptions {
  /** Manifest files or directories (`-f`); may be left out with `env` (the environment's files). */
  files?: string[];
}

/** What to apply: a manifest (planned now), a plan `plan()` returned (planned again from its files, then checked), or nothing more than `options.env` (that environment's manifest). */
export type ApplySource = { files: string[] } | { plan: Plan; files?: string[] } | { files?: undefined };

export interface ApplyOptions extends ConnectionOptions, SafetyOptions {
  /** Required to execute: a library cannot ask "yes". false refuses (`confirmation_required`), as a CLI without a terminal. */
  autoApprove: boolean;
  /** `--dry-run`: plan and return, send nothing. */
  dryRun?: boolean;
  continueOnError?: boolean;
  /** `--journal` (relative to cwd). @default .clerk-sync/journal-<plan>.jsonl */
  journal?: string;
  skipVerify?: boolean;
}

/** One operation's outcome, as the apply summary lists it. */
export type OperationResult = ApplyResult['outcomes'][number];

/** What an apply did. Failed operations are listed here, not thrown; a refusal or an error is thrown. */
export interface ApplyOutcome {
  /** applied: executed; no_changes: nothing to do; dry_run: nothing sent. */
  status: 'applied' | 'no_changes' | 'dry_run';
  /** The plan that was executed, as `plan --format json` prints it. */
  plan: Plan;
  done: number;
  unchanged: number;
  failed: number;
  skipped: number;
  /** Every executed operation's outcome; empty when nothing was executed. */
  operations: OperationResult[];
  /** The journal (`clerk-sync undo FILE` reverts the run); null when nothing was executed. */
  journal: string | null;
  /** The verify step planned again and found nothing left. */
  verified: boolean;
  /** Interrupted through `signal`. */
  interrupted: boolean;
}
