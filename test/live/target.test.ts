// The live suite's target choice: a development key selects the real instance, a production key is refused before
// any request, no key selects the emulator; a run's prefix is a valid organization slug.

import { describe, expect, it } from 'vitest';
import { chooseTarget, DEFAULT_LIVE_API_URL, newRunPrefix, PREFIX } from './target.ts';

describe('chooseTarget', () => {
  it('no CLERK_LIVE_SECRET_KEY (or an empty one): the emulator, saying why', () => {
    expect(chooseTarget({})).toEqual({ kind: 'emulator', reason: 'CLERK_LIVE_SECRET_KEY not set' });
    expect(chooseTarget({ CLERK_LIVE_SECRET_KEY: '  ' })).toMatchObject({ kind: 'emulator' });
  });

  it('a development key: the real instance at api.clerk.com, or CLERK_LIVE_API_URL without its trailing slash', () => {
    expect(chooseTarget({ CLERK_LIVE_SECRET_KEY: 'sk_test_abc' })).toEqual({
      kind: 'live',
      apiUrl: DEFAULT_LIVE_API_URL,
      secretKey: 'sk_test_abc',
    });
    expect(
      chooseTarget({ CLERK_LIVE_SECRET_KEY: 'sk_test_abc', CLERK_LIVE_API_URL: 'https://clerk.example.test/v1/' }),
    ).toMatchObject({ apiUrl: 'https://clerk.example.test/v1' });
  });

  it('a production key or anything else is refused', () => {
    expect(() => chooseTarget({ CLERK_LIVE_SECRET_KEY: 'sk_live_abc' })).toThrow(/only against development instances/);
    expect(() => chooseTarget({ CLERK_LIVE_SECRET_KEY: 'pk_test_abc' })).toThrow(/development secret key/);
  });
});

describe('newRunPrefix', () => {
  it('starts with the prefix, differs between runs and is a valid slug', () => {
    const first = newRunPrefix(Date.UTC(2026, 7, 21));
    expect(first.startsWith(PREFIX)).toBe(true);
    expect(first).toMatch(/^[a-z0-9]+(?:-[a-z0-9]+)*$/);
    expect(newRunPrefix()).not.toBe(newRunPrefix());
  });
});
