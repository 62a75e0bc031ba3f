// The HTTP side of the emulator on plain node:http. Content-Type is exactly `application/json`: `@clerk/backend`
// parses a body only on that exact value (clerk-api-notes §7.2, §9), so framework helpers that append
// `; charset=utf-8` would break it. Per /v1 request: stats, auth, injected faults, rate limits, body checks,
// the route handler, and the Clerk error body for anything refused. Test hooks live outside /v1 without auth.

import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CLERK_API_VERSION } from '../clerk/index.ts';
import { ClerkSyncError } from '../errors.ts';
import { IDENTIFIER_ROUTES } from './identifiers.ts';
import { newTraceId } from './ids.ts';
import { INSTANCE_ROUTES } from './instance.ts';
import {
  drawFault,
  type FaultSpec,
  parseFaults,
  parseRateSpec,
  type RateSpec,
  RESOURCE_UPDATE_LIMIT,
  seededRandom,
  TokenBucket,
  updatedResource,
} from './limits.ts';
import { ORGANIZATION_ROUTES } from './organizations.ts';
import { DataFileWriter, loadDataFile } from './persistence.ts';
import { bodyInvalid, ClerkApiProblem, notFound } from './problem.ts';
import { type HandlerResult, Router } from './router.ts';
import { applySeed } from './seed.ts';
import { type EmulatorSettings, EmulatorSettingsError, mergeSettings, resolveSettings } from './settings.ts';
import { Store } from './store.ts';
import type { EmulatorOptions, EmulatorSeed, EmulatorStats, RunningEmulator, SeedResult } from './types.ts';
import { USER_ROUTES } from './users.ts';

/** Request bodies above 1 MB are refused with 413 (request_body_too_large, clerk-api-notes §6). */
const MAX_BODY_BYTES = 1024 * 1024;
/** The seed hook takes whole instances (100k users). */
const MAX_SEED_BYTES = 512 * 1024 * 1024;
const DEFAULT_SECRET_KEY = 'sk_test_emulator';
const API_VERSION_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

const router = new Router([...USER_ROUTES, ...IDENTIFIER_ROUTES, ...ORGANIZATION_ROUTES, ...INSTANCE_ROUTES]);

interface Reply {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

function errorReply(problem: ClerkApiProblem, headers?: Record<string, string>): Reply {
  const body = JSON.stringify({ errors: [problem.toClerkError()], clerk_trace_id: newTraceId() });
  return { status: problem.status, body, ...(headers ? { headers } : {}) };
}

function problem(status: number, code: string, message: string, longMessage: string): ClerkApiProblem {
  return new ClerkApiProblem(status, code, message, longMessage);
}

function tooManyRequests(retryAfterSeconds: number): Reply {
  return errorReply(problem(429, 'too_many_requests', 'Too many requests', 'Too many requests, retry later'), {
    'Retry-After': String(retryAfterSeconds),
  });
}

function send(res: ServerResponse, reply: Reply): void {
  if (res.destroyed || res.headersSent) return;
  res.writeHead(reply.status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(reply.body),
    ...reply.headers,
  });
  res.end(reply.body);
}

type BodyResult = { ok: true; bytes: Buffer } | { ok: false; reply: Reply };

function tooLarge(limit: number): Reply {
  return errorReply(
    problem(
      413,
      'request_body_too_large',
      'Request body too large',
      `The request body exceeds the limit of ${limit} bytes.`,
    ),
  );
}

function readBody(req: IncomingMessage, limit: number): Promise<BodyResult> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.resolve({ ok: false, reply: tooLarge(limit) });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        done = true;
        resolve({ ok: false, reply: tooLarge(limit) });
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!done) {
        done = true;
        resolve({ ok: true, bytes: Buffer.concat(chunks, size) });
      }
    });
    req.on('error', () => {
      if (!done) {
        done = true;
        resolve({ ok: true, bytes: Buffer.alloc(0) });
      }
    });
  });
}

/**
 * Deepest JSON nesting accepted in a request body. JSON.parse takes far deeper input than JSON.stringify and
 * structuredClone can handle (both overflow the stack near 5,000 levels), so without a cap a valid-looking body
 * would turn into a 500 when the emulator echoes or stores it. 8 KB of metadata cannot usefully nest this deep.
 */
const MAX_BODY_DEPTH = 512;

/** Nesting depth of a parsed JSON value, measured without recursion; stops counting past `limit`. */
function depthExceeds(value: unknown, limit: number): boolean {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const item = stack.pop() as { value: unknown; depth: number };
    if (typeof item.value !== 'object' || item.value === null) continue;
    if (item.depth >= limit) return true;
    for (const child of Object.values(item.value)) stack.push({ value: child, depth: item.depth + 1 });
  }
  return false;
}

function parseJson(bytes: Buffer): unknown {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw bodyInvalid('The request body is not valid JSON.');
  }
  if (depthExceeds(value, MAX_BODY_DEPTH)) {
    throw bodyInvalid(`The request body is nested more than ${MAX_BODY_DEPTH} levels deep.`);
  }
  return value;
}

function isJsonContentType(header: string | undefined): boolean {
  if (header === undefined) return false;
  const media = header.split(';')[0]?.trim().toLowerCase();
  return media === 'application/json';
}

function keyMatches(header: string | undefined, secretKey: string): 'ok' | 'format' | 'invalid' {
  if (header === undefined || !header.startsWith('Bearer ')) return 'format';
  const given = Buffer.from(header.slice('Bearer '.length).trim());
  const expected = Buffer.from(secretKey);
  return given.length === expected.length && timingSafeEqual(given, expected) ? 'ok' : 'invalid';
}

function emptyStats(): EmulatorStats {
  return { total: 0, byRoute: {}, byStatus: {}, faults: {} };
}

function bump(record: Record<string, number>, key: string): void {
  record[key] = (record[key] ?? 0) + 1;
}

/** A refused settings object as a Clerk-style 422 naming the key (POST /__emulator/settings). */
function settingsProblem(error: EmulatorSettingsError): ClerkApiProblem {
  return error.reason === 'unknown_key'
    ? new ClerkApiProblem(422, 'form_param_unknown', 'is unknown', error.message, { paramName: error.key })
    : new ClerkApiProblem(422, 'form_param_value_invalid', 'is invalid', error.message, { paramName: error.key });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Starts an emulator; resolves once it listens. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const host = options.host ?? '127.0.0.1';
  const secretKey = options.secretKey ?? DEFAULT_SECRET_KEY;
  const clock = options.clock ?? Date.now;
  const store = new Store(clock, resolveSettings(secretKey, { preset: options.preset, settings: options.settings }));
  let stats = emptyStats();

  let faults: FaultSpec | undefined;
  let random = seededRandom(1);
  const setFaults = (spec: string | undefined, seed?: number): void => {
    faults = spec === undefined || spec.trim() === '' ? undefined : parseFaults(spec);
    random = seededRandom(seed ?? options.faultSeed ?? 1);
  };
  setFaults(options.faults, options.faultSeed);

  let rate: RateSpec | undefined;
  let instanceBucket: TokenBucket | undefined;
  const resourceBuckets = new Map<string, TokenBucket>();
  const setRateLimit = (spec: string | RateSpec | undefined): void => {
    rate = spec === undefined ? undefined : parseRateSpec(spec);
    instanceBucket = rate === undefined ? undefined : new TokenBucket(rate, clock());
    resourceBuckets.clear();
  };
  setRateLimit(options.rateLimit);

  const writer =
    options.dataFile === undefined
      ? undefined
      : new DataFileWriter({ file: options.dataFile, snapshot: () => JSON.stringify(store.toPersisted()) });
  if (options.dataFile !== undefined) {
    const state = loadDataFile(options.dataFile);
    if (state) store.load(state);
  }
  if (options.seed) applySeed(store, options.seed);
  let savedVersion = store.version;
  const persistIfChanged = (): void => {
    if (writer && store.version !== savedVersion) {
      savedVersion = store.version;
      writer.schedule();
    }
  };
  // Seeded data is written even if no request ever mutates anything.
  if (options.seed && writer) writer.schedule();

  const seed = (input: EmulatorSeed | unknown): SeedResult => {
    try {
      return applySeed(store, input);
    } finally {
      persistIfChanged();
    }
  };
  const updateSettings = (partial: unknown): EmulatorSettings => {
    store.setSettings(mergeSettings(store.settings, partial));
    return structuredClone(store.settings);
  };
  const reset = (): void => {
    store.clear();
    stats = emptyStats();
    persistIfChanged();
  };

  /** Rate limits, in Clerk's order: the instance bucket, then the per-resource update bucket. */
  const checkRateLimit = (routeKey: string, params: Record<string, string>): Reply | undefined => {
    if (rate === undefined || instanceBucket === undefined) return undefined;
    const now = clock();
    const waitMs = instanceBucket.take(now);
    if (waitMs > 0) return tooManyRequests(Math.max(1, Math.ceil(waitMs / 1000)));
    const resource = updatedResource(routeKey, params);
    if (resource === undefined) return undefined;
    let bucket = resourceBuckets.get(resource);
    if (!bucket) {
      bucket = new TokenBucket(RESOURCE_UPDATE_LIMIT, now);
      resourceBuckets.set(resource, bucket);
    }
    const resourceWait = bucket.take(now);
    return resourceWait > 0 ? tooManyRequests(Math.max(1, Math.ceil(resourceWait / 1000))) : undefined;
  };

  const handleApi = async (req: IncomingMessage, res: ServerResponse, path: string, search: string): Promise<void> => {
    const method = req.method ?? 'GET';
    const match = router.match(method, path.slice('/v1'.length));
    const routeKey = match !== undefined && match !== 'bad_path' ? match.route.key : `${method} /v1/*`;
    stats.total++;
    bump(stats.byRoute, routeKey);
    const mutating = method !== 'GET' && method !== 'HEAD';

    const finish = async (reply: Reply): Promise<void> => {
      if (faults && faults.latencyMs > 0) await delay(faults.latencyMs);
      bump(stats.byStatus, String(reply.status));
      send(res, reply);
    };

    const auth = keyMatches(req.headers.authorization, secretKey);
    if (auth !== 'ok') {
      req.resume();
      await finish(
        errorReply(
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
        ),
      );
      return;
    }

    const fault = faults ? drawFault(faults, random, mutating) : undefined;
    if (fault !== undefined) bump(stats.faults, fault);
    if (fault === 'reset') {
      bump(stats.byStatus, 'reset');
      req.socket.destroy();
      return;
    }
    if (fault === '429') {
      req.resume();
      await finish(tooManyRequests(1));
      return;
    }
    if (fault === '500') {
      req.resume();
      await finish(
        errorReply(
          problem(
            500,
            'internal_clerk_error',
            'Oops, an unexpected error occurred',
            "There was an internal error on our servers. We've been notified and are working on fixing it.",
          ),
        ),
      );
      return;
    }

    const query = new URLSearchParams(search);
    const headerVersion = req.headers['clerk-api-version'];
    const queryVersion = query.get('__clerk_api_version');
    const requested = (typeof headerVersion === 'string' ? headerVersion : undefined) ?? queryVersion ?? undefined;
    if (
      (typeof headerVersion === 'string' && queryVersion !== null) ||
      (requested !== undefined && !API_VERSION_PATTERN.test(requested))
    ) {
      req.resume();
      await finish(
        errorReply(
          problem(
            400,
            'api_version_invalid',
            'Invalid API version',
            'The API version is invalid: send one YYYY-MM-DD version, in the Clerk-API-Version header or the __clerk_api_version query parameter, not both.',
          ),
        ),
      );
      return;
    }

    const limited = checkRateLimit(routeKey, match !== undefined && match !== 'bad_path' ? match.params : {});
    if (limited) {
      req.resume();
      await finish(limited);
      return;
    }

    if (match === undefined || match === 'bad_path') {
      req.resume();
      await finish(errorReply(notFound()));
      return;
    }

    let body: unknown;
    let rawBodyLength = 0;
    if (method === 'POST' || method === 'PATCH' || method === 'PUT') {
      const read = await readBody(req, MAX_BODY_BYTES);
      if (!read.ok) {
        await finish(read.reply);
        return;
      }
      rawBodyLength = read.bytes.length;
      if (read.bytes.length > 0 && !match.route.rawBody) {
        if (!isJsonContentType(req.headers['content-type'])) {
          await finish(
            errorReply(
              problem(
                415,
                'unsupported_content_type',
                'Unsupported content type',
                'The request body must be JSON, sent with Content-Type: application/json.',
              ),
            ),
          );
          return;
        }
        try {
          body = parseJson(read.bytes);
        } catch (error) {
          await finish(errorReply(error as ClerkApiProblem));
          return;
        }
      }
    } else {
      req.resume();
    }

    let reply: Reply;
    try {
      const result: HandlerResult = match.route.handler({
        store,
        params: match.params,
        query,
        body,
        apiVersion: requested ?? CLERK_API_VERSION,
        rawBodyLength,
      });
      reply = result;
    } catch (error) {
      reply =
        error instanceof ClerkApiProblem
          ? errorReply(error)
          : errorReply(
              problem(
                500,
                'internal_clerk_error',
                'Oops, an unexpected error occurred',
                `The emulator failed on this request: ${error instanceof Error ? error.message : String(error)}`,
              ),
            );
    }
    persistIfChanged();
    if (fault === 'commit-reset') {
      // The change is made; the client never hears about it.
      bump(stats.byStatus, 'commit-reset');
      req.socket.destroy();
      return;
    }
    await finish(reply);
  };

  const handleHook = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    const method = req.method ?? 'GET';
    if (method === 'GET' && path === '/__emulator/stats') {
      req.resume();
      send(res, { status: 200, body: JSON.stringify(stats) });
      return;
    }
    if (method === 'POST' && path === '/__emulator/reset') {
      req.resume();
      reset();
      send(res, { status: 200, body: '{"reset":true}' });
      return;
    }
    if (path === '/__emulator/settings' && (method === 'GET' || method === 'POST')) {
      if (method === 'GET') {
        req.resume();
        send(res, { status: 200, body: JSON.stringify(store.settings) });
        return;
      }
      const read = await readBody(req, MAX_BODY_BYTES);
      if (!read.ok) {
        send(res, read.reply);
        return;
      }
      try {
        send(res, { status: 200, body: JSON.stringify(updateSettings(parseJson(read.bytes))) });
      } catch (error) {
        if (error instanceof EmulatorSettingsError) send(res, errorReply(settingsProblem(error)));
        else if (error instanceof ClerkApiProblem) send(res, errorReply(error));
        else throw error;
      }
      return;
    }
    if (method === 'POST' && path === '/__emulator/seed') {
      const read = await readBody(req, MAX_SEED_BYTES);
      if (!read.ok) {
        send(res, read.reply);
        return;
      }
      try {
        const result = seed(parseJson(read.bytes));
        send(res, { status: 200, body: JSON.stringify(result) });
      } catch (error) {
        if (error instanceof ClerkApiProblem) send(res, errorReply(error));
        else throw error;
      }
      return;
    }
    req.resume();
    send(
      res,
      errorReply(
        notFound(
          'Unknown emulator hook: use GET /__emulator/stats, POST /__emulator/reset, POST /__emulator/seed or GET/POST /__emulator/settings.',
        ),
      ),
    );
  };

  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const path = queryAt < 0 ? url : url.slice(0, queryAt);
    const search = queryAt < 0 ? '' : url.slice(queryAt + 1);
    let work: Promise<void>;
    if (path === '/v1' || path.startsWith('/v1/')) work = handleApi(req, res, path, search);
    else if (path.startsWith('/__emulator/')) work = handleHook(req, res, path);
    else {
      req.resume();
      send(res, errorReply(notFound()));
      return;
    }
    work.catch((error: unknown) => {
      // Last line of defence: the emulator answers 500 rather than crash on a bug.
      send(
        res,
        errorReply(
          problem(
            500,
            'internal_clerk_error',
            'Oops, an unexpected error occurred',
            `The emulator failed: ${String(error)}`,
          ),
        ),
      );
    });
  });
  // Malformed HTTP gets a plain 400 and a closed connection, as Node would by default, without an 'error' crash.
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void => {
      reject(
        new ClerkSyncError(
          'emulator_listen_failed',
          `the emulator cannot listen on ${host}:${options.port ?? 0}: ${error.message}`,
          {
            cause: error,
            hint: 'Pick another --port (0 picks a free one) or stop whatever uses this one.',
          },
        ),
      );
    };
    server.once('error', onError);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', onError);
      resolve();
    });
  });

  const port = (server.address() as AddressInfo).port;
  const hostInUrl = host.includes(':') ? `[${host}]` : host;
  const origin = `http://${hostInUrl}:${port}`;
  let closing: Promise<void> | undefined;

  return {
    url: `${origin}/v1`,
    origin,
    port,
    secretKey,
    stats: () => structuredClone(stats),
    resetStats: () => {
      stats = emptyStats();
    },
    reset,
    seed: (input) => seed(input),
    setFaults,
    setRateLimit,
    settings: () => structuredClone(store.settings),
    updateSettings: (partial) => updateSettings(partial),
    close: () => {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await writer?.flush();
      })();
      return closing;
    },
  };
}
