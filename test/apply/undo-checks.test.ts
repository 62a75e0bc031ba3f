// checkedUndoPlan: an undo plan checked like any plan against the live state of what it touches (issue 14), and
// buildUndoPlan's coalescing of several changes of one value. Pure: journal entries and live snapshots in memory.

import { describe, expect, it } from 'vitest';
import { buildUndoPlan, checkedUndoPlan, type JournalEntry, undoLiveIds } from '../../src/apply/index.ts';
import type { LiveSnapshot } from '../../src/model/index.ts';
import { isDestructive, type Operation } from '../../src/plan/index.ts';
import { liveMembership, liveOrg, liveUser, snapshot } from '../plan/builders.ts';

const AT = '2026-01-01T00:00:00.000Z';
const ALICE = { key: 'emp-1', userId: 'user_1' };

/** One apply per list: a header, then each operation's intent and done line; `created` ids by operation id. */
function journal(applies: Operation[][], created: Record<string, string> = {}): JournalEntry[] {
  const entries: JournalEntry[] = [];
  applies.forEach((ops, index) => {
    const plan = `p${index + 1}`;
    entries.push({ kind: 'header', version: 1, plan, startedAt: AT, userKey: 'externalId', operations: ops.length });
    for (const op of ops) {
      entries.push({ kind: 'intent', plan, at: AT, op });
      const id = created[op.id];
      entries.push({
        kind: 'done',
        plan,
        at: AT,
        op: op.id,
        type: op.type,
        status: 'done',
        ...(id ? { created: { kind: id.startsWith('user_') ? 'user' : 'email_address', id } } : {}),
      });
    }
  });
  return entries;
}

const addEmail = (address: string): Operation => ({
  id: `add_email_address:emp-1/${address}`,
  type: 'add_email_address',
  user: ALICE,
  emailAddress: address,
  primary: false,
  dependsOn: [],
});

const rename = (before: string, after: string): Operation => ({
  id: 'update_user:emp-1',
  type: 'update_user',
  user: ALICE,
  changes: { firstName: { before, after } },
  dependsOn: [],
});

const setMetadata = (before: Record<string, number>, after: Record<string, number>): Operation => ({
  id: 'update_metadata:emp-1',
  type: 'update_metadata',
  user: ALICE,
  mode: 'replace',
  changes: { publicMetadata: { before, after, patch: [] } },
  body: { public_metadata: after },
  dependsOn: [],
});

const role = (before: string, after: string): Operation => ({
  id: 'update_membership_role:acme/emp-1',
  type: 'update_membership_role',
  org: { slug: 'acme', organizationId: 'org_acme' },
  user: ALICE,
  membershipId: 'orgmem_1',
  changes: { role: { before, after } },
  downgrade: false,
  dependsOn: [],
});

const toggle = (type: 'ban_user' | 'unban_user'): Operation => ({
  id: `${type}:emp-1`,
  type,
  user: ALICE,
  dependsOn: [],
});

function check(entries: JournalEntry[], live: LiveSnapshot) {
  return checkedUndoPlan(entries, live, { journal: 'j.jsonl' });
}

describe('checkedUndoPlan: the instance checks', () => {
  it("refuses removing the address an apply added when it is now the user's only identifier, at its journal line", () => {
    const entries = journal([[addEmail('new@acme.test')]], { 'add_email_address:emp-1/new@acme.test': 'idn_new' });
    const now = liveUser('user_1', { externalId: 'emp-1', emails: ['new@acme.test'] });
    now.emailAddresses[0] = { ...(now.emailAddresses[0] as (typeof now.emailAddresses)[0]), id: 'idn_new' };
    const refused = check(entries, snapshot({ users: [now] }));
    expect(refused.errors).toStrictEqual([
      {
        code: 'last_identification_removal',
        message:
          'user "emp-1" (new@acme.test) would be left with no email address, phone number or username: the plan removes its last identifier (emailAddresses)',
        source: { file: 'j.jsonl', line: 2, column: 1 },
        hint: expect.stringContaining('The apply being undone added this identifier'),
      },
    ]);

    // With a username the address may go.
    const named = check(entries, snapshot({ users: [{ ...now, username: 'alice' }] }));
    expect(named.errors).toStrictEqual([]);
    expect(named.plan.operations.map((op) => op.id)).toStrictEqual(['remove_email_address:emp-1/new@acme.test']);
  });

  it('refuses a restored role the instance no longer has, and a demotion of the last admin', () => {
    const entries = journal([[role('org:billing', 'org:admin')]]);
    const acme = liveOrg('org_acme', 'acme', 'Acme');
    const live = (roles: string[]) =>
      snapshot({
        users: [liveUser('user_1', { externalId: 'emp-1', emails: ['a@acme.test'] })],
        organizations: [acme],
        memberships: [liveMembership('orgmem_1', 'org_acme', 'user_1', 'org:admin')],
        instance: { ...snapshot().instance, roles },
      });
    expect(check(entries, live(['org:admin', 'org:member'])).errors.map((error) => error.code)).toStrictEqual([
      'unknown_role',
    ]);
    expect(check(entries, live(['org:admin', 'org:billing'])).errors.map((error) => error.code)).toStrictEqual([
      'organization_without_admin',
    ]);
  });

  it('leaves out what is gone live and says so; reads what undoLiveIds names', () => {
    const entries = journal([[rename('Ada', 'Adah'), role('org:member', 'org:admin')]]);
    expect(undoLiveIds(entries)).toStrictEqual({ users: ['user_1'], organizations: ['org_acme'], deletedUsers: [] });
    const result = check(entries, snapshot());
    expect(result.plan.operations).toStrictEqual([]);
    expect(result.irreversible).toStrictEqual([
      'update_membership_role:acme/emp-1: user_1 no longer exists; nothing to restore',
      'update_user:emp-1: user_1 no longer exists; nothing to restore',
    ]);
    expect(result.plan.warnings.map((warning) => [warning.code, warning.severity])).toStrictEqual([
      ['undo_irreversible', 'warning'],
      ['undo_irreversible', 'warning'],
    ]);
  });

  it('puts mass_delete in the warnings as a refusal, as for a manifest plan', () => {
    const creates: Operation[] = [];
    const created: Record<string, string> = {};
    for (let n = 0; n < 11; n += 1) {
      creates.push({
        id: `create_user:new-${n}`,
        type: 'create_user',
        user: { key: `new-${n}`, userId: null },
        attributes: { externalId: `new-${n}`, emailAddresses: [`new${n}@acme.test`] },
        dependsOn: [],
      });
      created[`create_user:new-${n}`] = `user_new${n}`;
    }
    const entries = journal([creates], created);
    const live = snapshot({
      users: creates.map((_, n) => liveUser(`user_new${n}`, { externalId: `new-${n}`, emails: [`new${n}@acme.test`] })),
    });
    const { plan, errors } = check(entries, live);
    expect(errors).toStrictEqual([]);
    expect(plan.operations).toHaveLength(11);
    expect(plan.warnings.map((warning) => [warning.code, warning.severity])).toStrictEqual([
      ['mass_delete', 'refusal'],
      ['mass_change', 'refusal'],
    ]);
  });

  it('is deterministic: the same journal and live state give the same plan', () => {
    const entries = journal([[rename('Ada', 'Adah')]]);
    const live = snapshot({ users: [liveUser('user_1', { externalId: 'emp-1', emails: ['a@acme.test'] })] });
    const first = check(entries, live).plan;
    expect(JSON.stringify(check(entries, live).plan)).toBe(JSON.stringify(first));
    expect(first).toMatchObject({
      source: { kind: 'undo', journal: 'j.jsonl' },
      liveVersions: { users: { user_1: { updatedAt: 1_700_000_000_001 } } },
    });
  });
});

describe('buildUndoPlan: several changes of one value', () => {
  it('restores the value before the oldest change, in one operation', () => {
    const entries = journal([
      [rename('Ada', 'Adah'), setMetadata({ a: 1, b: 2 }, { a: 1 }), role('org:billing', 'org:member')],
      [rename('Adah', 'Adele'), setMetadata({ a: 1 }, { a: 1, c: 3 }), role('org:member', 'org:admin')],
    ]);
    const { operations } = buildUndoPlan(entries, { journal: 'j.jsonl' });
    // Newest first, each at the journal line of the newest change it reverses (apply 2's intents: lines 9, 11, 13).
    expect(operations).toStrictEqual([
      expect.objectContaining({
        id: 'update_membership_role:acme/emp-1',
        changes: { role: { before: 'org:admin', after: 'org:billing' } },
        downgrade: true,
        source: { file: 'j.jsonl', line: 13 },
      }),
      expect.objectContaining({
        id: 'update_metadata:emp-1',
        mode: 'replace',
        changes: {
          publicMetadata: {
            before: { a: 1, c: 3 },
            after: { a: 1, b: 2 },
            patch: [
              { op: 'remove', path: '/c' },
              { op: 'add', path: '/b', value: 2 },
            ],
          },
        },
        body: { public_metadata: { a: 1, b: 2 } },
        source: { file: 'j.jsonl', line: 11 },
      }),
      expect.objectContaining({
        id: 'update_user:emp-1',
        changes: { firstName: { before: 'Adele', after: 'Ada' } },
        source: { file: 'j.jsonl', line: 9 },
      }),
    ]);
    // Restoring `b` and dropping `c` removes a key: destructive, whatever the separate reversals were.
    expect(operations.map(isDestructive)).toStrictEqual([true, true, false]);
  });

  it('one ban state: ban in one apply, unban in the next, undoes to not banned; A -> B -> A undoes to nothing', () => {
    const toggled = buildUndoPlan(journal([[toggle('ban_user')], [toggle('unban_user')]]));
    expect(toggled.operations.map((op) => op.id)).toStrictEqual(['unban_user:emp-1']);
    const back = buildUndoPlan(journal([[rename('Ada', 'Adah')], [rename('Adah', 'Ada')]]));
    expect(back.operations).toStrictEqual([]);
    // Undoing "add b" then "remove b" alone would be a destructive removal of b: the net change is none.
    const readded = buildUndoPlan(
      journal([[setMetadata({ a: 1 }, { a: 1, b: 2 })], [setMetadata({ a: 1, b: 2 }, { a: 1 })]]),
    );
    expect(readded.operations).toStrictEqual([]);
  });
});
