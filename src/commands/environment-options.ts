// `--env NAME` / `--project FILE` on every command that reads a manifest or talks to Clerk: the project file's
// environment fills in what the command line leaves out (manifest files, API URL, budget) and names the variable
// the secret key is read from. Without --env nothing changes, whatever files the working directory holds.

import type { ParseArgsConfig } from 'node:util';
import { UsageError } from '../errors.ts';
import { resolveProject } from '../project/index.ts';
import { type CliIO, type OptionValues, stringList, stringOption } from './command.ts';
import { annotateManifestErrors, annotationStream, githubEnabled } from './github.ts';

export const ENVIRONMENT_OPTIONS: NonNullable<ParseArgsConfig['options']> = {
  env: { type: 'string' },
  project: { type: 'string' },
};

export const ENVIRONMENT_OPTIONS_HELP = `Environment options:
  --env NAME            use environment NAME of the project file (clerk-sync.yaml in the working directory, or
                        --project): its manifest files (base, then overlays), the variable holding its secret key,
                        its API URL and rate budget. -f, --api-url, --rate-limit and --rate-share given on the
                        command line win over the project file
  --project FILE        the project file to read (default ./clerk-sync.yaml); only with --env`;

/** The command's options and I/O with the selected environment applied (unchanged without --env). */
export async function selectEnvironment(
  values: OptionValues,
  io: CliIO,
  fill: { files: boolean } = { files: true },
): Promise<{ values: OptionValues; io: CliIO }> {
  const env = stringOption(values, 'env');
  const projectFile = stringOption(values, 'project');
  if (env === undefined) {
    if (projectFile !== undefined) {
      throw new UsageError('--project needs --env NAME: the project file is read for the environment it names');
    }
    return { values, io };
  }
  const format = stringOption(values, 'format');
  const selected = await annotateManifestErrors({
    enabled: githubEnabled(values, io.env),
    io,
    out: annotationStream(io, format === 'json' || format === 'markdown'),
    load: () => resolveProject({ cwd: io.cwd, env, ...(projectFile === undefined ? {} : { projectFile }) }),
  });
  const filled: OptionValues = { ...values };
  if (fill.files && stringList(values, 'file').length === 0) filled.file = selected.files;
  if (stringOption(values, 'api-url') === undefined && selected.apiUrl !== undefined)
    filled['api-url'] = selected.apiUrl;
  const rateGiven =
    stringOption(values, 'rate-limit') !== undefined || stringOption(values, 'rate-share') !== undefined;
  if (!rateGiven && selected.rateLimit !== undefined) filled['rate-limit'] = selected.rateLimit;
  if (!rateGiven && selected.rateShare !== undefined) filled['rate-share'] = String(selected.rateShare);
  return { values: filled, io: { ...io, secretKeyVariable: selected.secretKeyEnv } };
}

/**
 * The environment `${VAR}` references in a manifest read, when --env names the key's variable: the interpolation
 * refuses CLERK_SECRET_KEY by name and any variable holding its value (forbidden_variable), so that name carries the
 * key this run uses; a variable holding the key CLERK_SECRET_KEY had is left out (unset). No manifest reads either.
 */
export function manifestEnvironment(io: CliIO): Record<string, string | undefined> {
  const variable = io.secretKeyVariable;
  if (variable === undefined || variable === 'CLERK_SECRET_KEY') return io.env;
  const key = io.env[variable]?.trim() ?? '';
  const other = io.env.CLERK_SECRET_KEY?.trim() ?? '';
  const env: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(io.env)) {
    if (other !== '' && other !== key && value?.includes(other)) continue;
    env[name] = value;
  }
  env.CLERK_SECRET_KEY = key === '' ? undefined : key;
  return env;
}

/** The secret key the client will use, for guards that depend on its kind (sk_live_). */
export function secretKeyOf(io: CliIO): string {
  return (io.env[io.secretKeyVariable ?? 'CLERK_SECRET_KEY'] ?? '').trim();
}
