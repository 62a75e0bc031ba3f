// A raw node:http server for hostile-response tests: by default it forwards every request to an upstream (the
// emulator), and a rule may answer a request itself instead: malformed JSON, a proxy's HTML page, a truncated body,
// a wrong shape, a long Retry-After. It counts what it forwarded, so a test knows which writes really landed.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HostileRequest {
  method: string;
  /** Path below the origin, query included: `/v1/users?limit=500`. */
  url: string;
  /** Path without the query: `/v1/users`. */
  path: string;
  body: Buffer;
}

export interface UpstreamAnswer {
  status: number;
  contentType: string;
  body: Buffer;
}

/**
 * What to do with one request: undefined forwards it; a function answers it (after `forward()` if it wants the
 * upstream to see the request first, as a proxy that corrupts a committed write would).
 */
export type HostileRule = (
  request: HostileRequest,
  forward: () => Promise<UpstreamAnswer>,
) => undefined | ((res: ServerResponse) => Promise<void> | void);

export interface HostileServer {
  /** Base URL with /v1. */
  url: string;
  /** Requests seen, by `METHOD path`. */
  seen: HostileRequest[];
  /** Mutating requests forwarded upstream that it answered with 2xx. */
  committedWrites: number;
  setRule(rule: HostileRule | undefined): void;
  close(): Promise<void>;
}

function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function startHostileServer(upstreamOrigin: string | undefined): Promise<HostileServer> {
  let rule: HostileRule | undefined;
  const state: HostileServer = {
    url: '',
    seen: [],
    committedWrites: 0,
    setRule: (next) => {
      rule = next;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server = createServer(async (req, res) => {
    const body = await readAll(req);
    const url = req.url ?? '/';
    const request: HostileRequest = { method: req.method ?? 'GET', url, path: url.split('?')[0] ?? url, body };
    state.seen.push(request);
    const forward = async (): Promise<UpstreamAnswer> => {
      if (upstreamOrigin === undefined) throw new Error('no upstream');
      const headers: Record<string, string> = {};
      for (const name of ['authorization', 'content-type', 'clerk-api-version']) {
        const value = req.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      const response = await fetch(`${upstreamOrigin}${url}`, {
        method: request.method,
        headers,
        ...(body.length > 0 ? { body } : {}),
      });
      const answer = {
        status: response.status,
        contentType: response.headers.get('content-type') ?? '',
        body: Buffer.from(await response.arrayBuffer()),
      };
      if (request.method !== 'GET' && answer.status >= 200 && answer.status < 300) state.committedWrites++;
      return answer;
    };
    try {
      const custom = rule?.(request, forward);
      if (custom) {
        await custom(res);
        return;
      }
      const answer = await forward();
      res.writeHead(answer.status, { 'content-type': answer.contentType, 'content-length': answer.body.length });
      res.end(answer.body);
    } catch (error) {
      res.writeHead(599, { 'content-type': 'text/plain' });
      res.end(`hostile server failed: ${String(error)}`);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return state;
}

/** Sends a complete answer. */
export function answer(status: number, contentType: string, body: string, headers: Record<string, string> = {}) {
  return (res: ServerResponse): void => {
    res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), ...headers });
    res.end(body);
  };
}

/** Promises `declared` bytes, sends the first part of `body`, then drops the connection. */
export function truncated(body: string) {
  return (res: ServerResponse): void => {
    const full = Buffer.from(body);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': full.length });
    res.write(full.subarray(0, Math.floor(full.length / 2)), () => res.socket?.destroy());
  };
}
