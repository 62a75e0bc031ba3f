// One fake Clerk API and a real client on it per call, closed after each test.

import { afterEach } from 'vitest';
import { type ClerkClient, createClerkClient } from '../../src/clerk/index.ts';
import { type FakeClerk, startFakeClerk } from './fake-clerk.ts';

export type FakeSetup = (concurrency?: number) => Promise<{ fake: FakeClerk; client: ClerkClient }>;

/** Call at the top of a test file: returns a function that starts a fake and a client on it. */
export function fakeClerkPerTest(): FakeSetup {
  const open: { fake: FakeClerk; client: ClerkClient }[] = [];
  afterEach(async () => {
    for (const { fake, client } of open.splice(0)) {
      await client.close();
      await fake.close();
    }
  });
  return async (concurrency = 8) => {
    const fake = await startFakeClerk();
    const client = createClerkClient({
      baseUrl: fake.url,
      secretKey: 'sk_test_fake',
      rateLimit: { requests: 100_000, windowMs: 1000 },
      concurrency,
      maxWaitMs: 1000,
    });
    const pair = { fake, client };
    open.push(pair);
    return pair;
  };
}
