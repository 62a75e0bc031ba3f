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
  // A file the fast reader read keeps its data and positions even when the manifest has diagnostics: reading it
  // again with the yaml package cost ~65 bytes of heap per byte (a 16 MB list: 1.6 GB, 17 s), so the size cap
  // would admit files that exhaust the heap. Its start offsets are the yaml package's (fast-yaml.test.ts).
  return parseAll(sources, options);
}

function parseAll(sources: ManifestSource[], options: ParseOptions): ManifestResult {
  const files = sources.map((source) => readYaml(source, options.env, { fast: true }));
  const diagnostics: Diagnostic[] = files.flatMap((file) => file.diagnostics);
  const usable = files.filter((file) => file.value !== undefined);
  for (const file of usable) diagnostics.push(...checkSchema(file));
  const built = buildDesiredState(
    usable,
    sources.map((source) => source.file),
  );
  diagnostics.push(...built.diagnostics);
  const valid = usable.length === files.length && !diagnostics.some((diagnostic) => diagnostic.severity === 'error');
  return { desired: valid ? built.desired : undefined, diagnostics: sortDiagnostics(diagnostics) };
}
