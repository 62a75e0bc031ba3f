import { describe, expect, it } from 'vitest';
import {
  isLoopbackHost,
  isProductionKey,
  normalizeBaseUrl,
  parseRateLimit,
  parseRateShare,
  redactSecret,
  resolveClientConfig,
  resolveProxy,
  shareOfRateLimit,
} from '../../src/clerk/index.ts';
import { ConfigError, UsageError } from '../../src/errors.ts';

describe('parseRateLimit', () => {
  it.each([
    ['1000/10s', 1000, 10_000],
    ['100/1s', 100, 1000],
    ['50/500ms', 50, 500],
    ['20/1m', 20, 60_000],
    ['5/2h', 5, 7_200_000],
    ['100/s', 100, 1000],
    [' 10 / 10s ', 10, 10_000],
  ])('%s -> %i per %i ms', (text, requests, windowMs) => {
    expect(parseRateLimit(text)).toEqual({ requests, windowMs });
  });

  it.each(['', 'fast', '100', '0/1s', '100/0s', '-1/1s', '1.5/1s', '100/10d', '100/10 seconds', '/10s'])(
    'rejects %j with a UsageError',
    (text) => {
      expect(() => parseRateLimit(text)).toThrow(UsageError);
    },
  );
});

describe('resolveClientConfig', () => {
  const live = 'sk_live_abcdefghijklmnopqrstuvwxyz0123';
  const test = 'sk_test_abcdefghijklmnopqrstuvwxyz0123';

  it('defaults to api.clerk.com/v1, half the documented rate, concurrency 8, 120 s max wait, no proxy', () => {
    const config = resolveClientConfig({ env: { CLERK_SECRET_KEY: test } });
    expect(config).toEqual({
      baseUrl: 'https://api.clerk.com/v1',
      secretKey: test,
      rateLimit: { requests: 50, windowMs: 10_000 },
      rateShare: 0.5,
      concurrency: 8,
      maxWaitMs: 120_000,
    });
  });

  it("takes half of Clerk's documented limit by default: 500/10s for sk_live_ keys, 50/10s for sk_test_", () => {
    expect(resolveClientConfig({ env: { CLERK_SECRET_KEY: live } }).rateLimit).toEqual({
      requests: 500,
      windowMs: 10_000,
    });
    expect(resolveClientConfig({ env: { CLERK_SECRET_KEY: test } }).rateLimit).toEqual({
      requests: 50,
      windowMs: 10_000,
    });
    expect(isProductionKey(live)).toBe(true);
    expect(isProductionKey(test)).toBe(false);
  });

  it('takes another share from --rate-share, else CLERK_SYNC_RATE_SHARE; --rate-limit is exact and wins over the env', () => {
    const share = (flags: { rateShare?: string; rateLimit?: string }, env: Record<string, string> = {}) =>
      resolveClientConfig({ env: { CLERK_SECRET_KEY: live, ...env }, flags });
    expect(share({ rateShare: '0.25' })).toMatchObject({
      rateLimit: { requests: 250, windowMs: 10_000 },
      rateShare: 0.25,
    });
    expect(share({ rateShare: '100%' }).rateLimit).toEqual({ requests: 1000, windowMs: 10_000 });
    expect(share({}, { CLERK_SYNC_RATE_SHARE: '0.1' }).rateLimit).toEqual({ requests: 100, windowMs: 10_000 });
    expect(share({ rateShare: '0.2' }, { CLERK_SYNC_RATE_SHARE: '0.1' }).rateLimit.requests).toBe(200);
    const exact = share({ rateLimit: '30/1s' }, { CLERK_SYNC_RATE_SHARE: '0.1' });
    expect(exact.rateLimit).toEqual({ requests: 30, windowMs: 1000 });
    expect(exact.rateShare).toBeUndefined();
    expect(() => share({ rateLimit: '30/1s', rateShare: '0.5' })).toThrow(UsageError);
    expect(() => share({}, { CLERK_SYNC_RATE_SHARE: '2' })).toThrow(/CLERK_SYNC_RATE_SHARE/);
  });

  it('takes flags over env and parses --rate-limit', () => {
    const config = resolveClientConfig({
      env: { CLERK_SECRET_KEY: live, CLERK_API_URL: 'https://env.example.com' },
      flags: { apiUrl: 'https://flag.example.com/v1/', rateLimit: '50/1s', concurrency: 3, maxWaitMs: 5000 },
    });
    expect(config).toMatchObject({
      baseUrl: 'https://flag.example.com/v1',
      rateLimit: { requests: 50, windowMs: 1000 },
      concurrency: 3,
      maxWaitMs: 5000,
    });
  });

  it('reads CLERK_API_URL and appends /v1 when missing', () => {
    expect(
      resolveClientConfig({ env: { CLERK_SECRET_KEY: test, CLERK_API_URL: 'https://proxy.example.com/clerk' } })
        .baseUrl,
    ).toBe('https://proxy.example.com/clerk/v1');
    expect(resolveClientConfig({ env: { CLERK_SECRET_KEY: test, CLERK_API_URL: '' } }).baseUrl).toBe(
      'https://api.clerk.com/v1',
    );
  });

  it('refuses a missing, publishable or mangled key with a hint', () => {
    for (const env of [
      {},
      { CLERK_SECRET_KEY: '  ' },
      { CLERK_SECRET_KEY: 'pk_test_abc' },
      { CLERK_SECRET_KEY: 'sk_test a' },
    ]) {
      let error: unknown;
      try {
        resolveClientConfig({ env });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).hint).toBeTruthy();
    }
  });

  it('refuses --concurrency 0', () => {
    expect(() => resolveClientConfig({ env: { CLERK_SECRET_KEY: test }, flags: { concurrency: 0 } })).toThrow(
      UsageError,
    );
  });
});

describe('parseRateShare and shareOfRateLimit', () => {
  it.each([
    ['0.5', 0.5],
    ['.25', 0.25],
    ['1', 1],
    ['1.0', 1],
    ['50%', 0.5],
    [' 10 % ', 0.1],
  ])('%j -> %d', (text, share) => {
    expect(parseRateShare(text)).toBe(share);
  });

  it.each(['0', '0%', '1.5', '150%', '-0.5', 'half', '', '1e-1'])('rejects %j with a UsageError', (text) => {
    expect(() => parseRateShare(text)).toThrow(UsageError);
  });

  it('rounds down, never below one request, and keeps the window', () => {
    expect(shareOfRateLimit({ requests: 100, windowMs: 10_000 }, 0.29)).toEqual({ requests: 29, windowMs: 10_000 });
    expect(shareOfRateLimit({ requests: 100, windowMs: 10_000 }, 0.333)).toEqual({ requests: 33, windowMs: 10_000 });
    expect(shareOfRateLimit({ requests: 100, windowMs: 10_000 }, 0.001)).toEqual({ requests: 1, windowMs: 10_000 });
  });
});

describe('resolveProxy (HTTPS_PROXY, HTTP_PROXY, NO_PROXY from the given env only)', () => {
  const clerk = 'https://api.clerk.com/v1';
  const emulator = 'http://127.0.0.1:8787/v1';

  it('finds no proxy without the variables, whatever process.env holds', () => {
    expect(resolveProxy({}, clerk)).toBeUndefined();
    expect(resolveProxy({ NO_PROXY: 'example.com' }, clerk)).toBeUndefined();
  });

  it('uses HTTPS_PROXY (any case, lower case first) for https, falling back to HTTP_PROXY', () => {
    expect(resolveProxy({ HTTPS_PROXY: 'http://proxy.corp:3128', NO_PROXY: '.internal' }, clerk)).toEqual({
      variable: 'HTTPS_PROXY',
      display: 'http://proxy.corp:3128',
      httpProxy: '',
      httpsProxy: 'http://proxy.corp:3128/',
      noProxy: '.internal',
    });
    expect(
      resolveProxy(
        { https_proxy: 'http://lower:1', HTTPS_PROXY: 'http://upper:2', no_proxy: 'a', NO_PROXY: 'b' },
        clerk,
      ),
    ).toMatchObject({ variable: 'https_proxy', httpsProxy: 'http://lower:1/', noProxy: 'a' });
    expect(resolveProxy({ https_proxy: ' ', HTTPS_PROXY: 'http://upper:2' }, clerk)?.variable).toBe('HTTPS_PROXY');
    expect(resolveProxy({ HTTP_PROXY: 'http://plain:3128' }, clerk)).toMatchObject({
      variable: 'HTTP_PROXY',
      httpsProxy: 'http://plain:3128/',
    });
  });

  it('reads a proxy without a scheme as http:// and never shows its credentials', () => {
    const proxy = resolveProxy({ HTTPS_PROXY: 'user:s3cret@proxy.corp:3128' }, clerk);
    expect(proxy?.httpsProxy).toBe('http://user:s3cret@proxy.corp:3128/');
    expect(proxy?.display).toBe('http://proxy.corp:3128');
  });

  it('refuses a proxy URL it cannot use, without echoing it', () => {
    for (const value of ['http://user:pw@[bad', 'socks5://user:pw@proxy:1080', 'ftp://proxy']) {
      let error: unknown;
      try {
        resolveProxy({ HTTPS_PROXY: value }, clerk);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toContain('HTTPS_PROXY');
      expect((error as ConfigError).message).not.toContain('pw');
    }
  });

  it('sends a loopback API URL only to a proxy on this machine', () => {
    expect(
      resolveProxy({ HTTP_PROXY: 'http://proxy.corp:3128', HTTPS_PROXY: 'http://proxy.corp:3128' }, emulator),
    ).toBeUndefined();
    expect(resolveProxy({ HTTP_PROXY: 'http://proxy.corp:3128' }, 'http://localhost:8787/v1')).toBeUndefined();
    expect(resolveProxy({ HTTP_PROXY: 'http://127.0.0.1:3128' }, emulator)).toMatchObject({
      variable: 'HTTP_PROXY',
      httpProxy: 'http://127.0.0.1:3128/',
      httpsProxy: '',
    });
    // HTTPS_PROXY is for https:// URLs only.
    expect(resolveProxy({ HTTPS_PROXY: 'http://127.0.0.1:3128' }, emulator)).toBeUndefined();
  });

  it('is part of the resolved client config', () => {
    const config = resolveClientConfig({
      env: { CLERK_SECRET_KEY: 'sk_test_abc', HTTPS_PROXY: 'http://proxy.corp:3128' },
    });
    expect(config.proxy?.display).toBe('http://proxy.corp:3128');
  });
});

describe('isLoopbackHost', () => {
  it.each(['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', '[::1]'])('%s is loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });
  it.each(['128.0.0.1', '10.0.0.1', 'localhost.example.com', '127.0.0.1.example.com', '[::2]'])('%s is not', (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });
});

describe('normalizeBaseUrl', () => {
  it.each([
    ['https://api.clerk.com', 'https://api.clerk.com/v1'],
    ['https://api.clerk.com/', 'https://api.clerk.com/v1'],
    ['https://api.clerk.com/v1', 'https://api.clerk.com/v1'],
    ['https://api.clerk.com/v1///', 'https://api.clerk.com/v1'],
    ['http://127.0.0.1:8787', 'http://127.0.0.1:8787/v1'],
    ['http://127.5.6.7:1/v1', 'http://127.5.6.7:1/v1'],
    ['http://localhost:4010/', 'http://localhost:4010/v1'],
    ['http://[::1]:4010/v1', 'http://[::1]:4010/v1'],
  ])('%s -> %s', (raw, expected) => {
    expect(normalizeBaseUrl(raw)).toBe(expected);
  });

  it.each([
    'http://api.clerk.com/v1',
    'http://10.0.0.1/v1',
    'http://128.0.0.1/v1',
    'http://127.0.0.1.example.com/v1',
    'http://localhost.example.com/v1',
    'ftp://127.0.0.1/v1',
    'not a url',
    'https://user:pw@api.clerk.com/v1',
  ])('refuses %s', (raw) => {
    expect(() => normalizeBaseUrl(raw)).toThrow(ConfigError);
  });
});

describe('redactSecret', () => {
  it('removes every occurrence and keeps only the key kind', () => {
    const secret = 'sk_test_Zk3v9q0W8s7P2m1N4b6C';
    const text = `Bearer ${secret} and again ${secret}.`;
    const redacted = redactSecret(text, secret);
    expect(redacted).not.toContain(secret);
    expect(redacted).toBe('Bearer sk_test_[REDACTED] and again sk_test_[REDACTED].');
  });

  it('leaves text without the secret (and an empty secret) alone', () => {
    expect(redactSecret('nothing here', 'sk_live_x1')).toBe('nothing here');
    expect(redactSecret('nothing here', '')).toBe('nothing here');
  });
});
