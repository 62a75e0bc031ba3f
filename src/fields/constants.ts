// Domain constants every stage shares: the managed fields' names and the marks clerk-sync writes.

import type { LiveInstance, MetadataField } from '../model/index.ts';
import { USER_FIELDS } from './user-fields.ts';

/** The metadata objects of a user, in display order (the metadata rows of the user table). */
export const METADATA_FIELDS: readonly MetadataField[] = USER_FIELDS.filter((row) => row.kind === 'metadata').map(
  (row) => row.name,
);

/**
 * What a plan assumes when it has not read the instance's settings (tests, undo): everything allowed, no limits.
 * A live read always fills the real values.
 */
export const UNRESTRICTED_INSTANCE: LiveInstance = {
  environment: null,
  slugsEnabled: true,
  maxAllowedMemberships: 0,
  creatorRole: 'org:admin',
  roles: null,
  userCount: 0,
};

/**
 * The mark clerk-sync puts in a user's private metadata when it creates or adopts the user. Prune only ever deletes
 * users that carry it. Value: `{ "managedBy": "clerk-sync" }` under this key.
 */
export const MANAGED_MARK_KEY = 'clerkSync';
export const MANAGED_MARK_VALUE = { managedBy: 'clerk-sync' } as const;

/**
 * The mark clerk-sync puts in an organization's private metadata when it creates or adopts it:
 * `{ "clerkSync": { "key": "<manifest key>" } }`. It identifies the organization on instances without slugs and
 * survives renames. Same top-level key as the user mark.
 */
export const ORG_MARK_KEY = 'clerkSync';
