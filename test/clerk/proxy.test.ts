// HTTPS_PROXY / HTTP_PROXY / NO_PROXY: a tiny forward proxy on 127.0.0.1 (CONNECT tunnels, and absolute-URI
// requests in case a client sends them) in front of the emulator shows which requests go through it. The proxy
// variables come from the env given to resolveClientConfig, never from process.env.

import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type ClerkClient, createClerkClient, resolveClientConfig } from '../../src/clerk/index.ts';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';

interface ForwardProxy {
  url: string;
  /** CONNECT requests: the tunnel target and the headers the proxy itself was sent. */
  tunnels: { target: string; headers: IncomingHttpHeaders }[];
  /** Absolute-URI requests the proxy forwarded (a client that does not tunnel would show up here). */
  forwarded: { url: string; headers: IncomingHttpHeaders }[];
  close(): Promise<void>;
}

async function startForwardProxy(): Promise<ForwardProxy> {
  const tunnels: ForwardProxy['tunnels'] = [];
  const forwarded: ForwardProxy['forwarded'] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    forwarded.push({ url: req.url ?? '', headers: req.headers });
    const upstream = httpRequest(req.url ?? '', { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('connect', (req, client: Socket, head: Buffer) => {
    const target = req.url ?? '';
    tunnels.push({ target, headers: req.headers });
    if (!target.startsWith('127.0.0.1:')) {
      // This test proxy reaches nothing but this machine: no test depends on the network.
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const colon = target.lastIndexOf(':');
    const upstream = connect(Number(target.slice(colon + 1)), target.slice(0, colon), () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    tunnels,
    forwarded,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(): Promise<{ emulator: RunningEmulator; proxy: ForwardProxy; host: string }> {
  const emulator = await startEmulator({ port: 0 });
  cleanups.push(() => emulator.close());
  const proxy = await startForwardProxy();
  cleanups.push(() => proxy.close());
  return { emulator, proxy, host: new URL(emulator.url).host };
}

function clientFor(emulator: RunningEmulator, env: Record<string, string>): ClerkClient {
  const client = createClerkClient(
    resolveClientConfig({ env: { CLERK_SECRET_KEY: emulator.secretKey, CLERK_API_URL: emulator.url, ...env } }),
  );
  cleanups.push(() => client.close());
  return client;
}

async function countUsers(client: ClerkClient): Promise<number> {
  const answer = await client.request<{ total_count: number }>({ method: 'GET', path: '/users/count' });
  return answer.total_count;
}

describe('the client behind a proxy', () => {
  it('tunnels through HTTP_PROXY when NO_PROXY is empty, and the key stays inside the tunnel', async () => {
    const { emulator, proxy, host } = await setup();
    const client = clientFor(emulator, { HTTP_PROXY: proxy.url, NO_PROXY: '' });
    expect(await countUsers(client)).toBe(0);
    expect(await countUsers(client)).toBe(0);
    expect(proxy.tunnels.length).toBeGreaterThan(0);
    expect(new Set(proxy.tunnels.map((tunnel) => tunnel.target))).toEqual(new Set([host]));
    expect(proxy.forwarded).toEqual([]);
    const proxyHeaders = JSON.stringify(proxy.tunnels.map((tunnel) => tunnel.headers)).toLowerCase();
    expect(proxyHeaders).not.toContain('authorization');
    expect(proxyHeaders).not.toContain(emulator.secretKey.toLowerCase());
    expect(emulator.stats().byRoute['GET /v1/users/count']).toBe(2);
  });

  it('opens an https:// API URL with CONNECT host:443 through HTTPS_PROXY, the key never in its headers', async () => {
    const proxy = await startForwardProxy();
    cleanups.push(() => proxy.close());
    const secretKey = 'sk_live_proxytestkey0123456789';
    const client = createClerkClient({
      ...resolveClientConfig({ env: { CLERK_SECRET_KEY: secretKey, HTTPS_PROXY: proxy.url } }),
      maxAttempts: 1,
    });
    cleanups.push(() => client.close());
    // The test proxy refuses every host but 127.0.0.1, so the request fails after the CONNECT it was sent.
    const error = await countUsers(client).then(
      () => undefined,
      (caught: unknown) => caught as Error,
    );
    expect(error?.message).toContain('HTTPS_PROXY=');
    expect(proxy.tunnels.map((tunnel) => tunnel.target)).toEqual(['api.clerk.com:443']);
    const proxyHeaders = JSON.stringify(proxy.tunnels[0]?.headers).toLowerCase();
    expect(proxyHeaders).not.toContain('authorization');
    expect(proxyHeaders).not.toContain(secretKey.toLowerCase());
    expect(proxy.forwarded).toEqual([]);
  });

  it('reads the lower-case http_proxy too', async () => {
    const { emulator, proxy, host } = await setup();
    expect(await countUsers(clientFor(emulator, { http_proxy: proxy.url }))).toBe(0);
    expect(proxy.tunnels.map((tunnel) => tunnel.target)).toEqual([host]);
  });

  it.each([
    ['the host', (host: string) => host.split(':')[0] ?? host],
    ['host:port', (host: string) => host],
    ['*', () => '*'],
    ['a list that includes the host', (host: string) => `example.com, ${host.split(':')[0]}`],
  ])('goes direct when NO_PROXY names %s', async (_what, noProxy) => {
    const { emulator, proxy, host } = await setup();
    expect(await countUsers(clientFor(emulator, { HTTP_PROXY: proxy.url, NO_PROXY: noProxy(host) }))).toBe(0);
    expect(proxy.tunnels).toEqual([]);
    expect(proxy.forwarded).toEqual([]);
  });

  it('still uses the proxy when NO_PROXY names the host on another port', async () => {
    const { emulator, proxy, host } = await setup();
    const client = clientFor(emulator, { HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1:1' });
    expect(await countUsers(client)).toBe(0);
    expect(proxy.tunnels.map((tunnel) => tunnel.target)).toEqual([host]);
  });

  it('never sends a loopback API URL to a proxy on another machine', async () => {
    const { emulator } = await setup();
    // An unresolvable proxy: the request only succeeds if it does not try the proxy.
    const client = clientFor(emulator, {
      HTTP_PROXY: 'http://proxy.invalid:3128',
      HTTPS_PROXY: 'http://proxy.invalid:3128',
    });
    expect(await countUsers(client)).toBe(0);
  });

  it("ignores process.env's proxy variables: only the env it is given counts", async () => {
    const { emulator, proxy, host } = await setup();
    const saved = { HTTP_PROXY: process.env.HTTP_PROXY, NO_PROXY: process.env.NO_PROXY };
    try {
      process.env.HTTP_PROXY = proxy.url;
      delete process.env.NO_PROXY;
      expect(await countUsers(clientFor(emulator, {}))).toBe(0);
      expect(proxy.tunnels).toEqual([]);

      delete process.env.HTTP_PROXY;
      process.env.NO_PROXY = '*';
      expect(await countUsers(clientFor(emulator, { HTTP_PROXY: proxy.url }))).toBe(0);
      expect(proxy.tunnels.map((tunnel) => tunnel.target)).toEqual([host]);
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('names the proxy settings when nothing answers', async () => {
    const { emulator, proxy } = await setup();
    const deadProxy = proxy.url;
    await proxy.close();
    const client = createClerkClient({
      ...resolveClientConfig({
        env: { CLERK_SECRET_KEY: emulator.secretKey, CLERK_API_URL: emulator.url, HTTP_PROXY: deadProxy },
      }),
      maxAttempts: 1,
    });
    cleanups.push(() => client.close());
    const error = await countUsers(client).then(
      () => undefined,
      (caught: unknown) => caught as Error & { hint?: string },
    );
    expect(error?.message).toContain(`HTTP_PROXY=${deadProxy}`);
    expect(error?.hint).toContain('HTTPS_PROXY');
  });
});
