import { describe, expect, it } from 'vitest';
import { buildUndoPlan, type JournalEntry } from '../../src/apply/index.ts';
import type { Operation } from '../../src/plan/index.ts';
import { everyOperation } from './builders.ts';

const PLAN = 'p1';
const AT = '2026-01-01T00:00:00.000Z';
const CREATED: Record<
  string,
  { kind: 'user' | 'organization' | 'membership' | 'email_address' | 'phone_number'; id: string }
> = {
  'create_organization:acme': { kind: 'organization', id: 'org_acme' },
  'create_user:emp-2': { kind: 'user', id: 'user_new2' },
  'add_email_address:emp-1/new@acme.test': { kind: 'email_address', id: 'idn_new' },
  'add_phone_number:emp-1/+15555550101': { kind: 'phone_number', id: 'idn_p1' },
  'create_membership:acme/emp-2': { kind: 'membership', id: 'orgmem_new' },
};

/** A journal in which every operation of `ops` was applied, in order. */
function journalOf(ops: Operation[]): JournalEntry[] {
  const entries: JournalEntry[] = [
    { kind: 'header', version: 1, plan: PLAN, startedAt: AT, userKey: 'externalId', operations: ops.length },
  ];
  for (const op of ops) {
    entries.push({ kind: 'intent', plan: PLAN, at: AT, op });
    const created = CREATED[op.id];
    const userId = 'user' in op ? (op.user.userId ?? (op.user.key === 'emp-2' ? 'user_new2' : undefined)) : undefined;
    const organizationId = 'org' in op ? (op.org.organizationId ?? 'org_acme') : undefined;
    entries.push({
      kind: 'done',
      plan: PLAN,
      at: AT,
      op: op.id,
      type: op.type,
      status: 'done',
      ...(userId ? { userId } : {}),
      ...(organizationId ? { organizationId } : {}),
      ...(created ? { created } : {}),
    });
  }
  return entries;
}

describe('buildUndoPlan', () => {
  const undo = buildUndoPlan(journalOf(everyOperation()));
  const byId = new Map(undo.operations.map((op) => [op.id, op]));

  it('reverses newest first', () => {
    expect(undo.operations[0]?.id).toBe('create_membership:gamma/emp-1'); // undo of the last reversible op
    expect(undo.operations.at(-1)?.id).toBe('update_organization:beta');
  });

  it('deletes what was created, with the ids from the journal', () => {
    expect(byId.get('delete_user:emp-2')).toMatchObject({
      type: 'delete_user',
      user: { key: 'emp-2', userId: 'user_new2' },
    });
    expect(byId.get('delete_membership:acme/emp-2')).toMatchObject({
      org: { slug: 'acme', organizationId: 'org_acme' },
      user: { key: 'emp-2', userId: 'user_new2' },
      membershipId: 'orgmem_new',
      role: 'org:admin',
    });
    expect(byId.get('remove_email_address:emp-1/new@acme.test')).toMatchObject({ emailAddressId: 'idn_new' });
    expect(byId.get('remove_phone_number:emp-1/+15555550101')).toMatchObject({ phoneNumberId: 'idn_p1' });
  });

  it('restores before-images: profile, names, roles, metadata, removed addresses', () => {
    expect(byId.get('update_user:emp-1')).toMatchObject({
      changes: { firstName: { before: 'Alan', after: 'Al' }, username: { before: null, after: 'al' } },
    });
    expect(byId.get('update_organization:beta')).toMatchObject({
      changes: { name: { before: 'Beta Inc', after: 'Beta' } },
    });
    expect(byId.get('update_membership_role:beta/emp-1')).toMatchObject({
      changes: { role: { before: 'org:member', after: 'org:admin' } },
      downgrade: false,
    });
    expect(byId.get('update_metadata:emp-1')).toMatchObject({
      mode: 'replace',
      body: { public_metadata: { team: 'a', old: 1 } },
      changes: { publicMetadata: { before: { team: 'b' }, after: { team: 'a', old: 1 } } },
    });
    expect(byId.get('add_email_address:emp-1/old@acme.test')).toMatchObject({ emailAddress: 'old@acme.test' });
    expect(byId.get('add_phone_number:emp-1/+15555550103')).toMatchObject({ phoneNumber: '+15555550103' });
    expect(byId.get('create_membership:gamma/emp-1')).toMatchObject({
      org: { slug: 'gamma', organizationId: 'org_gamma' },
      role: 'org:member',
    });
  });

  it('swaps ban/unban and lock/unlock, one operation per state: the state before the oldest change', () => {
    const ids = undo.operations.map((op) => op.id);
    // ban, unban, lock, unlock of emp-1 were applied in that order: before them emp-1 was neither banned nor locked.
    // One restoring operation per state: the net change.
    expect(ids.filter((id) => /^(un)?(ban|lock)_user:/.test(id))).toStrictEqual([
      'unlock_user:emp-1',
      'unban_user:emp-1',
    ]);
  });

  it('lists what it cannot restore', () => {
    expect(undo.irreversible).toHaveLength(5);
    expect(undo.irreversible.join('\n')).toMatch(/user gone@acme.test \(user_gone\) was deleted/);
    expect(undo.irreversible.join('\n')).toMatch(/organization delta \(org_delta\) keeps clerk-sync's mark/);
    expect(undo.irreversible.join('\n')).toMatch(/organization acme \(org_acme\) was created/);
    expect(undo.irreversible.join('\n')).toMatch(/primary email address .* old@acme.test/);
    expect(undo.irreversible.join('\n')).toMatch(/primary phone number .* \+15555550103/);
  });

  it('produces valid, unique operation ids and no dependencies', () => {
    expect(new Set(undo.operations.map((op) => op.id)).size).toBe(undo.operations.length);
    expect(undo.operations.every((op) => op.dependsOn.length === 0)).toBe(true);
    expect(undo.operations).toHaveLength(13);
  });

  it('ignores unchanged and failed operations', () => {
    const [op] = everyOperation().filter((candidate) => candidate.id === 'ban_user:emp-1');
    if (!op) throw new Error('builder changed');
    const entries: JournalEntry[] = [
      { kind: 'intent', plan: PLAN, at: AT, op },
      { kind: 'done', plan: PLAN, at: AT, op: op.id, type: op.type, status: 'unchanged' },
      { kind: 'intent', plan: 'p2', at: AT, op },
      { kind: 'failed', plan: 'p2', at: AT, op: op.id, type: op.type, error: { code: 'x', message: 'x', status: 500 } },
    ];
    expect(buildUndoPlan(entries)).toStrictEqual({ operations: [], irreversible: [] });
  });

  it('reverses a setter whose outcome is unknown, and lists an unknown create', () => {
    const ops = everyOperation().filter((op) => op.id === 'ban_user:emp-1' || op.id === 'create_user:emp-2');
    const entries: JournalEntry[] = ops.map((op) => ({ kind: 'intent', plan: PLAN, at: AT, op }));
    const result = buildUndoPlan(entries);
    expect(result.operations.map((op) => op.id)).toStrictEqual(['unban_user:emp-1']);
    expect(result.irreversible).toStrictEqual([
      'create_user:emp-2: the apply stopped while it was being sent; its outcome is unknown: check it by hand',
    ]);
  });
});

describe('buildUndoPlan: organization metadata', () => {
  it('puts each changed field back whole (replace), the mark included', () => {
    const before = { clerkSync: { key: 'acme' }, crm: 'old' };
    const after = { clerkSync: { key: 'acme' }, crm: 'new' };
    const op: Operation = {
      id: 'update_organization_metadata:acme',
      type: 'update_organization_metadata',
      org: { slug: 'acme', organizationId: 'org_acme' },
      mode: 'merge',
      changes: {
        privateMetadata: { before, after, patch: [{ op: 'replace', path: '/crm', value: 'new' }] },
      },
      body: { private_metadata: { crm: 'new' } },
      dependsOn: [],
    };
    const undo = buildUndoPlan(journalOf([op]));
    expect(undo.irreversible).toEqual([]);
    expect(undo.operations).toMatchObject([
      {
        type: 'update_organization_metadata',
        org: { slug: 'acme', organizationId: 'org_acme' },
        mode: 'replace',
        changes: { privateMetadata: { before: after, after: before } },
        body: { private_metadata: before },
      },
    ]);
  });
});
