// A large manifest is parsed in a worker thread (src/manifest/off-thread.ts): the same DesiredState, diagnostics and
// positions as a parse on the main thread, for files the fast reader reads and files the yaml package reads (CRLF),
// with `${VAR}` values and warnings; and the event loop keeps running while it parses.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManifestInvalidError } from '../../src/errors.ts';
import { loadManifest, loadValidManifest } from '../../src/manifest/index.ts';
import type { DesiredState } from '../../src/model/index.ts';

const OFF = { offThreadCharacters: 0 };
const IN = { offThreadCharacters: Number.POSITIVE_INFINITY };
const ENV = { DOMAIN: 'corp.test', SEED_PASSWORD: 'correct-horse-battery' };

function usersYaml(from: number, count: number, eol = '\n'): string {
  const lines = ['apiVersion: clerk-sync/v1', 'users:'];
  for (let index = from; index < from + count; index += 1) {
    const id = String(index).padStart(6, '0');
    lines.push(
      `  - externalId: u-${id}`,
      `    emailAddresses: ["user${id}@\${DOMAIN}", alt${id}@example.test]`,
      `    username: user_${id}`,
      '    firstName: Ada',
      `    publicMetadata: { plan: team, seats: ${index % 17}, prefs: { theme: dark } }`,
      '    memberships:',
      `      - { org: org-${index % 3}, role: "org:member" }`,
      `      - org: org-${(index + 1) % 3}`,
      '        role: org:admin',
    );
    if (index % 50 === 0) lines.push('    password: ${SEED_PASSWORD}');
  }
  return `${lines.join(eol)}${eol}`;
}

const SETTINGS = [
  'apiVersion: clerk-sync/v1',
  'settings:',
  '  userKey: externalId',
  'organizations:',
  ...[0, 1, 2].map((index) => `  - { slug: org-${index}, name: "Org ${index}" }`),
  '',
].join('\n');

let dir = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clerk-sync-off-thread-'));
  await writeFile(join(dir, '00-settings.yaml'), SETTINGS);
  await writeFile(join(dir, 'a-users.yaml'), usersYaml(0, 1000));
  // CR LF line ends: the yaml package reads this file, not the fast reader.
  await writeFile(join(dir, 'b-users.yaml'), usersYaml(1000, 200, '\r\n'));
  await writeFile(join(dir, 'large.yaml'), `${SETTINGS}${usersYaml(0, 8000).replace(/^apiVersion.*\n/, '')}`);
  await writeFile(
    join(dir, 'invalid.yaml'),
    `${usersYaml(0, 200)}  - externalId: u-000007\n    fristName: Typo\n    emailAddresses: [user000001@corp.test]\n`,
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function withoutPositions(desired: DesiredState | undefined): Omit<DesiredState, 'positions'> | undefined {
  if (desired === undefined) return undefined;
  const { positions: _positions, ...rest } = desired;
  return rest;
}

describe('loadManifest off the main thread', () => {
  it('gives the same state and positions as a parse on the main thread, fast-read and yaml-read files alike', async () => {
    const files = ['00-settings.yaml', 'a-users.yaml', 'b-users.yaml'];
    const inThread = await loadManifest(files, { env: ENV, cwd: dir, ...IN });
    const offThread = await loadManifest(files, { env: ENV, cwd: dir, ...OFF });
    expect(inThread.desired?.users).toHaveLength(1200);
    expect(inThread.desired?.fromEnvironment?.length).toBeGreaterThan(0);
    expect(withoutPositions(offThread.desired)).toStrictEqual(withoutPositions(inThread.desired));
    expect(offThread.diagnostics).toStrictEqual(inThread.diagnostics);
    expect(offThread.sources).toStrictEqual(inThread.sources);
    const keys = (inThread.desired as DesiredState).users.map((user) => user.key);
    for (const key of keys) {
      expect(offThread.desired?.positions?.user(key)).toStrictEqual(inThread.desired?.positions?.user(key));
    }
    expect(offThread.desired?.positions?.user('u-001001')?.['memberships.1']).toMatchObject({
      file: 'b-users.yaml',
    });
    expect(offThread.desired?.positions?.user('no-such-user')).toBeUndefined();
  });

  it('reports the same diagnostics and error for an invalid manifest', async () => {
    const inThread = await loadManifest(['invalid.yaml'], { env: ENV, cwd: dir, ...IN });
    const offThread = await loadManifest(['invalid.yaml'], { env: ENV, cwd: dir, ...OFF });
    expect(inThread.desired).toBeUndefined();
    expect(offThread.desired).toBeUndefined();
    expect(inThread.diagnostics.length).toBeGreaterThanOrEqual(2);
    expect(offThread.diagnostics).toStrictEqual(inThread.diagnostics);
    const refusal = (options: object) =>
      loadValidManifest(['invalid.yaml'], { env: ENV, cwd: dir, ...options }).then(
        () => undefined,
        (error: unknown) => error,
      );
    const [inError, offError] = await Promise.all([refusal(IN), refusal(OFF)]);
    expect(offError).toBeInstanceOf(ManifestInvalidError);
    expect((offError as ManifestInvalidError).message).toBe((inError as ManifestInvalidError).message);
    expect((offError as ManifestInvalidError).meta).toStrictEqual((inError as ManifestInvalidError).meta);
  });

  it('keeps the event loop running while a large manifest parses', async () => {
    // Counts turns of the event loop (setImmediate callbacks) until the load resolves: a parse on the main thread
    // runs none while it parses; in a worker the loop keeps turning.
    const turns = async (options: object): Promise<{ turns: number; users: number; desired: DesiredState }> => {
      let count = 0;
      let running = true;
      const spin = (): void => {
        count += 1;
        if (running) setImmediate(spin);
      };
      setImmediate(spin);
      const loaded = await loadValidManifest(['large.yaml'], { env: ENV, cwd: dir, ...options });
      running = false;
      return { turns: count, users: loaded.desired.users.length, desired: loaded.desired };
    };
    const offThread = await turns(OFF);
    expect(offThread.users).toBe(8000);
    expect(offThread.turns).toBeGreaterThan(2000);
    // The users came in chunks of USER_CHUNK: in order, none lost.
    const inThread = await loadValidManifest(['large.yaml'], { env: ENV, cwd: dir, ...IN });
    expect(withoutPositions(offThread.desired)).toStrictEqual(withoutPositions(inThread.desired));
    expect(offThread.desired.positions?.user('u-007999')).toStrictEqual(inThread.desired.positions?.user('u-007999'));
  });
});
