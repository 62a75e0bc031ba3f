// The operations for one manifest user: a create (everything in one POST /users), or the field-by-field differences
// with its live user. An absent field is unmanaged and never produces an operation; memberships are authoritative
// for the managed (declared) organizations.

import jsonPatch from 'fast-json-patch';
import { MANAGED_MARK_KEY, MANAGED_MARK_VALUE, METADATA_FIELDS } from '../fields/constants.ts';
import {
  isProfileRow,
  USER_FIELD,
  USER_FIELDS,
  USER_PROFILE_FIELDS,
  type UserFieldName,
  type UserProfileField,
} from '../fields/user-fields.ts';
import type {
  DesiredMembership,
  DesiredUser,
  JsonObject,
  LiveMembership,
  LiveOrganization,
  LiveUser,
  ManifestSettings,
  MetadataField,
  MetadataMode,
  SourcePositions,
  SourceRef,
} from '../model/index.ts';
import { lowersPrivileges } from './destructive.ts';
import type { IgnoreRules } from './ignore.ts';
import { cloneJson, compareStrings, deepEqual, getPath, mergeMetadata, withPath } from './json-values.ts';
import { type MembershipsByUser, membershipsOfUser } from './memberships-by-user.ts';
import type {
  CreateUserAttributes,
  FieldChange,
  JsonPatchOperation,
  MetadataChange,
  Operation,
  UpdateMetadataOp,
  UserRef,
} from './types.ts';

/** What a user's own fields need (everything but its memberships): known once the users are read. */
export interface UserFieldContext {
  settings: ManifestSettings;
  ignore: IgnoreRules;
}

export interface UserDiffContext extends UserFieldContext {
  /** Keys of the declared organizations whose identity is known: memberships there are authoritative. */
  managedKeys: ReadonlySet<string>;
  /** Live organizations by manifest key (org-identity.ts), and unclaimed ones by slug. */
  liveOrgsByKey: ReadonlyMap<string, LiveOrganization>;
  /** The same organizations, key by id. */
  liveOrgKeysById: ReadonlyMap<string, string>;
  /** Live memberships by user id (memberships-by-user.ts). */
  liveMembershipsByUser: MembershipsByUser;
  /** Keys of organizations this plan creates. */
  createdOrgKeys: ReadonlySet<string>;
  /** Where the manifest declared each user's fields (DesiredState.positions). */
  positions: SourcePositions | undefined;
}

export function opSource(ref: SourceRef): { file: string; line: number } {
  return { file: ref.file, line: ref.line };
}

/** A membership's position: its own, else its user's `memberships.N` (manifest-read memberships), else the user's. */
export function membershipSource(
  desired: DesiredUser,
  membership: DesiredMembership,
  positions: SourcePositions | undefined,
): SourceRef {
  if (membership.source) return membership.source;
  const position = desired.memberships?.indexOf(membership) ?? -1;
  return positions?.user(desired.key)?.[`memberships.${position}`] ?? desired.source;
}

export function hasManagedMark(privateMetadata: JsonObject): boolean {
  return deepEqual(privateMetadata[MANAGED_MARK_KEY], MANAGED_MARK_VALUE);
}

function markValue(): JsonObject {
  return { ...MANAGED_MARK_VALUE };
}

function primaryEmail(live: LiveUser): string | null {
  return live.emailAddresses.find((email) => email.id === live.primaryEmailAddressId)?.emailAddress ?? null;
}

function primaryPhone(live: LiveUser): string | null {
  return live.phoneNumbers.find((phone) => phone.id === live.primaryPhoneNumberId)?.phoneNumber ?? null;
}

/** What a reviewer recognises a live user by. */
export function liveUserLabel(live: LiveUser): string {
  return primaryEmail(live) ?? live.emailAddresses[0]?.emailAddress ?? live.username ?? live.externalId ?? live.id;
}

export function userRef(desired: DesiredUser, live: LiveUser | null): UserRef {
  const label =
    desired.emailAddresses?.[0] ??
    (live ? (primaryEmail(live) ?? live.emailAddresses[0]?.emailAddress) : undefined) ??
    (typeof desired.username === 'string' ? desired.username : undefined) ??
    live?.username ??
    desired.externalId ??
    live?.externalId ??
    live?.id ??
    desired.key;
  return { key: desired.key, userId: live?.id ?? null, label };
}

// ---- create ----

/** The manifest field the user key is read from. */
function keyField(settings: ManifestSettings): UserFieldName {
  return settings.userKey === 'emailAddress' ? 'emailAddresses' : settings.userKey;
}

/** What POST /users sets, field by field in manifest order; the key field defaults to the key. */
function createAttributes(desired: DesiredUser, settings: ManifestSettings): CreateUserAttributes {
  const attributes: Record<string, unknown> = {};
  const keyed = keyField(settings);
  for (const row of USER_FIELDS) {
    if (isProfileRow(row)) {
      const declared = desired[row.name];
      const value = declared !== undefined ? declared : keyed === row.name ? desired.key : undefined;
      if (value !== undefined) attributes[row.name] = value;
      continue;
    }
    switch (row.kind) {
      case 'identifierList': {
        const value = desired[row.name] ?? (keyed === row.name ? [desired.key] : undefined);
        if (value !== undefined && value.length > 0) attributes[row.name] = [...value];
        break;
      }
      case 'metadata': {
        const declared = desired[row.name];
        // In merge mode a declared null means "absent", which is what PATCH would leave (null deletes).
        const initial =
          declared === undefined
            ? undefined
            : settings.metadataMode === 'merge'
              ? mergeMetadata({}, declared)
              : cloneJson(declared);
        // The ownership mark goes on every user clerk-sync creates, so a later prune may delete it.
        if (row.name === 'privateMetadata')
          attributes[row.name] = { ...(initial ?? {}), [MANAGED_MARK_KEY]: markValue() };
        else if (initial !== undefined) attributes[row.name] = initial;
        break;
      }
      case 'flag':
        // false is what a new user is: only true is sent.
        if (desired[row.name] === true) attributes[row.name] = true;
        break;
      case 'secret':
      case 'memberships':
        // Passwords go by reference (CreateUserOp.password); memberships are their own operations.
        break;
      default: {
        const unreachable: never = row;
        throw new Error(`unhandled user field ${JSON.stringify(unreachable)}`);
      }
    }
  }
  return attributes as CreateUserAttributes;
}

/**
 * A manifest user's operations but its memberships': its create, or the changes to its matched live user's fields.
 * Needs only the user and its match, so a plan computes them while the memberships are still read (prepare-users.ts).
 */
export function planUserFields(desired: DesiredUser, live: LiveUser | null, context: UserFieldContext): Operation[] {
  return live === null ? [createUser(desired, context.settings)] : planUpdateFields(desired, live, context);
}

/** A manifest user's membership operations (those of a user to create depend on its create). */
export function planUserMemberships(
  desired: DesiredUser,
  live: LiveUser | null,
  context: UserDiffContext,
): Operation[] {
  if (live !== null && context.ignore.fields.has('memberships')) return [];
  return planMemberships(desired, live, context);
}

/** POST /users takes profile, addresses, metadata and banned/locked at once (docs/clerk-api.md#creating-a-user). */
function createUser(desired: DesiredUser, settings: ManifestSettings): Operation {
  return {
    id: `create_user:${desired.key}`,
    type: 'create_user',
    user: userRef(desired, null),
    attributes: createAttributes(desired, settings),
    ...(desired.password ? { password: { ...desired.password.source } } : {}),
    ...(desired.password?.hasher ? { passwordHasher: desired.password.hasher } : {}),
    dependsOn: [],
    source: opSource(desired.source),
  };
}

// ---- update ----

function planUpdateFields(desired: DesiredUser, live: LiveUser, context: UserFieldContext): Operation[] {
  const { ignore } = context;
  const user = userRef(desired, live);
  const source = opSource(desired.source);
  const managed = (field: keyof DesiredUser): boolean => desired[field] !== undefined && !ignore.fields.has(field);
  const ops: Operation[] = [];

  let changes: Partial<Record<UserProfileField, FieldChange<string | null>>> | undefined;
  for (const { name: field } of USER_PROFILE_FIELDS) {
    const wanted = desired[field];
    if (wanted === undefined || wanted === live[field] || !managed(field)) continue;
    changes ??= {};
    changes[field] = { before: live[field], after: wanted };
  }
  if (changes)
    ops.push({ id: `update_user:${desired.key}`, type: 'update_user', user, changes, dependsOn: [], source });

  if (managed('emailAddresses')) ops.push(...planEmails(desired, live, user, source));
  if (
    managed('phoneNumbers') &&
    !sameIdentifiers(desired.phoneNumbers ?? [], live.phoneNumbers, 'phoneNumber', live.primaryPhoneNumberId)
  )
    ops.push(...planPhones(desired, live, user, source));

  const metadata = planMetadata(desired, live, user, context);
  if (metadata) ops.push(metadata);

  if (managed('banned') && desired.banned !== live.banned) {
    const type = desired.banned ? 'ban_user' : 'unban_user';
    ops.push({ id: `${type}:${desired.key}`, type, user, dependsOn: [], source });
  }
  if (managed('locked') && desired.locked !== live.locked) {
    const type = desired.locked ? 'lock_user' : 'unlock_user';
    ops.push({ id: `${type}:${desired.key}`, type, user, dependsOn: [], source });
  }
  return ops;
}

/**
 * The common case, checked without building anything: a user's live email addresses (or phone numbers) are exactly
 * the wanted ones and the first wanted is the primary. Then there is nothing to add, move or remove. Compared as
 * written: addresses are lower-case on both sides already (manifest/cross-checks.ts, state/from-wire.ts), and any
 * other spelling takes the full path, which lower-cases. Loops, not callbacks: this runs for every matched user.
 */
function sameIdentifiers<K extends 'emailAddress' | 'phoneNumber'>(
  wanted: readonly string[],
  held: readonly ({ id: string } & Record<K, string>)[],
  key: K,
  primaryId: string | null,
): boolean {
  if (wanted.length !== held.length) return false;
  for (const item of held) {
    const value = item[key];
    if (!wanted.includes(value)) return false;
    if (value === wanted[0] && item.id !== primaryId) return false;
  }
  // Each held one wanted, each wanted one held, as many of each: the same set (live values are distinct).
  for (const value of wanted) {
    let found = false;
    for (const item of held) {
      if (item[key] === value) {
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}

/** Primary first: add missing (the new primary created as primary), move primary, then remove extras. */
function planEmails(
  desired: DesiredUser,
  live: LiveUser,
  user: UserRef,
  source: { file: string; line: number },
): Operation[] {
  const declared = desired.emailAddresses ?? [];
  if (sameIdentifiers(declared, live.emailAddresses, 'emailAddress', live.primaryEmailAddressId)) return [];
  const wanted = declared.map((email) => email.toLowerCase());
  const byAddress = new Map(live.emailAddresses.map((email) => [email.emailAddress.toLowerCase(), email]));
  const ops: Operation[] = [];
  const constructive: string[] = [];
  wanted.forEach((address, position) => {
    if (byAddress.has(address)) return;
    const id = `add_email_address:${desired.key}/${address}`;
    constructive.push(id);
    ops.push({
      id,
      type: 'add_email_address',
      user,
      emailAddress: address,
      primary: position === 0,
      dependsOn: [],
      source,
    });
  });
  const primary = wanted[0];
  const existing = primary === undefined ? undefined : byAddress.get(primary);
  if (primary !== undefined && existing && live.primaryEmailAddressId !== existing.id) {
    const id = `set_primary_email_address:${desired.key}/${primary}`;
    constructive.push(id);
    ops.push({
      id,
      type: 'set_primary_email_address',
      user,
      emailAddress: primary,
      emailAddressId: existing.id,
      before: primaryEmail(live),
      dependsOn: [],
      source,
    });
  }
  const keep = new Set(wanted);
  const removed = [...live.emailAddresses]
    .filter((email) => !keep.has(email.emailAddress.toLowerCase()))
    .sort((a, b) => compareStrings(a.emailAddress, b.emailAddress));
  const removeId = (email: { emailAddress: string }) =>
    `remove_email_address:${desired.key}/${email.emailAddress.toLowerCase()}`;
  for (const email of removed) {
    // Never leave a user without a primary halfway: the new addresses and primary come first. When every address
    // goes, the primary goes last [assume: Clerk keeps a primary while other addresses remain].
    const lastOfAll = email.id === live.primaryEmailAddressId && wanted.length === 0;
    ops.push({
      id: removeId(email),
      type: 'remove_email_address',
      user,
      emailAddress: email.emailAddress.toLowerCase(),
      emailAddressId: email.id,
      dependsOn: [...constructive, ...(lastOfAll ? removed.filter((other) => other !== email).map(removeId) : [])],
      source,
    });
  }
  return ops;
}

function planPhones(
  desired: DesiredUser,
  live: LiveUser,
  user: UserRef,
  source: { file: string; line: number },
): Operation[] {
  const wanted = desired.phoneNumbers ?? [];
  const byNumber = new Map(live.phoneNumbers.map((phone) => [phone.phoneNumber, phone]));
  const ops: Operation[] = [];
  const constructive: string[] = [];
  wanted.forEach((number, position) => {
    if (byNumber.has(number)) return;
    const id = `add_phone_number:${desired.key}/${number}`;
    constructive.push(id);
    ops.push({
      id,
      type: 'add_phone_number',
      user,
      phoneNumber: number,
      primary: position === 0,
      dependsOn: [],
      source,
    });
  });
  const primary = wanted[0];
  const existing = primary === undefined ? undefined : byNumber.get(primary);
  if (primary !== undefined && existing && live.primaryPhoneNumberId !== existing.id) {
    const id = `set_primary_phone_number:${desired.key}/${primary}`;
    constructive.push(id);
    ops.push({
      id,
      type: 'set_primary_phone_number',
      user,
      phoneNumber: primary,
      phoneNumberId: existing.id,
      before: primaryPhone(live),
      dependsOn: [],
      source,
    });
  }
  const keep = new Set(wanted);
  const removed = [...live.phoneNumbers]
    .filter((phone) => !keep.has(phone.phoneNumber))
    .sort((a, b) => compareStrings(a.phoneNumber, b.phoneNumber));
  const removeId = (phone: { phoneNumber: string }) => `remove_phone_number:${desired.key}/${phone.phoneNumber}`;
  for (const phone of removed) {
    const lastOfAll = phone.id === live.primaryPhoneNumberId && wanted.length === 0;
    ops.push({
      id: removeId(phone),
      type: 'remove_phone_number',
      user,
      phoneNumber: phone.phoneNumber,
      phoneNumberId: phone.id,
      dependsOn: [...constructive, ...(lastOfAll ? removed.filter((other) => other !== phone).map(removeId) : [])],
      source,
    });
  }
  return ops;
}

interface FieldPlan {
  after: JsonObject;
  /** What goes in the request body for this field, for the op's mode. */
  body: (mode: MetadataMode) => JsonObject;
  /** True when the only reason for the change is adding the ownership mark. */
  markOnly: boolean;
}

function planMetadataField(
  field: MetadataField,
  desired: DesiredUser,
  live: LiveUser,
  context: UserFieldContext,
): FieldPlan | null {
  const { settings, ignore } = context;
  const current = live[field];
  const isPrivate = field === 'privateMetadata';
  const liveHasMark = isPrivate && hasManagedMark(current);
  // Adoption: with prune on, a matched user gets the mark so a later prune may delete it once it leaves the manifest.
  const adopt = isPrivate && settings.prune && !liveHasMark;
  const declared = desired[field];

  if (declared === undefined || ignore.fields.has(field)) {
    if (!adopt) return null;
    const after = { ...current, [MANAGED_MARK_KEY]: markValue() };
    return {
      after,
      body: (mode) => (mode === 'merge' ? { [MANAGED_MARK_KEY]: markValue() } : after),
      markOnly: true,
    };
  }

  const paths = ignore.metadata[field];
  let after: JsonObject;
  let body: JsonObject;
  // withPath and mergeMetadata copy what they change, so the declared object is only read here; the copy that goes
  // into the plan is made below, for the users that change only (cloning every user's metadata first cost 0.7 s
  // of a 100,000-user plan).
  if (settings.metadataMode === 'replace') {
    after = declared;
    for (const path of paths) after = withPath(after, path, getPath(current, path));
    body = after;
  } else {
    // The ignored paths are simply not sent, so `after` is exactly what Clerk's PATCH makes of the body.
    body = declared;
    for (const path of paths) body = withPath(body, path, undefined);
    after = mergeMetadata(current, body);
  }
  // The mark is kept (replace mode, or a declared value under its key) and never shown as a change to remove.
  if (liveHasMark || adopt) {
    after = { ...after, [MANAGED_MARK_KEY]: markValue() };
    if (settings.metadataMode === 'replace') body = after;
    else if (adopt || Object.hasOwn(body, MANAGED_MARK_KEY)) body = { ...body, [MANAGED_MARK_KEY]: markValue() };
  }
  if (deepEqual(after, current)) return null;
  const finalAfter = cloneJson(after);
  const finalBody = body === after ? finalAfter : cloneJson(body);
  return { after: finalAfter, body: () => finalBody, markOnly: false };
}

/** The RFC 6902 patch from `before` to `after`, with values copied (plans and undo show it). */
export function toPatch(before: JsonObject, after: JsonObject): JsonPatchOperation[] {
  return jsonPatch.compare(before, after).map((operation) => {
    // compare() only emits add/remove/replace; `_get` exists in the library's type for its internal use.
    const out: JsonPatchOperation = { op: operation.op as JsonPatchOperation['op'], path: operation.path };
    if ('value' in operation && operation.value !== undefined) out.value = cloneJson(operation.value);
    if ('from' in operation && typeof operation.from === 'string') out.from = operation.from;
    return out;
  });
}

/** One update_metadata per user, covering every metadata field that differs. */
function planMetadata(
  desired: DesiredUser,
  live: LiveUser,
  user: UserRef,
  context: UserFieldContext,
): UpdateMetadataOp | null {
  const fields: [MetadataField, FieldPlan][] = [];
  for (const field of METADATA_FIELDS) {
    const plan = planMetadataField(field, desired, live, context);
    if (plan) fields.push([field, plan]);
  }
  if (fields.length === 0) return null;
  // Adding only the mark is a merge of one key whatever the manifest's mode: nothing else may be replaced.
  const mode: MetadataMode = fields.every(([, plan]) => plan.markOnly) ? 'merge' : context.settings.metadataMode;
  const changes: Partial<Record<MetadataField, MetadataChange>> = {};
  const body: UpdateMetadataOp['body'] = {};
  for (const [field, plan] of fields) {
    const before = cloneJson(live[field]);
    changes[field] = { before, after: plan.after, patch: toPatch(before, plan.after) };
    body[USER_FIELD[field].wire] = plan.body(mode);
  }
  return {
    id: `update_metadata:${desired.key}`,
    type: 'update_metadata',
    user,
    mode,
    changes,
    body,
    dependsOn: [],
    source: opSource(desired.source),
  };
}

// ---- memberships ----

/**
 * The common case, checked without building anything: every live membership is one the manifest lists, in a live
 * organization, with the same role, and the manifest lists no other. Then there is nothing to do.
 */
function sameMemberships(
  wanted: readonly DesiredMembership[],
  liveMemberships: readonly LiveMembership[],
  context: UserDiffContext,
): boolean {
  // Matched entries as bits of a number: no allocation per user (more than 31 memberships take the full path).
  if (wanted.length !== liveMemberships.length || wanted.length > 31) return false;
  let matched = 0;
  for (const membership of liveMemberships) {
    const slug = context.liveOrgKeysById.get(membership.organizationId);
    if (slug === undefined) return false;
    let index = 0;
    while (index < wanted.length && (wanted[index] as DesiredMembership).org !== slug) index += 1;
    if (index === wanted.length || (matched & (1 << index)) !== 0) return false;
    if ((wanted[index] as DesiredMembership).role !== membership.role) return false;
    matched |= 1 << index;
  }
  // Equal counts, each live membership matched to a different entry: a one-to-one match.
  return true;
}

/**
 * Memberships are authoritative for the managed organizations: each one the user should have, with its role, and
 * none other there. A membership in a live organization the manifest does not declare is enforced but nothing else
 * in that organization is touched.
 */
function planMemberships(desired: DesiredUser, live: LiveUser | null, context: UserDiffContext): Operation[] {
  const liveMemberships = live ? membershipsOfUser(context.liveMembershipsByUser, live.id) : [];
  if (sameMemberships(desired.memberships ?? [], liveMemberships, context)) return [];
  const user = userRef(desired, live);
  const wanted = new Map<string, DesiredMembership>();
  for (const membership of desired.memberships ?? []) {
    if (!wanted.has(membership.org)) wanted.set(membership.org, membership);
  }
  // Only organizations the user is wanted in or is live in can yield an operation: walking every managed
  // organization per user made planning quadratic (100,000 users x 1,000 organizations, docs/performance.md).
  const candidates = new Set(wanted.keys());
  for (const membership of liveMemberships) {
    const slug = context.liveOrgKeysById.get(membership.organizationId);
    if (slug !== undefined) candidates.add(slug);
  }
  const slugs = [...candidates].sort(compareStrings);
  const ops: Operation[] = [];
  for (const slug of slugs) {
    const membership = wanted.get(slug);
    const liveOrg = context.liveOrgsByKey.get(slug);
    if (!liveOrg && !context.managedKeys.has(slug)) continue; // unknown_organization, reported by createPlan
    const current = liveOrg ? liveMemberships.find((m) => m.organizationId === liveOrg.id) : undefined;
    // Most users need nothing here: build the operation's parts only when there is one.
    if (membership && current && current.role === membership.role) continue;
    if (!membership && (!current || !context.managedKeys.has(slug))) continue;
    const org = { slug, organizationId: liveOrg?.id ?? null };
    const target = `${slug}/${desired.key}`;
    if (membership && !current) {
      const dependsOn: string[] = [];
      if (context.createdOrgKeys.has(slug)) dependsOn.push(`create_organization:${slug}`);
      if (!live) dependsOn.push(`create_user:${desired.key}`);
      ops.push({
        id: `create_membership:${target}`,
        type: 'create_membership',
        org,
        user,
        role: membership.role,
        dependsOn,
        source: opSource(membershipSource(desired, membership, context.positions)),
      });
    } else if (membership && current && current.role !== membership.role) {
      ops.push({
        id: `update_membership_role:${target}`,
        type: 'update_membership_role',
        org,
        user,
        membershipId: current.id,
        changes: { role: { before: current.role, after: membership.role } },
        downgrade: lowersPrivileges(current.role, membership.role),
        dependsOn: [],
        source: opSource(membershipSource(desired, membership, context.positions)),
      });
    } else if (!membership && current && context.managedKeys.has(slug)) {
      ops.push({
        id: `delete_membership:${target}`,
        type: 'delete_membership',
        org,
        user,
        membershipId: current.id,
        role: current.role,
        dependsOn: [],
        source: opSource(desired.source),
      });
    }
  }
  return ops;
}
