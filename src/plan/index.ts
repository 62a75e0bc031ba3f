// Public surface of the planner: pure functions from (desired state, live snapshot) to a Plan, and from a Plan to
// its JSON file, its display model and its Markdown rendering.

export {
  createPlan,
  DEFAULT_PLAN_OPTIONS,
  fingerprintDesired,
  liveVersionsOf,
  type PreparedPlan,
  planFingerprints,
} from './create-plan.ts';
export * from './drift.ts';
export {
  carriesManagedMark,
  type DeclaredFacts,
  type GuardThresholds,
  guardRefusals,
  type LiveFacts,
  MASS_CHANGE_MIN_USERS,
  thresholdsOf,
} from './guards.ts';
export { type MarkdownOptions, renderPlanMarkdown } from './markdown.ts';
export { type GroupedMemberships, MembershipGrouping, type MembershipsByUser } from './memberships-by-user.ts';
export { operationTitles } from './operation-titles.ts';
export { isDestructive, summarize, summaryLine } from './order.ts';
export {
  lookUpOrganization,
  matchOrganizations,
  type OrgIdentityResult,
  type OrgLookup,
  type OrgMatch,
  type OrgMatchStep,
  orgMark,
} from './org-identity.ts';
export { fingerprintsOf, serializePlan } from './plan-json.ts';
export { OPERATION_DEFINITIONS, OPERATION_TYPES, PLAN_SCHEMA } from './plan-schema.ts';
export {
  emailDomainAllowed,
  liveUserKey,
  manifestPolicyResults,
  POLICY_CODES,
  policyRefusals,
  protectedUserResults,
} from './policies.ts';
export { type PreparedUsers, prepareUsers, prepareUsersInSteps } from './prepare-users.ts';
export { describeWarning, operationName, presentPlan, readLine, targetLine } from './present.ts';
export {
  type Disclosure,
  disclosureOf,
  hidingAll,
  maskPrivate,
  NOTHING_TO_HIDE,
  PRIVATE_VALUE,
  publicOperation,
  publicOperationId,
  publicPlan,
  publicValue,
  type RedactionOptions,
  redactText,
  replaceWholeValue,
} from './redact.ts';
export { LIVE_READ_WARNING, type ReviewFindings, withReviewWarnings } from './review-warnings.ts';
export { oneLine } from './safe-text.ts';
export {
  formatStaleObjects,
  modified,
  type StaleObject,
  staleInSnapshot,
  type Touching,
  touching,
  unversioned,
  updatesOrganization,
} from './stale.ts';
export {
  closeTargets,
  formatTarget,
  type MissingDependency,
  missingDependencyErrors,
  parseTarget,
  selectTargets,
  type TargetSelection,
  targetOf,
  unknownTargets,
} from './target.ts';
export * from './types.ts';
