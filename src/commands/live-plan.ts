// The pipeline plan, apply and drift share: manifest -> live snapshot -> plan, with the flags that steer it.
// Prints progress and warnings on stderr; returns data, prints no plan.

import { readdir, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { setImmediate } from 'node:timers/promises';
import type { ParseArgsConfig } from 'node:util';
import { type ClerkClient, isProductionKey } from '../clerk/index.ts';
import { PlanError, UsageError } from '../errors.ts';
import {
  type Diagnostic,
  formatDiagnostics,
  type LoadOptions,
  loadValidManifest,
  type ManifestSource,
} from '../manifest/index.ts';
import { IGNORE_PATTERN, ignorePathProblem } from '../manifest/schema.ts';
import type { DesiredOrganization, DesiredState, LiveSnapshot } from '../model/index.ts';
import {
  createPlan,
  DEFAULT_PLAN_OPTIONS,
  type Disclosure,
  disclosureOf,
  MASS_CHANGE_MIN_USERS,
  type PlanDiagnostic,
  type PlanOptions,
  type PlanResult,
  type PreparedUsers,
  prepareUsersInSteps,
  readLine,
  redactText,
} from '../plan/index.ts';
import {
  type FetchedLiveSnapshot,
  type OrganizationRef,
  READ_OPTIONS,
  type ReadOption,
  type StartedLiveRead,
  startLiveRead,
} from '../state/index.ts';
import { plural } from '../util/plural.ts';
import { runStepsPausing } from '../util/steps.ts';
import { nonNegativeInteger, type OpenedClient, openClient } from './api-options.ts';
import { booleanOption, type CliIO, type OptionValues, stringList, stringOption } from './command.ts';
import { manifestEnvironment, secretKeyOf } from './environment-options.ts';
import { annotateManifestErrors } from './github.ts';

export const MANIFEST_OPTIONS: NonNullable<ParseArgsConfig['options']> = {
  file: { type: 'string', short: 'f', multiple: true },
};

export const PLAN_OPTIONS: NonNullable<ParseArgsConfig['options']> = {
  'max-deletes': { type: 'string' },
  'allow-mass-delete': { type: 'boolean' },
  'max-change-ratio': { type: 'string' },
  'allow-mass-change': { type: 'boolean' },
  'allow-production': { type: 'boolean' },
  ignore: { type: 'string', multiple: true },
  'show-env': { type: 'string', multiple: true },
};

export const PLAN_OPTIONS_HELP = `Safety options:
  --max-deletes N       most users a plan may delete (prune) without --allow-mass-delete (default: the manifest's
                        settings.policies.maxDeletes, else ${DEFAULT_PLAN_OPTIONS.maxDeletes}; the flag wins for this run)
  --allow-mass-delete   lift the --max-deletes cap
  --max-change-ratio R  largest share of live users (0..1) a plan may change without --allow-mass-change (default:
                        settings.policies.maxChangeRatio, else ${DEFAULT_PLAN_OPTIONS.maxChangeRatio}; the flag wins); applies from ${MASS_CHANGE_MIN_USERS} live users up (smaller instances are not checked)
  --allow-mass-change   lift the --max-change-ratio cap
  --allow-production    allow destructive operations (deletes, removals, bans, locks, downgrades, metadata
                        wipes) with an sk_live_ key
  --ignore PATH         a field path whose drift is expected (repeatable), like settings.ignore:
                        firstName, publicMetadata.lastSeenAt
  --show-env NAME       show values read from \${NAME} in the plan (repeatable); every other value read from
                        the environment is shown as (from \${NAME}). Never CLERK_SECRET_KEY`;

/** --ignore paths, checked like settings.ignore: a misspelt path would silently ignore nothing. */
export function ignorePaths(values: OptionValues): string[] {
  const paths = stringList(values, 'ignore');
  const pattern = new RegExp(IGNORE_PATTERN);
  for (const path of paths) {
    if (pattern.test(path)) continue;
    const { message, hint } = ignorePathProblem(`--ignore ${JSON.stringify(path)}`, path);
    throw new UsageError(message, { hint });
  }
  return paths;
}

export function planOptionsFrom(values: OptionValues): PlanOptions {
  const maxDeletes = nonNegativeInteger(values, 'max-deletes');
  const ratioRaw = values['max-change-ratio'];
  let maxChangeRatio = DEFAULT_PLAN_OPTIONS.maxChangeRatio;
  if (typeof ratioRaw === 'string') {
    const ratio = Number(ratioRaw);
    if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) {
      throw new UsageError(`--max-change-ratio must be a number from 0 to 1, got "${ratioRaw}"`);
    }
    maxChangeRatio = ratio;
  }
  return {
    maxDeletes: maxDeletes ?? DEFAULT_PLAN_OPTIONS.maxDeletes,
    allowMassDelete: booleanOption(values, 'allow-mass-delete'),
    maxChangeRatio,
    allowMassChange: booleanOption(values, 'allow-mass-change'),
    allowProduction: booleanOption(values, 'allow-production'),
    ignore: ignorePaths(values),
    developmentUserCap: DEFAULT_PLAN_OPTIONS.developmentUserCap,
    // The flags given win over settings.policies' maxDeletes / maxChangeRatio for this run.
    overrides: [
      ...(maxDeletes === undefined ? [] : ['maxDeletes' as const]),
      ...(typeof ratioRaw === 'string' ? ['maxChangeRatio' as const] : []),
    ],
  };
}

/** The formats of a report of the plan (plan, drift). */
export const REPORT_FORMATS = ['text', 'json', 'markdown'] as const;

export interface LoadedManifest {
  desired: DesiredState;
  sources: ManifestSource[];
  warnings: Diagnostic[];
}

/** What a command running beside the load learns before it ends (ParseOptions.onOrganizations). */
export type ManifestHooks = Pick<LoadOptions, 'onOrganizations'>;

/** How a command loads its manifest; `hooks` from what runs beside it (loadManifestAndLive). */
export type ManifestLoad = (hooks?: ManifestHooks) => Promise<LoadedManifest>;

/** Loads and validates the manifest; prints its warnings; throws ManifestInvalidError (with every error) if invalid. */
export async function loadManifestFromFlags(
  values: OptionValues,
  io: CliIO,
  command: string,
  hooks: ManifestHooks = {},
): Promise<LoadedManifest> {
  const files = stringList(values, 'file');
  if (files.length === 0) {
    throw new UsageError(`${command} needs a manifest: -f FILE (repeatable; a directory means its *.yaml files)`);
  }
  const loaded = await loadValidManifest(files, {
    env: manifestEnvironment(io),
    cwd: io.cwd,
    signal: io.signal,
    ...hooks,
  });
  if (loaded.warnings.length > 0) {
    io.stderr.write(formatDiagnostics(loaded.warnings, loaded.sources));
  }
  return loaded;
}

/** loadManifestFromFlags; with --github, an invalid manifest's diagnostics also go to `github.out` as annotations. */
export function loadManifestAnnotated(
  values: OptionValues,
  io: CliIO,
  command: string,
  github: { enabled: boolean; out: { write(chunk: string): unknown } },
  hooks: ManifestHooks = {},
): Promise<LoadedManifest> {
  return annotateManifestErrors({
    ...github,
    io,
    load: () => loadManifestFromFlags(values, io, command, hooks),
  });
}

/** `--read`, on every command that plans from a manifest. */
export const READ_OPTION: NonNullable<ParseArgsConfig['options']> = { read: { type: 'string' } };

export const READ_OPTION_HELP = `  --read MODE           how the live users are read: auto (default: the cheaper of the two, from GET /users/count),
                        full (every user) or targeted (only users holding an identifier the manifest names;
                        settings.prune always reads every user)`;

/** --read; `auto` when absent. */
export function readOptionFrom(values: OptionValues): ReadOption {
  const raw = stringOption(values, 'read');
  if (raw === undefined) return 'auto';
  const found = READ_OPTIONS.find((option) => option === raw);
  if (found === undefined) throw new UsageError(`--read must be one of ${READ_OPTIONS.join(', ')}, got "${raw}"`);
  return found;
}

/**
 * The manifest files' total size, before they are read (a directory: its *.yaml / *.yml files, as the loader reads
 * them); undefined when a path cannot be read, which the loader then reports.
 */
export async function manifestBytes(values: OptionValues, cwd: string): Promise<number | undefined> {
  let total = 0;
  try {
    for (const file of stringList(values, 'file')) {
      const path = resolve(cwd, file);
      const info = await stat(path);
      if (!info.isDirectory()) {
        total += info.size;
        continue;
      }
      for (const entry of await readdir(path)) {
        if (/\.ya?ml$/i.test(entry)) total += (await stat(resolve(path, entry))).size;
      }
    }
  } catch {
    return undefined;
  }
  return total;
}

/**
 * A snapshot as finishLiveRead read it, with its users already matched to the manifest's and their field operations
 * (planOrThrow uses them).
 */
export interface ReadSnapshot extends FetchedLiveSnapshot {
  matched?: PreparedUsers;
}

/** How a command reads the live state: the option (--read, or a saved plan's) and what may start before the manifest. */
export interface LiveReadPlan {
  option: ReadOption;
  manifestBytes?: number | undefined;
  /** Drift fails on unmanaged users, so every marked user must be found (a full read, unless --read targeted). */
  unmanaged?: boolean;
  /** --ignore: the users' field operations are computed with them while the memberships are read. */
  ignore?: readonly string[];
}

interface ReadTiming {
  started: number;
  requests: number;
}

/** Starts reading the live state before the manifest is known (finishLiveRead finishes it). */
export function beginLiveRead(
  client: ClerkClient,
  how: LiveReadPlan,
): { reading: StartedLiveRead; timing: ReadTiming } {
  const timing = { started: Date.now(), requests: client.stats().requests };
  const reading = startLiveRead(client, {
    option: how.option,
    ...(how.manifestBytes === undefined ? {} : { manifestBytes: how.manifestBytes }),
    ...(how.unmanaged === true ? { unmanaged: true } : {}),
    groupMemberships: true,
  });
  return { reading, timing };
}

/** The declared organizations as the live read matches them. */
function organizationRefs(organizations: readonly DesiredOrganization[]): OrganizationRef[] {
  return organizations.map((org) => ({ key: org.slug, name: org.name }));
}

/** Finishes a read begun by beginLiveRead with what the manifest names; reports size, time and requests on stderr. */
export async function finishLiveRead(
  client: ClerkClient,
  begun: { reading: StartedLiveRead; timing: ReadTiming },
  desired: DesiredState,
  io: CliIO,
  how: LiveReadPlan,
): Promise<ReadSnapshot> {
  const { option } = how;
  const { reading, timing } = begun;
  io.stderr.write(`Reading live state from ${client.baseUrl} ...\n`);
  let preparing: Promise<PreparedUsers> | undefined;
  const stop = new AbortController();
  const live = await reading
    .finish({
      managedOrgs: organizationRefs(desired.organizations),
      users: {
        option,
        prune: desired.settings.prune,
        ...(how.unmanaged === true ? { unmanaged: true } : {}),
        declared: desired.users,
        userKey: desired.settings.userKey,
      },
      // The users are matched and diffed while the memberships are still read, in steps that let the read go on:
      // createPlan takes the answer (issue 17, "Overlap").
      onUsers: (users) => {
        preparing = runStepsPausing(prepareUsersInSteps(desired, users, how.ignore ?? []), setImmediate, stop.signal);
        // Awaited below unless the read fails, which stops it.
        preparing.catch(() => undefined);
      },
    })
    .catch((error: unknown) => {
      stop.abort();
      throw error;
    });
  const matched = await preparing;
  if (option !== 'auto' && live.read !== undefined && live.read.strategy !== option) {
    live.readWarnings.push(`--read ${option} was not followed: ${readLine(live.read)}`);
  }
  for (const warning of live.readWarnings) io.stderr.write(`warning: ${warning}\n`);
  const seconds = ((Date.now() - timing.started) / 1000).toFixed(1);
  const requests = client.stats().requests - timing.requests;
  io.stderr.write(
    `Read ${plural(live.users.length, 'user')}, ${plural(live.organizations.length, 'managed organization')}, ${plural(live.memberships.length, 'membership')} in ${seconds}s (${plural(requests, 'request')}).\n`,
  );
  return matched === undefined ? live : { ...live, matched };
}

/** Reads the live state the manifest manages, reporting size and time on stderr; `readWarnings` go into the plan. */
export async function readLiveState(
  client: ClerkClient,
  desired: DesiredState,
  io: CliIO,
  option: ReadOption = 'auto',
): Promise<ReadSnapshot> {
  return finishLiveRead(client, beginLiveRead(client, { option }), desired, io, { option });
}

/**
 * The API client, opened before the manifest is loaded so the read can overlap it; when it cannot be opened (no
 * key...), the manifest is loaded first, so its errors still come first.
 */
export async function openClientBeforeManifest(
  values: OptionValues,
  io: CliIO,
  load: () => Promise<unknown>,
): Promise<OpenedClient> {
  try {
    return openClient(values, io);
  } catch (error) {
    await load();
    throw error;
  }
}

/**
 * Loads the manifest and reads the live state together (issue 17, "Overlap"): what the read needs before the
 * manifest (the count, the instance's settings, a full read that is certain) starts first, the rest once the
 * manifest is known. A manifest that cannot be loaded cancels the read.
 */
export async function loadManifestAndLive(args: {
  values: OptionValues;
  io: CliIO;
  client: ClerkClient;
  load: ManifestLoad;
  option?: ReadOption;
  /** Drift fails on unmanaged users (LiveReadPlan.unmanaged). */
  unmanaged?: boolean;
}): Promise<{ loaded: LoadedManifest; live: ReadSnapshot }> {
  const { values, io, client } = args;
  const option = args.option ?? readOptionFrom(values);
  const ignore = ignorePaths(values);
  // No -f: the loader's usage error, before any request.
  if (stringList(values, 'file').length === 0) await args.load();
  const how: LiveReadPlan = {
    option,
    manifestBytes: await manifestBytes(values, io.cwd),
    ...(args.unmanaged === true ? { unmanaged: true } : {}),
    ignore,
  };
  const begun = beginLiveRead(client, how);
  let loaded: LoadedManifest;
  try {
    // The organizations' memberships are read as soon as the organizations are checked, while the users still are.
    loaded = await args.load({
      onOrganizations: (organizations) => begun.reading.organizationsKnown(organizationRefs(organizations)),
    });
  } catch (error) {
    begun.reading.cancel();
    throw error;
  }
  return { loaded, live: await finishLiveRead(client, begun, loaded.desired, io, how) };
}

export function formatPlanDiagnostics(diagnostics: PlanDiagnostic[], severity: 'error' | 'warning'): string {
  return diagnostics
    .map((diagnostic) => {
      const where = diagnostic.source
        ? `${diagnostic.source.file}:${diagnostic.source.line}:${diagnostic.source.column}: `
        : '';
      const hint = diagnostic.hint ? `\n  hint: ${diagnostic.hint}` : '';
      return `${where}${severity}[${diagnostic.code}]: ${diagnostic.message}${hint}\n`;
    })
    .join('');
}

/**
 * Plans, and refuses (PlanError) when the planner found errors; refusals (src/plan/guards.ts) are returned for the
 * caller to judge. The production guard reads the key from CLERK_SECRET_KEY, as the client does, unless the
 * options say.
 */
export function planOrThrow(
  desired: DesiredState,
  live: LiveSnapshot & Partial<Pick<ReadSnapshot, 'matched' | 'groupedMemberships'>>,
  options: PlanOptions,
  io: CliIO,
  /** Error codes that do not matter to the caller (drift creates nothing, so needs no unset password). */
  tolerated: readonly string[] = [],
): PlanResult {
  const productionKey = options.productionKey ?? isProductionKey(secretKeyOf(io));
  const computed = createPlan(
    desired,
    live,
    { ...options, productionKey },
    { users: live.matched, memberships: live.groupedMemberships },
  );
  // Diagnostics never show a value read from the environment, whatever --show-env says.
  const hidden = disclosureOf(desired, []);
  const named = (diagnostic: PlanDiagnostic): PlanDiagnostic => ({
    ...diagnostic,
    message: redactText(diagnostic.message, hidden),
    ...(diagnostic.hint === undefined ? {} : { hint: redactText(diagnostic.hint, hidden) }),
  });
  const errors = computed.errors.filter((error) => !tolerated.includes(error.code)).map(named);
  const result = { ...computed, errors, refusals: computed.refusals.map(named) };
  if (result.errors.length > 0) {
    io.stderr.write(formatPlanDiagnostics(result.errors, 'error'));
    const count = result.errors.length;
    throw new PlanError(`the manifest cannot be planned safely: ${plural(count, 'error')} (listed above)`, {
      meta: { codes: [...new Set(result.errors.map((error) => error.code))] },
      hint: 'Fix the manifest (or the live data it conflicts with) and plan again. Nothing was changed.',
    });
  }
  return result;
}

/** What this run may show of values read from the environment (--show-env). */
export function disclosureFrom(values: OptionValues, desired: DesiredState): Disclosure {
  return disclosureOf(desired, stringList(values, 'show-env'));
}
