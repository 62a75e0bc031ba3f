// clerk-sync apply: execute a plan, from a manifest (plan, show, confirm, execute, verify) or from a saved plan
// (computed again from its recorded inputs; refused when the file holds anything else, or anything it touches
// changed since it was made). One apply at a time per instance and per journal. Plans go to stdout, progress to
// stderr; every rendering is made from publicPlan.

import { join, resolve } from 'node:path';
import {
  type ApplyResult,
  acquireLock,
  applyPlan,
  createJournal,
  type HeldLock,
  instanceLockFile,
  journalLockFile,
  type OperationOutcome,
  planFingerprint,
  plannedRequests,
} from '../apply/index.ts';
import { isProductionKey } from '../clerk/index.ts';
import { ApplyFailedError, ClerkSyncError, PlanRefusedError, UsageError } from '../errors.ts';
import {
  type Disclosure,
  operationTitles,
  type Plan,
  type PlanDiagnostic,
  presentPlan,
  publicPlan,
  redactText,
  renderPlanMarkdown,
  type SavedPlan,
  type Target,
  withReviewWarnings,
} from '../plan/index.ts';
import { parsePlan } from '../plan/read-plan.ts';
import {
  confirm,
  createApplyProgress,
  renderApplySummary,
  renderDryRun,
  renderPlanText,
  shouldUseColor,
} from '../ui/index.ts';
import { API_OPTIONS, API_OPTIONS_HELP, type OpenedClient, openClient } from './api-options.ts';
import {
  booleanOption,
  type CliIO,
  type CommandArgs,
  type CommandDefinition,
  type OptionValues,
  stringList,
  stringOption,
} from './command.ts';
import { ENVIRONMENT_OPTIONS, ENVIRONMENT_OPTIONS_HELP } from './environment-options.ts';
import { readTextFile } from './files.ts';
import {
  annotationOptions,
  appendStepSummary,
  GITHUB_OPTIONS,
  GITHUB_OPTIONS_HELP,
  githubEnabled,
  planWarningAnnotations,
} from './github.ts';
import {
  disclosureFrom,
  formatPlanDiagnostics,
  type LoadedManifest,
  loadManifestAndLive,
  loadManifestAnnotated,
  MANIFEST_OPTIONS,
  type ManifestLoad,
  openClientBeforeManifest,
  PLAN_OPTIONS,
  PLAN_OPTIONS_HELP,
  planOptionsFrom,
  planOrThrow,
  READ_OPTION,
  READ_OPTION_HELP,
  readLiveState,
  readOptionFrom,
} from './live-plan.ts';
import { type PreparedApply, prepareSavedPlan, printable, secretsFromManifest } from './saved-plan.ts';
import { TARGET_OPTION, TARGET_OPTION_HELP, targetsFrom } from './target-option.ts';

/**
 * --journal, or `.clerk-sync/journal-<plan>.jsonl` named after the plan itself (manifest, live state and
 * operations): a re-run of the same saved plan finds its journal, and two different plans never share one (the
 * live fingerprint alone is the same for every empty instance).
 */
function journalFileFor(values: OptionValues, plan: Plan): string {
  return stringOption(values, 'journal') ?? join('.clerk-sync', `journal-${planFingerprint(plan).slice(0, 12)}.jsonl`);
}

/** The refusals that stop an apply before anything is shown; the production guard waits for a dry run. */
function refuse(io: CliIO, refusals: readonly PlanDiagnostic[], disclosure: Disclosure): void {
  const [first] = refusals;
  if (first === undefined) return;
  io.stderr.write(redactText(formatPlanDiagnostics([...refusals], 'error'), disclosure));
  throw new PlanRefusedError(first.code, 'the plan was refused by a safety rule (listed above); nothing was changed', {
    hint: first.hint ?? 'See the flags named above.',
  });
}

/** `apply -f`: the plan of the manifest against the live state now, read while the manifest loads. */
async function prepareFromManifest(
  load: ManifestLoad,
  values: OptionValues,
  io: CliIO,
  opened: OpenedClient,
): Promise<PreparedApply> {
  const targets = targetsFrom(values);
  const { loaded, live } = await loadManifestAndLive({ values, io, client: opened.client, load });
  const result = planOrThrow(
    loaded.desired,
    live,
    {
      ...planOptionsFrom(values),
      productionKey: isProductionKey(opened.secretKey),
      ...(targets === undefined ? {} : { targets }),
    },
    io,
  );
  return {
    plan: result.plan,
    loaded,
    disclosure: disclosureFrom(values, loaded.desired),
    secrets: secretsFromManifest(loaded.desired),
    refusals: result.refusals,
    ...(targets === undefined ? {} : { targets }),
  };
}

/** An outcome as shown: Clerk's messages and skip reasons quote values, some read from the environment. */
function redactOutcome(outcome: OperationOutcome, disclosure: Disclosure): OperationOutcome {
  return {
    ...outcome,
    ...(outcome.error === undefined
      ? {}
      : { error: { ...outcome.error, message: redactText(outcome.error.message, disclosure) } }),
    ...(outcome.reason === undefined ? {} : { reason: redactText(outcome.reason, disclosure) }),
  };
}

/** What the lock files say holds them. */
function commandLine(planFile: string | undefined, files: readonly string[]): string {
  return `clerk-sync apply ${planFile ?? files.map((file) => `-f ${file}`).join(' ')}`;
}

async function confirmOrRefuse(io: CliIO, autoApprove: boolean): Promise<boolean> {
  if (autoApprove) return true;
  if (!io.stdin.isTTY || !io.stdout.isTTY) {
    throw new PlanRefusedError(
      'confirmation_required',
      'refusing to apply without confirmation: not running in a terminal',
      {
        hint: 'Review the plan above, then re-run with --auto-approve (for CI), or run in a terminal to type "yes".',
      },
    );
  }
  return confirm({
    message: 'Do you want to apply these changes? Only "yes" is accepted.',
    stdin: io.stdin,
    stdout: io.stdout,
    env: io.env,
  });
}

/** A saved plan is JSON; a YAML manifest given in its place (`apply users.yaml`) is named as one, with the fix. */
function parseSavedPlan(planFile: string, text: string): SavedPlan {
  const yamlName = /\.ya?ml$/i.test(planFile);
  if (!text.trimStart().startsWith('{') && (yamlName || /^apiVersion\s*:/m.test(text))) {
    throw new UsageError(`${printable(planFile)} looks like a manifest, not a saved plan`, {
      hint: `Apply a manifest with -f: \`clerk-sync apply -f ${printable(planFile)}\`. A saved plan is the JSON file \`clerk-sync plan --out PLAN\` writes.`,
    });
  }
  return parsePlan(text);
}

function summarize(result: ApplyResult): string {
  return `${result.done} applied, ${result.unchanged} already in place, ${result.failed} failed, ${result.skipped} skipped`;
}

export const applyCommand: CommandDefinition = {
  name: 'apply',
  summary: 'execute a plan: from a manifest (-f) or a saved plan file',
  help: `Usage: clerk-sync apply -f FILE... [apply options] [safety options] [API options]
       clerk-sync apply PLAN [-f FILE...] [apply options] [safety options] [API options]
Apply options: [--dry-run] [--auto-approve] [--continue-on-error] [--journal FILE] [--skip-verify] [--read MODE]
               [--target T]... [--github]

From a manifest: plans, shows the plan, asks for "yes", applies, then plans again to verify nothing is left.
From a saved plan (clerk-sync plan --out PLAN): a plan file is not trusted. Apply plans again from the manifest
files the plan names (-f moves them) and the live state now, and refuses, sending nothing, when the manifest
changed (plan_manifest_changed), when an object the plan read changed since (stale_plan), or when the file holds
anything the re-plan does not give (plan_not_reproducible); it executes the re-plan. An undo plan is derived again
from its journal. The safety guards (--max-deletes, --max-change-ratio, --allow-production, managed objects only)
are those of this command line, decided from the operations and the live state; the manifest's settings.policies
(docs/manifest.md#policies) are decided again too, and no flag lifts them (policy_* refusals, exit 1).
One apply at a time per instance and per journal: a second one is refused (apply_locked), naming the holder.

Apply options:
  -f, --file FILE         manifest file or directory (repeatable)
  --dry-run               show the plan and the exact requests it would send; send no change
  --auto-approve          do not ask for confirmation (required when not in a terminal)
  --continue-on-error     keep applying independent operations after a failure
  --journal FILE          append-only journal of the run (default .clerk-sync/journal-<plan>.jsonl);
                          \`clerk-sync undo FILE\` builds a plan that restores what it touched
  --skip-verify           do not re-read and re-plan after applying
${READ_OPTION_HELP}
                        (apply PLAN reads the way the saved plan records)
${TARGET_OPTION_HELP}
                        (apply PLAN --target: a subset of the saved plan's operations; a plan saved with
                        --target is applied as that subset)
${GITHUB_OPTIONS_HELP}
${PLAN_OPTIONS_HELP}
${ENVIRONMENT_OPTIONS_HELP}
${API_OPTIONS_HELP}

Exit codes: 0 everything applied (or nothing to do, or dry run), 1 anything failed or was refused.`,
  options: {
    ...MANIFEST_OPTIONS,
    ...PLAN_OPTIONS,
    ...READ_OPTION,
    ...API_OPTIONS,
    ...ENVIRONMENT_OPTIONS,
    'dry-run': { type: 'boolean' },
    'auto-approve': { type: 'boolean' },
    'continue-on-error': { type: 'boolean' },
    journal: { type: 'string' },
    'skip-verify': { type: 'boolean' },
    ...TARGET_OPTION,
    ...GITHUB_OPTIONS,
  },
  allowPositionals: true,
  async run(args, io) {
    const run = await runApply(args, io);
    if (run.status === 'cancelled') return 1;
    const { result } = run;
    if (result !== undefined && run.interrupted) {
      throw new ApplyFailedError(`apply interrupted: ${summarize(result)}`, {
        hint: 'Run the same apply again: it re-reads the live state and continues where it stopped, without duplicates.',
      });
    }
    if (result !== undefined && (result.failed > 0 || result.skipped > 0)) {
      throw new ApplyFailedError(`apply finished with failures: ${summarize(result)}`, {
        hint: 'Fix the causes listed above and run apply again; what succeeded is not repeated.',
      });
    }
    return 0;
  },
};

/** What one apply did: the command turns it into an exit code, the library API (src/index.ts) returns it. */
export interface ApplyRun {
  /** no_changes: nothing to do; dry_run: shown, nothing sent; cancelled: not confirmed; applied: executed. */
  status: 'no_changes' | 'dry_run' | 'cancelled' | 'applied';
  /** The plan as every output shows it (publicPlan). */
  plan: Plan;
  /** When executed: every operation's outcome (as shown: values from the environment by reference). */
  result?: ApplyResult;
  /** The journal file, when executed. */
  journal?: string;
  /** The verify step planned again and found nothing left (false when skipped or not reached). */
  verified: boolean;
  /** Interrupted (io.signal) while executing. */
  interrupted: boolean;
}

/** The apply command's arguments; `saved`: a plan already parsed (the library API), in place of PLAN. */
export interface ApplyArgs extends CommandArgs {
  saved?: SavedPlan;
}

/**
 * Plans (or re-plans a saved plan), shows, confirms, executes and verifies: the whole apply but the exit code.
 * Failures of operations are in the result, not thrown; a refusal or an error is thrown.
 */
export async function runApply({ values, positionals, saved: given }: ApplyArgs, io: CliIO): Promise<ApplyRun> {
  const files = stringList(values, 'file');
  if (positionals.length > 1) throw new UsageError(`apply takes at most one saved plan, got ${positionals.length}`);
  const planFile = positionals[0] ?? (given === undefined ? undefined : '(plan object)');
  if (planFile === undefined && files.length === 0) {
    throw new UsageError('apply needs either -f FILE (a manifest) or PLAN (a saved plan)');
  }
  const dryRun = booleanOption(values, 'dry-run');
  const color = shouldUseColor(io.stdout, io.env);
  const github = githubEnabled(values, io.env);
  const saved =
    given ??
    (planFile === undefined ? undefined : parseSavedPlan(planFile, await readTextFile(io.cwd, planFile, 'saved plan')));
  const load: ManifestLoad = (hooks) =>
    loadManifestAnnotated(values, io, 'apply', { enabled: github, out: io.stdout }, hooks);
  // From a manifest, the live read overlaps loading it (after the instance lock below).
  const opened = saved === undefined ? await openClientBeforeManifest(values, io, load) : openClient(values, io);
  const { client, secretKey, concurrency } = opened;
  const locks: HeldLock[] = [];
  // A dry run sends nothing: it neither waits for nor blocks a running apply.
  const lock = async (file: string, what: string): Promise<void> => {
    if (dryRun) return;
    const warn = (message: string): void => {
      io.stderr.write(message);
    };
    locks.push(await acquireLock(file, { command: commandLine(planFile, files), what, warn }));
  };
  try {
    // Taken before the live state is read: a plan made while another apply changes the instance is stale.
    await lock(instanceLockFile(client.baseUrl, secretKey), `the instance ${client.baseUrl}`);
    let journalFile = saved === undefined ? undefined : journalFileFor(values, saved);
    if (journalFile !== undefined)
      await lock(journalLockFile(resolve(io.cwd, journalFile)), `the journal ${journalFile}`);
    const prepared =
      saved === undefined
        ? await prepareFromManifest(load, values, io, opened)
        : await prepareSavedPlan({
            saved,
            values,
            io,
            client,
            secretKey,
            planOptions: planOptionsFrom(values),
            journalPath: resolve(io.cwd, journalFile as string),
            targets: targetsFrom(values),
          });
    const { plan, disclosure } = prepared;
    // A dry run sends nothing, so it is allowed against production too: it is how one reviews such a plan.
    refuse(
      io,
      prepared.refusals.filter((refusal) => refusal.code !== 'production_destructive'),
      disclosure,
    );
    // What every output shows; `plan` (real values) is what executes.
    const shown = publicPlan(withReviewWarnings(plan, { manifest: prepared.loaded?.warnings ?? [] }), disclosure);
    if (github && shown.warnings.length > 0) {
      io.stdout.write(planWarningAnnotations(shown.warnings, annotationOptions(io)));
    }
    const title = plan.source.kind === 'undo' ? { title: `Undo of ${printable(plan.source.journal)}:` } : {};
    io.stdout.write(
      await renderPlanText(presentPlan(shown), {
        color,
        ...title,
        ...(io.stdout.columns ? { columns: io.stdout.columns } : {}),
      }),
    );
    const run = { plan: shown, verified: false, interrupted: false };
    if (plan.operations.length === 0) return { ...run, status: 'no_changes' };
    if (dryRun) {
      io.stdout.write(await renderDryRun(plannedRequests(shown), { color }));
      io.stdout.write('\nDry run: no change was sent.\n');
      return { ...run, status: 'dry_run' };
    }
    const production = prepared.refusals.find((refusal) => refusal.code === 'production_destructive');
    if (production) {
      throw new PlanRefusedError(production.code, redactText(production.message, disclosure), {
        ...(production.hint === undefined ? {} : { hint: production.hint }),
      });
    }
    if (!(await confirmOrRefuse(io, booleanOption(values, 'auto-approve')))) {
      io.stdout.write('Apply cancelled. Nothing was changed.\n');
      return { ...run, status: 'cancelled' };
    }

    if (journalFile === undefined) {
      journalFile = journalFileFor(values, plan);
      await lock(journalLockFile(resolve(io.cwd, journalFile)), `the journal ${journalFile}`);
    }
    const planId = prepared.planId === undefined ? {} : { planId: prepared.planId };
    const journal = await createJournal(resolve(io.cwd, journalFile), plan, { ...planId, disclosure });
    // Shown titles, keyed by the executed operations' ids (publicPlan keeps the order).
    const shownTitles = operationTitles(shown);
    const titles = new Map(
      plan.operations.map((op, index) => [op.id, shownTitles.get(shown.operations[index]?.id ?? op.id) ?? op.id]),
    );
    const progress = await createApplyProgress({
      stream: io.stderr,
      color: shouldUseColor(io.stderr, io.env),
      total: plan.operations.length,
      titles,
    });
    opened.routeLog((line) => progress.log(line));
    const onInterrupt = (): void =>
      progress.log(
        'Interrupted: no new requests start; those in flight finish, then what was done is listed. Press Ctrl-C again to exit at once.',
      );
    io.signal.addEventListener('abort', onInterrupt, { once: true });
    let result: ApplyResult;
    try {
      result = await applyPlan(plan, {
        client,
        userKey: plan.settings.userKey,
        concurrency: Math.max(concurrency, 1),
        continueOnError: booleanOption(values, 'continue-on-error'),
        secrets: prepared.secrets,
        journal,
        onEvent: (event) =>
          progress.onEvent(
            event.type === 'operation' ? { ...event, outcome: redactOutcome(event.outcome, disclosure) } : event,
          ),
        signal: io.signal,
        ...(io.clock ? { runtime: io.clock } : {}),
        ...planId,
      });
    } finally {
      io.signal.removeEventListener('abort', onInterrupt);
      opened.routeLog(undefined);
      progress.finish();
      await journal.close();
    }
    const shownResult = { ...result, outcomes: result.outcomes.map((outcome) => redactOutcome(outcome, disclosure)) };
    io.stdout.write(await renderApplySummary(shownResult, { color, titles }));
    if (github) {
      await appendStepSummary(io.env, `${renderPlanMarkdown(shown)}\n**Apply:** ${summarize(result)}.\n`);
    }
    io.stderr.write(`Journal: ${journalFile} (undo with: clerk-sync undo ${journalFile})\n`);
    const executed = { ...run, status: 'applied' as const, result: shownResult, journal: journalFile };
    if (io.signal.aborted) return { ...executed, interrupted: true };
    if (result.failed > 0 || result.skipped > 0) return executed;
    if (prepared.loaded && !booleanOption(values, 'skip-verify')) {
      await verify({ loaded: prepared.loaded, targets: prepared.targets }, values, io, opened, disclosure, color);
      return { ...executed, verified: true };
    }
    return executed;
  } finally {
    for (const held of locks.reverse()) await held.release();
    await client.close();
  }
}

/** Reads the live state again and plans once more: anything left would show as perpetual drift. */
async function verify(
  { loaded, targets }: { loaded: LoadedManifest; targets: Target[] | undefined },
  values: OptionValues,
  io: CliIO,
  opened: OpenedClient,
  disclosure: Disclosure,
  color: boolean,
): Promise<void> {
  io.stderr.write('Verifying: reading the live state again ...\n');
  const after = await readLiveState(opened.client, loaded.desired, io, readOptionFrom(values));
  const second = planOrThrow(
    loaded.desired,
    after,
    {
      ...planOptionsFrom(values),
      allowMassDelete: true,
      allowMassChange: true,
      fingerprints: false,
      // An approved subset is verified as itself: what it left out is still planned, by design.
      ...(targets === undefined ? {} : { targets }),
    },
    io,
  );
  if (second.plan.operations.length > 0) {
    io.stdout.write(
      await renderPlanText(presentPlan(publicPlan(second.plan, disclosure)), {
        color,
        title: 'Still different after apply:',
      }),
    );
    throw new ClerkSyncError(
      'verify_failed',
      `verification failed: ${second.plan.operations.length} operation(s) still planned after apply`,
      {
        hint: 'The API normalised a value differently than the manifest states it (this would show as perpetual drift). Adjust the manifest to the value shown, or report it if it looks like a clerk-sync bug.',
      },
    );
  }
  io.stdout.write('Verified: the live state matches the manifest.\n');
}
