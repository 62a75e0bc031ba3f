// Merges the files of one manifest and normalises them into a DesiredState, checking what the JSON Schema cannot:
// identical settings across files, the user key on every user, duplicates across users and files (keys, emails,
// usernames, phones, organization slugs), memberships of undeclared organizations, the reserved `clerkSync`
// private-metadata key (clerk-sync's ownership mark), the 8 KB metadata cap, and where each password comes from.
// A message names a value read from the environment by its reference (`(from ${NAME})`), never by the value.
// Defensive about types: files with schema errors are still cross-checked, so all errors show at once.

import { isScalar, type Node } from 'yaml';
import { InternalError } from '../errors.ts';
import { MANAGED_MARK_KEY, METADATA_FIELDS } from '../fields/constants.ts';
import { ORGANIZATION_METADATA_FIELDS } from '../fields/organization-fields.ts';
import { PASSWORD_HASHERS, USER_FIELDS, USER_PROFILE_FIELDS, type UserProfileField } from '../fields/user-fields.ts';
import { manifestValue } from '../fields/values.ts';
import type {
  DesiredMembership,
  DesiredOrganization,
  DesiredPassword,
  DesiredState,
  DesiredUser,
  EnvironmentValue,
  JsonObject,
  JsonValue,
  ManifestSettings,
  MetadataMode,
  PolicyPositions,
  SourcePositions,
  SourceRef,
  UserKeyKind,
} from '../model/index.ts';
import { canonicalJson, isPlainObject } from '../util/json.ts';
import { thousands } from '../util/plural.ts';
import { runSteps, stepEndsAfter } from '../util/steps.ts';
import { type EnvironmentName, environmentNames, environmentValues } from './environment.ts';
import { compileGenerator, GENERATE_LIMIT, keyPath, type Generator as UserGenerator } from './generate.ts';
import { deferredVariable } from './interpolate.ts';
import type { LinePositions } from './line-starts.ts';
import { applyOverlays, type FieldSite, isOverlay, type ManifestEntry, type MergedEntries } from './overlay.ts';
import { policyPositions, readPolicies } from './policies.ts';
import {
  diagnosticAt,
  type FastPositions,
  locate,
  type ParsedFile,
  type Span,
  sourceAt,
  sourceRef,
  spanAt,
  spanOf,
} from './positions.ts';
import { checkExpandedUser } from './schema-check.ts';
import { StringTable } from './string-table.ts';
import { didYouMean } from './suggest.ts';
import { type Diagnostic, LIMITS } from './types.ts';

type Data = Record<string, unknown>;
type Fields = { code: string; message: string; hint?: string };

const DEFAULT_SETTINGS: ManifestSettings = { userKey: 'externalId', prune: false, metadataMode: 'replace', ignore: [] };
const USER_KEYS: readonly UserKeyKind[] = ['externalId', 'emailAddress', 'username'];
const METADATA_MODES: readonly MetadataMode[] = ['replace', 'merge'];

function where(ref: SourceRef): string {
  return `${ref.file}:${ref.line}:${ref.column}`;
}

const encoder = new TextEncoder();

/**
 * An upper bound of the bytes of `value` as UTF-8 JSON, or Infinity once it passes `limit`: at most 6 bytes per
 * UTF-16 unit of a string (a `\\u` escape), 24 characters per number, and the punctuation.
 */
function jsonBytesBound(value: unknown, limit: number): number {
  if (typeof value === 'string') return 2 + 6 * value.length;
  if (typeof value !== 'object' || value === null) return 24;
  let total = 2;
  if (Array.isArray(value)) {
    for (const item of value) {
      total += 1 + jsonBytesBound(item, limit - total);
      if (total > limit) return Number.POSITIVE_INFINITY;
    }
    return total;
  }
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    total += 4 + 6 * key.length + jsonBytesBound((value as Data)[key], limit - total);
    if (total > limit) return Number.POSITIVE_INFINITY;
  }
  return total;
}

/** The size of `value` as UTF-8 JSON when it is over Clerk's metadata cap, else undefined. */
function oversizeJsonBytes(value: unknown): number | undefined {
  // Metadata is usually far below the cap: a bound that fits spares serialising 200,000 objects.
  if (jsonBytesBound(value, LIMITS.metadataBytes) <= LIMITS.metadataBytes) return undefined;
  const text = JSON.stringify(value);
  // UTF-8 is at most 3 bytes per UTF-16 unit: skip encoding when even that fits.
  const bytes = text.length * 3 <= LIMITS.metadataBytes ? text.length : encoder.encode(text).length;
  return bytes > LIMITS.metadataBytes ? bytes : undefined;
}

/** The unique-value tables, and where a value of each sits in a user (the key's path depends on settings.userKey). */
type SeenTable = 'key' | 'email' | 'phone' | 'username' | 'externalId';

class Checker {
  readonly diagnostics: Diagnostic[] = [];
  readonly settingsRef: { ref: SourceRef; canonical: string } | undefined;
  readonly settings: ManifestSettings;
  readonly policyPositions: PolicyPositions | undefined;
  readonly organizations: DesiredOrganization[] = [];
  readonly users: DesiredUser[] = [];
  /** Per desired user (same order as `users`): how its positions are found, and its item's offset. */
  readonly userPositions: FieldPositions[] = [];
  readonly userStarts: number[] = [];
  private readonly orgSlugs = new Map<string, SourceRef>();
  /**
   * Each value seen, with the user and the position in its list where it was first seen. Numbers, not objects or
   * closures: 400,000 entries at 100,000 users (docs/performance.md). The place of the first occurrence is computed
   * only when a duplicate is reported.
   */
  private readonly seen: Record<SeenTable, StringTable>;
  /** Per user (in manifest order): its file's index and its index in that file's users list. */
  private readonly userFile: number[] = [];
  private readonly userItem: number[] = [];
  private readonly files: readonly ParsedFile[];
  /** Per user, where it is declared, when the manifest has overlays (else `users` lists of the files, by index). */
  private userSites: ManifestEntry[] | undefined;
  /** Names of the values read from the environment, made when a message first needs one. */
  private names: Map<string, EnvironmentName> | undefined;
  /** Generated users' strings expanded from values read from the environment, and the name each is shown by. */
  readonly generatedEnvironment: EnvironmentValue[] = [];
  private readonly generatedNames = new Map<string, string>();
  /** The user field the key is read from: seenPath's array once, not once per user. */
  private readonly keyField: string;

  constructor(files: readonly ParsedFile[]) {
    this.files = files;
    this.seen = {
      key: new StringTable(),
      email: new StringTable(),
      phone: new StringTable(),
      username: new StringTable(),
      externalId: new StringTable(),
    };
    let first: { ref: SourceRef; canonical: string; value: Data; file: ParsedFile } | undefined;
    for (const file of files) {
      const data = file.value as Data;
      if (!('settings' in data)) continue;
      const located = locate(file, ['settings']);
      const ref = sourceRef(file, located?.key ?? located?.node);
      const text = canonicalJson(data.settings as JsonValue);
      if (!first) {
        first = { ref, canonical: text, value: isPlainObject(data.settings) ? data.settings : {}, file };
      } else if (first.canonical !== text) {
        this.error(file, spanAt(file, ['settings'], 'key'), {
          code: 'conflicting_settings',
          message: `settings differ from the settings at ${where(first.ref)}`,
          hint: 'settings may appear in several files only if every copy is identical: keep them in one file.',
        });
      }
    }
    this.settingsRef = first;
    const raw = first?.value ?? {};
    this.settings = {
      userKey: USER_KEYS.find((key) => key === raw.userKey) ?? DEFAULT_SETTINGS.userKey,
      prune: typeof raw.prune === 'boolean' ? raw.prune : DEFAULT_SETTINGS.prune,
      metadataMode: METADATA_MODES.find((mode) => mode === raw.metadataMode) ?? DEFAULT_SETTINGS.metadataMode,
      ignore: Array.isArray(raw.ignore) ? raw.ignore.filter((path): path is string => typeof path === 'string') : [],
    };
    this.keyField = this.seenPath('key', 0)[0] as string;
    const policies = readPolicies(raw, this.settings.userKey);
    if (policies && first) {
      this.settings.policies = policies;
      this.policyPositions = policyPositions(first.file, policies);
    }
  }

  error(file: ParsedFile, span: Span, fields: Fields & { concealed?: boolean }): void {
    this.diagnostics.push(diagnosticAt(file, span, { severity: 'error', ...fields }));
  }

  warning(file: ParsedFile, span: Span, fields: Fields & { concealed?: boolean }): void {
    this.diagnostics.push(diagnosticAt(file, span, { severity: 'warning', ...fields }));
  }

  /** A manifest value as a message shows it: quoted, or by its reference when it was read from the environment. */
  shown(value: string): string {
    this.names ??= environmentNames(environmentValues(this.files));
    return this.generatedNames.get(value) ?? this.names.get(value)?.reference ?? JSON.stringify(value);
  }

  /** Whether a message may quote `value` (it was not read from the environment). */
  private quotable(value: string): boolean {
    this.names ??= environmentNames(environmentValues(this.files));
    return !this.names.has(value) && !this.generatedNames.has(value);
  }

  checkOrganizations(): void {
    for (const file of this.files) {
      const list = (file.value as Data).organizations;
      if (!Array.isArray(list)) continue;
      list.forEach((entry, index) => {
        if (isPlainObject(entry)) this.checkOrganization(file, entry, ['organizations', String(index)]);
      });
    }
  }

  /** The organizations of a manifest with overlays (overlay.ts), each field checked where it is written. */
  checkOrganizationEntries(entries: readonly ManifestEntry[]): void {
    // Every organization gets its field positions (added ones too): the plan shows where each value was set.
    for (const entry of entries) this.checkOrganization(entry.file, entry.data, entry.base, entry.origins ?? {});
  }

  private checkOrganization(file: ParsedFile, entry: Data, base: string[], origins?: Record<string, FieldSite>): void {
    if (typeof entry.slug !== 'string') return;
    const itemNode = locate(file, base)?.node;
    const ref = sourceRef(file, itemNode);
    const earlier = this.orgSlugs.get(entry.slug);
    if (earlier) {
      this.error(file, spanAt(file, [...base, 'slug']), {
        code: 'duplicate_organization',
        message: `organization ${this.shown(entry.slug)} is declared twice: here and at ${where(earlier)}`,
        hint: 'Keep one declaration.',
      });
      return;
    }
    this.orgSlugs.set(entry.slug, ref);
    for (const row of ORGANIZATION_METADATA_FIELDS) {
      const site = origins?.[row.name];
      this.checkMetadata(site?.file ?? file, entry, site ? [...site.base] : base, [row]);
    }
    const org: DesiredOrganization = {
      slug: entry.slug,
      name: typeof entry.name === 'string' ? entry.name : '',
      source: ref,
    };
    for (const { name } of ORGANIZATION_METADATA_FIELDS) {
      const value = entry[name];
      if (isPlainObject(value)) org[name] = value as JsonObject;
    }
    if (origins) org.fieldSources = organizationSources(file, base, entry, origins);
    this.organizations.push(org);
  }

  /** Yields every USERS_PER_STEP users (buildDesiredStateInSteps). */
  *checkUsers(): Generator<void, void> {
    for (let fileIndex = 0; fileIndex < this.files.length; fileIndex += 1) {
      const file = this.files[fileIndex] as ParsedFile;
      const list = (file.value as Data).users;
      if (!Array.isArray(list)) continue;
      // A fast-read file has the items' offsets at hand (no walk from the root per user), and one FieldPositions
      // for all its users.
      const fast = file.fast;
      const offsets = fast?.containers.get(list)?.offsets;
      const positions = fast && fastFieldPositions(file.source.file, file.lineCounter, fast.reread);
      for (let index = 0; index < list.length; index += 1) {
        const entry: unknown = list[index];
        if (!isPlainObject(entry)) continue;
        this.userFile.push(fileIndex);
        this.userItem.push(index);
        this.checkUser(file, entry, ['users', String(index)], offsets?.[2 * index], positions);
        if (stepEndsAfter(this.userFile.length)) yield;
      }
    }
  }

  /** The users of a manifest with overlays (overlay.ts): each field checked and positioned where it is written. */
  *checkUserEntries(entries: readonly ManifestEntry[]): Generator<void, void> {
    this.userSites = [];
    for (const entry of entries) {
      this.userFile.push(this.files.indexOf(entry.file));
      this.userItem.push(-1);
      this.userSites.push(entry);
      const positions = entry.positions && entry.itemStart !== undefined ? entry.positions : undefined;
      this.checkUser(entry.file, entry.data, entry.base, entry.itemStart, positions, entry.origins);
      if (stepEndsAfter(this.userFile.length)) yield;
    }
  }

  /**
   * The users of one generator, each checked like a declared user at the template (checkUser, and the schema's
   * patterns the template could not be held to). A problem of every user is one diagnostic: the first user's, named
   * by its key and i, with how many more share it.
   */
  checkGeneratedUsers(file: ParsedFile, fileIndex: number, index: number, generator: UserGenerator): void {
    const base = ['generate', String(index)];
    const start = locate(file, base)?.node?.range?.[0];
    const template = ((file.value as Data).generate as Data[])[index] as Data;
    // Every user of the template has the template's positions: computed once, when a message first asks.
    let sources: Record<string, SourceRef> | undefined;
    const positions: FieldPositions = { at: () => (sources ??= this.fieldSources(file, template, base)) };
    const groups = new Map<string, { diagnostic: Diagnostic; more: number }>();
    for (let i = 1; i <= generator.count; i += 1) {
      const environment: EnvironmentValue[] = [];
      const user = generator.user(i, environment);
      for (const entry of environment) {
        this.generatedEnvironment.push(entry);
        this.generatedNames.set(entry.value, `(from ${entry.template})`);
      }
      const before = this.diagnostics.length;
      this.userFile.push(fileIndex);
      this.userItem.push(-1 - index);
      this.checkUser(file, user, base, start, positions);
      this.diagnostics.push(...checkExpandedUser(file, base, user));
      if (this.diagnostics.length === before) continue;
      const found = this.diagnostics.splice(before);
      for (const diagnostic of found) {
        const group = `${diagnostic.code}:${diagnostic.line}:${diagnostic.column}`;
        const earlier = groups.get(group);
        if (earlier) {
          earlier.more += 1;
          continue;
        }
        const key = userKeyOf(user, this.settings.userKey);
        diagnostic.message += ` (generated user ${key === undefined ? '' : `${this.shown(key)}, `}i=${i})`;
        groups.set(group, { diagnostic, more: 0 });
        this.diagnostics.push(diagnostic);
      }
    }
    for (const { diagnostic, more } of groups.values()) {
      if (more > 0)
        diagnostic.message += `; ${more} more generated ${more === 1 ? 'user has' : 'users have'} the same problem`;
    }
  }

  /**
   * Registers a unique value of a user; when it was seen before, reports the duplicate (naming the first place).
   * No callbacks: four calls per user at 100,000 users, and the message is built only for a duplicate.
   */
  private unique(
    table: SeenTable,
    value: string,
    file: ParsedFile,
    base: readonly string[],
    user: number,
    position: number,
  ): void {
    const earlier = this.seen[table].addOrGet(value, user, position);
    if (earlier !== undefined) this.duplicate(table, value, file, base, { user, position, earlier });
  }

  /**
   * Reports a value `unique` found seen before. Apart from it: the closure naming the first place would make every call
   * of `unique` allocate its variables' context (36 MB over a 100,000-user manifest, sampling heap profile).
   */
  private duplicate(
    table: SeenTable,
    value: string,
    file: ParsedFile,
    base: readonly string[],
    { user, position, earlier }: { user: number; position: number; earlier: number },
  ): void {
    const seen = this.seen[table];
    const earlierUser = seen.first(earlier);
    const earlierPosition = seen.second(earlier);
    const there = (): string => where(this.userFieldRef(earlierUser, this.seenPath(table, earlierPosition)));
    const sameUser = earlierUser === user;
    let fields: Fields;
    switch (table) {
      case 'key': {
        const keyField = this.settings.userKey === 'emailAddress' ? 'emailAddresses' : this.settings.userKey;
        fields = {
          code: 'duplicate_user',
          message: `user ${this.shown(value)} is declared twice: here and at ${there()}`,
          hint: `The user key (${keyField}) must be unique across all manifest files; merge the two entries.`,
        };
        break;
      }
      case 'externalId':
        fields = {
          code: 'duplicate_external_id',
          message: `externalId ${this.shown(value)} is also given to the user at ${there()}`,
          hint: 'Clerk requires external IDs to be unique.',
        };
        break;
      case 'email':
        // Two users with the same primary email under userKey emailAddress: already reported as duplicate_user.
        if (this.settings.userKey === 'emailAddress' && position === 0 && earlierPosition === 0) return;
        fields = {
          code: 'duplicate_email',
          message: sameUser
            ? `email address ${this.shown(value)} is listed twice for this user (emails compare case-insensitively)`
            : `email address ${this.shown(value)} is also given to the user at ${there()}`,
          hint: 'An email address belongs to one user only.',
        };
        break;
      case 'phone':
        fields = {
          code: 'duplicate_phone',
          message: sameUser
            ? `phone number ${this.shown(value)} is listed twice for this user`
            : `phone number ${this.shown(value)} is also given to the user at ${there()}`,
          hint: 'A phone number belongs to one user only.',
        };
        break;
      case 'username':
        fields = {
          code: 'duplicate_username',
          message: `username ${this.shown(value)} is also given to the user at ${there()}`,
          hint: 'Usernames are unique in Clerk.',
        };
        break;
      default: {
        const unreachable: never = table;
        throw new InternalError(`unknown duplicate table "${String(unreachable)}"`);
      }
    }
    this.error(file, spanAt(file, [...base, ...this.seenPath(table, position)]), fields);
  }

  /** Path in a user of a value of a unique table. */
  private seenPath(table: SeenTable, position: number): string[] {
    switch (table) {
      case 'key':
        return this.settings.userKey === 'emailAddress' ? ['emailAddresses', '0'] : [this.settings.userKey];
      case 'email':
        return ['emailAddresses', String(position)];
      case 'phone':
        return ['phoneNumbers', String(position)];
      case 'username':
        return ['username'];
      case 'externalId':
        return ['externalId'];
      default: {
        const unreachable: never = table;
        return unreachable;
      }
    }
  }

  /** Where a field of a user (by manifest order) is: the field's value, else the user. */
  private userFieldRef(user: number, path: readonly string[]): SourceRef {
    const entry = this.userSites?.[user];
    const site = entry && path[0] !== undefined ? entry.origins?.[path[0]] : undefined;
    const file = site?.file ?? entry?.file ?? (this.files[this.userFile[user] as number] as ParsedFile);
    const item = this.userItem[user] as number;
    // A generated user's fields are its template's (checkGeneratedUsers numbers templates -1, -2...).
    const own = item >= 0 ? ['users', String(item)] : ['generate', String(-1 - item)];
    const base = site?.base ?? entry?.base ?? own;
    return sourceRef(file, locate(file, [...base, ...path])?.node ?? locate(file, base)?.node);
  }

  private checkUser(
    file: ParsedFile,
    user: Data,
    base: string[],
    itemStart: number | undefined,
    fastPositions: FieldPositions | undefined,
    origins?: Record<string, FieldSite>,
  ): void {
    const userIndex = this.userFile.length - 1;
    // Where a field is written: the overlay that set it, else the user's own declaration (no object per field).
    const declared: Site = { file, base };
    const userNode = itemStart === undefined ? locate(file, base)?.node : undefined;
    const start = itemStart ?? userNode?.range?.[0];
    const userRef =
      itemStart === undefined ? sourceRef(file, userNode) : sourceAt(file.source.file, file.lineCounter, itemStart);
    const keyKind = this.settings.userKey;

    const emails = Array.isArray(user.emailAddresses) ? lowerCaseEmails(user.emailAddresses) : undefined;
    const phones = Array.isArray(user.phoneNumbers) ? user.phoneNumbers : undefined;

    // The user key.
    const key =
      keyKind === 'emailAddress' ? emails?.[0] : typeof user[keyKind] === 'string' ? user[keyKind] : undefined;
    // A key field that is present with the wrong type was reported by the schema check already.
    const keyAbsent =
      keyKind === 'emailAddress'
        ? user.emailAddresses === undefined || (Array.isArray(user.emailAddresses) && user.emailAddresses.length === 0)
        : user[keyKind] === undefined || user[keyKind] === null;
    if (key === undefined && keyAbsent) {
      this.error(file, spanOf(userNode ?? locate(file, base)?.node), {
        code: 'missing_user_key',
        message:
          keyKind === 'emailAddress'
            ? 'user has no email address, and the user key is the primary email (settings.userKey: emailAddress)'
            : `user has no ${keyKind}, the user key (settings.userKey: ${keyKind})`,
        hint: `Every user needs ${keyKind === 'emailAddress' ? 'emailAddresses with at least one address' : keyKind}; or change settings.userKey.`,
      });
    } else if (key !== undefined) {
      const site = siteOf(origins, this.keyField, declared);
      this.unique('key', key, site.file, site.base, userIndex, 0);
    }
    if (typeof user.externalId === 'string' && keyKind !== 'externalId') {
      const site = siteOf(origins, 'externalId', declared);
      this.unique('externalId', user.externalId, site.file, site.base, userIndex, 0);
    }
    if (emails) {
      const { file, base } = siteOf(origins, 'emailAddresses', declared);
      for (let position = 0; position < emails.length; position += 1) {
        const email = emails[position];
        if (email !== undefined) this.unique('email', email, file, base, userIndex, position);
      }
    }
    if (phones) {
      const { file, base } = siteOf(origins, 'phoneNumbers', declared);
      for (let position = 0; position < phones.length; position += 1) {
        const phone = phones[position];
        if (typeof phone === 'string') this.unique('phone', phone, file, base, userIndex, position);
      }
    }
    if (typeof user.username === 'string' && keyKind !== 'username') {
      const site = siteOf(origins, 'username', declared);
      this.unique('username', user.username.toLowerCase(), site.file, site.base, userIndex, 0);
    }

    // Positions of every field of every user are needed only for the few a message names: computed when asked for,
    // from one object per fast-read file and the item's offset. Made outside this method: a closure made here would
    // keep this method's whole scope (the parsed file) alive.
    const own = fastPositions && start !== undefined ? fastPositions : slowFieldPositions(this, file, user, base);
    const positions = origins ? patchedPositions(own, origins) : own;
    const listed = siteOf(origins, 'memberships', declared);
    const memberships = this.checkMemberships(listed.file, user, listed.base, positions, start ?? 0, userRef);
    if (origins) {
      for (const row of USER_METADATA_ROWS) {
        const site = siteOf(origins, row.name, declared);
        this.checkMetadata(site.file, user, site.base, [row]);
      }
    } else {
      this.checkMetadata(file, user, base);
    }
    const secret = siteOf(origins, 'password', declared);
    const password = this.passwordOf(secret.file, user, secret.base);

    if (key === undefined) return;
    const desired: DesiredUser = { key, source: userRef };
    // The read lists themselves when they hold only strings (nearly always): no copy per user.
    if (emails) desired.emailAddresses = onlyStrings(emails);
    if (phones) desired.phoneNumbers = onlyStrings(phones);
    const profile: Partial<Record<UserProfileField, string | null>> = desired;
    for (const row of USER_PROFILE_FIELDS) {
      const value = manifestValue(row.kind, user[row.name]);
      if (value !== undefined) profile[row.name] = value;
    }
    if (password) desired.password = password;
    for (const field of METADATA_FIELDS) {
      const value = user[field];
      if (isPlainObject(value)) desired[field] = value as JsonObject;
    }
    for (const row of FLAG_ROWS) {
      const value = user[row.name];
      if (typeof value === 'boolean') desired[row.name] = value;
    }
    if (memberships) desired.memberships = memberships;
    this.users.push(desired);
    this.userPositions.push(positions);
    this.userStarts.push(start ?? 0);
  }

  /** Positions of a user's fields and list items, read from the yaml package's tree. */
  fieldSources(file: ParsedFile, user: Data, base: string[]): Record<string, SourceRef> {
    const sources: Record<string, SourceRef> = {};
    for (const field of Object.keys(user)) {
      const located = locate(file, [...base, field]);
      sources[field] = sourceRef(file, located?.node ?? located?.key);
      const value = user[field];
      if (Array.isArray(value) && LIST_FIELDS.includes(field)) {
        value.forEach((_, position) => {
          sources[`${field}.${position}`] = sourceRef(file, locate(file, [...base, field, String(position)])?.node);
        });
      }
    }
    return sources;
  }

  private checkMemberships(
    file: ParsedFile,
    user: Data,
    base: string[],
    positions: FieldPositions,
    start: number,
    userRef: SourceRef,
  ): DesiredMembership[] | undefined {
    const list = user.memberships;
    if (!Array.isArray(list)) return undefined;
    const result: DesiredMembership[] = [];
    // Slugs seen, for the message about a second entry: a map only for long lists (one per user cost more than
    // scanning the few entries a user has).
    const orgs = list.length > MEMBERSHIP_SCAN ? new Map<string, number>() : undefined;
    let copied = false;
    for (let position = 0; position < list.length; position += 1) {
      const entry: unknown = list[position];
      if (!isPlainObject(entry) || typeof entry.org !== 'string') continue;
      const slug = entry.org;
      if (!this.orgSlugs.has(slug)) {
        this.error(file, spanAt(file, [...base, 'memberships', String(position), 'org']), {
          code: 'unknown_organization',
          message: `membership of organization ${this.shown(slug)}, which is not declared under organizations${
            this.quotable(slug)
              ? didYouMean(
                  slug,
                  [...this.orgSlugs.keys()].filter((known) => this.quotable(known)),
                )
              : ''
          }`,
          hint: 'Declare the organization (slug and name) under organizations: clerk-sync manages memberships only in the organizations it manages.',
        });
      }
      const earlier = orgs ? orgs.get(slug) : firstWithOrg(list, slug, position);
      if (earlier !== undefined) {
        this.error(file, spanAt(file, [...base, 'memberships', String(position), 'org']), {
          code: 'duplicate_membership',
          message: `membership of ${this.shown(slug)} is listed twice for this user (first at ${where(positions.at(start)[`memberships.${earlier}`] ?? userRef)})`,
          hint: 'A user has one role per organization: keep one entry.',
        });
        continue;
      }
      orgs?.set(slug, position);
      // No source of its own: its position is the user's `memberships.N` in DesiredState.positions (when asked for).
      // The entry read is kept when it is exactly { org, role } (nearly always): no copy per membership.
      if (isMembershipShape(entry)) {
        result.push(entry);
      } else {
        copied = true;
        result.push({ org: slug, role: typeof entry.role === 'string' ? entry.role : '' });
      }
    }
    // Every entry kept as read, none left out: the list read is the result.
    return !copied && result.length === list.length ? (list as DesiredMembership[]) : result;
  }

  /** The reserved mark key and the size cap, for a user's or an organization's metadata fields. */
  private checkMetadata(
    file: ParsedFile,
    owner: Data,
    base: string[],
    rows: readonly { readonly name: string }[] = USER_METADATA_ROWS,
  ): void {
    for (const { name: field } of rows) {
      const value = owner[field];
      if (!isPlainObject(value)) continue;
      // The same key holds the user mark and the organization mark (src/fields/constants.ts).
      if (field === 'privateMetadata' && Object.hasOwn(value, MANAGED_MARK_KEY)) {
        this.error(file, spanAt(file, [...base, field, MANAGED_MARK_KEY], 'key'), {
          code: 'reserved_metadata_key',
          message: `privateMetadata key "${MANAGED_MARK_KEY}" is reserved: clerk-sync keeps its ownership mark there`,
          hint: 'Rename the key; clerk-sync sets and preserves clerkSync itself.',
        });
      }
      const bytes = oversizeJsonBytes(value);
      if (bytes !== undefined) {
        this.error(file, spanAt(file, [...base, field], 'key'), {
          code: 'metadata_too_large',
          message: `${field} is ${bytes} bytes of JSON; Clerk accepts at most ${LIMITS.metadataBytes} bytes per metadata object`,
          hint: 'Keep large data in your own database and store a reference in metadata.',
        });
      }
    }
  }

  /** The user's password, or its digest (passwordDigest + passwordHasher): one of the two, complete. */
  private passwordOf(file: ParsedFile, user: Data, base: string[]): DesiredPassword | undefined {
    const digest = typeof user.passwordDigest === 'string';
    const hasher = PASSWORD_HASHERS.find((name) => name === user.passwordHasher);
    if (digest && typeof user.password === 'string') {
      this.error(file, spanAt(file, [...base, 'passwordDigest']), {
        concealed: true,
        code: 'conflicting_password_fields',
        message: 'password and passwordDigest are both given: a user is created with one or the other',
        hint: 'Keep passwordDigest (with passwordHasher) to commit a hash instead of a password, or keep password.',
      });
      return undefined;
    }
    if (digest !== (user.passwordHasher !== undefined)) {
      const given = digest ? 'passwordDigest' : 'passwordHasher';
      this.error(file, spanAt(file, [...base, given]), {
        concealed: digest,
        code: 'incomplete_password_digest',
        message: `${given} is given without ${digest ? 'passwordHasher' : 'passwordDigest'}: a digest needs the hasher it was made with`,
        hint: 'Give both, e.g. passwordDigest: ${SEED_DIGEST} and passwordHasher: bcrypt (clerk-sync hash-password makes one).',
      });
      return undefined;
    }
    if (digest) {
      // A wrong hasher was reported by the schema check.
      if (!hasher) return undefined;
      const password = this.secretOf(file, user, base, 'passwordDigest');
      return password ? { ...password, hasher } : undefined;
    }
    return this.secretOf(file, user, base, 'password');
  }

  /** Where a password (or digest) comes from: one `${VAR}` or a literal (warned about for a password). */
  private secretOf(
    file: ParsedFile,
    user: Data,
    base: string[],
    field: 'password' | 'passwordDigest',
  ): DesiredPassword | undefined {
    const text = user[field];
    if (typeof text !== 'string') return undefined;
    // Only a file with `${VAR}` references has interpolations to look up (locating reads a fast-read user again).
    const node: Node | undefined = file.interpolated.size > 0 ? locate(file, [...base, field])?.node : undefined;
    const interpolation = isScalar(node) ? file.interpolated.get(node) : undefined;
    const span = (): Span => spanAt(file, [...base, field]);
    // Create-only: an unset ${VAR} is reported by the plan that creates the user (parse-manifest.ts defers it).
    const deferred = interpolation ? deferredVariable(interpolation) : undefined;
    if (deferred !== undefined) return { source: { kind: 'env', variable: deferred }, value: '', unset: true };
    // An unset or malformed reference was already reported; the value is incomplete.
    if (interpolation && interpolation.problems.length > 0) return undefined;
    if (!interpolation || interpolation.variables.length === 0) {
      // A digest is made to be committed (that is what it is for); a password is not.
      if (field === 'passwordDigest') return { source: { kind: 'inline' }, value: text };
      this.warning(file, span(), {
        concealed: true,
        code: 'inline_password',
        message: 'password is written in the manifest',
        hint: `Write password: \${VAR} and set VAR in the environment (a CI secret), so the password stays out of git.`,
      });
      return { source: { kind: 'inline' }, value: text };
    }
    if (!interpolation.single) {
      this.error(file, span(), {
        concealed: true,
        code: 'invalid_password_reference',
        message: `${field} must be either one \${VAR} reference (optionally \${VAR:-default}) or a literal, not a mix`,
        hint: `Put the whole ${field === 'password' ? 'password' : 'digest'} in the environment variable.`,
      });
      return undefined;
    }
    return { source: { kind: 'env', variable: interpolation.variables[0] as string }, value: text };
  }
}

const USER_METADATA_ROWS = USER_FIELDS.filter((row) => row.kind === 'metadata');
const FLAG_ROWS = USER_FIELDS.filter((row) => row.kind === 'flag');

/** A user's key as written, for naming a generated user in a message. */
function userKeyOf(user: Data, userKey: UserKeyKind): string | undefined {
  let value: unknown = user;
  for (const segment of keyPath(userKey)) value = (value as Data | undefined)?.[segment];
  return typeof value === 'string' ? value : undefined;
}

/** Fields whose items have positions of their own (`emailAddresses.1`). */
const LIST_FIELDS: readonly string[] = USER_FIELDS.filter(
  (row) => row.kind === 'identifierList' || row.kind === 'memberships',
).map((row) => row.name);

/** An ASCII capital, or a non-ASCII character (which may lower-case): then toLowerCase decides. */
function mayHaveUpperCase(text: string): boolean {
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if ((code >= 65 && code <= 90) || code >= 128) return text.toLowerCase() !== text;
  }
  return false;
}

/** Addresses lower-cased (emails compare case-insensitively); the list itself when it already is. */
function lowerCaseEmails(list: unknown[]): (string | undefined)[] {
  for (let index = 0; index < list.length; index += 1) {
    const email = list[index];
    if (typeof email !== 'string' || mayHaveUpperCase(email)) {
      return list.map((item) => (typeof item === 'string' ? item.toLowerCase() : undefined));
    }
  }
  return list as string[];
}

/** `{ org: string, role: string }` and nothing else. */
function isMembershipShape(entry: Data): entry is Data & DesiredMembership {
  if (typeof entry.org !== 'string' || typeof entry.role !== 'string') return false;
  let keys = 0;
  for (const key in entry) {
    if (Object.hasOwn(entry, key)) keys += 1;
  }
  return keys === 2;
}

function onlyStrings(list: readonly unknown[]): string[] {
  return list.every((item) => typeof item === 'string')
    ? (list as string[])
    : list.filter((item): item is string => typeof item === 'string');
}

/** How a user's field positions are found: `at(start)` computes them for the user item at offset `start`. */
export interface FieldPositions {
  at(start: number): Record<string, SourceRef>;
  /** The fast-read file the user is in: its positions can be rebuilt from the file's text (load-worker.ts). */
  readonly fastFile?: string;
}

/** Per user, in order: the index in `files` of its fast-read file (-1: read by the yaml package), and its offset. */
export interface PortablePositions {
  fileIndex: Int32Array;
  starts: Float64Array;
}

/** Each user's index by its key (ManifestPositions, on its first lookup). */
function keyIndex(users: readonly DesiredUser[]): StringTable {
  const index = new StringTable();
  users.forEach((user, position) => {
    index.addOrGet(user.key, position, 0);
  });
  return index;
}

/**
 * The positions of a manifest's users, computed for one user when asked (its file's FieldPositions and its item's
 * offset) and kept for the last user only, so the planner's several lookups for one user compute them once. No object
 * per user and an index by key built on the first lookup: most plans never ask (docs/performance.md).
 */
export class ManifestPositions implements SourcePositions {
  readonly #users: readonly DesiredUser[];
  readonly #positions: readonly FieldPositions[];
  readonly #starts: readonly number[];
  /** Each user's key with its index: typed arrays, not a Map of 100,000 entries in the heap. */
  #index: StringTable | undefined;
  #last: { key: string; sources: Record<string, SourceRef> } | undefined;

  constructor(users: readonly DesiredUser[], positions: readonly FieldPositions[], starts: readonly number[]) {
    this.#users = users;
    this.#positions = positions;
    this.#starts = starts;
  }

  user(key: string): Readonly<Record<string, SourceRef>> | undefined {
    if (this.#last?.key === key) return this.#last.sources;
    this.#index ??= keyIndex(this.#users);
    const entry = this.#index.find(key);
    if (entry === undefined) return undefined;
    const index = this.#index.first(entry);
    const sources = (this.#positions[index] as FieldPositions).at(this.#starts[index] as number);
    this.#last = { key, sources };
    return sources;
  }

  /** What a copy in another thread needs to find the same positions: plain numbers (load-worker.ts). */
  portable(files: readonly string[]): PortablePositions {
    const byName = new Map(files.map((file, index) => [file, index]));
    const count = this.#users.length;
    const fileIndex = new Int32Array(count);
    for (let index = 0; index < count; index += 1) {
      const file = (this.#positions[index] as FieldPositions).fastFile;
      fileIndex[index] = file === undefined ? -1 : (byName.get(file) ?? -1);
    }
    return { fileIndex, starts: Float64Array.from(this.#starts) };
  }
}

interface Site {
  file: ParsedFile;
  base: string[];
}

/** Where a field of a user is written: `own` unless an overlay set it. */
function siteOf(origins: Record<string, FieldSite> | undefined, field: string, own: Site): Site {
  const site = origins?.[field];
  return site ? { file: site.file, base: [...site.base] } : own;
}

/** A patched user's positions: its declaration's, with each field an overlay set (and its items) at the overlay. */
function patchedPositions(own: FieldPositions, origins: Record<string, FieldSite>): FieldPositions {
  return {
    at(start) {
      const sources = { ...own.at(start) };
      for (const [field, site] of Object.entries(origins)) {
        for (const name of Object.keys(sources)) {
          if (name === field || name.startsWith(`${field}.`)) delete sources[name];
        }
        Object.assign(sources, site.sources);
      }
      return sources;
    },
  };
}

/** Where each field of an organization of a manifest with overlays is written. */
function organizationSources(
  file: ParsedFile,
  base: readonly string[],
  entry: Data,
  origins: Record<string, FieldSite>,
): Record<string, SourceRef> {
  const sources: Record<string, SourceRef> = {};
  for (const field of Object.keys(entry)) {
    sources[field] = origins[field]?.sources[field] ?? sourceRef(file, locate(file, [...base, field])?.node);
  }
  return sources;
}

/** The users and organizations the base files declare, as entries an overlay can patch (overlay.ts). */
function baseEntries(files: readonly ParsedFile[]): MergedEntries {
  const users: ManifestEntry[] = [];
  const organizations: ManifestEntry[] = [];
  for (const file of files) {
    const data = file.value as Data;
    if (Array.isArray(data.organizations)) {
      data.organizations.forEach((entry, index) => {
        if (isPlainObject(entry)) organizations.push({ file, base: ['organizations', String(index)], data: entry });
      });
    }
    if (!Array.isArray(data.users)) continue;
    const fast = file.fast;
    const offsets = fast?.containers.get(data.users)?.offsets;
    const positions = fast && fastFieldPositions(file.source.file, file.lineCounter, fast.reread);
    data.users.forEach((entry, index) => {
      if (!isPlainObject(entry)) return;
      const itemStart = offsets?.[2 * index];
      users.push({
        file,
        base: ['users', String(index)],
        data: entry,
        ...(itemStart === undefined || !positions ? {} : { itemStart, positions }),
      });
    });
  }
  return { users, organizations };
}

function slowFieldPositions(checker: Checker, file: ParsedFile, user: Data, base: string[]): FieldPositions {
  return { at: () => checker.fieldSources(file, user, base) };
}

/**
 * Positions of a fast-read file's users: the item is read again (FastPositions.reread) with every offset, each time
 * they are asked for, and not kept (a plan that creates 100,000 users asks once per user; keeping the answers would
 * be about 1 KB per user). Holds the file's name, line index and `reread` (the text): holding offset tables of every
 * user was about 1.4 KB per user (docs/performance.md). Not FastPositions itself: its table's keys are the parsed
 * file's
 * value, which would stay alive with every user.
 */
export function fastFieldPositions(
  name: string,
  lineCounter: LinePositions,
  reread: FastPositions['reread'],
): FieldPositions {
  const ref = (offset: number): SourceRef => sourceAt(name, lineCounter, offset);
  return {
    fastFile: name,
    at(start) {
      const sources: Record<string, SourceRef> = {};
      const { value, containers } = reread(start);
      const own = typeof value === 'object' && value !== null ? containers.get(value)?.offsets : undefined;
      if (!own) return sources;
      const user = value as Data;
      Object.keys(user).forEach((field, index) => {
        const at = 4 * index;
        const keyStart = own[at] as number;
        const valueStart = own[at + 2] as number;
        const valueEnd = own[at + 3] as number;
        // The value's position, or the key's when the value is empty (`key:` meaning null).
        sources[field] = ref(valueEnd > valueStart ? valueStart : keyStart);
      });
      for (const field of LIST_FIELDS) {
        const list = user[field];
        const offsets = Array.isArray(list) ? containers.get(list)?.offsets : undefined;
        if (!offsets) continue;
        for (let position = 0; 2 * position < offsets.length; position += 1) {
          sources[`${field}.${position}`] = ref(offsets[2 * position] as number);
        }
      }
      return sources;
    },
  };
}

/** Lists of memberships longer than this find a repeated organization with a map, shorter ones by scanning. */
const MEMBERSHIP_SCAN = 16;

/** The position of the first entry of `list` before `end` in organization `slug`, if any. */
function firstWithOrg(list: readonly unknown[], slug: string, end: number): number | undefined {
  for (let position = 0; position < end; position += 1) {
    const entry = list[position];
    if (isPlainObject(entry) && entry.org === slug) return position;
  }
  return undefined;
}

/** The users of each `generate:` entry, checked like declared users; their diagnostics point at the template. */
function checkGenerated(checker: Checker, files: readonly ParsedFile[]): void {
  let total = 0;
  files.forEach((file, fileIndex) => {
    const list = (file.value as Data).generate;
    if (!Array.isArray(list)) return;
    list.forEach((entry, index) => {
      if (!isPlainObject(entry)) return;
      const base = ['generate', String(index)];
      const count = typeof entry.count === 'number' ? entry.count : 0;
      // One entry over the limit: the schema's maximum reported it.
      if (count > GENERATE_LIMIT) return;
      total += count;
      if (total > GENERATE_LIMIT) {
        checker.error(file, spanAt(file, [...base, 'count']), {
          code: 'too_many_generated_users',
          message: `generate: makes ${thousands(total)} users with this entry; at most ${thousands(GENERATE_LIMIT)} generated users are allowed`,
          hint: 'Lower the counts, or split the seed into manifests applied one after the other.',
        });
        return;
      }
      const generator = compileGenerator(entry, checker.settings.userKey, (path) =>
        interpolationAt(file, [...base, ...path]),
      );
      if ('problems' in generator) {
        for (const { path, ...fields } of generator.problems) {
          checker.error(file, spanAt(file, [...base, ...path]), fields);
        }
        return;
      }
      checker.checkGeneratedUsers(file, fileIndex, index, generator);
    });
  });
}

/** The `${VAR}` references of the string at `path`, when it read any (and all were set). */
function interpolationAt(
  file: ParsedFile,
  path: readonly string[],
): { variables: string[]; template: string } | undefined {
  if (file.interpolated.size === 0) return undefined;
  const node = locate(file, path)?.node;
  const result = isScalar(node) ? file.interpolated.get(node) : undefined;
  if (!result || result.variables.length === 0 || result.problems.length > 0) return undefined;
  return { variables: result.variables, template: result.template };
}

/** Cross-checks the files (already parsed, each a mapping) and builds the DesiredState. */
export function buildDesiredState(
  files: readonly ParsedFile[],
  fileNames: readonly string[],
): { desired: DesiredState; diagnostics: Diagnostic[] } {
  return runSteps(buildDesiredStateInSteps(files, fileNames));
}

/** buildDesiredState, yielding every USERS_PER_STEP users (parse-manifest.ts, parseManifestInSteps). */
export function* buildDesiredStateInSteps(
  files: readonly ParsedFile[],
  fileNames: readonly string[],
  /** ParseOptions.onOrganizations: the organizations once checked, when no error was found by then. */
  onOrganizations?: (organizations: readonly DesiredOrganization[]) => void,
): Generator<void, { desired: DesiredState; diagnostics: Diagnostic[] }> {
  const checker = new Checker(files);
  const overlays = files.filter(isOverlay);
  const organizationsChecked = (): void => {
    if (!checker.diagnostics.some((diagnostic) => diagnostic.severity === 'error')) {
      onOrganizations?.(checker.organizations);
    }
  };
  if (overlays.length === 0) {
    checker.checkOrganizations();
    organizationsChecked();
    yield* checker.checkUsers();
  } else {
    const merged = applyOverlays(
      baseEntries(files.filter((file) => !isOverlay(file))),
      overlays,
      checker.settings.userKey,
      (value) => checker.shown(value),
    );
    checker.diagnostics.push(...merged.diagnostics);
    checker.checkOrganizationEntries(merged.organizations);
    organizationsChecked();
    yield* checker.checkUserEntries(merged.users);
  }
  // After the declared users (overlays applied), so generated users collide-check with them.
  checkGenerated(checker, files);
  const fromEnvironment = [...environmentValues(files), ...checker.generatedEnvironment];
  return {
    desired: {
      settings: checker.settings,
      organizations: checker.organizations,
      users: checker.users,
      files: [...fileNames],
      ...(overlays.length === 0 ? {} : { overlays: overlays.map((file) => file.source.file) }),
      // Nothing to point at without users.
      ...(checker.users.length === 0
        ? {}
        : { positions: new ManifestPositions(checker.users, checker.userPositions, checker.userStarts) }),
      ...(fromEnvironment.length === 0 ? {} : { fromEnvironment }),
      ...(checker.policyPositions === undefined ? {} : { policyPositions: checker.policyPositions }),
    },
    diagnostics: checker.diagnostics,
  };
}
