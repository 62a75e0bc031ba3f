// Provenance: for each operation, which manifest file (and line) set each value it changes. Computed only for a
// manifest with overlays, where a user's fields can come from several files; with plain manifests an operation's
// `source` already names the one declaration everything came from, so every plan line would repeat it.

import type { DesiredState, SourceRef } from '../model/index.ts';
import type { Operation, ProvenanceRef } from './types.ts';

/** The manifest fields (keys of DesiredState.positions) whose values an operation changes. */
export function changedFields(op: Operation): string[] {
  switch (op.type) {
    case 'create_organization':
      return [
        'name',
        ...(op.publicMetadata ? ['publicMetadata'] : []),
        ...(op.privateMetadata ? ['privateMetadata'] : []),
      ];
    case 'mark_organization':
    case 'delete_user':
      return [];
    case 'update_organization':
      return ['name'];
    case 'update_organization_metadata':
    case 'update_user':
    case 'update_metadata':
      return Object.keys(op.changes);
    case 'create_user':
      return [...Object.keys(op.attributes), ...(op.password ? ['password'] : [])];
    case 'add_email_address':
    case 'set_primary_email_address':
    case 'remove_email_address':
      return ['emailAddresses'];
    case 'add_phone_number':
    case 'set_primary_phone_number':
    case 'remove_phone_number':
      return ['phoneNumbers'];
    case 'ban_user':
    case 'unban_user':
      return ['banned'];
    case 'lock_user':
    case 'unlock_user':
      return ['locked'];
    case 'create_membership':
    case 'update_membership_role':
    case 'delete_membership':
      return ['memberships'];
    default: {
      const unknown: never = op;
      throw new Error(`unhandled operation ${JSON.stringify(unknown)}`);
    }
  }
}

/** Sets `provenance` on each operation of a manifest with overlays whose changed fields have known positions. */
export function addProvenance(operations: Operation[], desired: DesiredState): void {
  if (desired.overlays === undefined) return;
  const organizations = new Map(desired.organizations.map((org) => [org.slug, org.fieldSources]));
  // A user's operations are spread over the plan (phase order): grouped first, so its positions are computed once
  // and not kept after (about 1 KB per user).
  const byUser = new Map<string, Operation[]>();
  for (const op of operations) {
    if (!('user' in op)) {
      provide(op, organizations.get(op.org.slug));
    } else if (op.user.key !== null) {
      const list = byUser.get(op.user.key);
      if (list) list.push(op);
      else byUser.set(op.user.key, [op]);
    }
  }
  for (const [key, ops] of byUser) {
    const sources = desired.positions?.user(key);
    for (const op of ops) provide(op, sources);
  }
}

function provide(op: Operation, sources: Readonly<Record<string, SourceRef>> | undefined): void {
  if (!sources) return;
  const provenance: Record<string, ProvenanceRef> = {};
  for (const field of changedFields(op)) {
    const ref = sources[field];
    if (ref) provenance[field] = { file: ref.file, line: ref.line };
  }
  if (Object.keys(provenance).length > 0) op.provenance = provenance;
}

/** The manifest field a presented plan line shows (present.ts labels), to find its provenance. */
export function lineField(label: string): string {
  if (label.startsWith('membership ')) return 'memberships';
  if (label.startsWith('emailAddress') || label === 'primaryEmailAddress') return 'emailAddresses';
  if (label.startsWith('phoneNumber') || label === 'primaryPhoneNumber') return 'phoneNumbers';
  return label.split('.')[0] ?? label;
}
