// Rules on organizations themselves: lookup by id or slug, names, and slugs (which a new instance turns off).

import { randomSuffix } from './ids.ts';
import { ClerkApiProblem, organizationNotFound, paramValueInvalid } from './problem.ts';
import type { OrgRecord } from './records.ts';
import type { Store } from './store.ts';

export function requireOrg(store: Store, idOrSlug: string | undefined): OrgRecord {
  const org = idOrSlug === undefined ? undefined : store.findOrg(idOrSlug);
  if (!org) throw organizationNotFound();
  return org;
}

/** Catalog OrganizationSlugsDisabled. */
export function slugsDisabled(): ClerkApiProblem {
  return new ClerkApiProblem(
    403,
    'organization_slugs_disabled',
    'organization slugs not enabled',
    'This instance does not have slugs enabled for organizations.',
  );
}

export function checkSlug(slug: string): string {
  if (!/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(slug) || slug.length > 256) {
    throw paramValueInvalid(
      'slug',
      'slug can only contain lowercase alphanumeric characters and the dash "-" character.',
    );
  }
  return slug;
}

export function checkName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > 256) {
    throw paramValueInvalid('name', 'name must be between 1 and 256 characters long.');
  }
  return trimmed;
}

export function slugFromName(store: Store, name: string): string {
  const base =
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'org';
  let slug = base;
  while (store.orgsBySlug.has(slug)) slug = `${base}-${randomSuffix(6)}`;
  return slug;
}
