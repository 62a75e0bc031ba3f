// The operations for one declared organization: a create (name, slug where the instance has slugs, declared
// metadata; the request adds clerk-sync's mark), or, for its live match, the mark when it was adopted by name, a
// rename, and one metadata update covering the declared metadata fields that differ.

import { ORG_MARK_KEY } from '../fields/constants.ts';
import { ORGANIZATION_METADATA_FIELDS, type OrganizationMetadataField } from '../fields/organization-fields.ts';
import type { DesiredOrganization, JsonObject, LiveOrganization, ManifestSettings } from '../model/index.ts';
import { opSource, toPatch } from './diff-user.ts';
import type { IgnoreRules } from './ignore.ts';
import { cloneJson, deepEqual, mergeMetadata } from './json-values.ts';
import type { OrgMatchStep } from './org-identity.ts';
import { orgMark } from './org-identity.ts';
import type { MetadataChange, Operation, UpdateOrganizationMetadataOp } from './types.ts';

export function planCreateOrganization(
  org: DesiredOrganization,
  settings: ManifestSettings,
  slugsEnabled: boolean,
): Operation {
  const metadata: Partial<Record<OrganizationMetadataField, JsonObject>> = {};
  for (const { name } of ORGANIZATION_METADATA_FIELDS) {
    const declared = org[name];
    // In merge mode a declared null means "absent", which is what PATCH would leave (null deletes).
    if (declared !== undefined)
      metadata[name] = settings.metadataMode === 'merge' ? mergeMetadata({}, declared) : cloneJson(declared);
  }
  return {
    id: `create_organization:${org.slug}`,
    type: 'create_organization',
    org: { slug: org.slug, organizationId: null },
    name: org.name,
    slug: slugsEnabled ? org.slug : null,
    ...metadata,
    dependsOn: [],
    source: opSource(org.source),
  };
}

export function planUpdateOrganization(
  org: DesiredOrganization,
  current: LiveOrganization,
  by: OrgMatchStep | null,
  settings: ManifestSettings,
  ignore: IgnoreRules,
): Operation[] {
  const ops: Operation[] = [];
  const ref = { slug: org.slug, organizationId: current.id };
  const source = opSource(org.source);
  // Adopted by its unique name: marked, so a rename (of either side) never loses it. A slug is identity enough.
  const marking = by === 'name' && current.key === null;
  if (marking) {
    ops.push({
      id: `mark_organization:${org.slug}`,
      type: 'mark_organization',
      org: ref,
      name: current.name,
      matchedBy: 'name',
      dependsOn: [],
      source,
    });
  }
  if (current.name !== org.name && !ignore.fields.has('organizations.name')) {
    ops.push({
      id: `update_organization:${org.slug}`,
      type: 'update_organization',
      org: ref,
      changes: { name: { before: current.name, after: org.name } },
      dependsOn: [],
      source,
    });
  }
  const metadata = planOrganizationMetadata(org, current, settings, marking);
  if (metadata) ops.push({ ...metadata, source });
  return ops;
}

/** The mark's value the organization keeps: its own, or the one this plan gives it. */
function keptMark(org: DesiredOrganization, current: LiveOrganization, marking: boolean): JsonObject | undefined {
  if (Object.hasOwn(current.privateMetadata, ORG_MARK_KEY))
    return { [ORG_MARK_KEY]: current.privateMetadata[ORG_MARK_KEY] ?? null };
  return marking ? orgMark(org.slug) : undefined;
}

function planOrganizationMetadata(
  org: DesiredOrganization,
  current: LiveOrganization,
  settings: ManifestSettings,
  marking: boolean,
): Omit<UpdateOrganizationMetadataOp, 'source'> | null {
  const mode = settings.metadataMode;
  const changes: Partial<Record<OrganizationMetadataField, MetadataChange>> = {};
  const body: UpdateOrganizationMetadataOp['body'] = {};
  for (const row of ORGANIZATION_METADATA_FIELDS) {
    const declared = org[row.name];
    if (declared === undefined) continue;
    const before = current[row.name];
    let after: JsonObject;
    let sent: JsonObject;
    if (mode === 'replace') {
      // Replacing private metadata keeps the mark: it is how later plans find the organization.
      const mark = row.name === 'privateMetadata' ? keptMark(org, current, marking) : undefined;
      after = mark ? { ...declared, ...mark } : declared;
      sent = after;
    } else {
      sent = declared;
      after = mergeMetadata(before, declared);
    }
    if (deepEqual(after, before)) continue;
    const finalAfter = cloneJson(after);
    changes[row.name] = { before: cloneJson(before), after: finalAfter, patch: toPatch(before, finalAfter) };
    body[row.wire] = sent === after ? finalAfter : cloneJson(sent);
  }
  if (Object.keys(changes).length === 0) return null;
  return {
    id: `update_organization_metadata:${org.slug}`,
    type: 'update_organization_metadata',
    org: { slug: org.slug, organizationId: current.id },
    mode,
    changes,
    body,
    // After the mark: a merge that runs first must not race the adoption (both PATCH the same object).
    dependsOn: marking ? [`mark_organization:${org.slug}`] : [],
  };
}
