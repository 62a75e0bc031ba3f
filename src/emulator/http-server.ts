// The socket side of the emulator on plain node:http: it hands /v1 requests to the pipeline (api-pipeline.ts) and
// /__emulator/* to the hooks (hooks.ts), answers on the socket, and listens and closes.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ClerkSyncError } from '../errors.ts';
import { type ApiDeps, handleApiRequest } from './api-pipeline.ts';
import type { EmulatorData } from './emulator-data.ts';
import { type HookDeps, handleHook } from './hooks.ts';
import { notFound } from './problem.ts';
import { errorReply, internalError, send } from './reply.ts';
import { readBody } from './request-body.ts';

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

export function splitUrl(url: string): URLParts {
  const queryAt = url.indexOf('?');
  return queryAt < 0 ? { path: url, search: '' } : { path: url.slice(0, queryAt), search: url.slice(queryAt + 1) };
}

export function createEmulatorServer(api: ApiDeps, hooks: HookDeps): Server {
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

export function listen(server: Server, host: string, port: number): Promise<void> {
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
export function closer(server: Server, data: EmulatorData): () => Promise<void> {
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
