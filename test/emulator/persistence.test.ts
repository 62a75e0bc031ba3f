// The data file: state survives a restart; writes are atomic (the file is always complete JSON, no temporary file
// is left behind); a file the emulator did not write is refused rather than silently replaced.

import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { WireOrganizationMembership, WirePage, WireUser } from '../../src/clerk/index.ts';
import { startEmulator } from '../../src/emulator/index.ts';
import { FileError } from '../../src/errors.ts';
import { specFetch } from './spec-fetch.ts';

const directories: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'clerk-sync-emulator-'));
  directories.push(dir);
  return dir;
}
afterAll(async () => {
  for (const dir of directories) await rm(dir, { recursive: true, force: true });
});

describe('data file', () => {
  it('keeps users, organizations, memberships and metadata across a restart', async () => {
    const dataFile = join(await tempDir(), 'instance.json');
    const first = await startEmulator({ dataFile });
    const user = (
      await specFetch(first, 'POST', '/users', '/users', {
        external_id: 'persist-1',
        email_address: ['persist@example.com'],
        password: 'persisted-password',
        public_metadata: { a: 1 },
      })
    ).body as WireUser;
    const org = (await specFetch(first, 'POST', '/organizations', '/organizations', { name: 'Persisted' })).body as {
      id: string;
    };
    await specFetch(
      first,
      'POST',
      '/organizations/{organization_id}/memberships',
      `/organizations/${org.id}/memberships`,
      {
        user_id: user.id,
        role: 'org:admin',
      },
    );
    const banned = (await specFetch(first, 'POST', '/users/{user_id}/ban', `/users/${user.id}/ban`)).body as WireUser;
    await first.close();

    const text = await readFile(dataFile, 'utf8');
    expect(text).not.toContain('persisted-password');

    const second = await startEmulator({ dataFile });
    try {
      const reloaded = (await specFetch(second, 'GET', '/users/{user_id}', `/users/${user.id}`)).body as WireUser;
      expect(reloaded).toEqual(banned);
      const members = (
        await specFetch(
          second,
          'GET',
          '/organizations/{organization_id}/memberships',
          `/organizations/${org.id}/memberships`,
        )
      ).body as WirePage<WireOrganizationMembership>;
      expect(members.data.map((item) => [item.public_user_data?.user_id, item.role])).toEqual([[user.id, 'org:admin']]);
      // Indexes are rebuilt: uniqueness still holds and lookups work.
      const duplicate = await specFetch(second, 'POST', '/users', '/users', { email_address: ['persist@example.com'] });
      expect(duplicate.status).toBe(422);
      const verified = await specFetch(
        second,
        'POST',
        '/users/{user_id}/verify_password',
        `/users/${user.id}/verify_password`,
        {
          password: 'persisted-password',
        },
      );
      expect(verified.body).toEqual({ verified: true });
    } finally {
      await second.close();
    }
  });

  it('writes atomically: every read of the file is complete JSON and no temporary file remains', async () => {
    const dir = await tempDir();
    const dataFile = join(dir, 'busy.json');
    const emu = await startEmulator({ dataFile });
    let reads = 0;
    try {
      for (let i = 0; i < 60; i++) {
        await specFetch(emu, 'POST', '/users', '/users', {
          external_id: `busy-${i}`,
          skip_password_requirement: true,
          public_metadata: { blob: 'y'.repeat(2000) },
        });
        const text = await readFile(dataFile, 'utf8').catch(() => undefined);
        if (text !== undefined) {
          reads++;
          const state = JSON.parse(text) as { format: string; users: unknown[] };
          expect(state.format).toBe('clerk-sync-emulator');
        }
      }
    } finally {
      await emu.close();
    }
    expect(reads).toBeGreaterThan(0);
    const state = JSON.parse(await readFile(dataFile, 'utf8')) as { users: unknown[] };
    expect(state.users).toHaveLength(60);
    expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses a data file it did not write instead of overwriting it', async () => {
    const dir = await tempDir();
    const corrupt = join(dir, 'corrupt.json');
    await writeFile(corrupt, '{"users": [');
    await expect(startEmulator({ dataFile: corrupt })).rejects.toThrow(FileError);
    const foreign = join(dir, 'foreign.json');
    await writeFile(foreign, JSON.stringify({ hello: 'world' }));
    await expect(startEmulator({ dataFile: foreign })).rejects.toThrow(FileError);
    expect(await readFile(foreign, 'utf8')).toBe('{"hello":"world"}');
  });

  it('writes seeded data and reset to the file', async () => {
    const dataFile = join(await tempDir(), 'seeded.json');
    const emu = await startEmulator({ dataFile, seed: { users: [{ external_id: 'seeded-1' }] } });
    await emu.close();
    expect((JSON.parse(await readFile(dataFile, 'utf8')) as { users: unknown[] }).users).toHaveLength(1);
    const again = await startEmulator({ dataFile });
    again.reset();
    await again.close();
    expect((JSON.parse(await readFile(dataFile, 'utf8')) as { users: unknown[] }).users).toHaveLength(0);
  });
});
