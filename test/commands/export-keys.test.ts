// How export names organizations (docs/manifest.md "How organizations are identified"): the key of clerk-sync's
// mark, else the slug, else a key made from the name, unique in the file; and what a plan of the file will do with
// them (found by name and marked, or refused as ambiguous).

import { describe, expect, it } from 'vitest';
import { exportedMatching, keyFromName, organizationKeys } from '../../src/manifest/write-manifest.ts';
import { liveOrg } from '../plan/builders.ts';

describe('keyFromName', () => {
  it.each([
    ['Acme Inc', 'acme-inc'],
    ['  Acme, Inc. ', 'acme-inc'],
    ['Café Zürich', 'cafe-zurich'],
    ['R&D / Ops 2', 'r-d-ops-2'],
    ['日本', 'org'],
  ])('%s -> %s', (name, key) => {
    expect(keyFromName(name)).toBe(key);
  });
});

describe('organizationKeys', () => {
  it('takes the mark, else the slug, else the name; keys never repeat', () => {
    const orgs = [
      liveOrg('org_1', null, 'Acme Inc'),
      liveOrg('org_2', 'globex', 'Globex', { key: 'globex-corp' }),
      liveOrg('org_3', 'initech', 'Initech'),
      liveOrg('org_4', null, 'Acme Inc'),
      // Its slug is another organization's mark key: it falls back to its name.
      liveOrg('org_5', 'globex-corp', 'Globex'),
      liveOrg('org_6', null, 'Initech'),
    ];
    expect(Object.fromEntries(organizationKeys(orgs))).toStrictEqual({
      org_2: 'globex-corp',
      org_3: 'initech',
      org_1: 'acme-inc',
      org_4: 'acme-inc-2',
      org_5: 'globex',
      org_6: 'initech-2',
    });
  });

  it('ignores a mark whose key is not a valid manifest key', () => {
    const keys = organizationKeys([liveOrg('org_1', null, 'Acme', { key: 'Not A Key' })]);
    expect(keys.get('org_1')).toBe('acme');
  });
});

describe('exportedMatching', () => {
  it('names the organizations a plan of the file finds by name (and marks), and those it refuses', () => {
    const all = [
      liveOrg('org_1', null, 'Acme Inc'),
      liveOrg('org_2', null, 'Twin'),
      liveOrg('org_3', null, 'Twin'),
      liveOrg('org_4', 'globex', 'Globex'),
      liveOrg('org_5', null, 'Marked', { key: 'marked' }),
    ];
    const keys = organizationKeys(all);
    const exported = all.map((org) => ({ org, key: keys.get(org.id) as string }));
    expect(exportedMatching(exported, all)).toStrictEqual({ byName: ['acme-inc'], ambiguous: ['twin', 'twin-2'] });
  });
});
