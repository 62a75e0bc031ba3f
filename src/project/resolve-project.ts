// The project file's I/O edge: finds clerk-sync.yaml (or --project FILE), reads and checks it, and selects one
// environment. The one function the CLI and the library API call to turn an environment name into manifest files,
// the secret key's variable name, an API URL and a request budget.

import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { ClerkSyncError, FileError, UsageError } from '../errors.ts';
import { diagnosticRecords, formatDiagnostics } from '../manifest/format.ts';
import { didYouMean } from '../manifest/suggest.ts';
import { plural } from '../util/plural.ts';
import { PROJECT_FILE, parseProject } from './parse-project.ts';

/** What one environment of the project asks for, with its manifest paths relative to `cwd`. */
export interface ResolvedEnvironment {
  /** The environment's name (`--env NAME`). */
  name: string;
  /** The project file, as found or given (relative to `cwd` when given so). */
  projectFile: string;
  /** Manifest files and directories, base first, then overlays, relative to `cwd` (as -f takes them). */
  files: string[];
  /** The NAME of the environment variable holding the instance's secret key (never the key). */
  secretKeyEnv: string;
  apiUrl?: string;
  rateLimit?: string;
  rateShare?: number;
}

export interface ResolveProjectOptions {
  /** The directory the project file is looked for in, and that relative paths in the result start from. */
  cwd: string;
  /** The environment to select. */
  env: string;
  /** The project file; default: clerk-sync.yaml in `cwd`. */
  projectFile?: string;
}

async function readProject(
  cwd: string,
  given: string | undefined,
  env: string,
): Promise<{ file: string; text: string }> {
  const file = given ?? PROJECT_FILE;
  try {
    return { file, text: await readFile(resolve(cwd, file), 'utf8') };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (given === undefined && code === 'ENOENT') {
      throw new UsageError(`--env ${env} needs a project file: there is no ${PROJECT_FILE} in ${cwd}`, {
        hint: `Create ${PROJECT_FILE} (see docs/manifest.md#project-file), pass --project FILE, or leave out --env and pass -f FILE.`,
      });
    }
    throw new FileError(
      `cannot read the project file ${file}: ${code === 'ENOENT' ? 'no such file' : (code ?? String(error))}`,
      {
        cause: error,
      },
    );
  }
}

/** A manifest path as written in the project file (relative to it), as -f takes it (relative to `cwd`). */
function fromCwd(cwd: string, projectDir: string, path: string): string {
  if (isAbsolute(path)) return path;
  const shown = relative(cwd, resolve(projectDir, path));
  return shown === '' ? '.' : shown;
}

/**
 * Reads the project file and selects environment `env`. Throws ClerkSyncError: `usage_error` without a project
 * file, `project_invalid` (every diagnostic at file:line:col) for a bad one, `unknown_environment` (naming the
 * known ones) for a name it does not define.
 */
export async function resolveProject(options: ResolveProjectOptions): Promise<ResolvedEnvironment> {
  const { cwd, env } = options;
  const source = await readProject(cwd, options.projectFile, env);
  const { project, diagnostics } = parseProject(source);
  if (!project) {
    const errors = diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
    throw new ClerkSyncError(
      'project_invalid',
      `the project file ${source.file} is invalid: ${plural(errors.length, 'error')}\n${formatDiagnostics(diagnostics, [source])}`,
      {
        meta: {
          codes: [...new Set(errors.map((error) => error.code))].sort(),
          diagnostics: diagnosticRecords(diagnostics),
        },
        hint: 'Fix the project file; docs/manifest.md#project-file describes it.',
      },
    );
  }
  const names = project.environments.map((environment) => environment.name);
  const found = project.environments.find((environment) => environment.name === env);
  if (!found) {
    throw new ClerkSyncError(
      'unknown_environment',
      `${source.file} defines no environment "${env}"${didYouMean(env, names)}; it defines ${names.join(', ')}`,
      { meta: { environment: env, known: names }, hint: `Pass --env with one of: ${names.join(', ')}.` },
    );
  }
  const projectDir = dirname(resolve(cwd, source.file));
  return {
    name: found.name,
    projectFile: source.file,
    files: found.files.map((path) => fromCwd(cwd, projectDir, path)),
    secretKeyEnv: found.secretKeyEnv,
    ...(found.apiUrl === undefined ? {} : { apiUrl: found.apiUrl }),
    ...(found.rateLimit === undefined ? {} : { rateLimit: found.rateLimit }),
    ...(found.rateShare === undefined ? {} : { rateShare: found.rateShare }),
  };
}
