// One /v1 request as a pipeline of small steps: route lookup and stats, auth, injected faults, API version, rate
// limits, route miss, body, handler. Each step answers or passes on; the pipeline sees no socket, so it runs in
// tests without a server. The outcome is a reply or a dropped connection (the reset faults).

import type { IncomingHttpHeaders } from 'node:http';
import type { FaultInjector } from './fault-injector.ts';
import type { FaultKind } from './limits.ts';
import { ClerkApiProblem, notFound } from './problem.ts';
import type { RateLimiter } from './rate-limiter.ts';
import { errorReply, internalError, type Reply, tooManyRequests } from './reply.ts';
import {
  type BodyResult,
  isJsonContentType,
  MAX_BODY_BYTES,
  parseJson,
  unsupportedContentType,
} from './request-body.ts';
import { authenticate, negotiateApiVersion } from './request-checks.ts';
import type { Handler, HandlerContext, RouteMatch, Router } from './router.ts';
import type { StatsRecorder } from './stats.ts';
import type { Store } from './store.ts';

/** A /v1 request as the pipeline sees it. */
export interface ApiRequest {
  method: string;
  /** The raw path, starting with /v1. */
  path: string;
  /** The query string without its `?`. */
  search: string;
  headers: IncomingHttpHeaders;
  /** Reads the body, answering 413 past `limit` bytes; called at most once. */
  readBody(limit: number): Promise<BodyResult>;
}

export type ApiOutcome = { kind: 'reply'; reply: Reply } | { kind: 'drop'; reason: 'reset' | 'commit-reset' };

export interface ApiDeps {
  router: Router;
  store: Store;
  secretKey: string;
  stats: StatsRecorder;
  faults: FaultInjector;
  rateLimiter: RateLimiter;
  /** Runs after every handler, to save the data file when the handler changed something. */
  persist(): void;
}

const BODY_METHODS = new Set(['POST', 'PATCH', 'PUT']);

type BodyStep = { ok: true; body: unknown; rawBodyLength: number } | { ok: false; reply: Reply };

/** Reads the body of POST, PATCH and PUT: JSON with Content-Type application/json, or raw for upload routes. */
export async function readRequestBody(request: ApiRequest, rawBody: boolean): Promise<BodyStep> {
  if (!BODY_METHODS.has(request.method)) return { ok: true, body: undefined, rawBodyLength: 0 };
  const read = await request.readBody(MAX_BODY_BYTES);
  if (!read.ok) return read;
  const rawBodyLength = read.bytes.length;
  if (rawBodyLength === 0 || rawBody) return { ok: true, body: undefined, rawBodyLength };
  if (!isJsonContentType(request.headers['content-type'])) return { ok: false, reply: unsupportedContentType() };
  try {
    return { ok: true, body: parseJson(read.bytes), rawBodyLength };
  } catch (error) {
    return { ok: false, reply: errorReply(error as ClerkApiProblem) };
  }
}

/** Runs a route handler; a ClerkApiProblem becomes its Clerk error, anything else a 500 naming the failure. */
export function runHandler(handler: Handler, context: HandlerContext): Reply | Promise<Reply> {
  try {
    const result = handler(context);
    return result instanceof Promise ? result.catch(failureReply) : result;
  } catch (error) {
    return failureReply(error);
  }
}

function failureReply(error: unknown): Reply {
  if (error instanceof ClerkApiProblem) return errorReply(error);
  const why = error instanceof Error ? error.message : String(error);
  return internalError(`The emulator failed on this request: ${why}`);
}

function reply(value: Reply): ApiOutcome {
  return { kind: 'reply', reply: value };
}

/** What an injected fault answers before the request reaches its route; commit-reset acts after the handler. */
function faultOutcome(fault: FaultKind | undefined): ApiOutcome | undefined {
  if (fault === 'reset') return { kind: 'drop', reason: 'reset' };
  if (fault === '429') return reply(tooManyRequests(1));
  if (fault === '500') return reply(internalError());
  return undefined;
}

/** Runs one /v1 request through the steps in order; the first step that answers ends it. */
export async function handleApiRequest(request: ApiRequest, deps: ApiDeps): Promise<ApiOutcome> {
  const { method } = request;
  const matched = deps.router.match(method, request.path.slice('/v1'.length));
  const match: RouteMatch | undefined = matched === 'bad_path' ? undefined : matched;
  const routeKey = match ? match.route.key : `${method} /v1/*`;
  deps.stats.request(routeKey);

  const unauthorized = authenticate(request.headers.authorization, deps.secretKey);
  if (unauthorized) return reply(unauthorized);
  const fault = deps.faults.draw(method !== 'GET' && method !== 'HEAD');
  if (fault !== undefined) deps.stats.fault(fault);
  const faulted = faultOutcome(fault);
  if (faulted) return faulted;
  const query = new URLSearchParams(request.search);
  const version = negotiateApiVersion(request.headers['clerk-api-version'], query);
  if (!version.ok) return reply(version.reply);
  const limited = deps.rateLimiter.check(routeKey, match?.params ?? {});
  if (limited) return reply(limited);
  if (!match) return reply(errorReply(notFound()));

  const body = await readRequestBody(request, match.route.rawBody === true);
  if (!body.ok) return reply(body.reply);
  const result = await runHandler(match.route.handler, {
    store: deps.store,
    params: match.params,
    query,
    body: body.body,
    apiVersion: version.apiVersion,
    rawBodyLength: body.rawBodyLength,
  });
  deps.persist();
  // The change is made; the client never hears about it.
  if (fault === 'commit-reset') return { kind: 'drop', reason: 'commit-reset' };
  return reply(result);
}
