import { describe, expect, it } from 'vitest';
import {
  isProductionKey,
  normalizeBaseUrl,
  parseRateLimit,
  redactSecret,
  resolveClientConfig,
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

  it('defaults to api.clerk.com/v1, concurrency 8, 120 s max wait', () => {
    const config = resolveClientConfig({ env: { CLERK_SECRET_KEY: test } });
    expect(config).toEqual({
      baseUrl: 'https://api.clerk.com/v1',
      secretKey: test,
      rateLimit: { requests: 100, windowMs: 10_000 },
      concurrency: 8,
      maxWaitMs: 120_000,
    });
  });

  it("uses Clerk's production limit for sk_live_ keys and the development limit for sk_test_", () => {
    expect(resolveClientConfig({ env: { CLERK_SECRET_KEY: live } }).rateLimit).toEqual({
      requests: 1000,
      windowMs: 10_000,
    });
    expect(resolveClientConfig({ env: { CLERK_SECRET_KEY: test } }).rateLimit).toEqual({
      requests: 100,
      windowMs: 10_000,
    });
    expect(isProductionKey(live)).toBe(true);
    expect(isProductionKey(test)).toBe(false);
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
