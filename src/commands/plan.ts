// clerk-sync plan: read the manifest and the live instance, print the ordered plan (text, JSON or Markdown),
// optionally save it for a later `apply PLAN`. Never changes anything.

import type { ClerkClient } from '../clerk/index.ts';
import { ClerkSyncError } from '../errors.ts';
import type { DesiredState } from '../model/index.ts';
import {
  type Disclosure,
  type Plan,
  type PlanOptions,
  presentPlan,
  publicPlan,
  redactText,
  renderPlanMarkdown,
  serializePlan,
  withReviewWarnings,
} from '../plan/index.ts';
import type { FetchedLiveSnapshot } from '../state/index.ts';
import { renderPlanText, shouldUseColor } from '../ui/index.ts';
import { plural } from '../util/plural.ts';
import { API_OPTIONS, API_OPTIONS_HELP } from './api-options.ts';
import {
  booleanOption,
  type CliIO,
  type CommandDefinition,
  formatOption,
  type OptionValues,
  stringOption,
} from './command.ts';
import { ENVIRONMENT_OPTIONS, ENVIRONMENT_OPTIONS_HELP } from './environment-options.ts';
import { writeFileAtomic } from './files.ts';
import {
  annotationOptions,
  annotationStream,
  appendStepSummary,
  GITHUB_OPTIONS,
  GITHUB_OPTIONS_HELP,
  githubEnabled,
  planWarningAnnotations,
} from './github.ts';
import {
  disclosureFrom,
  formatPlanDiagnostics,
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
  REPORT_FORMATS,
} from './live-plan.ts';
import { policyExitCode } from './policy-gate.ts';
import { formatRehearsal } from './rehearse.ts';
import { TARGET_OPTION, TARGET_OPTION_HELP, targetsFrom } from './target-option.ts';

export const planCommand: CommandDefinition = {
  name: 'plan',
  summary: 'show what apply would change (read-only)',
  help: `Usage: clerk-sync plan -f FILE... [--format text|json|markdown] [--out PLAN] [--detailed-exitcode] [--rehearse] [--read MODE] [--target T]... [--github]

Reads the manifest and the live instance and prints the ordered plan: + create, ~ change, - delete.
Nothing is changed.

Options:
  -f, --file FILE       manifest file or directory of *.yaml (repeatable)
  --format FORMAT       text (default), json (the versioned plan, see docs/json-plan.md) or markdown (PR comment)
  --out PLAN            also save the JSON plan to PLAN for \`clerk-sync apply PLAN\` (no secrets in it)
  --detailed-exitcode   exit 2 when the plan has changes (for CI drift gates)
  --rehearse            also apply the plan to an in-process emulated copy of the live state, then plan again
                        there: reports operations Clerk would refuse and whether the result converges
                        (exit 1, code rehearsal_failed, if not; the plan is then not saved). Nothing is sent
                        to the instance beyond the reads
${READ_OPTION_HELP}
${TARGET_OPTION_HELP}
${GITHUB_OPTIONS_HELP}
${PLAN_OPTIONS_HELP}
${ENVIRONMENT_OPTIONS_HELP}
${API_OPTIONS_HELP}

Exit codes: 0 success (no changes, or changes without --detailed-exitcode), 1 error (or a failed rehearsal, or
a plan that breaks settings.policies: policy_* codes, after the plan is shown), 2 changes with --detailed-exitcode.`,
  options: {
    ...MANIFEST_OPTIONS,
    ...PLAN_OPTIONS,
    ...READ_OPTION,
    ...TARGET_OPTION,
    ...API_OPTIONS,
    ...ENVIRONMENT_OPTIONS,
    ...GITHUB_OPTIONS,
    format: { type: 'string' },
    out: { type: 'string' },
    'detailed-exitcode': { type: 'boolean' },
    rehearse: { type: 'boolean' },
  },
  allowPositionals: false,
  async run({ values }, io) {
    const format = formatOption(values, REPORT_FORMATS, 'text');
    const github = githubEnabled(values, io.env);
    const annotations = annotationStream(io, format !== 'text');
    const load: ManifestLoad = (hooks) =>
      loadManifestAnnotated(values, io, 'plan', { enabled: github, out: annotations }, hooks);
    const { client } = await openClientBeforeManifest(values, io, load);
    try {
      const out = stringOption(values, 'out');
      // Only a plan that is saved or printed as JSON shows its fingerprints.
      const fingerprints = format === 'json' || out !== undefined;
      const { plan, desired, live, disclosure, planOptions } = await publicPlanOf(
        { values, io, client, load },
        fingerprints,
      );
      if (format === 'json') {
        io.stdout.write(serializePlan(plan));
      } else if (format === 'markdown') {
        io.stdout.write(renderPlanMarkdown(plan));
      } else {
        const color = shouldUseColor(io.stdout, io.env);
        io.stdout.write(
          await renderPlanText(presentPlan(plan), {
            color,
            ...(io.stdout.columns ? { columns: io.stdout.columns } : {}),
          }),
        );
      }
      const refusals = plan.warnings.filter((warning) => warning.severity === 'refusal');
      // The text plan shows them itself; a JSON or Markdown document on stdout is often redirected to a file.
      if (format !== 'text' && refusals.length > 0) {
        io.stderr.write(formatPlanDiagnostics(refusals, 'warning'));
        io.stderr.write('apply will refuse this plan unless the flags named above are given.\n');
      }
      // After the manifest could be read, planned and redacted: annotations show what every other output shows.
      if (github && plan.warnings.length > 0) {
        annotations.write(planWarningAnnotations(plan.warnings, annotationOptions(io)));
      }
      if (booleanOption(values, 'rehearse') && plan.operations.length === 0) {
        io.stderr.write('Rehearsal skipped: the plan has no changes.\n');
      } else if (booleanOption(values, 'rehearse')) {
        io.stderr.write(
          `Rehearsing on an emulated copy of the ${plural(live.users.length, 'user')}, ${plural(live.organizations.length, 'organization')} and ${plural(live.memberships.length, 'membership')} read ...\n`,
        );
        // Loaded only here: the rehearsal brings the emulator (about 50 modules) that a plain plan never uses.
        const { rehearsalPassed, rehearsePlan } = await import('../apply/rehearse.ts');
        const report = await rehearsePlan({ desired, live, planOptions, signal: io.signal });
        io.stderr.write(redactText(formatRehearsal(report), disclosure));
        if (!rehearsalPassed(report)) {
          throw new ClerkSyncError('rehearsal_failed', 'the rehearsal on an emulated copy failed (details above)', {
            meta: { refused: report.refused.map((item) => item.id), remaining: report.remaining.length },
            hint: 'Fix what was refused (or what is still planned) in the manifest and plan again. Nothing was changed, and the plan was not saved.',
          });
        }
      }
      if (out !== undefined) {
        const written = await writeFileAtomic(io.cwd, out, serializePlan(plan));
        io.stderr.write(`Saved the plan to ${written}. Apply it with: clerk-sync apply ${out}\n`);
      }
      if (github) await appendStepSummary(io.env, renderPlanMarkdown(plan));
      const hasChanges = plan.operations.length > 0;
      return policyExitCode(plan, io) ?? (hasChanges && booleanOption(values, 'detailed-exitcode') ? 2 : 0);
    } finally {
      await client.close();
    }
  },
};

/** What the plan stage gives: the plan as every output shows it, and what it was made from. */
export interface PlannedState {
  plan: Plan;
  desired: DesiredState;
  live: FetchedLiveSnapshot;
  disclosure: Disclosure;
  planOptions: PlanOptions;
}

/**
 * The plan `plan` prints and the library API (src/index.ts) returns: the manifest and the live state read together,
 * planned (--target, safety flags), with every review warning, as the command line allows it to be shown.
 */
export async function publicPlanOf(
  stage: { values: OptionValues; io: CliIO; client: ClerkClient; load: ManifestLoad },
  fingerprints: boolean,
): Promise<PlannedState> {
  const { values, io } = stage;
  const targets = targetsFrom(values);
  const planOptions = { ...planOptionsFrom(values), ...(targets === undefined ? {} : { targets }) };
  const {
    loaded: { desired, warnings },
    live,
  } = await loadManifestAndLive(stage);
  const { plan: computed } = planOrThrow(desired, live, { ...planOptions, fingerprints }, io);
  // Reviewers see every refusal and warning in every output (stdout, --out, annotations, the step summary), and
  // the plan as they may see it: publicPlan redacts what the command line does not allow to be shown.
  const reviewed = withReviewWarnings(computed, { manifest: warnings, liveRead: live.readWarnings });
  const disclosure = disclosureFrom(values, desired);
  return { plan: publicPlan(reviewed, disclosure), desired, live, disclosure, planOptions };
}
