// `export --anonymize SEED` end to end (issue 18): the file holds no original name, email, phone, username, external
// id or metadata value (each checked), keeps the instance's shape, is the same for the same seed, validates, and
// plans against a fresh emulator to as many users, organizations and memberships as the instance has.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { e2eContext } from '../helpers/cli.ts';

const USERS = [
  {
    external_id: 'emp-ada',
    email_address: ['ada@acme.test', 'ada.lovelace@personal.test'],
    phone_number: ['+15555550100', '+15555550101'],
    username: 'alovelace',
    first_name: 'Ada',
    last_name: 'Lovelace',
    public_metadata: { team: 'platform-team', level: 42, onboarding: { done: false, city: 'London-Marylebone' } },
    private_metadata: { employeeId: 4700, nationalId: 'AB-123-456', plan: 'enterprise-gold' },
    unsafe_metadata: { theme: 'solarized-dark', tags: ['vegan-cook', 'chess-club'] },
  },
  {
    external_id: 'emp-grace',
    email_address: ['grace@globex.test'],
    first_name: 'Grace',
    last_name: 'Hopper',
    public_metadata: { team: 'growth-team' },
    private_metadata: { plan: 'starter-blue' },
    banned: true,
  },
  { external_id: 'emp-alan', email_address: ['alan@initech.test'], first_name: 'Alan', locked: true },
  { external_id: 'emp-tim', email_address: ['tim@acme.test'], phone_number: ['+447700900123'], username: 'timbl' },
];

const SEED = {
  users: USERS,
  organizations: [
    { name: 'Acme Inc', slug: 'acme' },
    { name: 'Globex Corporation', slug: 'globex' },
  ],
  memberships: [
    { organization: 'acme', user: 'emp-ada', role: 'org:admin' },
    { organization: 'globex', user: 'emp-ada', role: 'org:member' },
    { organization: 'globex', user: 'emp-grace', role: 'org:admin' },
    { organization: 'acme', user: 'emp-tim', role: 'org:member' },
  ],
};

/** Every original personal value: strings of the users, metadata strings included, and numbers as written. */
function originals(): string[] {
  const values = new Set<string>();
  const walk = (value: unknown): void => {
    if (typeof value === 'string') values.add(value);
    else if (typeof value === 'number') values.add(String(value));
    else if (Array.isArray(value)) for (const item of value) walk(item);
    else if (typeof value === 'object' && value !== null) {
      for (const item of Object.values(value)) walk(item);
    }
  };
  walk(USERS);
  // Phones as digits too, and emails' local parts: neither may survive in any form.
  for (const user of USERS) {
    for (const phone of user.phone_number ?? []) values.add(phone.slice(1));
    for (const email of user.email_address) values.add(email.split('@')[0] as string);
  }
  return [...values];
}

function token(value: string): RegExp {
  return new RegExp(`(^|[^A-Za-z0-9])${value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}([^A-Za-z0-9]|$)`, 'i');
}

interface PlanJson {
  operations: { type: string }[];
}

describe('export --anonymize', () => {
  it('writes the shape of the instance with fake values, the same for the same seed, and plans to it', async () => {
    const source = await e2eContext({ preset: 'permissive', seed: SEED });
    const args = ['export', '--anonymize', 'staging-2026', '--include-metadata', 'public,private,unsafe'];
    const first = await source.cli([...args, '-o', 'anon.yaml']);
    expect(first.code, first.stderr).toBe(0);
    const text = await readFile(join(source.dir, 'anon.yaml'), 'utf8');
    // As a whole token: "ada" inside "Canada" is not Ada.
    for (const value of originals()) expect(text, value).not.toMatch(token(value));
    expect(text).toContain('# Anonymised (--anonymize)');

    const again = await source.cli([...args, '-o', 'again.yaml']);
    expect(again.code).toBe(0);
    expect(await readFile(join(source.dir, 'again.yaml'), 'utf8')).toBe(text);
    const other = await source.cli(['export', '--anonymize', 'another-seed', '-o', 'other.yaml']);
    expect(other.code).toBe(0);
    expect(await readFile(join(source.dir, 'other.yaml'), 'utf8')).not.toBe(text);

    const manifest = parse(text) as {
      organizations: { slug: string; name: string }[];
      users: Record<string, unknown>[];
    };
    // The shape: organizations as they are, one user per user, distinct keys, types and flags kept.
    expect(manifest.organizations).toEqual([
      { slug: 'acme', name: 'Acme Inc' },
      { slug: 'globex', name: 'Globex Corporation' },
    ]);
    expect(manifest.users).toHaveLength(4);
    expect(new Set(manifest.users.map((user) => user.externalId)).size).toBe(4);
    const ada = manifest.users.find((user) => (user.emailAddresses as string[]).length === 2) as {
      phoneNumbers: string[];
      publicMetadata: { level: unknown; onboarding: { done: unknown } };
      unsafeMetadata: { tags: unknown[] };
      memberships: unknown[];
    };
    expect(ada.phoneNumbers).toHaveLength(2);
    expect(ada.publicMetadata.onboarding.done).toBe(false);
    expect(typeof ada.publicMetadata.level).toBe('number');
    expect(ada.unsafeMetadata.tags).toHaveLength(2);
    expect(ada.memberships).toEqual([
      { org: 'acme', role: 'org:admin' },
      { org: 'globex', role: 'org:member' },
    ]);
    expect(manifest.users.filter((user) => user.banned === true)).toHaveLength(1);
    expect(manifest.users.filter((user) => user.locked === true)).toHaveLength(1);

    const validate = await source.cli(['validate', '-f', 'anon.yaml']);
    expect(validate.code, validate.stderr).toBe(0);
    const fresh = await e2eContext({ preset: 'permissive' });
    await fresh.write('anon.yaml', text);
    const plan = await fresh.cli(['plan', '-f', 'anon.yaml', '--format', 'json']);
    expect(plan.code, plan.stderr).toBe(0);
    const types = (JSON.parse(plan.stdout) as PlanJson).operations.map((op) => op.type);
    const count = (type: string) => types.filter((found) => found === type).length;
    expect([count('create_user'), count('create_organization'), count('create_membership')]).toEqual([4, 2, 4]);
  });

  it('--keep-metadata keeps the named keys’ values, and needs --anonymize', async () => {
    const source = await e2eContext({ preset: 'permissive', seed: SEED });
    const run = await source.cli([
      'export',
      '--anonymize',
      's',
      '--include-metadata',
      'public,private',
      '--keep-metadata',
      'plan,team',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('plan: enterprise-gold');
    expect(run.stdout).toContain('team: platform-team');
    expect(run.stdout).not.toContain('AB-123-456');
    const alone = await source.cli(['export', '--keep-metadata', 'plan']);
    expect(alone.code).toBe(1);
    expect(alone.stderr).toContain('--keep-metadata is an option of --anonymize SEED');
  });
});
