// What makes a role change or a metadata update take something away, read from the operation's content only (the
// roles before and after, the metadata before and the request body), never from a flag stored with it: the planner,
// undo, the phase order, the production guard and the apply barrier all ask these functions.

import { ORGANIZATION_METADATA_FIELDS } from '../fields/organization-fields.ts';
import { USER_FIELDS } from '../fields/user-fields.ts';
import type { JsonObject, JsonValue } from '../model/index.ts';
import { isJsonObject, mergeMetadata } from './json-values.ts';
import type { MetadataChange, UpdateMetadataOp, UpdateOrganizationMetadataOp } from './types.ts';

const USER_METADATA_ROWS = USER_FIELDS.filter((row) => row.kind === 'metadata');

/** The role with admin permissions: `org:admin` for now (custom roles' permissions are not read; issue 13). */
export const ADMIN_ROLE = 'org:admin';

/**
 * True when a member moving from `before` to `after` may lose permissions. Becoming an admin never does (the admin
 * role holds every permission), leaving it always does. Custom roles' permissions are not read, so a change between
 * two roles that are not admin (org:member to org:billing, or back) may lower privileges and counts as a downgrade.
 */
export function lowersPrivileges(before: string, after: string): boolean {
  return before !== after && after !== ADMIN_ROLE;
}

/** True when a key `before` holds (at any depth) is gone from `after`; a list is one value, not keys. */
function dropsKeys(before: JsonObject, after: JsonValue | undefined): boolean {
  if (!isJsonObject(after)) return Object.keys(before).length > 0;
  for (const [key, value] of Object.entries(before)) {
    if (!Object.hasOwn(after, key)) return true;
    if (isJsonObject(value) && dropsKeys(value, after[key])) return true;
  }
  return false;
}

/**
 * The metadata kinds in which the update removes a key or wipes the object (`privateMetadata: {}` in replace mode),
 * judged from the before-image and what the request sends: in replace mode the body replaces the whole object, in
 * merge mode it is deep merged and a null deletes (Clerk's PATCH /users/{id}/metadata and
 * /organizations/{id}/metadata). A non-empty body for a kind
 * without its before-image cannot be judged and counts as removing.
 */
export function metadataRemovals(op: UpdateMetadataOp | UpdateOrganizationMetadataOp): string[] {
  const removed: string[] = [];
  const rows = op.type === 'update_metadata' ? USER_METADATA_ROWS : ORGANIZATION_METADATA_FIELDS;
  const changes: Partial<Record<string, MetadataChange>> = op.changes;
  const bodies: Partial<Record<string, JsonObject>> = op.body;
  for (const { name: field, wire } of rows) {
    const change = changes[field];
    const body = bodies[wire];
    if (change === undefined && body === undefined) continue;
    let removes = change !== undefined && dropsKeys(change.before, change.after);
    if (!removes && body !== undefined) {
      if (change === undefined) removes = op.mode === 'replace' || Object.keys(body).length > 0;
      else removes = dropsKeys(change.before, op.mode === 'replace' ? body : mergeMetadata(change.before, body));
    }
    if (removes) removed.push(field);
  }
  return removed;
}

export function removesMetadata(op: UpdateMetadataOp | UpdateOrganizationMetadataOp): boolean {
  return metadataRemovals(op).length > 0;
}
