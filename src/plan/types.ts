// The plan: a versioned JSON artefact (formatVersion 2) that every rendering (text, Ink, Markdown, JSON) and the
// executor read. Operations form a union tagged by `type`; every switch over it ends in a `never` check.
// Documented for users in docs/json-plan.md.

import type { OrganizationMetadataField } from '../fields/organization-fields.ts';
import type { UserProfileField } from '../fields/user-fields.ts';
import type {
  JsonObject,
  JsonValue,
  LiveRead,
  MetadataField,
  MetadataMode,
  PasswordHasher,
  PasswordSource,
  UserKeyKind,
} from '../model/index.ts';

export const PLAN_FORMAT_VERSION = 2;

/** One RFC 6902 operation, as fast-json-patch produces it. */
export interface JsonPatchOperation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  value?: JsonValue;
  from?: string;
}

export interface FieldChange<T> {
  before: T;
  after: T;
}

/** Reference to a user: its manifest key (if it has one) and its live id (null until a create in this plan runs). */
export interface UserRef {
  /** settings.userKey value; null for live users the manifest does not list (prune). */
  key: string | null;
  userId: string | null;
  /**
   * What a reviewer recognises besides the key: the primary email address (declared, else live), else the username,
   * external id or live id. Display only; apply never reads it.
   */
  label?: string;
}

/**
 * Reference to an organization: its manifest key (the manifest's `slug` field; also its slug where the instance has
 * slugs enabled), and live id (null until created in this plan).
 */
export interface OrgRef {
  slug: string;
  organizationId: string | null;
}

interface OperationBase {
  /** Stable, unique within the plan: `<type>:<target>`, e.g. `create_user:emp-001`, `create_membership:acme/emp-001`. */
  id: string;
  /** Ids of operations that must complete first. */
  dependsOn: string[];
  /** Manifest position that caused this operation, when there is one. */
  source?: { file: string; line: number };
  /**
   * Which manifest file (and line) set each value this operation changes, by manifest field (`lastName`,
   * `memberships`, `publicMetadata`): only for a manifest with overlays (src/plan/provenance.ts).
   */
  provenance?: Record<string, ProvenanceRef>;
}

/** Where a manifest value was written. */
export interface ProvenanceRef {
  file: string;
  line: number;
}

export interface CreateOrganizationOp extends OperationBase {
  type: 'create_organization';
  org: OrgRef;
  name: string;
  /**
   * The slug POST /organizations sends: the key when the instance has organization slugs enabled, else null (sent
   * without one: Clerk refuses a slug there). Decided at plan time, so applying a saved plan sends the same body.
   * The request always carries clerk-sync's mark with the key (private metadata `clerkSync.key`).
   */
  slug: string | null;
  /** Declared metadata, sent with the create; private metadata without the mark, which the request adds. */
  publicMetadata?: JsonObject;
  privateMetadata?: JsonObject;
}

/**
 * Adopts a live organization that matched by its unique exact name: PATCH /organizations/{id}/metadata with
 * `{ private_metadata: { clerkSync: { key } } }` (Clerk deep-merges: nothing else changes), so later plans find it
 * by the mark even after a rename.
 */
export interface MarkOrganizationOp extends OperationBase {
  type: 'mark_organization';
  org: OrgRef;
  /** The live (and declared) name it matched by. */
  name: string;
  matchedBy: 'name';
}

export interface UpdateOrganizationOp extends OperationBase {
  type: 'update_organization';
  org: OrgRef;
  changes: { name: FieldChange<string> };
}

/**
 * An organization's declared metadata: replace is PUT /organizations/{id}/metadata with each changed field's whole
 * `after` (clerk-sync's mark kept in it), merge is PATCH (deep merge; null deletes a key).
 */
export interface UpdateOrganizationMetadataOp extends OperationBase {
  type: 'update_organization_metadata';
  org: OrgRef;
  mode: MetadataMode;
  changes: Partial<Record<OrganizationMetadataField, MetadataChange>>;
  /** The exact request body (snake_case field names) apply sends. */
  body: Partial<Record<'public_metadata' | 'private_metadata', JsonObject>>;
}

/** Profile fields settable in POST /users. Secrets are not here: see `password`. */
export interface CreateUserAttributes {
  externalId?: string;
  emailAddresses?: string[];
  phoneNumbers?: string[];
  username?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  legalAcceptedAt?: string;
  publicMetadata?: JsonObject;
  privateMetadata?: JsonObject;
  unsafeMetadata?: JsonObject;
  banned?: boolean;
  locked?: boolean;
}

export interface CreateUserOp extends OperationBase {
  type: 'create_user';
  user: UserRef;
  attributes: CreateUserAttributes;
  /** Where apply gets the password from; the value is never stored in a plan. */
  password?: PasswordSource;
  /** With `password`: the value is a digest made with this hasher (sent as password_digest + password_hasher). */
  passwordHasher?: PasswordHasher;
}

/** The fields one update_user carries: the profile rows of src/fields/user-fields.ts. */
export type { UserProfileField } from '../fields/user-fields.ts';

export interface UpdateUserOp extends OperationBase {
  type: 'update_user';
  user: UserRef;
  /** Only the fields that differ. One PATCH /users/{id} carries them all. */
  changes: Partial<Record<UserProfileField, FieldChange<string | null>>>;
}

export interface AddEmailAddressOp extends OperationBase {
  type: 'add_email_address';
  user: UserRef;
  emailAddress: string;
  /** Make it the primary address as it is created. */
  primary: boolean;
}

export interface SetPrimaryEmailAddressOp extends OperationBase {
  type: 'set_primary_email_address';
  user: UserRef;
  emailAddress: string;
  /** Live id of the address (it already exists). */
  emailAddressId: string;
  before: string | null;
}

export interface RemoveEmailAddressOp extends OperationBase {
  type: 'remove_email_address';
  user: UserRef;
  emailAddress: string;
  emailAddressId: string;
}

export interface AddPhoneNumberOp extends OperationBase {
  type: 'add_phone_number';
  user: UserRef;
  phoneNumber: string;
  primary: boolean;
}

export interface SetPrimaryPhoneNumberOp extends OperationBase {
  type: 'set_primary_phone_number';
  user: UserRef;
  phoneNumber: string;
  phoneNumberId: string;
  before: string | null;
}

export interface RemovePhoneNumberOp extends OperationBase {
  type: 'remove_phone_number';
  user: UserRef;
  phoneNumber: string;
  phoneNumberId: string;
}

export interface MetadataChange {
  before: JsonObject;
  after: JsonObject;
  /** RFC 6902 patch from before to after, for display and review. */
  patch: JsonPatchOperation[];
}

export interface UpdateMetadataOp extends OperationBase {
  type: 'update_metadata';
  user: UserRef;
  /**
   * replace: PUT /users/{id}/metadata with each changed field's whole `after`.
   * merge: PATCH /users/{id}/metadata with `body` (deep merge; null deletes a key).
   */
  mode: MetadataMode;
  changes: Partial<Record<MetadataField, MetadataChange>>;
  /** The exact request body (snake_case field names) apply sends. */
  body: Partial<Record<'public_metadata' | 'private_metadata' | 'unsafe_metadata', JsonObject>>;
}

export interface BanUserOp extends OperationBase {
  type: 'ban_user';
  user: UserRef;
}
export interface UnbanUserOp extends OperationBase {
  type: 'unban_user';
  user: UserRef;
}
export interface LockUserOp extends OperationBase {
  type: 'lock_user';
  user: UserRef;
}
export interface UnlockUserOp extends OperationBase {
  type: 'unlock_user';
  user: UserRef;
}

export interface CreateMembershipOp extends OperationBase {
  type: 'create_membership';
  org: OrgRef;
  user: UserRef;
  role: string;
}

export interface UpdateMembershipRoleOp extends OperationBase {
  type: 'update_membership_role';
  org: OrgRef;
  user: UserRef;
  membershipId: string;
  changes: { role: FieldChange<string> };
  /** True when the change lowers privileges (from org:admin): ordered with the destructive steps. */
  downgrade: boolean;
}

export interface DeleteMembershipOp extends OperationBase {
  type: 'delete_membership';
  org: OrgRef;
  user: UserRef;
  membershipId: string;
  role: string;
}

export interface DeleteUserOp extends OperationBase {
  type: 'delete_user';
  user: UserRef;
  /** What identifies the user to a reviewer (primary email, username or external id). */
  label: string;
  /** prune: managed by clerk-sync, not in the manifest; undo: created by the apply an undo plan reverts. */
  reason: 'prune' | 'undo';
}

export type Operation =
  | CreateOrganizationOp
  | MarkOrganizationOp
  | UpdateOrganizationOp
  | UpdateOrganizationMetadataOp
  | CreateUserOp
  | UpdateUserOp
  | AddEmailAddressOp
  | SetPrimaryEmailAddressOp
  | RemoveEmailAddressOp
  | AddPhoneNumberOp
  | SetPrimaryPhoneNumberOp
  | RemovePhoneNumberOp
  | UpdateMetadataOp
  | BanUserOp
  | UnbanUserOp
  | LockUserOp
  | UnlockUserOp
  | CreateMembershipOp
  | UpdateMembershipRoleOp
  | DeleteMembershipOp
  | DeleteUserOp;

export type OperationType = Operation['type'];

/** How an operation counts in the summary line (`Plan: 3 to create, 5 to change, 1 to delete.`). */
export type ChangeKind = 'create' | 'change' | 'delete';

/**
 * Version of each live object the plan read, so apply of a saved plan can tell exactly what changed since.
 * Keyed by live id (user_..., org_..., orgmem_...).
 */
export interface LiveVersions {
  users: Record<string, { updatedAt: number }>;
  organizations: Record<string, { updatedAt: number }>;
  memberships: Record<string, { updatedAt: number }>;
}

export interface PlanSummary {
  create: number;
  change: number;
  delete: number;
  /** Operations per type, only types that occur. */
  byType: Partial<Record<OperationType, number>>;
  /** Distinct users touched by the plan. */
  usersTouched: number;
}

/**
 * What a plan was computed from, so `apply PLAN` can compute it again and refuse anything the file adds: a manifest
 * (its files, as given, relative to the working directory) or the journal an undo plan restores from.
 */
export type PlanSource = { kind: 'manifest'; files: string[] } | { kind: 'undo'; journal: string };

/** The instance the plan was made against, shown to reviewers. */
export interface PlanInstance {
  /** The API the live state was read from; null when unknown (tests). */
  apiUrl: string | null;
  /** From GET /instance; null when unknown. */
  environment: 'development' | 'production' | null;
}

/**
 * Something a reviewer must see in every rendering (JSON, text, Markdown, annotations). `refusal`: apply refuses the
 * plan unless the flag named in `hint` is given (mass_delete, mass_change...); `warning`: apply goes ahead.
 */
export interface PlanWarning {
  code: string;
  severity: 'refusal' | 'warning';
  message: string;
  source?: { file: string; line: number; column: number };
  hint?: string;
}

/** sha256 (hex) of the normalised desired state and of the live snapshot's versions (create-plan.ts). */
export interface PlanFingerprints {
  manifest: string;
  live: string;
}

export interface Plan {
  formatVersion: typeof PLAN_FORMAT_VERSION;
  source: PlanSource;
  instance: PlanInstance;
  /**
   * How the live users were read (full or targeted) and why; `apply PLAN` reads again the same way. Absent for plans
   * not made from a read of the instance (undo) and for files written before clerk-sync recorded it (a full read).
   */
  read?: PlanRead;
  /**
   * What the plan was computed from, to tell a saved plan's inputs again (apply PLAN) and to name its journal. Null
   * when the planner was asked not to compute them (PlanOptions.fingerprints: a view that neither saves nor applies).
   */
  fingerprints: PlanFingerprints | null;
  settings: { userKey: UserKeyKind; metadataMode: MetadataMode; prune: boolean };
  /** Phase order, then a stable tie-break: the same inputs give byte-identical JSON. */
  operations: Operation[];
  summary: PlanSummary;
  /** Only the objects the operations touch. */
  liveVersions: LiveVersions;
  /** Refusals and warnings, in the order found (safety refusals first). */
  warnings: PlanWarning[];
  /** Present when the plan is an approved subset (`--target`): `operations` are only the targeted ones. */
  target?: PlanTarget;
  /** settings.policies' results (src/plan/policies.ts); absent when the manifest declares no policies. */
  policies?: PlanPolicies;
}

/** What `--target` names: a user by its key (a live id for a user the manifest does not list), an organization by its key. */
export interface Target {
  kind: 'user' | 'org';
  key: string;
}

/** An approved subset (src/plan/target.ts): the targets as given, and what the whole plan held beyond them. */
export interface PlanTarget {
  /** `user:KEY` and `org:SLUG`, in the order given. */
  targets: string[];
  /** Ids of the operations left out, in plan order: a later plan without --target shows them again. */
  leftOut: string[];
}

// ---- policies (issue 19) ----

export type PolicyName = 'minAdmins' | 'requiredAdmins' | 'allowedEmailDomains' | 'protectedUsers';

/** One policy checked on one subject: passed, or refused with a policy_* code (docs/json-contract.md). */
export interface PolicyResult {
  policy: PolicyName;
  /** What it was checked on: `organization:<key>`, `organization:<key>/user:<key>` or `user:<key>`. */
  subject: string;
  status: 'passed' | 'refused';
  /** The refusal's code; absent when passed. */
  code?: string;
  message: string;
  /** Where the policy (or its entry for this organization or user) is declared. */
  policySource?: { file: string; line: number; column: number };
  /** Where the offending user or membership is declared, when the manifest declares it. */
  source?: { file: string; line: number; column: number };
}

export interface PlanPolicies {
  /** settings.policies.protectedUsers, as declared: the journal of an apply records them for undo. */
  protectedUsers: string[];
  /** In a stable order: by policy, then subject. */
  results: PolicyResult[];
}

/** How the plan's live users were read (src/state/read-strategy.ts); the header says it. */
export type PlanRead = LiveRead;

/** A plan as a file holds it (parsePlan): its fingerprints are always there. */
export type SavedPlan = Plan & { fingerprints: PlanFingerprints };

/** A problem that prevents a trustworthy plan (ambiguous identity, taken email...). */
export interface PlanDiagnostic {
  /** Stable code, e.g. `ambiguous_user_match`, `email_taken_by_other_user`, `unknown_organization`. */
  code: string;
  message: string;
  /** Manifest position, when the problem comes from a declaration. */
  source?: { file: string; line: number; column: number };
  hint?: string;
}

/** Safety thresholds and decisions that need a person: arrive as data, the planner never prompts. */
export interface PlanOptions {
  /** Maximum user deletions allowed without allowMassDelete. @default 10 */
  maxDeletes: number;
  allowMassDelete: boolean;
  /** Maximum share (0..1) of live users a plan may change or delete without allowMassChange. @default 0.3 */
  maxChangeRatio: number;
  allowMassChange: boolean;
  /** Extra field paths to ignore (adds to settings.ignore). */
  ignore: string[];
  /**
   * Users a development instance holds: a plan that would pass it is an error (`user_cap_exceeded`).
   * @default 100 (Clerk docs, "Managing environments")
   */
  developmentUserCap: number;
  /** Destructive operations are allowed with a production key (--allow-production). @default false */
  allowProduction?: boolean;
  /** The secret key is a production one (sk_live_): destructive operations need allowProduction. @default false */
  productionKey?: boolean;
  /**
   * Thresholds the command line set (--max-deletes, --max-change-ratio): they win over settings.policies' defaults
   * for this run. @default []
   */
  overrides?: ('maxDeletes' | 'maxChangeRatio')[];
  /**
   * Compute the plan's fingerprints. A view that neither saves nor applies the plan (a text plan, drift, a verify)
   * passes false: such a view never reads them, and they cost seconds at 100,000 users (docs/performance.md).
   * @default true
   */
  fingerprints?: boolean;
  /**
   * Plan only these objects and what they depend on (`--target`, src/plan/target.ts); the guards and the instance
   * checks see only the selected operations. Absent: the whole plan.
   */
  targets?: readonly Target[];
}

export interface PlanResult {
  plan: Plan;
  /** Errors: when non-empty the plan must not be applied. */
  errors: PlanDiagnostic[];
  /** Safety refusals (src/plan/guards.ts): mass delete, production key, changes outside what the manifest manages. */
  refusals: PlanDiagnostic[];
}

// ---- Presentation model: what the text (Ink), Markdown and apply views render. Built by presentPlan from a Plan. ----

/** `+` create, `~` change, `-` delete/remove. */
export type ChangeSymbol = '+' | '~' | '-';

/**
 * One field-level line, e.g. `{ symbol: '~', label: 'firstName', before: '"Ada"', after: '"Adah"' }`. Values are
 * JSON-encoded; private metadata values and passwords are `sensitive: true` with before/after `'(sensitive)'`.
 */
export interface PresentedLine {
  symbol: ChangeSymbol;
  label: string;
  before?: string;
  after?: string;
  sensitive?: boolean;
  /** The manifest file and line that set the value (`overlays/prod.yaml:12`), for a manifest with overlays. */
  setBy?: string;
}

export interface PresentedOperation {
  id: string;
  type: OperationType;
  kind: ChangeKind;
  symbol: ChangeSymbol;
  /** Short verb phrase, e.g. `update profile`, `create membership in acme`. */
  title: string;
  lines: PresentedLine[];
}

/**
 * One organization or one user (its memberships included), e.g. title `user emp-001 (alice@acme.test)`. Symbol: `+`
 * if the group creates its subject, `-` if it deletes it, else `~`.
 */
export interface PresentedGroup {
  /** `organization:<slug>` or `user:<key>` (`user:<live id>` for users the manifest does not list). */
  key: string;
  kind: 'organization' | 'user';
  symbol: ChangeSymbol;
  title: string;
  operations: PresentedOperation[];
}

/** Groups come in plan order of their first operation. */
export interface PlanPresentation {
  groups: PresentedGroup[];
  summary: PlanSummary;
  summaryLine: string;
  /** How the live users were read (present.ts, readLine); absent when the plan does not say. */
  readLine?: string;
  /** The targets of an approved subset and what it leaves out (present.ts, targetLine); absent for a whole plan. */
  targetLine?: string;
  noChanges: boolean;
  /** The plan's refusals and warnings, refusals first: every view shows them with the plan. */
  warnings: PlanWarning[];
}
