// The emulator's in-memory state and its indexes. Everything a request needs is a map lookup or a binary search:
// users by id, external_id, email, phone and username; users and memberships in (created_at, id) order; memberships
// by organization and by user. Only substring queries and non-chronological orderings scan. Mutations go through
// the helpers here so every index, `updated_at` and the cached user JSON stay consistent.

import { newId } from './ids.ts';
import { identifierExists } from './problem.ts';
import type { IdentRecord, MembershipRecord, OrgRecord, PersistedState, UserRecord } from './records.ts';
import { type EmulatorSettings, newInstanceSettings } from './settings.ts';
import { insertSorted, removeSorted } from './sorted.ts';

export class Store {
  readonly clock: () => number;
  /**
   * The instance settings every handler reads (password rules, caps, quotas, roles, organization settings). Replaced
   * whole by `setSettings`, never mutated in place, so a handler may keep a reference for one request.
   */
  settings: EmulatorSettings;
  /**
   * True only while a seed is applied (`applySeed`: POST /__emulator/seed, `startEmulator({ seed })`,
   * `RunningEmulator.seed()`). Handlers then skip the instance's caps and quotas (`user_cap`, `password_required`,
   * the organization membership quota) but still check shapes, formats and uniqueness, so fixtures larger than a
   * new instance allows can be loaded. Every handler that enforces a cap or quota must test it.
   */
  bypassLimits = false;
  /** The `ins_` id GET /instance answers; new per emulator (not persisted). */
  readonly instanceId: string;
  /** When this emulator started: created_at/updated_at of the roles and permissions it lists. */
  readonly startedAt: number;
  readonly users = new Map<string, UserRecord>();
  /** All users sorted by (created_at, id). */
  readonly usersByCreated: UserRecord[] = [];
  readonly usersByExternalId = new Map<string, UserRecord>();
  readonly usersByEmail = new Map<string, UserRecord>();
  readonly usersByPhone = new Map<string, UserRecord>();
  /** Lower-cased usernames: uniqueness is case-insensitive. */
  readonly usersByUsername = new Map<string, UserRecord>();
  /** Email and phone identification ids -> owner. */
  readonly identOwners = new Map<string, UserRecord>();
  readonly deletedUsers = new Map<string, number>();
  readonly orgs = new Map<string, OrgRecord>();
  readonly orgsBySlug = new Map<string, OrgRecord>();
  readonly orgsByCreated: OrgRecord[] = [];
  readonly memberships = new Map<string, MembershipRecord>();
  readonly membershipsByCreated: MembershipRecord[] = [];
  readonly membershipsByOrg = new Map<string, Map<string, MembershipRecord>>();
  readonly membershipsByUser = new Map<string, Map<string, MembershipRecord>>();
  /** Serialized user JSON, dropped whenever the user changes (lists are mostly cache hits). */
  readonly userJson = new Map<string, string>();
  /**
   * Serialized membership JSON, dropped on every mutation: a membership embeds its organization and its user's
   * public data, so any change may alter it. Reads (a plan lists all 150,000) are what it is for.
   */
  readonly membershipJson = new Map<string, string>();
  /** Sorted user lists for non-chronological orderings, valid until the next user mutation. */
  readonly sortCache = new Map<string, UserRecord[]>();
  /** Bumped on every mutation; persistence watches it. */
  version = 0;

  constructor(clock: () => number, settings: EmulatorSettings = newInstanceSettings('sk_test_emulator')) {
    this.clock = clock;
    this.settings = settings;
    this.instanceId = newId('ins');
    this.startedAt = clock();
  }

  /** Replaces the settings; cached JSON that may depend on them (membership permissions, orderings) is dropped. */
  setSettings(settings: EmulatorSettings): void {
    this.settings = settings;
    this.sortCache.clear();
    this.membershipJson.clear();
  }

  now(): number {
    return this.clock();
  }

  /** A timestamp for a change to an object last stamped `previous`: strictly increasing per object. */
  stamp(previous: number): number {
    const now = this.clock();
    return now > previous ? now : previous + 1;
  }

  changed(): void {
    this.version++;
    this.sortCache.clear();
    this.membershipJson.clear();
  }

  /** Marks a user modified: new updated_at, cached JSON dropped. */
  touchUser(user: UserRecord): void {
    user.updated_at = this.stamp(user.updated_at);
    this.userJson.delete(user.id);
    this.changed();
  }

  touchOrg(org: OrgRecord): void {
    org.updated_at = this.stamp(org.updated_at);
    this.changed();
  }

  touchMembership(membership: MembershipRecord): void {
    membership.updated_at = this.stamp(membership.updated_at);
    this.changed();
  }

  // ---- uniqueness (docs/clerk-api.md#identifiers-are-unique-per-instance)

  assertEmailFree(email: string, owner?: UserRecord): void {
    const holder = this.usersByEmail.get(email);
    if (holder && holder !== owner) throw identifierExists('email_address');
  }

  assertPhoneFree(phone: string, owner?: UserRecord): void {
    const holder = this.usersByPhone.get(phone);
    if (holder && holder !== owner) throw identifierExists('phone_number');
  }

  assertUsernameFree(username: string, owner?: UserRecord): void {
    const holder = this.usersByUsername.get(username.toLowerCase());
    if (holder && holder !== owner) throw identifierExists('username');
  }

  assertExternalIdFree(externalId: string, owner?: UserRecord): void {
    const holder = this.usersByExternalId.get(externalId);
    if (holder && holder !== owner) throw identifierExists('external_id');
  }

  // ---- users

  insertUser(user: UserRecord): void {
    this.users.set(user.id, user);
    insertSorted(this.usersByCreated, user);
    if (user.external_id !== null) this.usersByExternalId.set(user.external_id, user);
    if (user.username !== null) this.usersByUsername.set(user.username.toLowerCase(), user);
    for (const email of user.emails) {
      this.usersByEmail.set(email.value, user);
      this.identOwners.set(email.id, user);
    }
    for (const phone of user.phones) {
      this.usersByPhone.set(phone.value, user);
      this.identOwners.set(phone.id, user);
    }
    this.changed();
  }

  removeUser(user: UserRecord): void {
    this.users.delete(user.id);
    removeSorted(this.usersByCreated, user);
    if (user.external_id !== null) this.usersByExternalId.delete(user.external_id);
    if (user.username !== null) this.usersByUsername.delete(user.username.toLowerCase());
    for (const email of user.emails) {
      this.usersByEmail.delete(email.value);
      this.identOwners.delete(email.id);
    }
    for (const phone of user.phones) {
      this.usersByPhone.delete(phone.value);
      this.identOwners.delete(phone.id);
    }
    for (const membership of [...(this.membershipsByUser.get(user.id)?.values() ?? [])]) {
      this.removeMembership(membership);
    }
    this.userJson.delete(user.id);
    this.deletedUsers.set(user.id, user.created_at);
    this.changed();
  }

  setExternalId(user: UserRecord, externalId: string | null): void {
    if (user.external_id !== null) this.usersByExternalId.delete(user.external_id);
    user.external_id = externalId;
    if (externalId !== null) this.usersByExternalId.set(externalId, user);
  }

  setUsername(user: UserRecord, username: string | null): void {
    if (user.username !== null) this.usersByUsername.delete(user.username.toLowerCase());
    user.username = username;
    if (username !== null) this.usersByUsername.set(username.toLowerCase(), user);
  }

  setCreatedAt(user: UserRecord, createdAt: number): void {
    removeSorted(this.usersByCreated, user);
    user.created_at = createdAt;
    insertSorted(this.usersByCreated, user);
  }

  addEmail(user: UserRecord, email: IdentRecord): void {
    user.emails.push(email);
    this.usersByEmail.set(email.value, user);
    this.identOwners.set(email.id, user);
  }

  addPhone(user: UserRecord, phone: IdentRecord): void {
    user.phones.push(phone);
    this.usersByPhone.set(phone.value, user);
    this.identOwners.set(phone.id, user);
  }

  removeIdent(user: UserRecord, id: string): void {
    this.identOwners.delete(id);
    const email = user.emails.find((item) => item.id === id);
    if (email) {
      user.emails = user.emails.filter((item) => item !== email);
      this.usersByEmail.delete(email.value);
      if (user.primary_email_address_id === id) user.primary_email_address_id = pickPrimary(user.emails);
      return;
    }
    const phone = user.phones.find((item) => item.id === id);
    if (phone) {
      user.phones = user.phones.filter((item) => item !== phone);
      this.usersByPhone.delete(phone.value);
      if (user.primary_phone_number_id === id) user.primary_phone_number_id = pickPrimary(user.phones);
    }
  }

  /**
   * Whether the user's lock holds now, and for how many more seconds (ceil; null = until unlocked). A lock lasts
   * `settings.lockout_duration_seconds` from `locked_at`, read at the time of the request, as on a real instance
   * where the lock ends on its own (Clerk docs, guides/secure/user-lockout; spec User.lockout_expires_in_seconds).
   */
  lockState(user: UserRecord): { locked: boolean; expiresInSeconds: number | null } {
    if (!user.locked) return { locked: false, expiresInSeconds: null };
    const duration = this.settings.lockout_duration_seconds;
    if (duration === null) return { locked: true, expiresInSeconds: null };
    const remainingMs = (user.locked_at ?? user.updated_at) + duration * 1000 - this.clock();
    return remainingMs > 0
      ? { locked: true, expiresInSeconds: Math.ceil(remainingMs / 1000) }
      : { locked: false, expiresInSeconds: null };
  }

  primaryEmail(user: UserRecord): string | null {
    if (user.primary_email_address_id === null) return null;
    return user.emails.find((email) => email.id === user.primary_email_address_id)?.value ?? null;
  }

  primaryPhone(user: UserRecord): string | null {
    if (user.primary_phone_number_id === null) return null;
    return user.phones.find((phone) => phone.id === user.primary_phone_number_id)?.value ?? null;
  }

  // ---- organizations and memberships

  insertOrg(org: OrgRecord): void {
    this.orgs.set(org.id, org);
    if (org.slug !== null) this.orgsBySlug.set(org.slug, org);
    insertSorted(this.orgsByCreated, org);
    this.changed();
  }

  setSlug(org: OrgRecord, slug: string | null): void {
    if (org.slug !== null) this.orgsBySlug.delete(org.slug);
    org.slug = slug;
    if (slug !== null) this.orgsBySlug.set(slug, org);
  }

  setOrgCreatedAt(org: OrgRecord, createdAt: number): void {
    removeSorted(this.orgsByCreated, org);
    org.created_at = createdAt;
    insertSorted(this.orgsByCreated, org);
  }

  removeOrg(org: OrgRecord): void {
    for (const membership of [...(this.membershipsByOrg.get(org.id)?.values() ?? [])]) {
      this.removeMembership(membership);
    }
    this.orgs.delete(org.id);
    if (org.slug !== null) this.orgsBySlug.delete(org.slug);
    removeSorted(this.orgsByCreated, org);
    this.membershipsByOrg.delete(org.id);
    this.changed();
  }

  /**
   * Looks an organization up by id or slug (GET /organizations/{id} accepts both, OpenAPI spec 2026-05-12, GetOrganization); an
   * organization without a slug resolves by id only.
   */
  findOrg(idOrSlug: string): OrgRecord | undefined {
    return this.orgs.get(idOrSlug) ?? this.orgsBySlug.get(idOrSlug);
  }

  findMembership(orgId: string, userId: string): MembershipRecord | undefined {
    return this.membershipsByOrg.get(orgId)?.get(userId);
  }

  membersCount(orgId: string): number {
    return this.membershipsByOrg.get(orgId)?.size ?? 0;
  }

  insertMembership(membership: MembershipRecord): void {
    this.memberships.set(membership.id, membership);
    insertSorted(this.membershipsByCreated, membership);
    let byOrg = this.membershipsByOrg.get(membership.org_id);
    if (!byOrg) {
      byOrg = new Map();
      this.membershipsByOrg.set(membership.org_id, byOrg);
    }
    byOrg.set(membership.user_id, membership);
    let byUser = this.membershipsByUser.get(membership.user_id);
    if (!byUser) {
      byUser = new Map();
      this.membershipsByUser.set(membership.user_id, byUser);
    }
    byUser.set(membership.org_id, membership);
    this.changed();
  }

  removeMembership(membership: MembershipRecord): void {
    this.memberships.delete(membership.id);
    removeSorted(this.membershipsByCreated, membership);
    this.membershipsByOrg.get(membership.org_id)?.delete(membership.user_id);
    const byUser = this.membershipsByUser.get(membership.user_id);
    byUser?.delete(membership.org_id);
    if (byUser?.size === 0) this.membershipsByUser.delete(membership.user_id);
    this.changed();
  }

  // ---- whole state

  clear(): void {
    for (const map of [
      this.users,
      this.usersByExternalId,
      this.usersByEmail,
      this.usersByPhone,
      this.usersByUsername,
      this.identOwners,
      this.deletedUsers,
      this.orgs,
      this.orgsBySlug,
      this.memberships,
      this.membershipsByOrg,
      this.membershipsByUser,
      this.userJson,
      this.membershipJson,
    ] as Map<string, unknown>[]) {
      map.clear();
    }
    this.usersByCreated.length = 0;
    this.orgsByCreated.length = 0;
    this.membershipsByCreated.length = 0;
    this.changed();
  }

  toPersisted(): PersistedState {
    return {
      format: 'clerk-sync-emulator',
      version: 1,
      users: this.usersByCreated,
      organizations: this.orgsByCreated,
      memberships: this.membershipsByCreated,
      deletedUsers: [...this.deletedUsers],
    };
  }

  load(state: PersistedState): void {
    this.clear();
    for (const user of state.users) {
      // Files written before locks expired have no lock time: the lock counts from the user's last change.
      if (user.locked && user.locked_at == null) user.locked_at = user.updated_at;
      this.insertUser(user);
    }
    for (const org of state.organizations) this.insertOrg(org);
    for (const membership of state.memberships) this.insertMembership(membership);
    for (const [id, createdAt] of state.deletedUsers) this.deletedUsers.set(id, createdAt);
  }
}

function pickPrimary(idents: IdentRecord[]): string | null {
  // Deleting the primary identifier promotes another one, verified first (Clerk keeps a verified primary).
  return (idents.find((ident) => ident.verified) ?? idents[0])?.id ?? null;
}
