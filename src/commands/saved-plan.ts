// `apply PLAN`: a saved plan is not a trusted program. The plan is computed again from its own recorded inputs (the
// manifest files it names and the live state now, or the journal an undo plan restores from); every operation in
// the file must be one of those, and apply executes the recomputed operations, never the file's. The guards
// (src/plan/guards.ts) are decided from the recomputed operations, what is live now and this command line.

import { isAbsolute, normalize, resolve } from 'node:path';
import {
  checkedUndoPlan,
  type JournalEntry,
  planFingerprint,
  readJournal,
  readUndoLive,
  type SecretResolver,
  startedOperations,
} from '../apply/index.ts';
import { type ClerkClient, isProductionKey } from '../clerk/index.ts';
import { ClerkSyncError, PlanError, PlanRefusedError, UsageError } from '../errors.ts';
import type { DesiredState } from '../model/index.ts';
import {
  closeTargets,
  type Disclosure,
  fingerprintDesired,
  formatStaleObjects,
  formatTarget,
  guardRefusals,
  missingDependencyErrors,
  NOTHING_TO_HIDE,
  type Operation,
  PLAN_FORMAT_VERSION,
  type Plan,
  type PlanDiagnostic,
  type PlanOptions,
  parseTarget,
  type SavedPlan,
  type StaleObject,
  selectTargets,
  staleInSnapshot,
  summarize,
  type Target,
  targetOf,
  thresholdsOf,
  unversioned,
} from '../plan/index.ts';
import {
  compareOperations,
  formatMismatches,
  type OperationMismatch,
  type Recomputed,
  recomputedOf,
  withoutPosition,
  withoutPositions,
} from '../plan/reproduce.ts';
import { findStaleObjects, notGone, userCount, usersToDelete } from '../state/index.ts';
import type { CliIO, OptionValues } from './command.ts';
import { stringList } from './command.ts';
import {
  disclosureFrom,
  formatPlanDiagnostics,
  type LoadedManifest,
  loadManifestFromFlags,
  planOrThrow,
  readLiveState,
} from './live-plan.ts';

/** What apply executes and how it shows it. */
export interface PreparedApply {
  /** The plan to execute: computed by this run, with real values. */
  plan: Plan;
  /** The manifest it was computed from (absent for an undo plan): the verify step plans it again. */
  loaded?: LoadedManifest;
  /** What renderings may show (publicPlan). */
  disclosure: Disclosure;
  secrets: SecretResolver;
  /** Every guard's refusal for executing `plan` now. */
  refusals: PlanDiagnostic[];
  /** The plan's identity in its journal: the saved file's, so a resumed run finds what earlier runs did. */
  planId?: string;
  /** The approved subset executed (--target, or the saved plan's): the verify step plans only it again. */
  targets?: Target[];
}

export interface SavedPlanContext {
  saved: SavedPlan;
  values: OptionValues;
  io: CliIO;
  client: ClerkClient;
  secretKey: string;
  planOptions: PlanOptions;
  /** Absolute path of this saved plan's journal: what an interrupted apply of it already started. */
  journalPath: string;
  /** apply PLAN --target: a subset of the saved plan's operations. */
  targets?: Target[] | undefined;
}

export function secretsFromManifest(desired: DesiredState): SecretResolver {
  const byKey = new Map(desired.users.map((user) => [user.key, user.password?.value]));
  return (op) => (op.user.key === null ? undefined : byKey.get(op.user.key));
}

/** An id read from a file, safe on one line of a log (a CI runner reads workflow commands from output lines). */
export function printable(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?');
}

function refuseMismatches(io: CliIO, mismatches: OperationMismatch[], stale: StaleObject[], where: string): void {
  const listed = mismatches.map((mismatch) => ({ ...mismatch, id: printable(mismatch.id) }));
  if (stale.length > 0) {
    io.stderr.write(
      formatStaleObjects(
        stale.map((object) => ({
          ...object,
          id: printable(object.id),
          ...(object.label === undefined ? {} : { label: printable(object.label) }),
        })),
      ),
    );
    io.stderr.write(formatMismatches(listed));
    throw new PlanRefusedError(
      'stale_plan',
      `the saved plan is stale: ${stale.length} object(s) changed since it was made; nothing was sent`,
      {
        meta: { objects: stale.map((object) => printable(object.id)) },
        hint: 'Run `clerk-sync plan --out PLAN` again, review it, and apply the new plan.',
      },
    );
  }
  if (listed.length === 0) return;
  io.stderr.write(formatMismatches(listed));
  const foreign = listed.filter((mismatch) => mismatch.kind !== 'missing');
  if (foreign.length > 0) {
    throw new PlanRefusedError(
      'plan_not_reproducible',
      `the saved plan holds ${foreign.length} operation(s) that ${where} do not give now (listed above): it was edited, or the instance changed since; nothing was sent`,
      {
        meta: { operations: foreign.map((mismatch) => mismatch.id) },
        hint: 'Apply only plan files written by `clerk-sync plan --out` (or `undo --out`), unedited, against the instance they were made for. Make the plan again, review it, and apply that.',
      },
    );
  }
  throw new PlanRefusedError(
    'stale_plan',
    `the saved plan is stale: ${listed.length} operation(s) are needed now that it does not hold; nothing was sent`,
    {
      meta: { operations: listed.map((mismatch) => mismatch.id) },
      hint: 'Run `clerk-sync plan --out PLAN` again, review it, and apply the new plan.',
    },
  );
}

async function resumed(context: SavedPlanContext): Promise<ReadonlySet<string>> {
  const started = await startedOperations(context.journalPath, context.saved);
  if (started.size > 0) {
    context.io.stderr.write(`Resuming: the journal shows ${started.size} operation(s) of this plan already started.\n`);
  }
  return started;
}

// ---- a manifest's plan ----

/**
 * The file names which files apply reads (and whose lines a manifest error would quote): on its word, only
 * *.yaml / *.yml files under the working directory.
 */
function refuseUnsafeFiles(files: readonly string[]): void {
  const unsafe = files.filter(
    (file) => isAbsolute(file) || normalize(file).split(/[\\/]/)[0] === '..' || !/\.ya?ml$/i.test(file),
  );
  if (unsafe.length === 0) return;
  throw new PlanRefusedError(
    'plan_source_refused',
    `the saved plan names manifest files apply does not read on a plan file's word: ${unsafe.map(printable).join(', ')} (only *.yaml and *.yml files under the working directory)`,
    { hint: 'Pass the manifest the plan was made from with -f FILE.' },
  );
}

async function fromManifest(context: SavedPlanContext, files: readonly string[]): Promise<PreparedApply> {
  const { saved, values, io, client } = context;
  const given = stringList(values, 'file');
  if (given.length === 0) refuseUnsafeFiles(files);
  const manifest = given.length > 0 ? given : files;
  if (manifest.length === 0) {
    throw new UsageError('the saved plan names no manifest file to plan again from', {
      hint: 'Pass the manifest it was made from with -f FILE.',
    });
  }
  io.stderr.write(
    `Planning again from the manifest the saved plan was made from (${manifest.map(printable).join(', ')}) ...\n`,
  );
  const loaded = await loadManifestFromFlags({ ...values, file: [...manifest] }, io, 'apply');
  const { desired } = loaded;
  if (fingerprintDesired(desired) !== saved.fingerprints.manifest) {
    throw new PlanRefusedError(
      'plan_manifest_changed',
      `the manifest (${manifest.map(printable).join(', ')}) is not the one the saved plan was made from; nothing was sent`,
      {
        meta: { files: [...manifest] },
        hint: 'The manifest files, or the environment values they read, changed since `clerk-sync plan --out`. Make the plan again from the manifest as it is now, review it, and apply that.',
      },
    );
  }
  const targets = context.targets === undefined ? savedTargets(saved) : targetsInPlan(saved, context.targets);
  // The way the plan read (absent: a file from before targeted reads, which read every user).
  const live = await readLiveState(client, desired, io, saved.read?.strategy ?? 'full');
  const result = planOrThrow(
    desired,
    live,
    // The saved plan's fingerprints name the run (planId); the re-plan's are never read.
    {
      ...context.planOptions,
      productionKey: isProductionKey(context.secretKey),
      fingerprints: false,
      ...(targets === undefined ? {} : { targets }),
    },
    io,
  );
  const disclosure = disclosureFrom(values, desired);
  const started = await resumed(context);
  const subset = savedSubset(context, started);
  const recomputed = recomputedOf(result.plan, disclosure);
  // Moved files keep their content (the fingerprint says so) but not their names in the operations' positions.
  const moved = given.length > 0 && given.join('\n') !== files.join('\n');
  const comparable = moved ? withoutPositions(recomputed) : recomputed;
  const savedOps = moved ? subset.operations.map(withoutPosition) : subset.operations;
  const { mismatches } = compareOperations(savedOps, comparable, started);
  if (targets !== undefined) refuseMissingDependencies(mismatches, recomputed, targets);
  const stale = staleInSnapshot(saved, live, desired.settings.userKey, started);
  refuseMismatches(io, mismatches, stale, 'the manifest and the live state');
  return {
    plan: result.plan,
    loaded,
    disclosure,
    secrets: secretsFromManifest(desired),
    refusals: result.refusals,
    planId: planFingerprint(saved),
    ...(targets === undefined ? {} : { targets }),
  };
}

// ---- an approved subset (--target) ----

/** The saved plan's targets, as the file records them (checked: the schema only says they are strings). */
function savedTargets(saved: SavedPlan): Target[] | undefined {
  return saved.target?.targets.map((text) => {
    const target = parseTarget(text);
    if (target === undefined) {
      throw new PlanError(
        `not a valid clerk-sync plan: target ${JSON.stringify(printable(text))} is not user:KEY or org:SLUG`,
        {
          hint: 'Use a file written by `clerk-sync plan --out`, unmodified.',
        },
      );
    }
    return target;
  });
}

/** apply PLAN --target: each target must have operations in the saved plan (a subset of what was approved). */
function targetsInPlan(saved: SavedPlan, targets: Target[]): Target[] {
  const inPlan = new Set(saved.operations.map((op) => formatTarget(targetOf(op))));
  const unknown = targets.filter((target) => !inPlan.has(formatTarget(target)));
  const [first] = unknown;
  if (first === undefined) return targets;
  const close = closeTargets(first, inPlan);
  throw new PlanRefusedError(
    'unknown_target',
    `the saved plan holds no operation on ${unknown.map((target) => printable(formatTarget(target))).join(', ')}; nothing was sent`,
    {
      meta: { targets: unknown.map(formatTarget) },
      hint:
        close.length > 0
          ? `Did you mean ${close.map(printable).join(', ')}? apply PLAN --target selects operations the saved plan holds.`
          : 'apply PLAN --target selects operations the saved plan holds: plan again with --target and apply that.',
    },
  );
}

/**
 * The saved operations this run may execute: with apply --target, the targets' operations in the file and what
 * they depend on there; else the whole file (already a subset when it was planned with --target).
 */
function savedSubset(context: SavedPlanContext, started: ReadonlySet<string>): { operations: readonly Operation[] } {
  const { saved } = context;
  if (context.targets === undefined) return { operations: saved.operations };
  const selection = selectTargets(saved.operations, context.targets, started);
  if (selection.missing.length > 0) {
    context.io.stderr.write(formatPlanDiagnostics(missingDependencyErrors(selection.missing), 'error'));
    throw new PlanRefusedError(
      'target_dependency_missing',
      'the targets depend on operations the saved plan does not hold; nothing was sent',
      { hint: 'Plan again with the targets and apply that plan.' },
    );
  }
  return { operations: selection.selected };
}

/**
 * An operation the targets need now (a dependency, not a target's own) that the approved plan lacks: the
 * organization a membership needs is no longer live, say. Refused as a whole: never a part of the subset.
 */
function refuseMissingDependencies(
  mismatches: readonly OperationMismatch[],
  recomputed: readonly Recomputed[],
  targets: readonly Target[],
): void {
  const shown = new Map(recomputed.map(({ op, views }) => [(views[0] ?? op).id, op]));
  const named = new Set(targets.map(formatTarget));
  const needed = mismatches.flatMap((mismatch) => {
    const op = mismatch.kind === 'missing' ? shown.get(mismatch.id) : undefined;
    return op === undefined || named.has(formatTarget(targetOf(op))) ? [] : [printable(mismatch.id)];
  });
  if (needed.length === 0) return;
  throw new PlanRefusedError(
    'target_dependency_missing',
    `the targets now need ${needed.length} operation(s) the saved plan does not hold (${needed.join(', ')}): nothing of the subset was sent`,
    {
      meta: { operations: needed },
      hint: 'What a target depends on changed since the plan was made (an organization it needs is no longer live). Plan again, review it, and apply that.',
    },
  );
}

// ---- an undo plan ----

function userKeyOf(entries: readonly JournalEntry[]): Plan['settings']['userKey'] {
  for (const entry of entries) if (entry.kind === 'header') return entry.userKey;
  throw new ClerkSyncError(
    'journal_invalid',
    'the journal has no header line: it was not written by clerk-sync apply',
    {
      hint: 'Pass the journal file `clerk-sync apply` printed at the end of its run.',
    },
  );
}

async function fromUndo(context: SavedPlanContext, journal: string): Promise<PreparedApply> {
  const { saved, io, client } = context;
  io.stderr.write(`Building the undo of ${printable(journal)} again from the journal ...\n`);
  const entries = await readJournal(resolve(io.cwd, journal));
  const userKey = userKeyOf(entries);
  // The same checks the undo command ran (last identification, last admin, roles...), against the state now.
  const checked = checkedUndoPlan(entries, await readUndoLive(client, entries, { signal: io.signal }), {
    journal,
    planOptions: context.planOptions,
  });
  if (checked.errors.length > 0) {
    io.stderr.write(formatPlanDiagnostics(checked.errors, 'error'));
    throw new PlanError(
      `the undo plan cannot be applied safely now: ${checked.errors.length} error(s) (listed above); nothing was sent`,
      {
        meta: { codes: [...new Set(checked.errors.map((error) => error.code))] },
        hint: 'Each error names the journal line of the change it would reverse. Fix the live data as the hint says, run undo again and apply the new plan.',
      },
    );
  }
  const derived = checked.plan.operations;
  const skeleton: Plan = {
    formatVersion: PLAN_FORMAT_VERSION,
    source: { kind: 'undo', journal },
    instance: { apiUrl: client.baseUrl, environment: saved.instance.environment },
    fingerprints: saved.fingerprints,
    // replace: the restoring metadata operations carry whole before-images. prune: the plan is not a manifest's.
    settings: { userKey, metadataMode: 'replace', prune: false },
    operations: derived,
    summary: summarize(derived),
    liveVersions: saved.liveVersions,
    warnings: [],
  };
  const started = await resumed(context);
  const recomputed = recomputedOf(skeleton, NOTHING_TO_HIDE);
  const { mismatches, matched, missing } = compareOperations(saved.operations, recomputed, started);
  // The undo command leaves out what restores an object deleted since; any other omission is refused.
  const stillThere = await notGone(client, missing);
  const shownIds = new Map(recomputed.map(({ op, views }) => [op, (views[0] ?? op).id]));
  const refusedMissing = new Set(stillThere.map((op) => shownIds.get(op)));
  const refused = mismatches.filter((mismatch) => mismatch.kind !== 'missing' || refusedMissing.has(mismatch.id));
  const executedIds = new Set(matched.map((op) => op.id));
  const executed = matched.map((op) => ({ ...op, dependsOn: op.dependsOn.filter((id) => executedIds.has(id)) }));
  const unread = unversioned(
    saved,
    executed.filter((op) => !started.has(op.id)),
  );
  refused.push(...unread.map((id) => ({ id, kind: 'differs' as const })));
  const stale =
    refused.length > 0 ? [] : await findStaleObjects(client, { ...skeleton, operations: executed }, started);
  refuseMismatches(io, refused, stale, 'the journal');

  const facts = await usersToDelete(client, executed);
  const refusals = guardRefusals(
    executed,
    {
      userCount: await userCount(client),
      user: (id) => facts.get(id),
      productionKey: isProductionKey(context.secretKey),
      declared: null,
    },
    thresholdsOf(context.planOptions),
  );
  const plan: Plan = {
    ...skeleton,
    operations: executed,
    summary: summarize(executed),
    warnings: refusals.map((refusal) => ({ ...refusal, severity: 'refusal' as const })),
  };
  // Undo never creates users, so no password is ever needed.
  return { plan, disclosure: NOTHING_TO_HIDE, secrets: () => undefined, refusals, planId: planFingerprint(saved) };
}

/** Recomputes a saved plan from its recorded inputs, refusing anything the file holds that they do not give. */
export async function prepareSavedPlan(context: SavedPlanContext): Promise<PreparedApply> {
  const { source } = context.saved;
  switch (source.kind) {
    case 'manifest':
      return fromManifest(context, source.files);
    case 'undo':
      if (context.targets !== undefined || context.saved.target !== undefined) {
        throw new UsageError("--target selects from a manifest's plan; an undo plan is applied whole");
      }
      if (stringList(context.values, 'file').length > 0) {
        throw new UsageError('an undo plan is made from a journal, not a manifest: drop -f');
      }
      return fromUndo(context, source.journal);
    default: {
      const unreachable: never = source;
      return unreachable;
    }
  }
}
