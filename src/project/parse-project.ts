// The project file (clerk-sync.yaml) -> its environments, with every problem a diagnostic at file:line:col like
// the manifest's. Pure: the text is a parameter. A secret key written in the file is refused before anything else
// reads it, and masked wherever its line is quoted: the file is committed, and it names variables, not keys.

import { diagnosticAt, type ParsedFile, spanAt } from '../manifest/positions.ts';
import { readYaml } from '../manifest/read-yaml.ts';
import { checkSchema, projectValidator } from '../manifest/schema-check.ts';
import type { Diagnostic, ManifestSource } from '../manifest/types.ts';
import type { SourceRef } from '../model/index.ts';
import { isPlainObject } from '../util/json.ts';

/** The project file's default name, looked for in the working directory. */
export const PROJECT_FILE = 'clerk-sync.yaml';

/** The variable the secret key is read from when an environment names none (src/clerk/config.ts). */
export const DEFAULT_SECRET_KEY_ENV = 'CLERK_SECRET_KEY';

/** One environment of the project: paths as written (relative to the project file's directory). */
export interface ProjectEnvironment {
  name: string;
  files: string[];
  /** The NAME of the variable holding the instance's secret key. */
  secretKeyEnv: string;
  apiUrl?: string;
  rateLimit?: string;
  rateShare?: number;
  source: SourceRef;
}

export interface Project {
  file: string;
  environments: ProjectEnvironment[];
}

/** A Clerk secret or publishable key: `sk_live_…`, `sk_test_…` (docs/clerk-api.md#base-url-key-and-api-version). */
const KEY_PATTERN = /(?:^|[^A-Za-z0-9])(?:sk|pk)_(?:live|test)_[A-Za-z0-9]/;

/** Paths (keys and indices) of every string in `value` that looks like a Clerk key. */
function secretPaths(value: unknown, path: string[] = []): string[][] {
  if (typeof value === 'string') return KEY_PATTERN.test(value) ? [path] : [];
  if (Array.isArray(value)) return value.flatMap((item, index) => secretPaths(item, [...path, String(index)]));
  if (isPlainObject(value)) return Object.entries(value).flatMap(([key, item]) => secretPaths(item, [...path, key]));
  return [];
}

function secretDiagnostics(file: ParsedFile): Diagnostic[] {
  return secretPaths(file.value).map((path) =>
    diagnosticAt(file, spanAt(file, path), {
      severity: 'error',
      code: 'secret_in_project',
      message: `${path.join('.')} holds a Clerk key: the project file names the environment variable that holds a key, never the key itself`,
      hint: 'Write secretKeyEnv: STAGING_CLERK_SECRET_KEY (the variable NAME), set that variable in your shell or CI secrets, and rotate the key if this file was ever committed.',
      concealed: true,
    }),
  );
}

function environmentOf(file: ParsedFile, name: string, data: Record<string, unknown>): ProjectEnvironment {
  const located = spanAt(file, ['environments', name], 'key');
  const start = diagnosticAt(file, located, { severity: 'error', code: '', message: '' });
  return {
    name,
    files: (data.files as string[]).slice(),
    secretKeyEnv: typeof data.secretKeyEnv === 'string' ? data.secretKeyEnv : DEFAULT_SECRET_KEY_ENV,
    ...(typeof data.apiUrl === 'string' ? { apiUrl: data.apiUrl } : {}),
    ...(typeof data.rateLimit === 'string' ? { rateLimit: data.rateLimit } : {}),
    ...(typeof data.rateShare === 'number' ? { rateShare: data.rateShare } : {}),
    source: { file: file.source.file, line: start.line, column: start.column },
  };
}

/** Parses and checks a project file: the project, or undefined with the diagnostics that say why. */
export function parseProject(source: ManifestSource): { project?: Project; diagnostics: Diagnostic[] } {
  // No interpolation: a project file names variables, it does not read them.
  const file = readYaml(source, {});
  if (file.diagnostics.length > 0 || file.value === undefined) return { diagnostics: file.diagnostics };
  const secrets = secretDiagnostics(file);
  const validator = projectValidator();
  // A schema message may quote the value: none about a line that holds a key.
  const lines = new Set(secrets.map((diagnostic) => diagnostic.line));
  // One problem per place: ajv adds a second, vaguer error for a property name that fails its pattern.
  const places = new Set<string>();
  const diagnostics = [...secrets, ...checkSchema(file, validator)].filter((diagnostic) => {
    const place = `${diagnostic.line}:${diagnostic.column}`;
    if (places.has(place) || (diagnostic.code !== 'secret_in_project' && lines.has(diagnostic.line))) return false;
    places.add(place);
    return true;
  });
  const environments = isPlainObject(file.value) ? file.value.environments : undefined;
  if (isPlainObject(environments)) {
    for (const [name, data] of Object.entries(environments)) {
      if (isPlainObject(data) && data.rateLimit !== undefined && data.rateShare !== undefined) {
        diagnostics.push(
          diagnosticAt(file, spanAt(file, ['environments', name, 'rateShare'], 'key'), {
            severity: 'error',
            code: 'conflicting_rate_options',
            message: `environment ${name} gives both rateLimit and rateShare`,
            hint: "rateLimit is an exact budget; rateShare takes that share of Clerk's documented limit: keep one.",
          }),
        );
      }
    }
  }
  if (diagnostics.length > 0 || !isPlainObject(environments)) return { diagnostics };
  return {
    project: {
      file: source.file,
      environments: Object.entries(environments).map(([name, data]) =>
        environmentOf(file, name, data as Record<string, unknown>),
      ),
    },
    diagnostics,
  };
}
