// The HTTP side of the emulator on plain node:http: it wires the request pipeline (api-pipeline.ts) and the test
// hooks (hooks.ts) to sockets, and owns the server's lifecycle. Per /v1 request: stats, auth, injected faults,
// rate limits, body checks, the route handler, and the Clerk error body for anything refused.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ClerkSyncError } from '../errors.ts';
import { type ApiDeps, handleApiRequest } from './api-pipeline.ts';
import { EmulatorData } from './emulator-data.ts';
import { FaultInjector } from './fault-injector.ts';
import { type HookDeps, handleHook } from './hooks.ts';
import { IDENTIFIER_ROUTES } from './identifiers.ts';
import { INSTANCE_ROUTES } from './instance.ts';
import { ORGANIZATION_ROUTES } from './organizations.ts';
import { notFound } from './problem.ts';
import { RateLimiter } from './rate-limiter.ts';
import { errorReply, internalError, send } from './reply.ts';
import { readBody } from './request-body.ts';
import { Router } from './router.ts';
import { StatsRecorder } from './stats.ts';
import type { EmulatorOptions, RunningEmulator } from './types.ts';
import { USER_ROUTES } from './users.ts';

const DEFAULT_SECRET_KEY = 'sk_test_emulator';

const router = new Router([...USER_ROUTES, ...IDENTIFIER_ROUTES, ...ORGANIZATION_ROUTES, ...INSTANCE_ROUTES]);

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs the /v1 pipeline for one request and answers on the socket (after the injected latency). */
async function serveApi(req: IncomingMessage, res: ServerResponse, url: URLParts, deps: ApiDeps): Promise<void> {
  const outcome = await handleApiRequest(
    { method: req.method ?? 'GET', ...url, headers: req.headers, readBody: (limit) => readBody(req, limit) },
    deps,
  );
  if (outcome.kind === 'drop') {
    deps.stats.outcome(outcome.reason);
    req.socket.destroy();
    return;
  }
  req.resume();
  if (deps.faults.latencyMs > 0) await delay(deps.faults.latencyMs);
  deps.stats.outcome(String(outcome.reply.status));
  send(res, outcome.reply);
}

async function serveHook(req: IncomingMessage, res: ServerResponse, path: string, deps: HookDeps): Promise<void> {
  const reply = await handleHook(
    { method: req.method ?? 'GET', path, readBody: (limit) => readBody(req, limit) },
    deps,
  );
  req.resume();
  send(res, reply);
}

interface URLParts {
  path: string;
  search: string;
}

function splitUrl(url: string): URLParts {
  const queryAt = url.indexOf('?');
  return queryAt < 0 ? { path: url, search: '' } : { path: url.slice(0, queryAt), search: url.slice(queryAt + 1) };
}

function createEmulatorServer(api: ApiDeps, hooks: HookDeps): Server {
  const server = createServer((req, res) => {
    const url = splitUrl(req.url ?? '/');
    let work: Promise<void>;
    if (url.path === '/v1' || url.path.startsWith('/v1/')) work = serveApi(req, res, url, api);
    else if (url.path.startsWith('/__emulator/')) work = serveHook(req, res, url.path, hooks);
    else {
      req.resume();
      send(res, errorReply(notFound()));
      return;
    }
    // Last line of defence: the emulator answers 500 rather than crash on a bug.
    work.catch((error: unknown) => send(res, internalError(`The emulator failed: ${String(error)}`)));
  });
  // Malformed HTTP gets a plain 400 and a closed connection, as Node would by default, without an 'error' crash.
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  return server;
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void => {
      reject(
        new ClerkSyncError(
          'emulator_listen_failed',
          `the emulator cannot listen on ${host}:${port}: ${error.message}`,
          {
            cause: error,
            hint: 'Pick another --port (0 picks a free one) or stop whatever uses this one.',
          },
        ),
      );
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** Stops listening, drops open connections, then writes the data file; repeated calls share one close. */
function closer(server: Server, data: EmulatorData): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => {
    closing ??= (async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await data.flush();
    })();
    return closing;
  };
}

/** Starts an emulator; resolves once it listens. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const host = options.host ?? '127.0.0.1';
  const secretKey = options.secretKey ?? DEFAULT_SECRET_KEY;
  const clock = options.clock ?? Date.now;
  const data = new EmulatorData(options, secretKey, clock);
  const stats = new StatsRecorder();
  const faults = new FaultInjector(options.faults, options.faultSeed);
  const rateLimiter = new RateLimiter(clock, options.rateLimit);
  data.load(options);
  const reset = (): void => {
    stats.reset();
    data.clear();
  };
  const persist = (): void => data.persistIfChanged();
  const api: ApiDeps = { router, store: data.store, secretKey, stats, faults, rateLimiter, persist };
  const hooks: HookDeps = {
    stats: () => stats.current(),
    settings: () => data.store.settings,
    reset,
    seed: (input) => data.seed(input),
    updateSettings: (partial) => data.updateSettings(partial),
  };
  const server = createEmulatorServer(api, hooks);
  await listen(server, host, options.port ?? 0);

  const port = (server.address() as AddressInfo).port;
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url: `${origin}/v1`,
    origin,
    port,
    secretKey,
    stats: () => stats.snapshot(),
    resetStats: () => stats.reset(),
    reset,
    seed: (input) => data.seed(input),
    setFaults: (spec, seed) => faults.set(spec, seed),
    setRateLimit: (spec) => rateLimiter.set(spec),
    settings: () => data.settings(),
    updateSettings: (partial) => data.updateSettings(partial),
    close: closer(server, data),
  };
}
