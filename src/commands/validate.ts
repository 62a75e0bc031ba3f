// clerk-sync validate: offline check of a manifest. Prints every diagnostic at once (sorted, compiler-like, on
// stderr; or a JSON array on stdout with --format json; or GitHub annotations with --github / under GitHub
// Actions), and a one-line summary when the manifest is valid. Exit 0 valid, 1 invalid.

import { UsageError } from '../errors.ts';
import {
  type Diagnostic,
  diagnosticsToGithub,
  diagnosticsToJson,
  formatDiagnostics,
  loadManifest,
  sortDiagnostics,
} from '../manifest/index.ts';
import type { DesiredState } from '../model/index.ts';
import { disclosureOf, manifestPolicyResults, policyRefusals, redactText } from '../plan/index.ts';
import { plural } from '../util/plural.ts';
import { booleanOption, type CliIO, type CommandDefinition, formatOption, stringList } from './command.ts';
import { ENVIRONMENT_OPTIONS, manifestEnvironment } from './environment-options.ts';

const FORMATS = ['text', 'json'] as const;
type Format = (typeof FORMATS)[number];

function summary(desired: DesiredState): string {
  const files = desired.files.length <= 3 ? desired.files.join(', ') : `${desired.files.length} files`;
  return `✓ ${files}: ${plural(desired.users.length, 'user')}, ${plural(desired.organizations.length, 'organization')}\n`;
}

/** settings.policies on what the manifest alone decides (src/plan/policies.ts), as manifest errors. */
function policyDiagnostics(desired: DesiredState): Diagnostic[] {
  // A message never shows a value read from the environment.
  const hidden = disclosureOf(desired, []);
  return policyRefusals(manifestPolicyResults(desired)).map((refusal) => ({
    file: refusal.source?.file ?? desired.files[0] ?? '<none>',
    line: refusal.source?.line ?? 1,
    column: refusal.source?.column ?? 1,
    severity: 'error',
    code: refusal.code,
    message: redactText(refusal.message, hidden),
    ...(refusal.hint === undefined ? {} : { hint: refusal.hint }),
  }));
}

function colorWanted(io: CliIO): boolean {
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  if (io.env.FORCE_COLOR !== undefined && io.env.FORCE_COLOR !== '0') return true;
  return io.stderr.isTTY === true;
}

export const validateCommand: CommandDefinition = {
  name: 'validate',
  summary: 'check a manifest offline: every error with file:line:col',
  help: `Usage: clerk-sync validate -f FILE... [--format text|json] [--github]

Checks the manifest without contacting Clerk: YAML syntax, the JSON Schema (schema/manifest.schema.json),
cross-checks (user keys, duplicates across users and files, undeclared organizations, \${VAR} references), and
settings.policies on what the manifest alone decides (minAdmins, requiredAdmins and allowedEmailDomains over the
declared memberships; protected users it bans or locks; codes policy_*). Every problem is listed at once, sorted
by file and line.

Options:
  -f, --file FILE    manifest file, or a directory of *.yaml / *.yml files (repeatable; all merge into one manifest)
  --format FORMAT    text (default: diagnostics on stderr, summary on stdout) or json (the diagnostics as a JSON
                     array on stdout, for editors and CI)
  --github           also print GitHub Actions annotations (automatic when GITHUB_ACTIONS=true)
  --env NAME         validate the manifest files of environment NAME of the project file (clerk-sync.yaml, or
                     --project FILE); -f given on the command line wins
  --project FILE     the project file to read (default ./clerk-sync.yaml); only with --env

Exit codes: 0 valid (warnings allowed), 1 invalid (or a policy refused).`,
  options: {
    file: { type: 'string', short: 'f', multiple: true },
    format: { type: 'string' },
    github: { type: 'boolean' },
    ...ENVIRONMENT_OPTIONS,
  },
  allowPositionals: true,
  async run({ values, positionals }, io) {
    const format: Format = formatOption(values, FORMATS, 'text');
    const files = stringList(values, 'file');
    if (positionals.length > 0) {
      throw new UsageError(`unexpected argument "${positionals[0]}"`, {
        hint: `Pass manifest files with -f: clerk-sync validate -f ${positionals[0]}`,
      });
    }
    if (files.length === 0) {
      throw new UsageError('validate needs a manifest: -f FILE (repeatable; a directory means its *.yaml files)');
    }
    const loaded = await loadManifest(files, { env: manifestEnvironment(io), cwd: io.cwd, signal: io.signal });
    const policyErrors = loaded.desired === undefined ? [] : policyDiagnostics(loaded.desired);
    const result =
      policyErrors.length === 0
        ? loaded
        : { ...loaded, desired: undefined, diagnostics: sortDiagnostics([...loaded.diagnostics, ...policyErrors]) };
    const valid = result.desired !== undefined;
    if (format === 'json') {
      io.stdout.write(diagnosticsToJson(result.diagnostics));
      return valid ? 0 : 1;
    }
    if (booleanOption(values, 'github') || io.env.GITHUB_ACTIONS === 'true') {
      io.stdout.write(diagnosticsToGithub(result.diagnostics));
    }
    if (result.diagnostics.length > 0) {
      io.stderr.write(formatDiagnostics(result.diagnostics, result.sources, { color: colorWanted(io) }));
    }
    if (result.desired) io.stdout.write(summary(result.desired));
    return valid ? 0 : 1;
  },
};
