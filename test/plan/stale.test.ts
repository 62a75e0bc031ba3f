// The saved-plan staleness check of a manifest's plan against the live snapshot `apply PLAN` reads to plan again.

import { describe, expect, it } from 'vitest';
import { type Operation, staleInSnapshot } from '../../src/plan/index.ts';
import { ban, planOf } from '../apply/builders.ts';
import { liveUser, snapshot } from './builders.ts';

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
