// clerk-sync drift: a read-only plan that speaks of what changed live outside the manifest, in five classes
// (changed, missing, unmanaged, membership, lock). Exit 2 when a class listed in --fail-on has drift; drift in the
// other classes is reported as a warning. Under GitHub Actions the Markdown report goes to the job summary.
// Values read from the environment are named by reference (`(from ${NAME})`) in every format unless --show-env.

import { UsageError } from '../errors.ts';
import type { Diagnostic } from '../manifest/index.ts';
import {
  classifyDrift,
  DRIFT_CLASSES,
  type DriftClass,
  type DriftReport,
  driftedClasses,
  driftSummaryLine,
  notCheckedLine,
  publicDriftReport,
  publicPlan,
  renderDriftMarkdown,
} from '../plan/index.ts';
import { shouldUseColor } from '../ui/index.ts';
import { plural } from '../util/plural.ts';
import { API_OPTIONS, API_OPTIONS_HELP } from './api-options.ts';
import { type CommandDefinition, formatOption, type OptionValues, stringList } from './command.ts';
import { ENVIRONMENT_OPTIONS, ENVIRONMENT_OPTIONS_HELP } from './environment-options.ts';
import {
  annotationOptions,
  annotationStream,
  appendStepSummary,
  GITHUB_OPTIONS,
  GITHUB_OPTIONS_HELP,
  githubAnnotations,
  githubEnabled,
} from './github.ts';
import {
  disclosureFrom,
  loadManifestAndLive,
  loadManifestAnnotated,
  MANIFEST_OPTIONS,
  type ManifestLoad,
  openClientBeforeManifest,
  planOptionsFrom,
  planOrThrow,
  READ_OPTION,
  READ_OPTION_HELP,
  REPORT_FORMATS,
} from './live-plan.ts';

/** GitHub shows at most 10 error and 10 warning annotations per step; more would only be noise in the log. */
const MAX_ANNOTATIONS_PER_SEVERITY = 10;

export function parseFailOn(values: OptionValues): DriftClass[] {
  const raw = stringList(values, 'fail-on');
  if (raw.length === 0) return [...DRIFT_CLASSES];
  const wanted = new Set<DriftClass>();
  for (const item of raw.flatMap((value) => value.split(','))) {
    const name = item.trim();
    if (name === '' || name === 'none') continue;
    const found = DRIFT_CLASSES.find((drift) => drift === name);
    if (!found) {
      throw new UsageError(`--fail-on takes ${DRIFT_CLASSES.join(', ')} or none (comma-separated), got "${name}"`);
    }
    wanted.add(found);
  }
  return DRIFT_CLASSES.filter((drift) => wanted.has(drift));
}

const SYMBOL: Record<DriftClass, string> = { changed: '~', missing: '+', unmanaged: '-', membership: '~', lock: '~' };

interface Style {
  bold(text: string): string;
  warn(text: string): string;
  fail(text: string): string;
  dim(text: string): string;
}

function style(color: boolean): Style {
  const wrap =
    (open: number, close: number) =>
    (text: string): string =>
      color ? `\u001b[${open}m${text}\u001b[${close}m` : text;
  return { bold: wrap(1, 22), warn: wrap(33, 39), fail: wrap(31, 39), dim: wrap(2, 22) };
}

export function renderDriftText(
  report: DriftReport,
  options: { failOn: readonly DriftClass[]; color: boolean },
): string {
  const s = style(options.color);
  const unchecked = notCheckedLine(report);
  const note = unchecked === undefined ? '' : `${s.dim(unchecked)}\n`;
  if (report.summary.total === 0) return `No drift: the live instance matches the manifest.\n${note}`;
  const failOn = new Set(options.failOn);
  let out = '';
  for (const drift of driftedClasses(report)) {
    const count = report.summary.byClass[drift];
    const effect = failOn.has(drift) ? s.fail('fails') : s.warn('warning: not in --fail-on');
    out += `${s.bold(`${drift} (${count})`)} ${s.dim('-')} ${effect}\n`;
    for (const item of report.classes[drift]) {
      out += `${SYMBOL[drift]} ${item.subject.title}\n`;
      for (const entry of item.entries) {
        const where = entry.source ? s.dim(`  (${entry.source.file}:${entry.source.line})`) : '';
        out += `    ${entry.message}${where}\n`;
      }
    }
    out += '\n';
  }
  return `${out}${s.bold(driftSummaryLine(report))}\n${note}`;
}

/** Drift findings with a manifest line as annotations (failing classes as errors, the others as warnings). */
function driftAnnotations(report: DriftReport, failOn: readonly DriftClass[]): Diagnostic[] {
  const failing = new Set(failOn);
  const shown = { error: 0, warning: 0 };
  const left = { error: 0, warning: 0 };
  const diagnostics: Diagnostic[] = [];
  for (const drift of driftedClasses(report)) {
    const severity = failing.has(drift) ? 'error' : 'warning';
    for (const item of report.classes[drift]) {
      for (const entry of item.entries) {
        if (shown[severity] >= MAX_ANNOTATIONS_PER_SEVERITY) {
          left[severity] += 1;
          continue;
        }
        shown[severity] += 1;
        diagnostics.push({
          file: entry.source?.file ?? '',
          line: entry.source?.line ?? 0,
          column: 0,
          severity,
          code: `drift_${drift}`,
          message: `${item.subject.title}: ${entry.message}`,
        });
      }
    }
  }
  for (const severity of ['error', 'warning'] as const) {
    if (left[severity] === 0) continue;
    diagnostics.push({
      file: '',
      line: 0,
      column: 0,
      severity,
      code: 'drift_more',
      message: `… and ${left[severity]} more drift findings: see the job summary or run clerk-sync drift locally`,
    });
  }
  return diagnostics;
}

export const driftCommand: CommandDefinition = {
  name: 'drift',
  summary: 'report what changed live outside the manifest (read-only; exit 2 on drift)',
  help: `Usage: clerk-sync drift -f FILE... [--format text|json|markdown] [--ignore PATH]... [--fail-on CLASS,...] [--read MODE] [--github]

Reads the manifest and the live instance and reports drift, per user/organization and field, in five classes:
  changed     managed fields of existing users and organizations (profile, addresses, metadata, banned, a lock
              the manifest does not want, name)
  missing     users and organizations the manifest declares that do not exist live
  unmanaged   live users carrying clerk-sync's ownership mark that the manifest no longer lists (whatever
              settings.prune says)
  membership  organization memberships and roles
  lock        users the manifest declares locked: true that are not locked live; Clerk's locks expire (an hour
              on a new instance), so --fail-on changed,missing,unmanaged,membership makes them warnings
Nothing is changed. Expected drift is silenced by settings.ignore or --ignore.

Options:
  -f, --file FILE       manifest file or directory of *.yaml (repeatable)
  --format FORMAT       text (default), json ({formatVersion, classes, summary}) or markdown (grouped by class)
  --fail-on CLASSES     classes that make the exit code 2, comma-separated (default: all); drift in the other
                        classes is reported as a warning. none: never exit 2.
  --ignore PATH         a field path whose drift is expected (repeatable), like settings.ignore:
                        firstName, publicMetadata.lastSeenAt, memberships
  --show-env NAME       show values read from \${NAME} (repeatable); every other value read from the
                        environment is shown as (from \${NAME})
${READ_OPTION_HELP}
                        (while --fail-on includes unmanaged, the default, auto reads every user: only a full read
                        finds every marked user; --read targeted skips them and the report says so)
${GITHUB_OPTIONS_HELP}
${ENVIRONMENT_OPTIONS_HELP}
${API_OPTIONS_HELP}

Exit codes: 0 no drift (or drift only in classes not listed in --fail-on), 1 error, 2 drift.`,
  options: {
    ...MANIFEST_OPTIONS,
    ...READ_OPTION,
    ...API_OPTIONS,
    ...ENVIRONMENT_OPTIONS,
    ...GITHUB_OPTIONS,
    ignore: { type: 'string', multiple: true },
    'show-env': { type: 'string', multiple: true },
    format: { type: 'string' },
    'fail-on': { type: 'string', multiple: true },
  },
  allowPositionals: false,
  async run({ values }, io) {
    const format = formatOption(values, REPORT_FORMATS, 'text');
    const failOn = parseFailOn(values);
    const github = githubEnabled(values, io.env);
    const annotations = annotationStream(io, format !== 'text');
    const planOptions = planOptionsFrom(values);
    const load: ManifestLoad = (hooks) =>
      loadManifestAnnotated(values, io, 'drift', { enabled: github, out: annotations }, hooks);
    const { client } = await openClientBeforeManifest(values, io, load);
    let report: DriftReport;
    try {
      const {
        loaded: { desired, warnings },
        live,
      } = await loadManifestAndLive({ values, io, client, load, unmanaged: failOn.includes('unmanaged') });
      if (github && warnings.length > 0) annotations.write(githubAnnotations(warnings, annotationOptions(io)));
      // Safety refusals (mass change...) only matter to apply; drift reports whatever the plan holds.
      // Drift creates nothing: a missing user whose password variable is unset is drift, not an error.
      const { plan } = planOrThrow(
        desired,
        live,
        { ...planOptions, allowMassChange: true, allowMassDelete: true, fingerprints: false },
        io,
        ['unset_variable'],
      );
      // Every format (and the annotations and step summary) is made from the public plan.
      const disclosure = disclosureFrom(values, desired);
      report = publicDriftReport(classifyDrift(publicPlan(plan, disclosure), desired, live, live.matched), disclosure);
    } finally {
      await client.close();
    }

    if (format === 'json') {
      const drifted = driftedClasses(report);
      const status = drifted.length === 0 ? 'no_drift' : drifted.some((d) => failOn.includes(d)) ? 'drift' : 'warning';
      io.stdout.write(`${JSON.stringify({ ...report, failOn, status }, null, 2)}\n`);
    } else if (format === 'markdown') {
      io.stdout.write(renderDriftMarkdown(report, { failOn }));
    } else {
      io.stdout.write(renderDriftText(report, { failOn, color: shouldUseColor(io.stdout, io.env) }));
    }

    if (github) {
      annotations.write(githubAnnotations(driftAnnotations(report, failOn), annotationOptions(io)));
      await appendStepSummary(io.env, renderDriftMarkdown(report, { failOn }));
    }

    const drifted = driftedClasses(report);
    const failing = drifted.filter((drift) => failOn.includes(drift));
    const warned = drifted.filter((drift) => !failOn.includes(drift));
    for (const drift of warned) {
      const count = report.summary.byClass[drift];
      io.stderr.write(`warning: ${plural(count, `${drift} drift finding`)} (not in --fail-on, so not failing)\n`);
    }
    // A gate on a class this report could not check passes without having looked: say so where CI logs show it.
    for (const drift of (report.notChecked ?? []).filter((unchecked) => failOn.includes(unchecked))) {
      io.stderr.write(
        `warning: ${drift} drift was not checked: the targeted read holds only the users the manifest names; --read full checks it\n`,
      );
    }
    return failing.length > 0 ? 2 : 0;
  },
};
