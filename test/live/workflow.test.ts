// The whole workflow through the real CLI (bin/clerk-sync.js, built by `npm run test:live`) on a small manifest
// (fixtures/small.yaml): validate, plan, apply, the instance holds the manifest, plan again (No changes.), drift
// none; then changes made outside the manifest show as drift, and apply converges again. Against a real development
// instance (CLERK_LIVE_SECRET_KEY) or the default emulator; the steps share state and run in order. Everything is
// named `clerk-sync-live-<run>-w-...` and removed in afterAll.

import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, runCli } from '../helpers/cli.ts';
import { ClerkApi, sweep } from './api.ts';
import { currentTarget } from './target.ts';

const target = currentTarget();
const api = new ClerkApi(target.apiUrl, target.secretKey, target.minGapMs);
const LP = `${target.runPrefix}-w`;
const FIXTURE = new URL('./fixtures/small.yaml', import.meta.url);
const CLI_TIMEOUT_MS = 170_000;

interface WireUser {
  id: string;
  first_name: string | null;
  password_enabled: boolean;
  public_metadata: Record<string, unknown>;
}

interface WireOrganization {
  id: string;
  name: string;
}

interface WireMembership {
  role: string;
  public_user_data: { user_id: string };
}

let dir: string;
let env: Record<string, string>;

function cli(...args: string[]): Promise<CliResult> {
  return runCli(args, { cwd: dir, env, timeoutMs: CLI_TIMEOUT_MS });
}

/** The exit code, with the output in the failure message. */
function expectExit(result: CliResult, code: number): void {
  expect(result.code, `exit ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`).toBe(code);
}

async function userByKey(name: string): Promise<WireUser> {
  const [user] = await api.json<WireUser[]>('GET', `/users?external_id=${encodeURIComponent(`${LP}-${name}`)}`);
  if (!user) throw new Error(`no live user ${LP}-${name}`);
  return user;
}

async function team(): Promise<WireOrganization> {
  const page = await api.json<{ data: WireOrganization[] }>(
    'GET',
    `/organizations?query=${encodeURIComponent(`${LP}-team`)}&limit=10`,
  );
  const found = page.data.filter((org) => org.name === `${LP}-team`);
  if (found.length !== 1) throw new Error(`expected one organization named ${LP}-team, found ${found.length}`);
  return found[0] as WireOrganization;
}

async function roles(organizationId: string): Promise<Map<string, string>> {
  const page = await api.json<{ data: WireMembership[] }>(
    'GET',
    `/organizations/${organizationId}/memberships?limit=100`,
  );
  return new Map(page.data.map((membership) => [membership.public_user_data.user_id, membership.role]));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clerk-sync-live-'));
  await copyFile(FIXTURE, join(dir, 'manifest.yaml'));
  env = {
    CLERK_SECRET_KEY: target.secretKey,
    CLERK_API_URL: target.apiUrl,
    LIVE_PREFIX: LP,
    // Random per run, so no breached-password list has it.
    LIVE_PASSWORD: `Live-${randomBytes(12).toString('base64url')}-26!`,
  };
});

afterAll(async () => {
  try {
    const result = await sweep(api, { runPrefix: LP, createdBefore: 0 });
    if (result.failures.length > 0) throw new Error(`cleanup failed: ${result.failures.join('; ')}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

describe(`plan -> apply -> re-plan -> drift through the CLI against ${target.label}`, () => {
  it('validate: the manifest is valid', async () => {
    expectExit(await cli('validate', '-f', 'manifest.yaml'), 0);
  });

  it('plan: one organization, three users and two memberships to create (exit 2 with --detailed-exitcode)', async () => {
    const plan = await cli('plan', '-f', 'manifest.yaml', '--format', 'json', '--detailed-exitcode');
    expectExit(plan, 2);
    const { summary } = JSON.parse(plan.stdout) as { summary: { byType: Record<string, number> } };
    expect(summary.byType).toMatchObject({ create_organization: 1, create_user: 3, create_membership: 2 });
  });

  it('apply: exit 0 (apply verifies with a second plan itself)', async () => {
    expectExit(await cli('apply', '-f', 'manifest.yaml', '--auto-approve'), 0);
  });

  it('the instance holds what the manifest declares', async () => {
    const [ada, grace, alan] = [await userByKey('ada'), await userByKey('grace'), await userByKey('alan')];
    expect(ada).toMatchObject({
      first_name: 'Ada',
      password_enabled: true,
      public_metadata: { team: 'platform', onboarding: { completed: true } },
    });
    // No password declared: created with skip_password_requirement (docs/clerk-api.md, "Password required").
    expect(grace).toMatchObject({ first_name: 'Grace', password_enabled: false });
    expect(alan).toMatchObject({ first_name: 'Alan' });
    expect(await roles((await team()).id)).toEqual(
      new Map([
        [ada.id, 'org:admin'],
        [grace.id, 'org:member'],
      ]),
    );
  });

  it('plan again: No changes. (exit 0 with --detailed-exitcode)', async () => {
    const plan = await cli('plan', '-f', 'manifest.yaml', '--detailed-exitcode');
    expectExit(plan, 0);
    expect(plan.stdout).toMatch(/^No changes\./);
  });

  it('drift: none (exit 0)', async () => {
    const drift = await cli('drift', '-f', 'manifest.yaml');
    expectExit(drift, 0);
    expect(drift.stdout).toContain('No drift');
  });

  it('drift after changes made outside the manifest: exit 2, a changed first name and a changed role', async () => {
    const ada = await userByKey('ada');
    const grace = await userByKey('grace');
    await api.json('PATCH', `/users/${ada.id}`, { first_name: 'Augusta' });
    await api.json('PATCH', `/organizations/${(await team()).id}/memberships/${grace.id}`, { role: 'org:admin' });
    const drift = await cli('drift', '-f', 'manifest.yaml', '--format', 'json');
    expectExit(drift, 2);
    const report = JSON.parse(drift.stdout) as {
      classes: Record<string, { subject: { key: string }; entries: { field?: string; live?: string }[] }[]>;
    };
    expect(report.classes.changed).toEqual([
      expect.objectContaining({
        subject: expect.objectContaining({ key: `${LP}-ada` }),
        entries: [expect.objectContaining({ field: 'firstName', live: '"Augusta"', manifest: '"Ada"' })],
      }),
    ]);
    expect(report.classes.membership).toEqual([
      expect.objectContaining({ subject: expect.objectContaining({ key: `${LP}-grace` }) }),
    ]);
  });

  it('apply converges again, and a last plan shows No changes.', async () => {
    expectExit(await cli('apply', '-f', 'manifest.yaml', '--auto-approve'), 0);
    const plan = await cli('plan', '-f', 'manifest.yaml', '--detailed-exitcode');
    expectExit(plan, 0);
    expect(plan.stdout).toMatch(/^No changes\./);
    expect((await userByKey('ada')).first_name).toBe('Ada');
  });
});
