// --rehearse copies each live organization so that the planner matches the copy as it matches the original: with
// its slug or none, and with clerk-sync's mark when it has one.

import { describe, expect, it } from 'vitest';
import { seedOrganization } from '../../src/apply/rehearse.ts';
import { liveOrg } from '../plan/builders.ts';

describe('seedOrganization', () => {
  it('copies a slug-less organization without a slug, with its mark and its own member limit', () => {
    expect(
      seedOrganization(liveOrg('org_1', null, 'Acme Inc', { key: 'acme', maxAllowedMemberships: 12 })),
    ).toStrictEqual({
      name: 'Acme Inc',
      private_metadata: { clerkSync: { key: 'acme' } },
      max_allowed_memberships: 12,
    });
  });

  it('copies an unmarked organization with its slug and nothing else', () => {
    expect(seedOrganization(liveOrg('org_2', 'globex', 'Globex'))).toStrictEqual({ name: 'Globex', slug: 'globex' });
  });
});
