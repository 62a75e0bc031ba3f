// GitHub Actions integration: manifest diagnostics, a plan's refusals and warnings (and drift findings) as
// workflow-command annotations on stdout, and Markdown reports appended to the job summary file. On with `--github`,
// or automatically when the runner sets GITHUB_ACTIONS=true. Formats:
// https://docs.github.com/actions/reference/workflow-commands-for-github-actions
// (`::error file=F,line=L,col=C,title=T::message`; the job summary is the file named by $GITHUB_STEP_SUMMARY).

import { appendFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { ParseArgsConfig } from 'node:util';
import { ClerkSyncError, FileError, ManifestInvalidError } from '../errors.ts';
import type { Diagnostic } from '../manifest/index.ts';
import type { PlanWarning } from '../plan/index.ts';
import type { CliIO, OptionValues } from './command.ts';

export const GITHUB_OPTIONS: NonNullable<ParseArgsConfig['options']> = {
  github: { type: 'boolean' },
};

export const GITHUB_OPTIONS_HELP = `  --github              GitHub Actions: manifest errors (and a plan's refusals and warnings) as annotations,
                        the Markdown report appended to $GITHUB_STEP_SUMMARY (on by default when
                        GITHUB_ACTIONS=true)`;

/** `--github`, or running under GitHub Actions (the runner sets GITHUB_ACTIONS=true). */
export function githubEnabled(values: OptionValues, env: Record<string, string | undefined>): boolean {
  return values.github === true || env.GITHUB_ACTIONS === 'true';
}

/** Escaping of a command's message, as @actions/core does (`escapeData`): %, CR and LF. */
export function escapeData(text: string): string {
  return text.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}

/** Escaping of a property value (`escapeProperty`): as for data, plus `:` and `,` which delimit properties. */
export function escapeProperty(text: string): string {
  return escapeData(text).replaceAll(':', '%3A').replaceAll(',', '%2C');
}

export interface AnnotationOptions {
  /**
   * Directory relative paths in diagnostics are relative to (the command's cwd). Annotations need paths relative to
   * the repository root, so files are re-expressed relative to `workspace`.
   */
  cwd?: string;
  /** The checkout root: $GITHUB_WORKSPACE on a runner. @default cwd */
  workspace?: string;
}

function annotationPath(file: string, options: AnnotationOptions): string {
  if (options.cwd === undefined && options.workspace === undefined) return file;
  const cwd = options.cwd ?? options.workspace ?? '.';
  const absolute = isAbsolute(file) ? file : resolve(cwd, file);
  const fromRoot = relative(options.workspace ?? cwd, absolute);
  // Outside the checkout an annotation cannot point at a line anyway; keep the full path so the message says where.
  if (fromRoot === '' || fromRoot.startsWith('..') || isAbsolute(fromRoot)) return absolute;
  return fromRoot.split(sep).join('/');
}

interface AnnotationFields {
  command: 'error' | 'warning' | 'notice';
  code: string;
  message: string;
  hint?: string | undefined;
  file?: string | undefined;
  line?: number | undefined;
  column?: number | undefined;
  endLine?: number | undefined;
  endColumn?: number | undefined;
}

/** `::error file=F,line=L,col=C,title=clerk-sync CODE::message`, the hint on a second line of the message. */
function annotation(fields: AnnotationFields, options: AnnotationOptions): string {
  const properties: string[] = [];
  if (fields.file) properties.push(`file=${escapeProperty(annotationPath(fields.file, options))}`);
  if (fields.line !== undefined && fields.line > 0) properties.push(`line=${fields.line}`);
  if (fields.column !== undefined && fields.column > 0) properties.push(`col=${fields.column}`);
  if (fields.endLine !== undefined && fields.endLine > 0) properties.push(`endLine=${fields.endLine}`);
  // GitHub applies endColumn only to a single-line range.
  if (fields.endColumn !== undefined && fields.endColumn > 0 && fields.endLine === fields.line)
    properties.push(`endColumn=${fields.endColumn}`);
  properties.push(`title=${escapeProperty(`clerk-sync ${fields.code}`)}`);
  const message = fields.hint ? `${fields.message}\nhint: ${fields.hint}` : fields.message;
  return `::${fields.command} ${properties.join(',')}::${escapeData(message)}\n`;
}

/**
 * One workflow command per diagnostic: `::error file=F,line=L,col=C,title=clerk-sync CODE::message`, warnings as
 * `::warning`, anything else as `::notice`. The hint, when there is one, follows the message on a second line.
 */
export function githubAnnotations(diagnostics: readonly Diagnostic[], options: AnnotationOptions = {}): string {
  return diagnostics
    .map((diagnostic) =>
      annotation(
        {
          command: diagnostic.severity === 'error' ? 'error' : diagnostic.severity === 'warning' ? 'warning' : 'notice',
          code: diagnostic.code,
          message: diagnostic.message,
          hint: diagnostic.hint,
          file: diagnostic.file,
          line: diagnostic.line,
          column: diagnostic.column,
          endLine: diagnostic.endLine,
          endColumn: diagnostic.endColumn,
        },
        options,
      ),
    )
    .join('');
}

/**
 * One workflow command per plan warning: `::error` for a refusal (apply will refuse the plan), `::warning` for the
 * rest, at its manifest file and line when it has one.
 */
export function planWarningAnnotations(warnings: readonly PlanWarning[], options: AnnotationOptions = {}): string {
  return warnings
    .map((warning) =>
      annotation(
        {
          command: warning.severity === 'refusal' ? 'error' : 'warning',
          code: warning.code,
          message: warning.message,
          hint: warning.hint,
          file: warning.source?.file,
          line: warning.source?.line,
          column: warning.source?.column,
        },
        options,
      ),
    )
    .join('');
}

/** Where annotations and summaries of this run go: relative paths resolved against the checkout root. */
export function annotationOptions(io: Pick<CliIO, 'cwd' | 'env'>): AnnotationOptions {
  const workspace = io.env.GITHUB_WORKSPACE;
  return workspace ? { cwd: io.cwd, workspace } : { cwd: io.cwd };
}

/**
 * Appends `markdown` to the job summary ($GITHUB_STEP_SUMMARY) when the variable is set; returns whether it wrote.
 * The runner shows every step's summary on the run page (GitHub caps one step's summary at 1 MiB).
 */
export async function appendStepSummary(env: Record<string, string | undefined>, markdown: string): Promise<boolean> {
  const file = env.GITHUB_STEP_SUMMARY;
  if (!file) return false;
  try {
    await appendFile(file, markdown.endsWith('\n') ? markdown : `${markdown}\n`, 'utf8');
  } catch (error) {
    throw new FileError(`cannot append to $GITHUB_STEP_SUMMARY (${file}): ${(error as NodeJS.ErrnoException).code}`, {
      cause: error,
      hint: 'The variable is set by the GitHub Actions runner; unset it when running elsewhere.',
    });
  }
  return true;
}

function isDiagnostic(value: unknown): value is Diagnostic {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record.file === 'string' &&
    typeof record.line === 'number' &&
    typeof record.column === 'number' &&
    typeof record.severity === 'string' &&
    typeof record.code === 'string' &&
    typeof record.message === 'string'
  );
}

/** The manifest diagnostics a ManifestInvalidError carries in `meta.diagnostics` (empty when it carries none). */
export function diagnosticsOf(error: unknown): Diagnostic[] {
  if (!(error instanceof ClerkSyncError)) return [];
  const list = error.meta.diagnostics;
  return Array.isArray(list) ? (list as unknown[]).filter(isDiagnostic) : [];
}

/**
 * Where annotations go. The runner reads workflow commands from stdout (GitHub's docs), so that is the place unless
 * stdout carries a document (`--format json|markdown`, often redirected to a file, where an annotation would both be
 * lost and corrupt the document); then stderr, which the runner also scans for commands [assume: observed, not
 * documented].
 */
export function annotationStream(io: Pick<CliIO, 'stdout' | 'stderr'>, documentOnStdout: boolean): CliIO['stdout'] {
  return documentOnStdout ? io.stderr : io.stdout;
}

/**
 * Runs `load` (manifest loading); when it fails with a ManifestInvalidError and GitHub output is on, writes the
 * manifest's diagnostics as annotations to `out` before the error goes on to cli.ts. The diagnostics are the ones
 * the load found, carried in the error's `meta.diagnostics`: the manifest is never read a second time.
 */
export async function annotateManifestErrors<T>(options: {
  enabled: boolean;
  io: Pick<CliIO, 'cwd' | 'env'>;
  out: { write(chunk: string): unknown };
  load: () => Promise<T>;
}): Promise<T> {
  try {
    return await options.load();
  } catch (error) {
    // A project file's errors (--env) are annotated like a manifest's.
    const diagnosed =
      error instanceof ManifestInvalidError || (error instanceof ClerkSyncError && error.code === 'project_invalid');
    if (options.enabled && diagnosed) {
      const diagnostics = diagnosticsOf(error);
      if (diagnostics.length > 0) options.out.write(githubAnnotations(diagnostics, annotationOptions(options.io)));
    }
    throw error;
  }
}
