// The saved-plan staleness check of an undo plan, for organizations the plan would create: one that now carries the
// key's mark or slug makes the plan stale (a create would duplicate it); one that merely shares the name does not.

import { describe, expect, it } from 'vitest';
import type { WireOrganization } from '../../src/clerk/index.ts';
import type { Operation } from '../../src/plan/index.ts';
import { findStaleObjects } from '../../src/state/index.ts';
import { planOf } from '../apply/builders.ts';
import { apiError, createFakeClient } from '../apply/fake-client.ts';
import { wireOrganization } from './wire-fixtures.ts';

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
