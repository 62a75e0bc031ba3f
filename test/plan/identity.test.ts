// Identity errors: ambiguity and identifiers held by another live user are reported with a stable code and the
// manifest position, never resolved by guessing.

import { describe, expect, it } from 'vitest';
import type { DesiredState, LiveSnapshot } from '../../src/model/index.ts';
import { createPlan, DEFAULT_PLAN_OPTIONS } from '../../src/plan/index.ts';
import { at, desiredState, desiredUser, liveOrg, liveUser, MARK, org, snapshot } from './builders.ts';

interface Row {
  name: string;
  desired: DesiredState;
  live: LiveSnapshot;
  expected: { code: string; source: { file: string; line: number; column: number } }[];
}

const rows: Row[] = [
  {
    name: 'two live users share the external id of one manifest user',
    desired: desiredState([desiredUser('emp-1', { externalId: 'emp-1' })], {
      positions: { 'emp-1': { externalId: at(11, 17) } },
    }),
    live: snapshot({
      users: [liveUser('user_a', { externalId: 'emp-1' }), liveUser('user_b', { externalId: 'emp-1' })],
    }),
    expected: [{ code: 'ambiguous_user_match', source: at(11, 17) }],
  },
  {
    name: 'one live user holds the keys of two manifest users (userKey emailAddress)',
    desired: desiredState(
      [desiredUser('a@acme.test', { source: at(10) }), desiredUser('b@acme.test', { source: at(20) })],
      { settings: { userKey: 'emailAddress' } },
    ),
    live: snapshot({ users: [liveUser('user_a', { emails: ['a@acme.test', 'b@acme.test'] })] }),
    expected: [
      { code: 'ambiguous_user_match', source: at(10) },
      { code: 'ambiguous_user_match', source: at(20) },
    ],
  },
  {
    name: 'two live users each claimed by two manifest users: reported in the order of each first claimant',
    desired: desiredState(
      [
        desiredUser('a1@acme.test', { source: at(10) }),
        desiredUser('b1@acme.test', { source: at(20) }),
        desiredUser('b2@acme.test', { source: at(30) }),
        desiredUser('c1@acme.test', { source: at(40) }),
      ],
      { settings: { userKey: 'emailAddress' } },
    ),
    live: snapshot({
      users: [
        liveUser('user_b', { emails: ['b1@acme.test', 'b2@acme.test'] }),
        liveUser('user_a', { emails: ['a1@acme.test', 'c1@acme.test'] }),
      ],
    }),
    expected: [
      { code: 'ambiguous_user_match', source: at(10) },
      { code: 'ambiguous_user_match', source: at(40) },
      { code: 'ambiguous_user_match', source: at(20) },
      { code: 'ambiguous_user_match', source: at(30) },
    ],
  },
  {
    name: 'a declared email belongs to another live user (unmanaged), pointing at the address line',
    desired: desiredState(
      [
        desiredUser('emp-1', {
          externalId: 'emp-1',
          emailAddresses: ['alice@acme.test', 'bob@acme.test'],
        }),
      ],
      { positions: { 'emp-1': { 'emailAddresses.1': at(14, 9) } } },
    ),
    live: snapshot({
      users: [
        liveUser('user_a', { externalId: 'emp-1', emails: ['alice@acme.test'] }),
        liveUser('user_b', { emails: ['BOB@acme.test'] }),
      ],
    }),
    expected: [{ code: 'email_taken_by_other_user', source: at(14, 9) }],
  },
  {
    name: 'a new user declares an email another (managed) live user holds; no field source: the user source',
    desired: desiredState([desiredUser('emp-2', { externalId: 'emp-2', emailAddresses: ['alice@acme.test'] })]),
    live: snapshot({
      users: [liveUser('user_a', { externalId: 'emp-1', emails: ['alice@acme.test'], privateMetadata: MARK })],
    }),
    expected: [{ code: 'email_taken_by_other_user', source: at(10) }],
  },
  {
    name: 'phone, username and external id held by others',
    desired: desiredState(
      [
        desiredUser('alice@acme.test', {
          emailAddresses: ['alice@acme.test'],
          phoneNumbers: ['+1555'],
          username: 'bob',
          externalId: 'ext-bob',
        }),
      ],
      {
        settings: { userKey: 'emailAddress' },
        positions: { 'alice@acme.test': { 'phoneNumbers.0': at(12), username: at(13), externalId: at(14) } },
      },
    ),
    live: snapshot({
      users: [
        liveUser('user_a', { emails: ['alice@acme.test'] }),
        liveUser('user_b', { phones: ['+1555'], username: 'bob', externalId: 'ext-bob' }),
      ],
    }),
    expected: [
      { code: 'phone_taken_by_other_user', source: at(12) },
      { code: 'username_taken_by_other_user', source: at(13) },
      { code: 'external_id_taken_by_other_user', source: at(14) },
    ],
  },
  {
    name: 'a membership in an organization that is neither declared nor live',
    desired: desiredState(
      [
        desiredUser('emp-1', {
          externalId: 'emp-1',
          memberships: [
            { org: 'acme', role: 'org:admin', source: at(30) },
            { org: 'ghost', role: 'org:member', source: at(31, 11) },
          ],
        }),
      ],
      { organizations: [org('acme', 'Acme')] },
    ),
    live: snapshot({ organizations: [liveOrg('org_acme', 'acme', 'Acme')] }),
    expected: [{ code: 'unknown_organization', source: at(31, 11) }],
  },
];

describe('identity errors', () => {
  it.each(rows)('$name', ({ desired, live, expected }) => {
    const { errors } = createPlan(desired, live, DEFAULT_PLAN_OPTIONS);
    expect(errors.map(({ code, source }) => ({ code, source }))).toStrictEqual(expected);
    for (const error of errors) {
      expect(error.message.length).toBeGreaterThan(10);
      expect(error.hint).toBeTruthy();
    }
  });

  it('names the conflicting live users in the message', () => {
    const desired = desiredState([desiredUser('emp-1', { externalId: 'emp-1' })]);
    const live = snapshot({
      users: [liveUser('user_b', { externalId: 'emp-1' }), liveUser('user_a', { externalId: 'emp-1' })],
    });
    const [error] = createPlan(desired, live, DEFAULT_PLAN_OPTIONS).errors;
    expect(error?.message).toContain('user_a, user_b');
  });

  it('names each live user holding a key once, whatever the case or the number of its addresses', () => {
    const desired = desiredState([desiredUser('x@acme.test', { source: at(10) })], {
      settings: { userKey: 'emailAddress' },
    });
    const live = snapshot({
      users: [
        liveUser('user_c', { emails: ['x@acme.test'] }),
        liveUser('user_a', { emails: ['X@acme.test', 'x@ACME.test'] }),
        liveUser('user_b', { emails: ['x@acme.test'] }),
        liveUser('user_d', { emails: ['y@acme.test'] }),
      ],
    });
    const result = createPlan(desired, live, DEFAULT_PLAN_OPTIONS);
    expect(result.errors.map((error) => error.message)).toStrictEqual([
      'emailAddress "x@acme.test" matches 3 live users (user_a, user_b, user_c)',
    ]);
    expect(result.plan.operations).toStrictEqual([]);
  });

  it('plans nothing for an ambiguous user and never prunes either candidate', () => {
    const desired = desiredState([desiredUser('emp-1', { externalId: 'emp-1', firstName: 'X' })], {
      settings: { prune: true },
    });
    const live = snapshot({
      users: [
        liveUser('user_a', { externalId: 'emp-1', privateMetadata: MARK }),
        liveUser('user_b', { externalId: 'emp-1', privateMetadata: MARK }),
      ],
    });
    const result = createPlan(desired, live, DEFAULT_PLAN_OPTIONS);
    expect(result.errors.map((error) => error.code)).toStrictEqual(['ambiguous_user_match']);
    expect(result.plan.operations).toStrictEqual([]);
  });

  it('does not report an identifier the matched user itself holds', () => {
    const desired = desiredState([
      desiredUser('emp-1', {
        externalId: 'emp-1',
        emailAddresses: ['a@acme.test'],
        username: 'a',
        phoneNumbers: ['+1'],
      }),
    ]);
    const live = snapshot({
      users: [liveUser('user_a', { externalId: 'emp-1', emails: ['a@acme.test'], username: 'a', phones: ['+1'] })],
    });
    expect(createPlan(desired, live, DEFAULT_PLAN_OPTIONS).errors).toStrictEqual([]);
  });
});
