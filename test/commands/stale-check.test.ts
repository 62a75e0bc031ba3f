// The saved-plan staleness check for organizations the plan would create: one that now carries the key's mark or
// slug makes the plan stale (a create would duplicate it); one that merely shares the name does not. And the check
// against the live snapshot `apply PLAN` reads to plan again.

import { describe, expect, it } from 'vitest';
import type { WireOrganization } from '../../src/clerk/index.ts';
import { findStaleObjects, staleInSnapshot } from '../../src/commands/stale-check.ts';
import type { Operation } from '../../src/plan/index.ts';
import { ban, planOf } from '../apply/builders.ts';
import { apiError, createFakeClient } from '../apply/fake-client.ts';
import { liveUser, snapshot } from '../plan/builders.ts';
import { wireOrganization } from '../state/wire-fixtures.ts';

const createAcme: Operation = {
  id: 'create_organization:acme',
  type: 'create_organization',
  org: { slug: 'acme', organizationId: null },
  name: 'Acme Inc',
  slug: null,
  dependsOn: [],
};

function clientWith(orgs: WireOrganization[]) {
  return createFakeClient((spec) => {
    if (spec.method === 'GET' && spec.path === '/organizations') return { data: orgs, total_count: orgs.length };
    // GET /organizations/{id or slug}: none of these exist by that path (slug-less instance).
    throw apiError(spec, 404, 'resource_not_found');
  });
}

describe('findStaleObjects: organizations the plan creates', () => {
  it("reports one that now carries clerk-sync's mark for the key (no slug to find it by), not one that shares the name", async () => {
    const client = clientWith([
      wireOrganization({ id: 'org_other', slug: null, name: 'Acme Inc' }),
      wireOrganization({
        id: 'org_new',
        slug: null,
        name: 'Acme Inc',
        private_metadata: { clerkSync: { key: 'acme' } },
      }),
    ]);
    expect(await findStaleObjects(client, planOf([createAcme]))).toStrictEqual([
      {
        kind: 'organization',
        id: 'acme',
        change: 'now exists as org_new (found by its mark; the plan would create it)',
        ops: ['create_organization:acme'],
      },
    ]);
  });

  it('reports one that now has the slug', async () => {
    const client = clientWith([wireOrganization({ id: 'org_new', slug: 'acme', name: 'Other' })]);
    const [stale] = await findStaleObjects(client, planOf([createAcme]));
    expect(stale?.change).toBe('now exists as org_new (found by its slug; the plan would create it)');
  });
});

describe('staleInSnapshot: a manifest plan against the live state read to plan it again', () => {
  const createCarol: Operation = {
    id: 'create_user:emp-3',
    type: 'create_user',
    user: { key: 'emp-3', userId: null },
    attributes: { externalId: 'emp-3' },
    dependsOn: [],
  };
  const saved = {
    ...planOf([ban('emp-1'), ban('emp-2'), createCarol]),
    liveVersions: {
      users: { 'user_emp-1': { updatedAt: 100 }, 'user_emp-2': { updatedAt: 100 } },
      organizations: { org_gone: { updatedAt: 5 } },
      memberships: {},
    },
  };
  const live = snapshot({
    users: [
      liveUser('user_emp-1', { externalId: 'emp-1', updatedAt: 100 }),
      liveUser('user_emp-2', { externalId: 'emp-2', updatedAt: 200 }),
      liveUser('user_carol', { externalId: 'emp-3' }),
    ],
  });

  it('names each object that changed or is gone, and each the plan would create that exists', () => {
    const stale = staleInSnapshot(saved, live, 'externalId');
    expect(stale.map((object) => [object.kind, object.id, object.change.split(' (')[0]])).toStrictEqual([
      ['organization', 'org_gone', 'deleted, or no longer one the manifest declares'],
      ['user', 'user_emp-2', 'modified at 1970-01-01T00:00:00.200Z'],
      ['user', 'emp-3', 'now exists as user_carol'],
    ]);
    expect(stale[1]?.ops).toStrictEqual(['ban_user:emp-2']);
  });

  it('leaves out objects of operations an interrupted apply of the same plan started', () => {
    const stale = staleInSnapshot(saved, live, 'externalId', new Set(['ban_user:emp-2', 'create_user:emp-3']));
    expect(stale.map((object) => object.id)).toStrictEqual(['org_gone']);
  });
});
