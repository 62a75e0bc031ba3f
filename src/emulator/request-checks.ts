// The checks a /v1 request passes before rate limits and routing: the secret key, then the API version. Each
// answers undefined to let the request through, or the reply that refuses it.

import { timingSafeEqual } from 'node:crypto';
import { CLERK_API_VERSION } from '../clerk/index.ts';
import { errorReply, problem, type Reply } from './reply.ts';

const API_VERSION_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

export function keyMatches(header: string | undefined, secretKey: string): 'ok' | 'format' | 'invalid' {
  if (header === undefined || !header.startsWith('Bearer ')) return 'format';
  const given = Buffer.from(header.slice('Bearer '.length).trim());
  const expected = Buffer.from(secretKey);
  return given.length === expected.length && timingSafeEqual(given, expected) ? 'ok' : 'invalid';
}

/** 401 unless the Authorization header is `Bearer <secretKey>`. */
export function authenticate(header: string | undefined, secretKey: string): Reply | undefined {
  const auth = keyMatches(header, secretKey);
  if (auth === 'ok') return undefined;
  return errorReply(
    auth === 'format'
      ? problem(
          401,
          'authorization_header_format_invalid',
          'Invalid Authorization header format',
          "Must be 'Bearer <YOUR_API_KEY>'",
        )
      : problem(
          401,
          'clerk_key_invalid',
          'Secret Key is invalid',
          'The provided Clerk Secret Key is invalid. Make sure that your Clerk Secret Key is correct.',
        ),
  );
}

export type VersionResult = { ok: true; apiVersion: string } | { ok: false; reply: Reply };

/**
 * The API version a request asks for, from the `Clerk-API-Version` header or the `__clerk_api_version` query
 * parameter (not both), defaulting to the emulator's own; 400 when malformed or given twice.
 */
export function negotiateApiVersion(header: string | string[] | undefined, query: URLSearchParams): VersionResult {
  const headerVersion = typeof header === 'string' ? header : undefined;
  const queryVersion = query.get('__clerk_api_version');
  const requested = headerVersion ?? queryVersion ?? undefined;
  if (
    (headerVersion !== undefined && queryVersion !== null) ||
    (requested !== undefined && !API_VERSION_PATTERN.test(requested))
  ) {
    return {
      ok: false,
      reply: errorReply(
        problem(
          400,
          'api_version_invalid',
          'Invalid API version',
          'The API version is invalid: send one YYYY-MM-DD version, in the Clerk-API-Version header or the __clerk_api_version query parameter, not both.',
        ),
      ),
    };
  }
  return { ok: true, apiVersion: requested ?? CLERK_API_VERSION };
}
