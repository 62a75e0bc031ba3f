// compareOperations (src/plan/reproduce.ts): a saved plan's operations against the recomputed ones, exact but for
// what an interrupted apply of the same file explains (its journal's started operations).

import { describe, expect, it } from 'vitest';
import type { Operation } from '../../src/plan/index.ts';
import { compareOperations, type Recomputed } from '../../src/plan/reproduce.ts';

const createUser: Operation = {
  id: 'create_user:emp-3',
  type: 'create_user',
  user: { key: 'emp-3', userId: null, label: 'carol@acme.test' },
  attributes: { externalId: 'emp-3', emailAddresses: ['carol@acme.test'] },
  dependsOn: [],
};
const createOrg: Operation = {
  id: 'create_organization:beta',
  type: 'create_organization',
  org: { slug: 'beta', organizationId: null },
  name: 'Beta',
  slug: null,
  dependsOn: [],
};
const join: Operation = {
  id: 'create_membership:beta/emp-3',
  type: 'create_membership',
  org: { slug: 'beta', organizationId: null },
  user: { key: 'emp-3', userId: null, label: 'carol@acme.test' },
  role: 'org:member',
  dependsOn: ['create_organization:beta', 'create_user:emp-3'],
};
const metadata: Operation = {
  id: 'update_metadata:emp-1',
  type: 'update_metadata',
  user: { key: 'emp-1', userId: 'user_1' },
  mode: 'replace',
  changes: { publicMetadata: { before: {}, after: { a: 1 }, patch: [{ op: 'add', path: '/a', value: 1 }] } },
  body: { public_metadata: { a: 1 } },
  dependsOn: [],
};

const full = (ops: Operation[]): Recomputed[] => ops.map((op) => ({ op, views: [op] }));
const none = new Set<string>();

describe('compareOperations', () => {
  it('accepts the same operations whatever their key order, and a file that holds the shown form', () => {
    const { dependsOn, ...rest } = metadata;
    const reordered = JSON.parse(JSON.stringify({ dependsOn, ...rest })) as Operation;
    expect(compareOperations([reordered], full([metadata]), none).mismatches).toStrictEqual([]);
    const shown = { ...metadata, body: { public_metadata: { a: '(hidden)' } } } as Operation;
    const result = compareOperations([shown], [{ op: metadata, views: [shown, metadata] }], none);
    expect(result.mismatches).toStrictEqual([]);
    expect(result.matched).toStrictEqual([metadata]);
  });

  it('reports an added, an edited and a left-out operation', () => {
    const edited = { ...metadata, body: { public_metadata: { a: 2 } } } as Operation;
    const retargeted = { ...metadata, user: { key: 'emp-1', userId: 'user_2' } } as Operation;
    const added: Operation = { ...createUser, id: 'create_user:emp-9' };
    expect(compareOperations([edited], full([metadata]), none).mismatches).toStrictEqual([
      { id: metadata.id, kind: 'differs' },
    ]);
    expect(compareOperations([retargeted], full([metadata]), none).mismatches).toStrictEqual([
      { id: metadata.id, kind: 'differs' },
    ]);
    const result = compareOperations([added], full([metadata]), none);
    expect(result.mismatches).toStrictEqual([
      { id: 'create_user:emp-9', kind: 'not_produced' },
      { id: metadata.id, kind: 'missing' },
    ]);
    expect(result.missing).toStrictEqual([metadata]);
  });

  it('resuming: started operations may be gone, and what they created now has live ids', () => {
    const saved = [createOrg, createUser, join];
    const started = new Set(['create_organization:beta', 'create_user:emp-3']);
    // The re-plan after the interrupted run: the user and the organization exist, the membership is still to do.
    const now: Operation = {
      ...join,
      org: { slug: 'beta', organizationId: 'org_new' },
      user: { key: 'emp-3', userId: 'user_new', label: 'carol@acme.test' },
      dependsOn: [],
    };
    const result = compareOperations(saved, full([now]), started);
    expect(result.mismatches).toStrictEqual([]);
    expect(result.matched).toStrictEqual([now]);
    // Without the journal's word the same difference is refused.
    expect(compareOperations(saved, full([now]), none).mismatches).toStrictEqual([
      { id: createOrg.id, kind: 'not_produced' },
      { id: createUser.id, kind: 'not_produced' },
      { id: join.id, kind: 'differs' },
    ]);
    // A started create that never reached the instance: the membership still waits for it.
    const waiting: Operation = { ...now, user: join.user, dependsOn: ['create_user:emp-3'] };
    expect(compareOperations(saved, full([createUser, waiting]), started).mismatches).toStrictEqual([]);
    // A dependency the saved operation does not have is no resumed one.
    const extra: Operation = { ...now, dependsOn: ['create_user:emp-9'] };
    expect(compareOperations(saved, full([extra]), started).mismatches).toContainEqual({
      id: join.id,
      kind: 'differs',
    });
    // The user of another key is no resolved reference.
    const other = { ...now, user: { key: 'emp-4', userId: 'user_new' } } as Operation;
    expect(compareOperations(saved, full([other]), started).mismatches).toStrictEqual([
      { id: join.id, kind: 'differs' },
    ]);
  });
});
