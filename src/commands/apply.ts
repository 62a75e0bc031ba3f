// clerk-sync apply: execute a plan, from a manifest (plan, show, confirm, execute, verify) or from a saved plan
// (refused when anything it touches changed since it was made). Plans go to stdout, progress to stderr.

import { join } from 'node:path';
import {
  type ApplyResult,
  applyPlan,
  createJournal,
  planFingerprint,
  plannedRequests,
  startedOperations,
} from '../apply/index.ts';
import { isProductionKey } from '../clerk/index.ts';
import { ApplyFailedError, ClerkSyncError, ConfigError, PlanRefusedError, UsageError } from '../errors.ts';
import { loadManifest } from '../manifest/index.ts';
import {
  type CreateUserOp,
  isDestructive,
  type Plan,
  parsePlan,
  presentPlan,
  renderPlanMarkdown,
} from '../plan/index.ts';
import type { DesiredState } from '../state/index.ts';
import {
  confirm,
  createApplyProgress,
  renderApplySummary,
  renderDryRun,
  renderPlanText,
  shouldUseColor,
} from '../ui/index.ts';
import { API_OPTIONS, API_OPTIONS_HELP, openClient } from './api-options.ts';
import {
  booleanOption,
  type CliIO,
  type CommandDefinition,
  type OptionValues,
  stringList,
  stringOption,
} from './command.ts';
import { readTextFile } from './files.ts';
import {
  annotateManifestErrors,
  annotationOptions,
  appendStepSummary,
  GITHUB_OPTIONS,
  GITHUB_OPTIONS_HELP,
  githubAnnotations,
  githubEnabled,
} from './github.ts';
import {
  formatPlanDiagnostics,
  loadManifestFromFlags,
  MANIFEST_OPTIONS,
  PLAN_OPTIONS,
  PLAN_OPTIONS_HELP,
  planOptionsFrom,
  planOrThrow,
  readLiveState,
} from './live-plan.ts';
import { findStaleObjects, formatStaleObjects } from './stale-check.ts';

export function operationTitles(plan: Plan): Map<string, string> {
  const titles = new Map<string, string>();
  for (const group of presentPlan(plan).groups) {
    for (const op of group.operations) titles.set(op.id, `${group.title}: ${op.title}`);
  }
  return titles;
}

type SecretResolver = (op: CreateUserOp) => string | undefined;

function secretsFromManifest(desired: DesiredState): SecretResolver {
  const byKey = new Map(desired.users.map((user) => [user.key, user.password?.value]));
  return (op) => (op.user.key === null ? undefined : byKey.get(op.user.key));
}

/** A saved plan carries only where each password comes from; read those variables now, before any request. */
function secretsFromEnvironment(plan: Plan, io: CliIO): SecretResolver {
  const missing: string[] = [];
  const values = new Map<string, string>();
  for (const op of plan.operations) {
    if (op.type !== 'create_user' || op.password === undefined) continue;
    if (op.password.kind === 'inline') {
      missing.push(`${op.user.key}: the password was written inline in the manifest`);
      continue;
    }
    const value = io.env[op.password.variable];
    if (value === undefined || value === '') missing.push(`${op.user.key}: $${op.password.variable} is not set`);
    else values.set(op.id, value);
  }
  if (missing.length > 0) {
    throw new ConfigError(
      `cannot apply the saved plan: passwords are missing for ${missing.length} user(s):\n  ${missing.join('\n  ')}`,
      {
        hint: 'Set the variables the manifest names (password: ${VAR}), or apply from the manifest with -f. A default written as ${VAR:-default} is not kept in the plan file: it is a password.',
      },
    );
  }
  return (op) => values.get(op.id);
}

/**
 * --journal, or `.clerk-sync/journal-<plan>.jsonl` named after the plan itself (manifest, live state and
 * operations): a re-run of the same saved plan finds its journal, and two different plans never share one (the
 * live fingerprint alone is the same for every empty instance).
 */
function journalFileFor(values: OptionValues, plan: Plan): string {
  return stringOption(values, 'journal') ?? join('.clerk-sync', `journal-${planFingerprint(plan).slice(0, 12)}.jsonl`);
}

function refuseUnlessAllowed(plan: Plan, secretKey: string, allowProduction: boolean): void {
  if (!isProductionKey(secretKey) || allowProduction) return;
  const destructive = plan.operations.filter(isDestructive);
  if (destructive.length === 0) return;
  throw new PlanRefusedError(
    'production_destructive',
    `refusing ${destructive.length} destructive operation(s) (${[...new Set(destructive.map((op) => op.type))].join(', ')}) against a production instance (sk_live_ key)`,
    { hint: 'Review the plan, then re-run with --allow-production.' },
  );
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
  });
}

function summarize(result: ApplyResult): string {
  return `${result.done} applied, ${result.unchanged} already in place, ${result.failed} failed, ${result.skipped} skipped`;
}

export const applyCommand: CommandDefinition = {
  name: 'apply',
  summary: 'execute a plan: from a manifest (-f) or a saved plan file',
  help: `Usage: clerk-sync apply (-f FILE... | PLAN) [--dry-run] [--auto-approve] [--continue-on-error] [--journal FILE]

From a manifest: plans, shows the plan, asks for "yes", applies, then plans again to verify nothing is left.
From a saved plan (clerk-sync plan --out PLAN): re-reads every object the plan touches and refuses if any changed
since the plan was made (nothing is sent); passwords are read from the variables the manifest named.

Options:
  -f, --file FILE         manifest file or directory (repeatable)
  --dry-run               show the plan and the exact requests it would send; send no change
  --auto-approve          do not ask for confirmation (required when not in a terminal)
  --continue-on-error     keep applying independent operations after a failure
  --journal FILE          append-only journal of the run (default .clerk-sync/journal-<plan>.jsonl);
                          \`clerk-sync undo FILE\` builds a plan that restores what it touched
  --allow-production      allow destructive operations with an sk_live_ key
  --skip-verify           do not re-read and re-plan after applying
${GITHUB_OPTIONS_HELP}
${PLAN_OPTIONS_HELP}
${API_OPTIONS_HELP}

Exit codes: 0 everything applied (or nothing to do, or dry run), 1 anything failed or was refused.`,
  options: {
    ...MANIFEST_OPTIONS,
    ...PLAN_OPTIONS,
    ...API_OPTIONS,
    'dry-run': { type: 'boolean' },
    'auto-approve': { type: 'boolean' },
    'continue-on-error': { type: 'boolean' },
    journal: { type: 'string' },
    'allow-production': { type: 'boolean' },
    'skip-verify': { type: 'boolean' },
    ...GITHUB_OPTIONS,
  },
  allowPositionals: true,
  async run({ values, positionals }, io) {
    const files = stringList(values, 'file');
    if (positionals.length > 1) throw new UsageError(`apply takes at most one saved plan, got ${positionals.length}`);
    const planFile = positionals[0];
    if ((planFile === undefined) === (files.length === 0)) {
      throw new UsageError('apply needs either -f FILE (a manifest) or PLAN (a saved plan), not both or neither');
    }
    const planOptions = planOptionsFrom(values);
    const color = shouldUseColor(io.stdout, io.env);
    const github = githubEnabled(values, io.env);
    const loaded =
      planFile === undefined
        ? await annotateManifestErrors({
            enabled: github,
            io,
            out: io.stdout,
            load: () => loadManifestFromFlags(values, io, 'apply'),
            reload: async () => (await loadManifest(files, { env: io.env, cwd: io.cwd })).diagnostics,
          })
        : undefined;
    if (github && loaded && loaded.warnings.length > 0) {
      io.stdout.write(githubAnnotations(loaded.warnings, annotationOptions(io)));
    }
    const { client, secretKey, concurrency } = openClient(values, io);
    try {
      let plan: Plan;
      let secrets: SecretResolver;
      if (loaded) {
        const live = await readLiveState(client, loaded.desired, io);
        const result = planOrThrow(loaded.desired, live, planOptions, io);
        if (result.refusals.length > 0) {
          io.stderr.write(formatPlanDiagnostics(result.refusals, 'error'));
          throw new PlanRefusedError(
            result.refusals[0]?.code ?? 'plan_refused',
            'the plan was refused by a safety rule (listed above); nothing was changed',
            {
              hint: result.refusals[0]?.hint ?? 'See the flags named above.',
            },
          );
        }
        plan = result.plan;
        secrets = secretsFromManifest(loaded.desired);
      } else {
        plan = parsePlan(await readTextFile(io.cwd, planFile as string, 'saved plan'));
        io.stderr.write(
          `Checking that the ${Object.keys(plan.liveVersions.users).length + Object.keys(plan.liveVersions.organizations).length + Object.keys(plan.liveVersions.memberships).length} objects the plan read are unchanged ...\n`,
        );
        // Operations an interrupted apply of this same plan began: the objects they act on changed by our hand.
        const started = await startedOperations(join(io.cwd, journalFileFor(values, plan)), plan);
        if (started.size > 0) {
          io.stderr.write(`Resuming: the journal shows ${started.size} operation(s) of this plan already started.\n`);
        }
        const stale = await findStaleObjects(client, plan, started);
        if (stale.length > 0) {
          io.stderr.write(formatStaleObjects(stale));
          throw new PlanRefusedError(
            'stale_plan',
            `the saved plan is stale: ${stale.length} object(s) changed since it was made; nothing was sent`,
            {
              meta: { objects: stale.map((object) => object.id) },
              hint: 'Run `clerk-sync plan --out PLAN` again, review it, and apply the new plan.',
            },
          );
        }
        secrets = secretsFromEnvironment(plan, io);
      }

      io.stdout.write(
        await renderPlanText(presentPlan(plan), {
          color,
          ...(io.stdout.columns ? { columns: io.stdout.columns } : {}),
        }),
      );
      if (plan.operations.length === 0) return 0;
      // A dry run sends nothing, so it is allowed against production too: it is how one reviews such a plan.
      if (booleanOption(values, 'dry-run')) {
        io.stdout.write(await renderDryRun(plannedRequests(plan), { color }));
        io.stdout.write('\nDry run: no change was sent.\n');
        return 0;
      }
      refuseUnlessAllowed(plan, secretKey, booleanOption(values, 'allow-production'));
      if (!(await confirmOrRefuse(io, booleanOption(values, 'auto-approve')))) {
        io.stdout.write('Apply cancelled. Nothing was changed.\n');
        return 1;
      }

      const journalFile = journalFileFor(values, plan);
      const journal = await createJournal(join(io.cwd, journalFile), plan);
      const titles = operationTitles(plan);
      const progress = await createApplyProgress({
        stream: io.stderr,
        color: shouldUseColor(io.stderr, io.env),
        total: plan.operations.length,
        titles,
      });
      let result: ApplyResult;
      try {
        result = await applyPlan(plan, {
          client,
          userKey: plan.settings.userKey,
          concurrency: Math.max(concurrency, 1),
          continueOnError: booleanOption(values, 'continue-on-error'),
          secrets,
          journal,
          onEvent: (event) => progress.onEvent(event),
          signal: io.signal,
        });
      } finally {
        progress.finish();
        await journal.close();
      }
      io.stdout.write(await renderApplySummary(result, { color, titles }));
      if (github) {
        await appendStepSummary(io.env, `${renderPlanMarkdown(plan)}\n**Apply:** ${summarize(result)}.\n`);
      }
      io.stderr.write(`Journal: ${journalFile} (undo with: clerk-sync undo ${journalFile})\n`);
      if (io.signal.aborted) {
        throw new ApplyFailedError(`apply interrupted: ${summarize(result)}`, {
          hint: 'Run the same apply again: it re-reads the live state and continues where it stopped, without duplicates.',
        });
      }
      if (result.failed > 0 || result.skipped > 0) {
        throw new ApplyFailedError(`apply finished with failures: ${summarize(result)}`, {
          hint: 'Fix the causes listed above and run apply again; what succeeded is not repeated.',
        });
      }

      if (loaded && !booleanOption(values, 'skip-verify')) {
        io.stderr.write('Verifying: reading the live state again ...\n');
        const after = await readLiveState(client, loaded.desired, io);
        const second = planOrThrow(
          loaded.desired,
          after,
          { ...planOptions, allowMassDelete: true, allowMassChange: true },
          io,
        );
        if (second.plan.operations.length > 0) {
          io.stdout.write(
            await renderPlanText(presentPlan(second.plan), { color, title: 'Still different after apply:' }),
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
      return 0;
    } finally {
      await client.close();
    }
  },
};
