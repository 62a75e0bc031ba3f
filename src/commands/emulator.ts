// clerk-sync emulator: serves the local Clerk Backend API emulator until SIGINT/SIGTERM. The first stdout line is
// `listening on http://HOST:PORT/v1` (the real port with --port 0) so scripts and benchmarks can read it.

import { parse as parseYaml } from 'yaml';
import { parseRateLimit } from '../clerk/index.ts';
import {
  EmulatorSettingsError,
  type EmulatorSettingsInput,
  isSettingsPreset,
  parseFaults,
  resolveSettings,
  SETTINGS_PRESETS,
  type SettingsPreset,
  startEmulator,
} from '../emulator/index.ts';
import { ClerkSyncError, UsageError } from '../errors.ts';
import { booleanOption, type CommandDefinition, stringOption } from './command.ts';
import { readTextFile } from './files.ts';

const DEFAULT_PORT = 8787;

function parsePort(text: string | undefined): number {
  if (text === undefined) return DEFAULT_PORT;
  const port = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(port) || port < 0 || port > 65_535) {
    throw new UsageError(`invalid --port "${text}": expected a number from 0 to 65535 (0 picks a free port)`);
  }
  return port;
}

function parseSeed(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`invalid --fault-seed "${text}": expected a non-negative whole number`);
  }
  return Number(text);
}

function parsePreset(text: string | undefined): SettingsPreset | undefined {
  if (text === undefined) return undefined;
  if (!isSettingsPreset(text)) {
    throw new UsageError(`invalid --preset "${text}": expected ${Object.keys(SETTINGS_PRESETS).join(' or ')}`);
  }
  return text;
}

/** Reads --settings FILE (YAML or JSON: YAML parses both) into a partial settings object, checked key by key. */
async function readSettings(
  cwd: string,
  file: string,
  secretKey: string,
  preset: SettingsPreset | undefined,
): Promise<EmulatorSettingsInput> {
  const text = await readTextFile(cwd, file, 'emulator settings');
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (error) {
    throw new ClerkSyncError('emulator_settings_invalid', `${file} is not valid YAML or JSON: ${String(error)}`, {
      hint: 'The settings file is one object of emulator settings, e.g. {"user_cap": null}.',
    });
  }
  try {
    resolveSettings(secretKey, { preset, settings: value as EmulatorSettingsInput });
  } catch (error) {
    if (error instanceof EmulatorSettingsError) {
      throw new ClerkSyncError('emulator_settings_invalid', `${file}: ${error.message}`, {
        meta: error.meta,
        ...(error.hint === undefined ? {} : { hint: error.hint }),
      });
    }
    throw error;
  }
  return value as EmulatorSettingsInput;
}

function isLoopback(host: string): boolean {
  const name = host.toLowerCase().replace(/^\[|\]$/g, '');
  return name === 'localhost' || name === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}

export const emulatorCommand: CommandDefinition = {
  name: 'emulator',
  summary: 'serve a local Clerk Backend API emulator (tests, demos, benchmarks)',
  help: `Usage: clerk-sync emulator [options]

Serves a local, high-fidelity Clerk Backend API (version 2026-05-12) until interrupted (Ctrl-C / SIGTERM).
The first line on stdout is "listening on http://HOST:PORT/v1". Point clerk-sync at it with
  CLERK_API_URL=http://127.0.0.1:8787/v1 CLERK_SECRET_KEY=sk_test_emulator clerk-sync plan -f users.yaml
or @clerk/backend with createClerkClient({ secretKey: 'sk_test_emulator', apiUrl: 'http://127.0.0.1:8787' }).

Options:
  --port N            port to listen on (default 8787; 0 picks a free port)
  --host HOST         address to listen on (default 127.0.0.1; a non-loopback host needs --allow-remote)
  --allow-remote      allow a non-loopback --host (the /__emulator hooks have no authentication)
  --secret-key KEY    the secret key requests must send as "Authorization: Bearer KEY" (default sk_test_emulator)
  --data FILE         keep the instance in FILE: loaded at start, saved atomically after changes and on exit
  --rate-limit N/T    per-instance rate limit such as 100/10s, 1000/10s or 50/500ms (default: off); also enables
                      Clerk's per-user update limit of 10 requests per 10 s
  --faults SPEC       inject failures, e.g. "429=0.08,500=0.05,reset=0.03,commit-reset=0.03,latency=5ms"
                      (reset drops the connection; commit-reset applies the change, then drops it)
  --fault-seed N      seed for the fault sequence (default 1), so a run can be replayed
  --preset NAME       instance settings to start from: new-instance (default: refuses what a new Clerk instance
                      refuses: users without a password, a 101st user in development, slugs, a 6th member,
                      unknown roles, removing the last admin or a user's last identification; locks expire after
                      an hour) or permissive (none of those rules, locks never expire)
  --settings FILE     instance settings (YAML or JSON) merged over the preset, snake_case like Clerk's objects, e.g.
                        user_cap: null
                        lockout_duration_seconds: 600
                        organization_settings: { slug_disabled: false, max_allowed_memberships: 20 }
                      keys: environment_type, password_required, password_min_length, password_breached_check,
                      user_cap, lockout_duration_seconds, roles, unknown_roles_refused, last_admin_protected,
                      identification_deletion_protected, numeric_usernames_refused, organization_settings

Test hooks (no auth): GET /__emulator/stats, POST /__emulator/reset, POST /__emulator/seed (loads past caps and
quotas), GET /__emulator/settings, POST /__emulator/settings (a partial settings object, merged).

Exit codes: 0 after SIGINT/SIGTERM, 1 on a usage or startup error.`,
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    'allow-remote': { type: 'boolean' },
    'secret-key': { type: 'string' },
    data: { type: 'string' },
    'rate-limit': { type: 'string' },
    faults: { type: 'string' },
    'fault-seed': { type: 'string' },
    preset: { type: 'string' },
    settings: { type: 'string' },
  },
  allowPositionals: false,
  async run({ values }, io) {
    const port = parsePort(stringOption(values, 'port'));
    const host = stringOption(values, 'host') ?? '127.0.0.1';
    if (!isLoopback(host) && !booleanOption(values, 'allow-remote')) {
      throw new UsageError(`refusing to listen on non-loopback host "${host}" without --allow-remote`, {
        hint: 'The emulator and its /__emulator hooks have no real authentication; add --allow-remote if you mean it.',
      });
    }
    const secretKey = stringOption(values, 'secret-key');
    if (secretKey !== undefined && secretKey.trim() === '') throw new UsageError('--secret-key must not be empty');
    const rateLimit = stringOption(values, 'rate-limit');
    if (rateLimit !== undefined) parseRateLimit(rateLimit);
    const faults = stringOption(values, 'faults');
    if (faults !== undefined) parseFaults(faults);
    const faultSeed = parseSeed(stringOption(values, 'fault-seed'));
    const dataFile = stringOption(values, 'data');
    const preset = parsePreset(stringOption(values, 'preset'));
    const settingsFile = stringOption(values, 'settings');
    const settings =
      settingsFile === undefined
        ? undefined
        : await readSettings(io.cwd, settingsFile, secretKey ?? 'sk_test_emulator', preset);

    const emulator = await startEmulator({
      port,
      host,
      ...(secretKey === undefined ? {} : { secretKey }),
      ...(dataFile === undefined ? {} : { dataFile }),
      ...(rateLimit === undefined ? {} : { rateLimit }),
      ...(faults === undefined ? {} : { faults }),
      ...(faultSeed === undefined ? {} : { faultSeed }),
      ...(preset === undefined ? {} : { preset }),
      ...(settings === undefined ? {} : { settings }),
    });
    io.stdout.write(`listening on ${emulator.url}\n`);
    // A key given on the command line is never echoed: logs of CI runs are often public.
    const details = [
      `secret key: ${secretKey === undefined ? emulator.secretKey : '(from --secret-key)'}`,
      ...(dataFile ? [`data: ${dataFile}`] : []),
      ...(rateLimit ? [`rate limit: ${rateLimit}`] : []),
      ...(faults ? [`faults: ${faults}`] : []),
      `settings: ${preset ?? 'new-instance'}${settingsFile ? ` + ${settingsFile}` : ''}`,
    ];
    io.stderr.write(`${details.join(' · ')}\nPress Ctrl-C to stop.\n`);
    await new Promise<void>((resolve) => {
      if (io.signal.aborted) resolve();
      else io.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await emulator.close();
    io.stderr.write('emulator stopped\n');
    return 0;
  },
};
