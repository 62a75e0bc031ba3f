// parseManifest: manifest texts -> DesiredState and every diagnostic, all at once. Pure: no file system, no
// process; the environment for `${VAR}` is a parameter. Stages: YAML (per file), JSON Schema (per file), then
// cross-checks and normalisation over all files together (one manifest).

import { buildDesiredState } from './cross-checks.ts';
import { sortDiagnostics } from './format.ts';
import { readYaml } from './read-yaml.ts';
import { checkSchema } from './schema-check.ts';
import type { Diagnostic, ManifestResult, ManifestSource, ParseOptions } from './types.ts';

export function parseManifest(sources: ManifestSource[], options: ParseOptions): ManifestResult {
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
  const fast = parseAll(sources, options, true);
  // The fast reader only serves clean manifests: with any diagnostic, every file is read again by the yaml
  // package, so all messages and positions come from one implementation.
  if (fast.diagnostics.length === 0 || !fast.usedFast) return fast.result;
  return parseAll(sources, options, false).result;
}

function parseAll(
  sources: ManifestSource[],
  options: ParseOptions,
  tryFast: boolean,
): { result: ManifestResult; diagnostics: Diagnostic[]; usedFast: boolean } {
  const files = sources.map((source) => readYaml(source, options.env, { fast: tryFast }));
  const diagnostics: Diagnostic[] = files.flatMap((file) => file.diagnostics);
  const usable = files.filter((file) => file.value !== undefined);
  for (const file of usable) diagnostics.push(...checkSchema(file));
  const built = buildDesiredState(
    usable,
    sources.map((source) => source.file),
  );
  diagnostics.push(...built.diagnostics);
  const valid = usable.length === files.length && !diagnostics.some((diagnostic) => diagnostic.severity === 'error');
  return {
    result: { desired: valid ? built.desired : undefined, diagnostics: sortDiagnostics(diagnostics) },
    diagnostics,
    usedFast: files.some((file) => file.fast !== undefined),
  };
}
