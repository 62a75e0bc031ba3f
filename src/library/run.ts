// plan() and apply(): the command stages (src/commands/plan.ts publicPlanOf, src/commands/apply.ts runApply) run
// with the library's inputs. Nothing is printed: results are returned, failures thrown as ClerkSyncError.

import { openClient } from '../commands/api-options.ts';
import { runApply } from '../commands/apply.ts';
import { loadManifestFromFlags, type ManifestLoad } from '../commands/live-plan.ts';
import { publicPlanOf } from '../commands/plan.ts';
import { ClerkSyncError, InternalError, UsageError } from '../errors.ts';
import { type Plan, serializePlan } from '../plan/index.ts';
import { parsePlan } from '../plan/read-plan.ts';
import { type ResolvedInputs, resolveInputs, withEnvironment } from './inputs.ts';
import type { ApplyOptions, ApplyOutcome, ApplySource, PlanInput } from './types.ts';

/**
 * The error as thrown, with what the CLI would have printed (diagnostics with file:line:col, the hint's context) in
 * `meta.log`: the messages refer to it ("listed above").
 */
function withLog(error: unknown, inputs: ResolvedInputs): unknown {
  if (!(error instanceof ClerkSyncError)) return error;
  return new ClerkSyncError(error.code, error.message, {
    meta: { ...error.meta, log: inputs.log() },
    ...(error.hint === undefined ? {} : { hint: error.hint }),
    cause: error,
  });
}

async function logged<T>(inputs: ResolvedInputs, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw withLog(error, inputs);
  }
}

/** The versioned JSON plan of `files` against the instance: the object `clerk-sync plan --format json` prints. */
export async function plan(input: PlanInput): Promise<Plan> {
  const files = input?.files ?? [];
  if (!Array.isArray(files) || (files.length === 0 && input?.env === undefined)) {
    throw new UsageError('plan() needs `files` (the manifest files or directories) or `env` (a project environment)');
  }
  const given = resolveInputs(input, files);
  return logged(given, async () => {
    const { values, io } = await withEnvironment(given, input);
    const { client } = openClient(values, io);
    try {
      const load: ManifestLoad = (hooks) => loadManifestFromFlags(values, io, 'plan', hooks);
      return (await publicPlanOf({ values, io, client, load }, true)).plan;
    } finally {
      await client.close();
    }
  });
}

/**
 * Applies a manifest, or a plan `plan()` returned (computed again from its recorded inputs and refused if it no longer
 * matches, as `clerk-sync apply PLAN`), then verifies. Operations that fail are listed in the outcome.
 */
export async function apply(source: ApplySource, options: ApplyOptions): Promise<ApplyOutcome> {
  const given = 'plan' in source ? source.plan : undefined;
  const files = source.files ?? [];
  if (given === undefined && files.length === 0 && options.env === undefined) {
    throw new UsageError('apply() needs `files` (a manifest), `plan` (what plan() returned) or `env`');
  }
  const inputs = await withEnvironment(resolveInputs(options, files), options);
  return logged(inputs, async () => {
    // The same checks a plan file gets (shape, ids, dependencies): a plan object may have been read from anywhere.
    const saved = given === undefined ? undefined : parsePlan(serializePlan(given));
    const run = await runApply(
      { values: inputs.values, positionals: [], ...(saved === undefined ? {} : { saved }) },
      inputs.io,
    );
    // Only a terminal's "no" cancels, and the library has none: without autoApprove, apply refuses instead.
    if (run.status === 'cancelled') throw new InternalError('apply was cancelled without a terminal to ask');
    const result = run.result;
    return {
      status: run.status,
      plan: run.plan,
      done: result?.done ?? 0,
      unchanged: result?.unchanged ?? 0,
      failed: result?.failed ?? 0,
      skipped: result?.skipped ?? 0,
      operations: result?.outcomes ?? [],
      journal: run.journal ?? null,
      verified: run.verified,
      interrupted: run.interrupted,
    };
  });
}
