// Test hooks outside /v1, without auth: stats, reset, seed and instance settings. A refused settings object or seed
// item answers a Clerk-style error; anything else thrown is a bug and reaches the server's last-resort 500.

import { ClerkApiProblem, notFound } from './problem.ts';
import { errorReply, type Reply } from './reply.ts';
import { type BodyResult, MAX_BODY_BYTES, MAX_SEED_BYTES, parseJson } from './request-body.ts';
import type { EmulatorSettings } from './settings.ts';
import { EmulatorSettingsError } from './settings-checks.ts';
import type { EmulatorStats, SeedResult } from './types.ts';

export interface HookRequest {
  method: string;
  path: string;
  readBody(limit: number): Promise<BodyResult>;
}

export interface HookDeps {
  stats(): EmulatorStats;
  settings(): EmulatorSettings;
  reset(): void;
  seed(input: unknown): SeedResult;
  updateSettings(partial: unknown): EmulatorSettings;
}

/** A refused settings object as a Clerk-style 422 naming the key (POST /__emulator/settings). */
export function settingsProblem(error: EmulatorSettingsError): ClerkApiProblem {
  return error.reason === 'unknown_key'
    ? new ClerkApiProblem(422, 'form_param_unknown', 'is unknown', error.message, { paramName: error.key })
    : new ClerkApiProblem(422, 'form_param_value_invalid', 'is invalid', error.message, { paramName: error.key });
}

function ok(value: unknown): Reply {
  return { status: 200, body: JSON.stringify(value) };
}

/** Reads a JSON body and applies it; the Clerk errors it may throw become replies. */
async function withJsonBody(request: HookRequest, limit: number, apply: (input: unknown) => unknown): Promise<Reply> {
  const read = await request.readBody(limit);
  if (!read.ok) return read.reply;
  try {
    return ok(apply(parseJson(read.bytes)));
  } catch (error) {
    if (error instanceof EmulatorSettingsError) return errorReply(settingsProblem(error));
    if (error instanceof ClerkApiProblem) return errorReply(error);
    throw error;
  }
}

const UNKNOWN_HOOK =
  'Unknown emulator hook: use GET /__emulator/stats, POST /__emulator/reset, POST /__emulator/seed or GET/POST /__emulator/settings.';

/** Answers one /__emulator/* request; the caller drains whatever body is left unread. */
export async function handleHook(request: HookRequest, deps: HookDeps): Promise<Reply> {
  const route = `${request.method} ${request.path}`;
  switch (route) {
    case 'GET /__emulator/stats':
      return ok(deps.stats());
    case 'POST /__emulator/reset':
      deps.reset();
      return { status: 200, body: '{"reset":true}' };
    case 'GET /__emulator/settings':
      return ok(deps.settings());
    case 'POST /__emulator/settings':
      return withJsonBody(request, MAX_BODY_BYTES, (input) => deps.updateSettings(input));
    case 'POST /__emulator/seed':
      return withJsonBody(request, MAX_SEED_BYTES, (input) => deps.seed(input));
    default:
      return errorReply(notFound(UNKNOWN_HOOK));
  }
}
