// How a declared organization is identified among live ones (issue 13, design decision 2): (a) the live org's
// clerk-sync mark (`private_metadata.clerkSync.key`) equals the manifest key; else (b) its slug equals the key; else
// (c) exactly one unmarked live org has exactly the declared name. Two or more candidates at the step that decides
// are ambiguous. Pure: the snapshot reader uses it to keep candidates, lookups to answer an idempotent create.

import type { LiveOrganization } from '../model/index.ts';

/** A declared organization as the reader and lookups see it: its manifest key and, when known, its name. */
export interface OrganizationRef {
  /** The manifest key (`organizations[].slug`): matched against the mark, then the slug. */
  key: string;
  /** The declared name, for adoption by exact name; absent = never matched by name (e.g. `export --org`). */
  name?: string;
}

export type OrganizationMatchStep = 'key' | 'slug' | 'name';

export type OrganizationMatch =
  | { kind: 'none' }
  | { kind: 'found'; by: OrganizationMatchStep; organization: LiveOrganization }
  | { kind: 'ambiguous'; by: OrganizationMatchStep; candidates: LiveOrganization[] };

/** The live organization `ref` identifies, per steps (a)-(c) above; candidates keep the order of `live`. */
export function matchOrganization(live: readonly LiveOrganization[], ref: OrganizationRef): OrganizationMatch {
  const steps: [OrganizationMatchStep, (org: LiveOrganization) => boolean][] = [
    ['key', (org) => org.key === ref.key],
    ['slug', (org) => org.slug !== null && org.slug === ref.key],
    ['name', (org) => ref.name !== undefined && org.key === null && org.name === ref.name],
  ];
  for (const [by, test] of steps) {
    const candidates = live.filter(test);
    const [first] = candidates;
    if (first === undefined) continue;
    return candidates.length === 1 ? { kind: 'found', by, organization: first } : { kind: 'ambiguous', by, candidates };
  }
  return { kind: 'none' };
}

/** What a live organization shows that matching reads: its mark key, slug and name (wire or model). */
export interface OrganizationIdentity {
  key: string | null;
  slug: string | null;
  name: string;
}

/** The declared keys and names as sets, for mayMatchOrganization over many live organizations. */
export interface OrganizationRefSets {
  keys: ReadonlySet<string>;
  names: ReadonlySet<string>;
}

export function organizationRefSets(refs: readonly OrganizationRef[]): OrganizationRefSets {
  return {
    keys: new Set(refs.map((ref) => ref.key)),
    names: new Set(refs.flatMap((ref) => (ref.name === undefined ? [] : [ref.name]))),
  };
}

/**
 * Whether a live organization could match some declared one at any step: the reader keeps exactly these (a marked
 * org with a declared name is kept too, so a plan can say why it was not adopted).
 */
export function mayMatchOrganization(org: OrganizationIdentity, refs: OrganizationRefSets): boolean {
  return (
    (org.key !== null && refs.keys.has(org.key)) ||
    (org.slug !== null && refs.keys.has(org.slug)) ||
    refs.names.has(org.name)
  );
}
