// Passwords are create-only: a `password: ${VAR}` whose variable is unset is no manifest error (a nightly drift
// job needs no seed secrets). The plan refuses only when it creates such users, with one error naming them all.

import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../src/manifest/index.ts';
import type { DesiredState } from '../../src/model/index.ts';
import { createPlan, DEFAULT_PLAN_OPTIONS } from '../../src/plan/index.ts';
import { liveUser, MARK, snapshot } from './builders.ts';

const users = (count: number, password: (n: number) => string): string =>
  [
    'apiVersion: clerk-sync/v1',
    'users:',
    ...Array.from({ length: count }, (_, n) => [
      `  - externalId: emp-${n}`,
      `    emailAddresses: [u${n}@acme.test]`,
      `    password: ${password(n)}`,
    ]).flat(),
  ].join('\n');

function load(text: string, env: Record<string, string> = {}): DesiredState {
  const result = parseManifest([{ file: 'users.yaml', text }], { env });
  expect(result.diagnostics.filter((diagnostic) => diagnostic.severity === 'error')).toEqual([]);
  return result.desired as DesiredState;
}

const existing = (count: number) =>
  Array.from({ length: count }, (_, n) =>
    liveUser(`user_${n}`, { externalId: `emp-${n}`, emails: [`u${n}@acme.test`], privateMetadata: MARK }),
  );

describe('unset password variables', () => {
  it('are no manifest error, and plan no change for users that exist', () => {
    const desired = load(users(19, () => '${SEED_PASSWORD}'));
    const { errors, plan } = createPlan(desired, snapshot({ users: existing(19) }), DEFAULT_PLAN_OPTIONS);
    expect(errors).toEqual([]);
    expect(plan.operations).toEqual([]);
  });

  it('are one error naming the users the plan creates, at the first password', () => {
    const desired = load(users(4, (n) => (n < 2 ? '${SEED_PASSWORD}' : `\${PW_${n}}`)));
    const { errors } = createPlan(desired, snapshot({ users: existing(1) }), DEFAULT_PLAN_OPTIONS);
    expect(errors).toEqual([
      {
        code: 'unset_variable',
        message:
          'environment variables SEED_PASSWORD, PW_2, PW_3 are not set: the passwords of the 3 users this plan creates (emp-1, emp-2, emp-3)',
        source: { file: 'users.yaml', line: 8, column: 15 },
        hint: expect.stringContaining('a password is sent only when a user is created'),
      },
    ]);
  });

  it('a set variable is used as before; a default or a mix is not deferred', () => {
    const desired = load(
      users(1, () => '${SEED_PASSWORD}'),
      { SEED_PASSWORD: 'Seed-Password-2026!' },
    );
    expect(desired.users[0]?.password).toEqual({
      source: { kind: 'env', variable: 'SEED_PASSWORD' },
      value: 'Seed-Password-2026!',
    });
    const mixed = parseManifest([{ file: 'users.yaml', text: users(1, () => 'x-${SEED_PASSWORD}') }], { env: {} });
    expect(mixed.diagnostics.map((diagnostic) => diagnostic.code)).toContain('unset_variable');
    expect(mixed.desired).toBeUndefined();
  });

  it('an unset variable outside a password is still a manifest error', () => {
    const text = `${users(1, () => '${SEED_PASSWORD}')}\n    firstName: \${FIRST}\n`;
    const result = parseManifest([{ file: 'users.yaml', text }], { env: {} });
    expect(result.diagnostics.map((diagnostic) => `${diagnostic.line}:${diagnostic.code}`)).toEqual([
      '6:unset_variable',
    ]);
  });
});
