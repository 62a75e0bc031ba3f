// examples/playwright/global-setup.ts run the way Playwright runs it: globalSetup() before the tests, its returned
// function after them. The instance it hands over (CLERK_API_URL, CLERK_SECRET_KEY) holds the seed, the seed's
// password verifies, a plan of the seed against it is empty, and the teardown stops it. The example imports
// 'clerk-sync' by name, through package.json "exports" (dist/: `npm run build` first).

import { fileURLToPath } from 'node:url';
import { plan } from 'clerk-sync';
import { afterEach, describe, expect, it } from 'vitest';
import { globalSetup } from '../../examples/playwright/global-setup.ts';

const SEED = fileURLToPath(new URL('../../examples/playwright/seed.yaml', import.meta.url));
const HANDED = ['CLERK_API_URL', 'CLERK_SECRET_KEY'] as const;
const before = Object.fromEntries(HANDED.map((name) => [name, process.env[name]]));

afterEach(() => {
  for (const name of HANDED) {
    if (before[name] === undefined) delete process.env[name];
    else process.env[name] = before[name];
  }
});

async function backend(path: string, init: RequestInit = {}): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${process.env.CLERK_API_URL}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${process.env.CLERK_SECRET_KEY}`, 'content-type': 'application/json' },
  });
  return { status: response.status, body: await response.json() };
}

describe('the Playwright global setup example', () => {
  it('seeds an emulator, hands it to the tests through the environment, and tears it down', async () => {
    const teardown = await globalSetup();
    const url = process.env.CLERK_API_URL as string;
    try {
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
      const users = (await backend('/users?limit=10&order_by=created_at')).body as {
        id: string;
        external_id: string;
      }[];
      expect(users.map((user) => user.external_id).sort()).toStrictEqual(['e2e-admin', 'e2e-member']);
      const admin = users.find((user) => user.external_id === 'e2e-admin') as { id: string };
      const verified = await backend(`/users/${admin.id}/verify_password`, {
        method: 'POST',
        body: JSON.stringify({ password: 'Seed-Password-2026!' }),
      });
      expect(verified).toStrictEqual({ status: 200, body: { verified: true } });
      // What a test would check first: the seed is all there, nothing left to apply.
      const again = await plan({ files: [SEED], secretKey: process.env.CLERK_SECRET_KEY as string, apiUrl: url });
      expect(again.operations).toStrictEqual([]);
    } finally {
      await teardown();
    }
    await expect(fetch(`${url}/users`)).rejects.toThrow();
  });
});
