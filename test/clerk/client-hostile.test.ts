// The client against a tiny node:http server on 127.0.0.1:0 that misbehaves on purpose: proxy HTML pages,
// truncated JSON, wrong content types, an hour-long Retry-After, connection resets, a server that never answers.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type ClerkClient, type ClientConfig, type ClientEvent, createClerkClient } from '../../src/clerk/index.ts';
import { ApiError } from '../../src/errors.ts';
import { createAutoClock } from './fake-clock.ts';

const SECRET = 'sk_test_HostileServerSecret0123456789abcd';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string, index: number) => void;

interface TestServer {
  url: string;
  requests: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[];
}

const servers: Server[] = [];
const clients: ClerkClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function serve(handler: Handler): Promise<TestServer> {
  const requests: TestServer['requests'] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, res, body, requests.length - 1);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/v1`, requests };
}

function client(url: string, overrides: Partial<ClientConfig> = {}): ClerkClient {
  const clock = createAutoClock();
  const created = createClerkClient({
    baseUrl: url,
    secretKey: SECRET,
    rateLimit: { requests: 1000, windowMs: 1000 },
    concurrency: 4,
    maxWaitMs: 120_000,
    now: clock.now,
    sleep: clock.sleep,
    random: () => 0.5,
    ...overrides,
  });
  clients.push(created);
  return created;
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function clerkError(code: string, longMessage: string, meta?: Record<string, string>): unknown {
  return {
    errors: [{ code, message: longMessage.toLowerCase(), long_message: longMessage, ...(meta ? { meta } : {}) }],
  };
}

async function failure(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected the request to fail');
}

function expectNoSecret(error: ApiError): void {
  const texts = [
    error.message,
    error.stack ?? '',
    JSON.stringify(error.toJSON()),
    JSON.stringify(error.meta),
    JSON.stringify(error.body ?? null),
    String(error.hint ?? ''),
    error.cause instanceof Error ? `${error.cause.message}\n${error.cause.stack ?? ''}` : String(error.cause ?? ''),
  ];
  for (const text of texts) expect(text).not.toContain(SECRET);
}

describe('rows mapped as they are parsed', () => {
  it('maps each row of a list answer, and fails without a retry when the map throws', async () => {
    const server = await serve((_req, res) => json(res, 200, { data: [{ id: 'a' }, { id: 'b' }], total_count: 2 }));
    const api = client(server.url);
    const mapped = await api.request<{ data: unknown[] }>(
      { method: 'GET', path: '/organizations' },
      { rows: { at: 'data', map: (row) => (row as { id: string }).id } },
    );
    expect(mapped.data).toEqual(['a', 'b']);
    const refused = new RangeError('row b refused');
    const map = (row: unknown): unknown => {
      if ((row as { id: string }).id === 'b') throw refused;
      return row;
    };
    await expect(api.request({ method: 'GET', path: '/organizations' }, { rows: { at: 'data', map } })).rejects.toBe(
      refused,
    );
    // One request each: a refused row is the caller's verdict on a complete answer, not a failure to retry.
    expect(server.requests).toHaveLength(2);
  });
});

describe('request shape', () => {
  it('sends the Clerk headers, joins paths under the base /v1 and repeats array query keys', async () => {
    const server = await serve((_req, res) => json(res, 200, { ok: true }));
    const api = client(server.url.replace('/v1', '/proxy/v1'));
    await api.request({
      method: 'GET',
      path: '/users',
      query: { email_address: ['a@x.test', 'b@x.test'], limit: 500, offset: 0, banned: false, skip: undefined },
    });
    await api.request({ method: 'POST', path: '/users', body: { external_id: 'e1' } });
    const [get, post] = server.requests;
    expect(get?.url).toBe(
      '/proxy/v1/users?email_address=a%40x.test&email_address=b%40x.test&limit=500&offset=0&banned=false',
    );
    expect(get?.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(get?.headers['clerk-api-version']).toBe('2026-05-12');
    expect(get?.headers['user-agent']).toMatch(/^clerk-sync\/\d+\.\d+\.\d+/);
    expect(get?.headers.accept).toBe('application/json');
    expect(get?.headers['content-type']).toBeUndefined();
    expect(post?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(post?.body ?? '')).toEqual({ external_id: 'e1' });
    expect(api.stats()).toEqual({ requests: 2, retries: 0, rateLimited: 0, byMethod: { GET: 1, POST: 1 } });
  });

  it('keeps connections alive across requests', async () => {
    const server = await serve((_req, res) => json(res, 200, []));
    const api = client(server.url, { concurrency: 1 });
    for (let i = 0; i < 3; i += 1) await api.request({ method: 'GET', path: '/users' });
    expect(server.requests.every((request) => request.headers.connection !== 'close')).toBe(true);
  });
});

describe('Clerk errors', () => {
  it('maps a 422 form_identifier_exists to ApiError with Clerk code, long_message and a hint naming the param', async () => {
    const server = await serve((_req, res) =>
      json(
        res,
        422,
        clerkError('form_identifier_exists', 'That email address is taken. Please try another.', {
          param_name: 'email_address',
        }),
      ),
    );
    const error = await failure(client(server.url).request({ method: 'POST', path: '/users', body: {} }));
    expect(error.code).toBe('api_error');
    expect(error.status).toBe(422);
    expect(error.clerkCode).toBe('form_identifier_exists');
    expect(error.message).toBe(
      'POST /users failed: 422 form_identifier_exists: That email address is taken. Please try another.',
    );
    expect(error.hint).toContain('email_address');
    expect(error.meta).toEqual({ method: 'POST', path: '/users', status: 422, clerkCode: 'form_identifier_exists' });
    expect(error.body).toEqual(
      clerkError('form_identifier_exists', 'That email address is taken. Please try another.', {
        param_name: 'email_address',
      }),
    );
    expect(server.requests).toHaveLength(1);
  });

  it('gives a 401 a hint about CLERK_SECRET_KEY and never retries it', async () => {
    const server = await serve((_req, res) =>
      json(res, 401, clerkError('authentication_invalid', 'Unauthorized request')),
    );
    const error = await failure(client(server.url).request({ method: 'GET', path: '/users' }));
    expect(error.status).toBe(401);
    expect(error.hint).toContain('CLERK_SECRET_KEY');
    expect(server.requests).toHaveLength(1);
  });
});

describe('hostile responses', () => {
  it('turns an HTML 502 page from a proxy into api_response_invalid with an excerpt, after retrying a GET', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>');
    });
    const error = await failure(client(server.url, { maxAttempts: 3 }).request({ method: 'GET', path: '/users' }));
    expect(error.code).toBe('api_response_invalid');
    expect(error.status).toBe(502);
    expect(error.message).toContain('502 Bad Gateway');
    expect(error.message).toContain('after 3 attempts');
    expect(error.message.length).toBeLessThan(400);
    expect(server.requests).toHaveLength(3);
  });

  it('turns truncated JSON into api_response_invalid, never a SyntaxError', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('[{"id":"user_1","object":"user","first_na');
    });
    const error = await failure(client(server.url).request({ method: 'GET', path: '/users' }));
    expect(error.code).toBe('api_response_invalid');
    expect(error.status).toBe(200);
    expect(error.message).toContain('not JSON');
    expect(error.message).toContain('first_na');
    expect(error.hint).toContain('--api-url');
    expect(server.requests).toHaveLength(1);
  });

  it('turns truncated JSON on an error status into api_response_invalid too', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end('{"errors":[{"code":"form_');
    });
    const error = await failure(client(server.url).request({ method: 'GET', path: '/users' }));
    expect(error.code).toBe('api_response_invalid');
    expect(error.status).toBe(400);
  });

  it('refuses a 200 whose content type is not JSON, even when the body parses', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('[]');
    });
    const error = await failure(client(server.url).request({ method: 'GET', path: '/users' }));
    expect(error.code).toBe('api_response_invalid');
    expect(error.message).toContain('text/html');
  });

  it('gives up at once, with a clear error, when Retry-After is an hour and max wait is 2 minutes', async () => {
    const server = await serve((_req, res) =>
      json(res, 429, clerkError('too_many_requests', 'Too many requests'), { 'retry-after': '3600' }),
    );
    // Real clock and sleep: if the client waited, the test would time out.
    const api = createClerkClient({
      baseUrl: server.url,
      secretKey: SECRET,
      rateLimit: { requests: 100, windowMs: 1000 },
      concurrency: 2,
      maxWaitMs: 120_000,
    });
    clients.push(api);
    const error = await failure(api.request({ method: 'GET', path: '/users' }));
    expect(error.code).toBe('api_rate_limited');
    expect(error.status).toBe(429);
    expect(error.retryAfter).toBe(3600);
    expect(error.message).toContain('3600 s');
    expect(error.message).toContain('--max-wait');
    expect(error.hint).toContain('--rate-limit');
    expect(server.requests).toHaveLength(1);
    expect(api.stats().rateLimited).toBe(1);
  });

  it('retries a 429 after Retry-After (even for POST), pausing the limiter', async () => {
    const server = await serve((_req, res, _body, index) => {
      if (index === 0) json(res, 429, clerkError('too_many_requests', 'Too many requests'), { 'retry-after': '2' });
      else json(res, 200, { id: 'user_1' });
    });
    const clock = createAutoClock();
    const api = client(server.url, { now: clock.now, sleep: clock.sleep });
    const events: ClientEvent[] = [];
    api.subscribe?.((event) => events.push(event));
    await expect(api.request({ method: 'POST', path: '/users', body: {} })).resolves.toEqual({ id: 'user_1' });
    expect(clock.sleeps).toContain(2000);
    expect(events.filter((event) => event.type === 'rate_limited')).toEqual([
      { type: 'rate_limited', method: 'POST', path: '/users', waitMs: 2000 },
    ]);
    expect(api.stats()).toMatchObject({ requests: 2, retries: 1, rateLimited: 1 });
  });

  it('reports a 429 that persists past the attempt cap with the --rate-limit hint', async () => {
    const server = await serve((_req, res) =>
      json(res, 429, clerkError('too_many_requests', 'Too many requests'), { 'retry-after': '1' }),
    );
    const error = await failure(
      client(server.url, { maxRateLimitedAttempts: 4 }).request({ method: 'GET', path: '/users' }),
    );
    expect(error.code).toBe('api_rate_limited');
    expect(error.message).toContain('after 4 attempts');
    expect(error.hint).toContain('--rate-limit');
    expect(server.requests).toHaveLength(4);
  });

  it('counts 429s apart from other failures: seven in a row do not exhaust the 6 attempts a failure gets', async () => {
    const server = await serve((_req, res, _body, index) => {
      if (index < 7) json(res, 429, clerkError('too_many_requests', 'Too many requests'), { 'retry-after': '0' });
      else json(res, 200, []);
    });
    await expect(client(server.url).request({ method: 'GET', path: '/users' })).resolves.toEqual([]);
    expect(server.requests).toHaveLength(8);
  });

  it('retries a GET through connection resets, but not a POST (its outcome is unknown)', async () => {
    const server = await serve((req, res, _body, index) => {
      if (index < 2 || req.method === 'POST') req.socket.destroy();
      else json(res, 200, []);
    });
    const api = client(server.url);
    await expect(api.request({ method: 'GET', path: '/users' })).resolves.toEqual([]);
    expect(api.stats().retries).toBe(2);

    const error = await failure(api.request({ method: 'POST', path: '/users', body: {} }));
    expect(error.code).toBe('api_unreachable');
    expect(error.status).toBe(0);
    expect(error.cause).toBeInstanceOf(Error);
    expect(error.hint).toContain('--api-url');
    expect(server.requests.filter((request) => request.method === 'POST')).toHaveLength(1);
  });

  it("retries a POST on 5xx only with retry: 'always'; retry: 'never' stops a GET at once", async () => {
    const server = await serve((_req, res, _body, index) => {
      // 0: first POST; 1-2: the 'always' POST and its retry; 3: the 'never' GET.
      if (index === 2) json(res, 200, {});
      else json(res, 500, clerkError('internal_clerk_error', 'Oops'));
    });
    const api = client(server.url);
    const posted = await failure(api.request({ method: 'POST', path: '/users/user_1/ban' }));
    expect(posted.status).toBe(500);
    expect(posted.hint).toContain('status.clerk.com');
    await expect(api.request({ method: 'POST', path: '/users/user_1/ban' }, { retry: 'always' })).resolves.toEqual({});
    const never = await failure(api.request({ method: 'GET', path: '/users' }, { retry: 'never' }));
    expect(never.status).toBe(500);
    expect(server.requests).toHaveLength(4);
  });

  it('times out a server that never answers as api_unreachable (status 0)', async () => {
    const server = await serve(() => {
      // never respond
    });
    const error = await failure(
      client(server.url, { timeoutMs: 150, maxAttempts: 2 }).request({ method: 'GET', path: '/users' }),
    );
    expect(error.code).toBe('api_unreachable');
    expect(error.status).toBe(0);
    expect(error.message).toContain('timed out');
    expect(server.requests).toHaveLength(2);
  });

  it('reports a refused connection as api_unreachable', async () => {
    const server = await serve((_req, res) => json(res, 200, {}));
    const url = server.url;
    const closing = servers.splice(0);
    for (const s of closing) await new Promise((resolve) => s.close(resolve));
    const error = await failure(client(url, { maxAttempts: 1 }).request({ method: 'GET', path: '/users' }));
    expect(error.code).toBe('api_unreachable');
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('rejects with the abort reason, not an ApiError, when the caller aborts', async () => {
    const server = await serve(() => {
      // hold the request until aborted
    });
    const controller = new AbortController();
    const pending = client(server.url).request({ method: 'GET', path: '/users' }, { signal: controller.signal });
    setImmediate(() => controller.abort(new Error('user interrupted')));
    await expect(pending).rejects.toThrow('user interrupted');
  });
});

describe('bounds on what a server can send', () => {
  it('aborts a body streaming past the size cap as live_response_invalid, without retrying or reading the rest', async () => {
    let written = 0;
    let closed = false;
    const server = await serve((_req, res) => {
      // No Content-Length: the body is endless, 16 KB a chunk, until the client hangs up.
      res.writeHead(200, { 'content-type': 'application/json' });
      res.on('close', () => {
        closed = true;
      });
      const chunk = `[${'"x",'.repeat(4096)}`;
      const pump = (): void => {
        while (!closed && written < 64 * 1024 * 1024) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
      };
      pump();
    });
    const error = await failure(
      client(server.url, { maxBodyBytes: 100_000 }).request({ method: 'GET', path: '/users' }),
    );
    expect(error.code).toBe('live_response_invalid');
    expect(error.message).toContain('200 with a body over the 100000-byte limit');
    expect(error.hint).toContain('endless or trickled');
    expect(server.requests).toHaveLength(1);
    expect(written).toBeLessThan(16 * 1024 * 1024);
  });

  it('refuses a Content-Length over the cap before reading the body', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(2 * 1024 ** 3) });
      res.write('[');
    });
    const error = await failure(client(server.url, { maxBodyBytes: 1000 }).request({ method: 'GET', path: '/users' }));
    expect(error.code).toBe('live_response_invalid');
    expect(error.message).toContain('a body of 2147483648 bytes (Content-Length) over the 1000-byte limit');
    expect(server.requests).toHaveLength(1);
  });

  it('ends a body trickled one byte at a time at the request deadline, retried per the policy', async () => {
    const timers: NodeJS.Timeout[] = [];
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      // Each byte comes well within the idle timeout, so only a total deadline ends the answer.
      timers.push(setInterval(() => res.write(' '), 20));
    });
    const started = Date.now();
    const error = await failure(
      client(server.url, { timeoutMs: 1000, deadlineMs: 200, maxAttempts: 2 }).request({
        method: 'GET',
        path: '/users',
      }),
    );
    for (const timer of timers) clearInterval(timer);
    expect(error.code).toBe('live_response_invalid');
    expect(error.status).toBe(0);
    expect(error.message).toContain('within the 200 ms deadline');
    expect(server.requests).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('keeps the caller abort distinct from the deadline', async () => {
    const server = await serve(() => {
      // hold the request until aborted
    });
    const controller = new AbortController();
    const pending = client(server.url, { deadlineMs: 60_000 }).request(
      { method: 'GET', path: '/users' },
      { signal: controller.signal },
    );
    setTimeout(() => controller.abort(new Error('user interrupted')), 20);
    await expect(pending).rejects.toThrow('user interrupted');
  });
});

describe('secret key hygiene', () => {
  it('never puts the secret key in messages, meta, body, hint, stack or cause, even when the server echoes it', async () => {
    const server = await serve((req, res, _body, index) => {
      const echoed = String(req.headers.authorization);
      if (index === 0) {
        res.writeHead(502, { 'content-type': 'text/html' });
        res.end(`<html>upstream rejected header ${echoed}</html>`);
      } else if (index === 1) {
        json(res, 400, clerkError('malformed_request_parameters', `bad header ${echoed}`, { header: echoed }));
      } else {
        req.socket.destroy();
      }
    });
    const api = client(server.url);
    const errors = [
      await failure(api.request({ method: 'POST', path: '/users' })),
      await failure(api.request({ method: 'POST', path: '/users' })),
      await failure(api.request({ method: 'POST', path: '/users' })),
    ];
    expect(errors.map((error) => error.code)).toEqual(['api_response_invalid', 'api_error', 'api_unreachable']);
    expect(errors[0]?.message).toContain('sk_test_[REDACTED]');
    expect(JSON.stringify(errors[1]?.body)).toContain('sk_test_[REDACTED]');
    for (const error of errors) expectNoSecret(error);
  });
});

describe('concurrency cap', () => {
  it('never has more than `concurrency` requests in flight', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const held: (() => void)[] = [];
    const total = 12;
    let answered = 0;
    const server = await serve((_req, res) => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      held.push(() => {
        inFlight -= 1;
        answered += 1;
        json(res, 200, []);
      });
      // Release a batch once the client has filled every slot (or nothing more can arrive).
      if (inFlight === 3 || answered + inFlight === total) for (const release of held.splice(0)) release();
    });
    const api = client(server.url, { concurrency: 3 });
    await Promise.all(Array.from({ length: total }, () => api.request({ method: 'GET', path: '/users' })));
    expect(maxInFlight).toBe(3);
    expect(api.stats().requests).toBe(total);
  });
});
