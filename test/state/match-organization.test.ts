// The pure organization matching (issue 13, design decision 2): mark, then slug, then one unmarked exact name.

import { describe, expect, it } from 'vitest';
import type { LiveOrganization } from '../../src/model/index.ts';
import { matchOrganization, mayMatchOrganization, organizationRefSets } from '../../src/state/index.ts';

function live(id: string, slug: string | null, name: string, key: string | null = null): LiveOrganization {
  return { id, slug, name, key, publicMetadata: {}, privateMetadata: {}, maxAllowedMemberships: 0, updatedAt: 1 };
}

describe('matchOrganization', () => {
  const orgs = [
    live('org_slug', 'acme', 'Acme'),
    live('org_mark', null, 'Acme Renamed', 'acme'),
    live('org_name', null, 'Globex'),
    live('org_name_marked', null, 'Initech', 'initech-old'),
    live('org_twin_1', null, 'Twin'),
    live('org_twin_2', 'twin-2', 'Twin'),
  ];

  it('prefers the mark over the slug, and the slug over the name', () => {
    expect(matchOrganization(orgs, { key: 'acme', name: 'Acme' })).toEqual({
      kind: 'found',
      by: 'key',
      organization: orgs[1],
    });
    expect(matchOrganization(orgs, { key: 'twin-2', name: 'Twin' })).toEqual({
      kind: 'found',
      by: 'slug',
      organization: orgs[5],
    });
    expect(matchOrganization(orgs, { key: 'globex', name: 'Globex' })).toEqual({
      kind: 'found',
      by: 'name',
      organization: orgs[2],
    });
  });

  it('adopts by name only unmarked organizations with exactly the name, and only when a name is given', () => {
    expect(matchOrganization(orgs, { key: 'initech', name: 'Initech' })).toEqual({ kind: 'none' });
    expect(matchOrganization(orgs, { key: 'globex', name: 'globex' })).toEqual({ kind: 'none' });
    expect(matchOrganization(orgs, { key: 'globex' })).toEqual({ kind: 'none' });
  });

  it('reports two candidates at the deciding step as ambiguous', () => {
    expect(matchOrganization(orgs, { key: 'twin', name: 'Twin' })).toEqual({
      kind: 'ambiguous',
      by: 'name',
      candidates: [orgs[4], orgs[5]],
    });
  });
});

describe('mayMatchOrganization', () => {
  it('keeps organizations whose mark or slug is a declared key or whose name is a declared name', () => {
    const refs = organizationRefSets([{ key: 'acme', name: 'Acme' }, { key: 'globex' }]);
    expect(mayMatchOrganization({ key: 'acme', slug: null, name: 'X' }, refs)).toBe(true);
    expect(mayMatchOrganization({ key: null, slug: 'globex', name: 'X' }, refs)).toBe(true);
    expect(mayMatchOrganization({ key: 'other', slug: null, name: 'Acme' }, refs)).toBe(true);
    expect(mayMatchOrganization({ key: null, slug: null, name: 'Globex' }, refs)).toBe(false);
    expect(mayMatchOrganization({ key: 'other', slug: 'other', name: 'Other' }, refs)).toBe(false);
  });
});
