// Positions in plans made from a real manifest text. The fast reader records offsets only two levels deep and reads
// a user again when a position inside it is asked for, and memberships read from a manifest carry no source of
// their own: operations and errors must still point at the line of the field or the membership they are about.

import { describe, expect, it } from 'vitest';
import { readFastYaml } from '../../src/manifest/fast-yaml.ts';
import { parseManifest } from '../../src/manifest/index.ts';
import { locate, spanOf } from '../../src/manifest/positions.ts';
import { readYaml } from '../../src/manifest/read-yaml.ts';
import type { DesiredState } from '../../src/model/index.ts';
import { createPlan, DEFAULT_PLAN_OPTIONS } from '../../src/plan/index.ts';
import { liveMembership, liveOrg, liveUser, MARK, snapshot } from './builders.ts';

const TEXT = `apiVersion: clerk-sync/v1
organizations:
  - { slug: acme, name: Acme }
  - { slug: globex, name: Globex }
users:
  - externalId: emp-1
    emailAddresses: [alice@acme.test]
    firstName: Alice
    publicMetadata: { prefs: { theme: dark } }
    memberships:
      - { org: acme, role: "org:admin" }
      - { org: globex, role: "org:member" }
  - externalId: emp-2
    emailAddresses: [bob@acme.test]
    memberships:
      - { org: globex, role: "org:member" }
`;

// An admin of globex the manifest does not list: the manifest's globex members are all org:member.
const GLOBEX_OWNER = liveUser('user_o', { emails: ['owner@globex.test'] });
const GLOBEX_ADMIN = liveMembership('mem_o', 'org_globex', 'user_o', 'org:admin');

function lineOf(needle: string, nth = 0): number {
  const lines = TEXT.split('\n');
  let seen = 0;
  for (const [index, line] of lines.entries()) {
    if (line.includes(needle) && seen++ === nth) return index + 1;
  }
  throw new Error(`no line with ${needle}`);
}

function desired(text: string): DesiredState {
  const result = parseManifest([{ file: 'users.yaml', text }], { env: {} });
  expect(result.diagnostics).toEqual([]);
  return result.desired as DesiredState;
}

describe('positions of a manifest read by the fast reader', () => {
  it('is read by the fast reader (this test is about its positions)', () => {
    expect(readYaml({ file: 'users.yaml', text: TEXT }, {}, { fast: true }).fast).toBeDefined();
  });

  it('locate reaches values deeper than the recorded levels at the offsets the yaml package gives', () => {
    const fast = readYaml({ file: 'users.yaml', text: TEXT }, {}, { fast: true });
    const full = readYaml({ file: 'users.yaml', text: TEXT }, {}, { fast: false });
    for (const path of [
      ['users', '0', 'publicMetadata', 'prefs', 'theme'],
      ['users', '0', 'memberships', '1', 'role'],
      ['users', '1', 'emailAddresses', '0'],
      ['organizations', '1', 'slug'],
    ]) {
      expect(spanOf(locate(fast, path)?.node).start, path.join('.')).toBe(spanOf(locate(full, path)?.node).start);
    }
    expect(locate(fast, ['users', '0', 'publicMetadata', 'nope'])).toBeUndefined();
  });

  it('a first read keeps only two levels of offsets', () => {
    const read = readFastYaml(TEXT, {});
    if (!read || 'error' in read) throw new Error('the fast reader declined');
    const users = (read.value as { users: object[] }).users;
    expect(read.positions.containers.has(users)).toBe(true);
    expect(read.positions.containers.has(users[0] as object)).toBe(false);
  });

  it('membership operations point at the membership line, a removal at the user', () => {
    const live = snapshot({
      users: [
        liveUser('user_a', { externalId: 'emp-1', emails: ['alice@acme.test'], privateMetadata: MARK }),
        liveUser('user_b', { externalId: 'emp-2', emails: ['bob@acme.test'], privateMetadata: MARK }),
        GLOBEX_OWNER,
      ],
      organizations: [liveOrg('org_acme', 'acme', 'Acme'), liveOrg('org_globex', 'globex', 'Globex')],
      memberships: [
        liveMembership('mem_1', 'org_acme', 'user_a', 'org:member'),
        liveMembership('mem_2', 'org_acme', 'user_b', 'org:member'),
        liveMembership('mem_3', 'org_globex', 'user_b', 'org:member'),
        GLOBEX_ADMIN,
      ],
    });
    const result = createPlan(desired(TEXT), live, DEFAULT_PLAN_OPTIONS);
    const ops = result.plan?.operations ?? [];
    const role = ops.find((op) => op.type === 'update_membership_role');
    expect(role?.source).toEqual({ file: 'users.yaml', line: lineOf('{ org: acme') });
    const created = ops.find((op) => op.type === 'create_membership' && op.id.endsWith('globex/emp-1'));
    expect(created?.source).toEqual({ file: 'users.yaml', line: lineOf('{ org: globex') });
    const removed = ops.find((op) => op.type === 'delete_membership');
    expect(removed?.source).toEqual({ file: 'users.yaml', line: lineOf('externalId: emp-2') });
    expect(result.errors).toEqual([]);
  });

  it('field changes point at the field line', () => {
    const live = snapshot({
      users: [
        liveUser('user_a', {
          externalId: 'emp-1',
          emails: ['alice@acme.test'],
          firstName: 'Alicia',
          privateMetadata: MARK,
        }),
        GLOBEX_OWNER,
      ],
      organizations: [liveOrg('org_acme', 'acme', 'Acme'), liveOrg('org_globex', 'globex', 'Globex')],
      memberships: [GLOBEX_ADMIN],
    });
    const text = TEXT.replace(/ {2}- externalId: emp-2[\s\S]*$/, '');
    const state = desired(text);
    const sources = state.positions?.user(state.users[0]?.key ?? '');
    expect(sources?.firstName).toEqual({ file: 'users.yaml', line: lineOf('firstName'), column: 16 });
    expect(sources?.['memberships.1']).toEqual({
      file: 'users.yaml',
      line: lineOf('{ org: globex'),
      column: 9,
    });
    const result = createPlan(desired(text), live, DEFAULT_PLAN_OPTIONS);
    expect(result.errors).toEqual([]);
    expect(result.plan?.operations.some((op) => op.type === 'update_user')).toBe(true);
  });
});
