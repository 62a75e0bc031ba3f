// Public surface of src/state: the domain model types, the pure wire -> model mapping, the live snapshot reader,
// the choice between a full and a targeted read, the live-user index and the point lookups apply and the staleness
// check use.

export { FALLBACK_INSTANCE, fetchInstanceSettings, type InstanceRead } from './fetch-instance.ts';
export { listOrganizations } from './fetch-organizations.ts';
export {
  type FetchedLiveSnapshot,
  type FetchLiveSnapshotOptions,
  fetchLiveSnapshot,
  type LiveReadRequest,
  type LiveReadStart,
  type StartedLiveRead,
  startLiveRead,
  type UserReadRequest,
} from './fetch-snapshot.ts';
export { type CreatedAtRange, readShortfallTolerance, splitCreatedAtRange } from './fetch-users.ts';
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
  findOrganizationByKey,
  findOrganizationBySlug,
  findUserByKey,
  type LookupOptions,
  type MembershipVersion,
  type ObjectVersion,
  type ObjectVersionIds,
  type ObjectVersions,
} from './lookups.ts';
export {
  matchOrganization,
  mayMatchOrganization,
  type OrganizationIdentity,
  type OrganizationMatch,
  type OrganizationMatchStep,
  type OrganizationRef,
  type OrganizationRefSets,
  organizationRefSets,
} from './match-organization.ts';
export { DEFAULT_READ_CONCURRENCY, PAGE_SIZE, type SnapshotProgress } from './read-pages.ts';
export {
  chooseRead,
  type FilterValues,
  filterValues,
  fullReadCertain,
  fullRequests,
  type IdentifierSummary,
  READ_OPTIONS,
  type ReadOption,
  summarizeIdentifiers,
  summaryOf,
  targetedRequests,
} from './read-strategy.ts';
export { findStaleObjects } from './stale-objects.ts';
export { notGone, userCount, usersToDelete } from './undo-reads.ts';
