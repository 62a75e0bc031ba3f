// Vitest helpers around the Clerk API emulator. `withEmulator()` starts one on 127.0.0.1:0 in beforeAll and closes
// it in afterAll; the returned object is usable as a RunningEmulator inside tests. `emulatorFetch()` sends one raw
// request (authorised by default) and returns the status, headers and parsed body.

import { afterAll, beforeAll } from 'vitest';
import {
  type EmulatorOptions,
  type EmulatorSeed,
  type EmulatorSettings,
  type EmulatorSettingsInput,
  type EmulatorStats,
  type RunningEmulator,
  type SeedResult,
  startEmulator,
} from '../../src/emulator/index.ts';

/**
 * Registers beforeAll/afterAll hooks for one emulator shared by the file (or describe block). Properties throw if
 * read before beforeAll ran (e.g. at collection time).
 */
export function withEmulator(options: EmulatorOptions = {}): RunningEmulator {
  let running: RunningEmulator | undefined;
  const current = (): RunningEmulator => {
    if (!running) throw new Error('withEmulator: the emulator is not started yet (use it inside tests or hooks)');
    return running;
  };
  beforeAll(async () => {
    running = await startEmulator({ port: 0, ...options });
  });
  afterAll(async () => {
    await running?.close();
    running = undefined;
  });
  return {
    get url() {
      return current().url;
    },
    get origin() {
      return current().origin;
    },
    get port() {
      return current().port;
    },
    get secretKey() {
      return current().secretKey;
    },
    stats: (): EmulatorStats => current().stats(),
    resetStats: () => current().resetStats(),
    reset: () => current().reset(),
    seed: (seed: EmulatorSeed): SeedResult => current().seed(seed),
    setFaults: (spec: string | undefined, seed?: number) => current().setFaults(spec, seed),
    setRateLimit: (spec: string | undefined) => current().setRateLimit(spec),
    settings: (): EmulatorSettings => current().settings(),
    updateSettings: (partial: EmulatorSettingsInput): EmulatorSettings => current().updateSettings(partial),
    close: () => current().close(),
  };
}

export interface EmulatorResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON, or the raw text when the body is not JSON. */
  body: unknown;
  text: string;
}

export interface EmulatorFetchOptions {
  /** Extra or replacement headers (e.g. a wrong Authorization or Content-Type). */
  headers?: Record<string, string>;
  /** Sent as-is instead of JSON.stringify(body). */
  rawBody?: string | Uint8Array;
  /** Leave out the Authorization header. */
  noAuth?: boolean;
}

/**
 * One request to the emulator. `path` is below /v1 (`/users?limit=1`) unless it starts with `/v1/` or
 * `/__emulator/`.
 */
export async function emulatorFetch(
  emu: Pick<RunningEmulator, 'origin' | 'secretKey'>,
  method: string,
  path: string,
  body?: unknown,
  options: EmulatorFetchOptions = {},
): Promise<EmulatorResponse> {
  const fullPath = path.startsWith('/v1/') || path.startsWith('/__emulator/') ? path : `/v1${path}`;
  const headers: Record<string, string> = {};
  if (!options.noAuth) headers.authorization = `Bearer ${emu.secretKey}`;
  let payload: string | Uint8Array | undefined = options.rawBody;
  if (payload === undefined && body !== undefined) payload = JSON.stringify(body);
  if (payload !== undefined) headers['content-type'] = 'application/json';
  Object.assign(headers, options.headers);
  const response = await fetch(`${emu.origin}${fullPath}`, {
    method,
    headers,
    ...(payload === undefined ? {} : { body: payload }),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON: keep the text.
  }
  return { status: response.status, headers: response.headers, body: parsed, text };
}
