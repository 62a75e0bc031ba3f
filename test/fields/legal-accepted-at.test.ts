// legalAcceptedAt, a user field added as one row of the user table (src/fields/user-fields.ts): read from the
// manifest as an RFC 3339 date-time, compared by instant with the API's unix milliseconds, planned in update_user,
// sent as `legal_accepted_at`, shown, checked in plan files and exported.

import { describe, expect, it } from 'vitest';
import { toRequest } from '../../src/apply/to-request.ts';
import { parseManifest } from '../../src/manifest/index.ts';
import { exportUser } from '../../src/manifest/write-manifest.ts';
import { createPlan, DEFAULT_PLAN_OPTIONS, presentPlan, serializePlan } from '../../src/plan/index.ts';
import { parsePlan } from '../../src/plan/read-plan.ts';
import { fromWireUser } from '../../src/state/from-wire.ts';
import { desiredState, desiredUser, liveUser, snapshot } from '../plan/builders.ts';
import { wireUser } from '../state/wire-fixtures.ts';

const ids = { userIdForKey: () => undefined, organizationIdForSlug: () => undefined };
const noSecrets = () => undefined;

function load(value: string) {
  const text = `apiVersion: clerk-sync/v1\nusers:\n  - externalId: emp-1\n    legalAcceptedAt: ${value}\n`;
  return parseManifest([{ file: 'u.yaml', text }], { env: {} });
}

describe('legalAcceptedAt in the manifest', () => {
  it('is normalised to its instant in UTC', () => {
    const result = load('"2024-05-01T14:00:00+02:00"');
    expect(result.diagnostics).toEqual([]);
    expect(result.desired?.users[0]?.legalAcceptedAt).toBe('2024-05-01T12:00:00.000Z');
  });

  it('refuses a value that is not an RFC 3339 date-time, at its line', () => {
    for (const value of ['2024-05-01', '"yesterday"', 'null', '"2024-13-01T00:00:00Z"']) {
      const result = load(value);
      expect(
        result.diagnostics.map((d) => [d.code, d.line]),
        value,
      ).toEqual([[value === 'null' ? 'invalid_type' : 'invalid_timestamp', 4]]);
    }
  });

  it('may be named in settings.ignore', () => {
    const text = 'apiVersion: clerk-sync/v1\nsettings: { ignore: [legalAcceptedAt] }\nusers: []\n';
    expect(parseManifest([{ file: 'u.yaml', text }], { env: {} }).diagnostics).toEqual([]);
  });
});

describe('legalAcceptedAt from the API', () => {
  it('reads unix milliseconds as the same ISO instant, and null as null', () => {
    expect(fromWireUser(wireUser({ id: 'user_a', legal_accepted_at: Date.UTC(2024, 4, 1, 12) })).legalAcceptedAt).toBe(
      '2024-05-01T12:00:00.000Z',
    );
    expect(fromWireUser(wireUser({ id: 'user_a', legal_accepted_at: null })).legalAcceptedAt).toBeNull();
  });

  it('refuses a row whose value is not a number', () => {
    expect(() => fromWireUser(wireUser({ id: 'user_a', legal_accepted_at: '2024-05-01' as never }))).toThrow(
      /legal_accepted_at is not a number/,
    );
  });
});

describe('legalAcceptedAt in the plan', () => {
  const desired = desiredState([desiredUser('emp-1', { legalAcceptedAt: '2024-05-01T12:00:00.000Z' })]);

  it('the same instant plans nothing', () => {
    const live = snapshot({
      users: [liveUser('user_a', { externalId: 'emp-1', legalAcceptedAt: '2024-05-01T12:00:00.000Z' })],
    });
    expect(createPlan(desired, live, DEFAULT_PLAN_OPTIONS).plan.operations).toEqual([]);
  });

  it('another instant is one update_user, sent as legal_accepted_at, shown and kept by a saved plan', () => {
    const live = snapshot({ users: [liveUser('user_a', { externalId: 'emp-1', legalAcceptedAt: null })] });
    const { plan } = createPlan(desired, live, DEFAULT_PLAN_OPTIONS);
    expect(plan.operations).toMatchObject([
      {
        type: 'update_user',
        changes: { legalAcceptedAt: { before: null, after: '2024-05-01T12:00:00.000Z' } },
      },
    ]);
    const [op] = plan.operations;
    if (!op) throw new Error('no operation');
    expect(toRequest(op, ids, noSecrets)).toEqual({
      method: 'PATCH',
      path: '/users/user_a',
      body: { legal_accepted_at: '2024-05-01T12:00:00.000Z' },
    });
    const lines = presentPlan(plan).groups.flatMap((group) => group.operations.flatMap((o) => o.lines));
    expect(lines).toContainEqual(
      expect.objectContaining({ label: 'legalAcceptedAt', after: '"2024-05-01T12:00:00.000Z"' }),
    );
    expect(parsePlan(serializePlan(plan)).operations).toEqual(plan.operations);
  });

  it('a created user carries it in POST /users', () => {
    const { plan } = createPlan(desired, snapshot(), DEFAULT_PLAN_OPTIONS);
    const create = plan.operations.find((op) => op.type === 'create_user');
    if (!create) throw new Error('no create_user');
    expect(toRequest(create, ids, noSecrets).body).toMatchObject({ legal_accepted_at: '2024-05-01T12:00:00.000Z' });
  });

  it('settings.ignore leaves a different live value alone', () => {
    const ignoring = desiredState([desiredUser('emp-1', { legalAcceptedAt: '2024-05-01T12:00:00.000Z' })], {
      settings: { ignore: ['legalAcceptedAt'] },
    });
    const live = snapshot({ users: [liveUser('user_a', { externalId: 'emp-1', legalAcceptedAt: null })] });
    expect(createPlan(ignoring, live, DEFAULT_PLAN_OPTIONS).plan.operations).toEqual([]);
  });
});

describe('legalAcceptedAt in export', () => {
  it('is written when set and left out (unmanaged) when not', () => {
    const settings = { userKey: 'externalId' as const, metadata: [] };
    const set = liveUser('user_a', { externalId: 'emp-1', legalAcceptedAt: '2024-05-01T12:00:00.000Z' });
    expect(exportUser(set, settings, [])).toMatchObject({ legalAcceptedAt: '2024-05-01T12:00:00.000Z' });
    expect(exportUser(liveUser('user_b', { externalId: 'emp-2' }), settings, [])).not.toHaveProperty('legalAcceptedAt');
  });
});
