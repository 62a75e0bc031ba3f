// Public surface of src/state: the domain model types, the pure wire -> model mapping, the live snapshot reader,
// the live-user index and the point lookups apply and the staleness check use.

export {
  type CreatedAtRange,
  DEFAULT_READ_CONCURRENCY,
  type FetchLiveSnapshotOptions,
  fetchLiveSnapshot,
  PAGE_SIZE,
  type SnapshotProgress,
  splitCreatedAtRange,
} from './fetch-snapshot.ts';
export { fromWireMembership, fromWireOrganization, fromWireUser, orgMarkKey } from './from-wire.ts';
export {
  type DuplicateLiveKey,
  duplicateLiveKeyError,
  indexLiveUsers,
  indexLiveUsersStrict,
  type LiveUserIndex,
  liveUserKeys,
} from './index-users.ts';
export {
  FILTER_BATCH,
  fetchObjectVersions,
  findMembership,
  findOrganizationBySlug,
  findUserByKey,
  type LookupOptions,
  type MembershipVersion,
  type ObjectVersion,
  type ObjectVersionIds,
  type ObjectVersions,
} from './lookups.ts';
export * from './model.ts';
