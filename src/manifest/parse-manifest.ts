// parseManifest: manifest texts -> DesiredState and every diagnostic, all at once. Pure: no file system, no
// process; the environment for `${VAR}` is a parameter. Stages: YAML (per file), JSON Schema (per file), then
// cross-checks and normalisation over all files together (one manifest).

import { isScalar } from 'yaml';
import { runSteps } from '../util/steps.ts';
import { buildDesiredStateInSteps } from './cross-checks.ts';
import { sortDiagnostics } from './format.ts';
import { deferredVariable } from './interpolate.ts';
import { OVERLAY_KEY } from './overlay.ts';
import { locate, type ParsedFile, positionOf, spanOf } from './positions.ts';
import { readYamlInSteps } from './read-yaml.ts';
import { checkSchema, overlayValidator } from './schema-check.ts';
import type { Diagnostic, ManifestResult, ManifestSource, ParseOptions } from './types.ts';

export function parseManifest(sources: ManifestSource[], options: ParseOptions): ManifestResult {
  return runSteps(parseManifestInSteps(sources, options));
}

/**
 * parseManifest one step at a time: each file's YAML (a step per 2,500 users of a list the fast reader reads), each
 * file's schema, then the cross-checks over all files (a step per 2,500 users: cross-checks.ts,
 * buildDesiredStateInSteps). The caller may let other work run between steps
 * (load-manifest.ts: the live read a plan overlaps with the parse).
 */
export function* parseManifestInSteps(
  sources: ManifestSource[],
  options: ParseOptions,
): Generator<void, ManifestResult> {
  if (sources.length === 0) {
    return {
      desired: undefined,
      diagnostics: [
        {
          file: '<none>',
          line: 1,
          column: 1,
          severity: 'error',
          code: 'no_manifest_files',
          message: 'no manifest files were given',
          hint: 'Pass -f FILE (repeatable) or -f DIRECTORY (its *.yaml and *.yml files).',
        },
      ],
    };
  }
  // A file the fast reader read keeps its data and positions even when the manifest has diagnostics: reading it
  // again with the yaml package cost ~65 bytes of heap per byte (a 16 MB list: 1.6 GB, 17 s), so the size cap
  // would admit files that exhaust the heap. Its start offsets are the yaml package's (fast-yaml.test.ts).
  const files: ParsedFile[] = [];
  for (const source of sources) {
    const file = yield* readYamlInSteps(source, options.env, { fast: true });
    deferUnsetPasswords(file);
    files.push(file);
    yield;
  }
  const diagnostics: Diagnostic[] = files.flatMap((file) => file.diagnostics);
  const usable = files.filter((file) => file.value !== undefined);
  for (const file of usable) {
    diagnostics.push(...checkSchema(file, overlayShaped(file) ? overlayValidator() : undefined));
    yield;
  }
  const failed = usable.length !== files.length || diagnostics.some((diagnostic) => diagnostic.severity === 'error');
  const built = yield* buildDesiredStateInSteps(
    usable,
    sources.map((source) => source.file),
    failed ? undefined : options.onOrganizations,
  );
  diagnostics.push(...built.diagnostics);
  const valid = usable.length === files.length && !diagnostics.some((diagnostic) => diagnostic.severity === 'error');
  return { desired: valid ? built.desired : undefined, diagnostics: sortDiagnostics(diagnostics) };
}

/** The users of a file that may hold a password, by path: a manifest's list, an overlay's patches and additions. */
function passwordHolders(value: {
  users?: unknown;
  add?: { users?: unknown };
  generate?: unknown;
}): [string[], unknown][] {
  const holders: [string[], unknown][] = [];
  const list = (items: unknown, base: string[]): void => {
    if (!Array.isArray(items)) return;
    items.forEach((user, index) => {
      holders.push([[...base, String(index)], user]);
    });
  };
  list(value.users, ['users']);
  if (typeof value.users === 'object' && value.users !== null && !Array.isArray(value.users)) {
    for (const [key, user] of Object.entries(value.users)) holders.push([['users', key], user]);
  }
  if (typeof value.add === 'object' && value.add !== null) list(value.add.users, ['add', 'users']);
  // A generator's template holds its users' password.
  list(value.generate, ['generate']);
  return holders;
}

/** A file with an `overlay` key is checked against the overlay schema (which says the value must be true). */
function overlayShaped(file: ParsedFile): boolean {
  return typeof file.value === 'object' && file.value !== null && OVERLAY_KEY in file.value;
}

/**
 * Passwords are create-only: an unset `${VAR}` in one is not a manifest error (a nightly drift job needs no seed
 * secrets); cross-checks.ts marks the password unset and the plan refuses to create such users, in one error.
 */
function deferUnsetPasswords(file: ParsedFile): void {
  const value = file.value as { users?: unknown; add?: { users?: unknown }; generate?: unknown } | null | undefined;
  if (file.interpolated.size === 0 || typeof value !== 'object' || value === null) return;
  const deferred: { start: string; end: string }[] = [];
  const at = (line: number, column: number): string =>
    `${String(line).padStart(9, '0')}:${String(column).padStart(9, '0')}`;
  for (const [base, user] of passwordHolders(value)) {
    if (typeof user !== 'object' || user === null) continue;
    // A digest (passwordDigest) is create-only like a password.
    const field = typeof (user as { password?: unknown }).password === 'string' ? 'password' : 'passwordDigest';
    if (typeof (user as Record<string, unknown>)[field] !== 'string') continue;
    const node = locate(file, [...base, field])?.node;
    const result = isScalar(node) ? file.interpolated.get(node) : undefined;
    if (!result || deferredVariable(result) === undefined) continue;
    const span = spanOf(node);
    const start = positionOf(file.lineCounter, span.start);
    const end = positionOf(file.lineCounter, span.end);
    deferred.push({ start: at(start.line, start.column), end: at(end.line, end.column) });
  }
  if (deferred.length === 0) return;
  file.diagnostics = file.diagnostics.filter((diagnostic) => {
    if (diagnostic.code !== 'unset_variable') return true;
    const where = at(diagnostic.line, diagnostic.column);
    return !deferred.some((span) => where >= span.start && where <= span.end);
  });
}
