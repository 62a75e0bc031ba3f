// Merges the files of one manifest and normalises them into a DesiredState, checking what the JSON Schema cannot:
// identical settings across files, the user key on every user, duplicates across users and files (keys, emails,
// usernames, phones, organization slugs), memberships of undeclared organizations, the reserved `clerkSync`
// private-metadata key (clerk-sync's ownership mark), the 8 KB metadata cap, and where each password comes from.
// Defensive about types: files with schema errors are still cross-checked, so all errors show at once.

import { isScalar, type Node } from 'yaml';
import {
  type DesiredMembership,
  type DesiredOrganization,
  type DesiredPassword,
  type DesiredState,
  type DesiredUser,
  type JsonObject,
  MANAGED_MARK_KEY,
  type ManifestSettings,
  METADATA_FIELDS,
  type MetadataMode,
  type SourceRef,
  type UserKeyKind,
} from '../state/model.ts';
import {
  diagnosticAt,
  type FastPositions,
  locate,
  type ParsedFile,
  positionOf,
  type Span,
  sourceRef,
  spanAt,
  spanOf,
} from './positions.ts';
import { didYouMean } from './suggest.ts';
import { type Diagnostic, LIMITS } from './types.ts';

type Data = Record<string, unknown>;

const DEFAULT_SETTINGS: ManifestSettings = { userKey: 'externalId', prune: false, metadataMode: 'replace', ignore: [] };
const USER_KEYS: readonly UserKeyKind[] = ['externalId', 'emailAddress', 'username'];
const METADATA_MODES: readonly MetadataMode[] = ['replace', 'merge'];

function isData(value: unknown): value is Data {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function where(ref: SourceRef): string {
  return `${ref.file}:${ref.line}:${ref.column}`;
}

/** JSON with sorted keys: two settings blocks are the same when this is. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isData(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const encoder = new TextEncoder();

function jsonBytes(value: unknown): number {
  const text = JSON.stringify(value);
  // UTF-8 is at most 3 bytes per UTF-16 unit: skip encoding when even that fits.
  return text.length * 3 <= LIMITS.metadataBytes ? text.length : encoder.encode(text).length;
}

interface Seen {
  /** Computed only when a duplicate is reported: positions of 100,000 users cost seconds (BENCHMARKS.md). */
  ref: () => SourceRef;
  /** Index of the user that declared it, and the value's position in its list. */
  user: number;
  index: number;
}

class Checker {
  readonly diagnostics: Diagnostic[] = [];
  readonly settingsRef: { ref: SourceRef; canonical: string } | undefined;
  readonly settings: ManifestSettings;
  readonly organizations: DesiredOrganization[] = [];
  readonly users: DesiredUser[] = [];
  private readonly orgSlugs = new Map<string, SourceRef>();
  private readonly seen = {
    key: new Map<string, Seen>(),
    email: new Map<string, Seen>(),
    phone: new Map<string, Seen>(),
    username: new Map<string, Seen>(),
    externalId: new Map<string, Seen>(),
  };
  private userCount = 0;
  private readonly files: readonly ParsedFile[];

  constructor(files: readonly ParsedFile[]) {
    this.files = files;
    let first: { ref: SourceRef; canonical: string; value: Data } | undefined;
    for (const file of files) {
      const data = file.value as Data;
      if (!('settings' in data)) continue;
      const located = locate(file, ['settings']);
      const ref = sourceRef(file, located?.key ?? located?.node);
      const text = canonical(data.settings);
      if (!first) {
        first = { ref, canonical: text, value: isData(data.settings) ? data.settings : {} };
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
  }

  error(file: ParsedFile, span: Span, fields: { code: string; message: string; hint?: string }): void {
    this.diagnostics.push(diagnosticAt(file, span, { severity: 'error', ...fields }));
  }

  warning(file: ParsedFile, span: Span, fields: { code: string; message: string; hint?: string }): void {
    this.diagnostics.push(diagnosticAt(file, span, { severity: 'warning', ...fields }));
  }

  checkOrganizations(): void {
    for (const file of this.files) {
      const list = (file.value as Data).organizations;
      if (!Array.isArray(list)) continue;
      list.forEach((entry, index) => {
        if (!isData(entry) || typeof entry.slug !== 'string') return;
        const itemNode = locate(file, ['organizations', String(index)])?.node;
        const ref = sourceRef(file, itemNode);
        const earlier = this.orgSlugs.get(entry.slug);
        if (earlier) {
          this.error(file, spanAt(file, ['organizations', String(index), 'slug']), {
            code: 'duplicate_organization',
            message: `organization "${entry.slug}" is declared twice: here and at ${where(earlier)}`,
            hint: 'Keep one declaration.',
          });
          return;
        }
        this.orgSlugs.set(entry.slug, ref);
        this.organizations.push({
          slug: entry.slug,
          name: typeof entry.name === 'string' ? entry.name : '',
          source: ref,
        });
      });
    }
  }

  checkUsers(): void {
    for (const file of this.files) {
      const list = (file.value as Data).users;
      if (!Array.isArray(list)) continue;
      list.forEach((entry, index) => {
        if (isData(entry)) this.checkUser(file, entry, index);
      });
    }
  }

  /** Registers a unique value; reports the duplicate (naming the first place) when it was seen before. */
  private unique(
    table: Map<string, Seen>,
    value: string,
    seen: Seen,
    report: (earlier: Seen) => { code: string; message: string; hint?: string } | undefined,
    file: ParsedFile,
    span: () => Span,
  ): boolean {
    const earlier = table.get(value);
    if (!earlier) {
      table.set(value, seen);
      return true;
    }
    const fields = report(earlier);
    if (fields) this.error(file, span(), fields);
    return false;
  }

  private checkUser(file: ParsedFile, user: Data, index: number): void {
    const userIndex = this.userCount;
    this.userCount += 1;
    const base = ['users', String(index)];
    const userNode = locate(file, base)?.node;
    const userRef = sourceRef(file, userNode);
    const at = (...path: string[]): Span => spanAt(file, [...base, ...path]);
    const refAt = (...path: string[]): SourceRef => sourceRef(file, locate(file, [...base, ...path])?.node ?? userNode);
    const keyKind = this.settings.userKey;

    const emails = Array.isArray(user.emailAddresses)
      ? user.emailAddresses.map((email) => (typeof email === 'string' ? email.toLowerCase() : undefined))
      : undefined;
    const phones = Array.isArray(user.phoneNumbers) ? user.phoneNumbers : undefined;

    // The user key.
    const keyField = keyKind === 'emailAddress' ? 'emailAddresses' : keyKind;
    const key =
      keyKind === 'emailAddress' ? emails?.[0] : typeof user[keyKind] === 'string' ? user[keyKind] : undefined;
    // A key field that is present with the wrong type was reported by the schema check already.
    const keyAbsent =
      keyKind === 'emailAddress'
        ? user.emailAddresses === undefined || (Array.isArray(user.emailAddresses) && user.emailAddresses.length === 0)
        : user[keyKind] === undefined || user[keyKind] === null;
    if (key === undefined && keyAbsent) {
      this.error(file, spanOf(userNode), {
        code: 'missing_user_key',
        message:
          keyKind === 'emailAddress'
            ? 'user has no email address, and the user key is the primary email (settings.userKey: emailAddress)'
            : `user has no ${keyKind}, the user key (settings.userKey: ${keyKind})`,
        hint: `Every user needs ${keyKind === 'emailAddress' ? 'emailAddresses with at least one address' : keyKind}; or change settings.userKey.`,
      });
    } else if (key !== undefined) {
      const keyPath = keyKind === 'emailAddress' ? ['emailAddresses', '0'] : [keyKind];
      this.unique(
        this.seen.key,
        key,
        { ref: () => refAt(...keyPath), user: userIndex, index: 0 },
        (earlier) => ({
          code: 'duplicate_user',
          message: `user "${key}" is declared twice: here and at ${where(earlier.ref())}`,
          hint: `The user key (${keyField}) must be unique across all manifest files; merge the two entries.`,
        }),
        file,
        () => at(...keyPath),
      );
    }

    if (typeof user.externalId === 'string' && keyKind !== 'externalId') {
      const value = user.externalId;
      this.unique(
        this.seen.externalId,
        value,
        { ref: () => refAt('externalId'), user: userIndex, index: 0 },
        (earlier) => ({
          code: 'duplicate_external_id',
          message: `externalId "${value}" is also given to the user at ${where(earlier.ref())}`,
          hint: 'Clerk requires external IDs to be unique.',
        }),
        file,
        () => at('externalId'),
      );
    }
    emails?.forEach((email, position) => {
      if (email === undefined) return;
      this.unique(
        this.seen.email,
        email,
        { ref: () => refAt('emailAddresses', String(position)), user: userIndex, index: position },
        (earlier) => {
          // Two users with the same primary email under userKey emailAddress: already reported as duplicate_user.
          if (keyKind === 'emailAddress' && position === 0 && earlier.index === 0) return undefined;
          const sameUser = earlier.user === userIndex;
          return {
            code: 'duplicate_email',
            message: sameUser
              ? `email address "${email}" is listed twice for this user (emails compare case-insensitively)`
              : `email address "${email}" is also given to the user at ${where(earlier.ref())}`,
            hint: 'An email address belongs to one user only.',
          };
        },
        file,
        () => at('emailAddresses', String(position)),
      );
    });
    phones?.forEach((phone, position) => {
      if (typeof phone !== 'string') return;
      this.unique(
        this.seen.phone,
        phone,
        { ref: () => refAt('phoneNumbers', String(position)), user: userIndex, index: position },
        (earlier) => ({
          code: 'duplicate_phone',
          message:
            earlier.user === userIndex
              ? `phone number "${phone}" is listed twice for this user`
              : `phone number "${phone}" is also given to the user at ${where(earlier.ref())}`,
          hint: 'A phone number belongs to one user only.',
        }),
        file,
        () => at('phoneNumbers', String(position)),
      );
    });
    if (typeof user.username === 'string' && keyKind !== 'username') {
      const username = user.username.toLowerCase();
      this.unique(
        this.seen.username,
        username,
        { ref: () => refAt('username'), user: userIndex, index: 0 },
        (earlier) => ({
          code: 'duplicate_username',
          message: `username "${username}" is also given to the user at ${where(earlier.ref())}`,
          hint: 'Usernames are unique in Clerk.',
        }),
        file,
        () => at('username'),
      );
    }

    const memberships = this.checkMemberships(file, user, base);
    this.checkMetadata(file, user, base);
    const password = this.passwordOf(file, user, base);

    if (key === undefined) return;
    // Positions of every field of every user are needed only for the few a message names: computed on first read.
    // The getter is made outside this method: a closure made here would keep this method's whole scope (the
    // parsed file) alive.
    const desired = lazyUser(
      key,
      userRef,
      file.fast ? fastFieldSources(file, file.fast, user) : this.slowFieldSources(file, user, base),
    );
    if (typeof user.externalId === 'string') desired.externalId = user.externalId;
    if (emails) desired.emailAddresses = emails.filter((email): email is string => email !== undefined);
    if (phones) desired.phoneNumbers = phones.filter((phone): phone is string => typeof phone === 'string');
    for (const field of ['username', 'firstName', 'lastName'] as const) {
      const value = user[field];
      if (typeof value === 'string' || value === null) desired[field] = value;
    }
    if (password) desired.password = password;
    for (const field of METADATA_FIELDS) {
      const value = user[field];
      if (isData(value)) desired[field] = value as JsonObject;
    }
    if (typeof user.banned === 'boolean') desired.banned = user.banned;
    if (typeof user.locked === 'boolean') desired.locked = user.locked;
    if (memberships) desired.memberships = memberships;
    this.users.push(desired);
  }

  private slowFieldSources(file: ParsedFile, user: Data, base: string[]): () => Record<string, SourceRef> {
    return () => this.fieldSources(file, user, base);
  }

  private fieldSources(file: ParsedFile, user: Data, base: string[]): Record<string, SourceRef> {
    const sources: Record<string, SourceRef> = {};
    for (const field of Object.keys(user)) {
      const located = locate(file, [...base, field]);
      sources[field] = sourceRef(file, located?.node ?? located?.key);
      const value = user[field];
      if (Array.isArray(value) && (field === 'emailAddresses' || field === 'phoneNumbers' || field === 'memberships')) {
        value.forEach((_, position) => {
          sources[`${field}.${position}`] = sourceRef(file, locate(file, [...base, field, String(position)])?.node);
        });
      }
    }
    return sources;
  }

  private checkMemberships(file: ParsedFile, user: Data, base: string[]): DesiredMembership[] | undefined {
    if (!Array.isArray(user.memberships)) return undefined;
    const result: DesiredMembership[] = [];
    const orgs = new Map<string, SourceRef>();
    // A fast-read file has the list's item offsets at hand; walking from the root for each of 150,000 memberships
    // was a tenth of the manifest's time.
    const offsets = file.fast?.containers.get(user.memberships)?.offsets;
    user.memberships.forEach((entry, position) => {
      if (!isData(entry) || typeof entry.org !== 'string') return;
      const path = [...base, 'memberships', String(position)];
      const start = offsets?.[2 * position];
      const ref =
        start === undefined
          ? sourceRef(file, locate(file, path)?.node)
          : { file: file.source.file, ...positionOf(file.lineCounter, start) };
      const slug = entry.org;
      if (!this.orgSlugs.has(slug)) {
        this.error(file, spanAt(file, [...path, 'org']), {
          code: 'unknown_organization',
          message: `membership of organization "${slug}", which is not declared under organizations${didYouMean(slug, this.orgSlugs.keys())}`,
          hint: 'Declare the organization (slug and name) under organizations: clerk-sync manages memberships only in the organizations it manages.',
        });
      }
      const earlier = orgs.get(slug);
      if (earlier) {
        this.error(file, spanAt(file, [...path, 'org']), {
          code: 'duplicate_membership',
          message: `membership of "${slug}" is listed twice for this user (first at ${where(earlier)})`,
          hint: 'A user has one role per organization: keep one entry.',
        });
        return;
      }
      orgs.set(slug, ref);
      result.push({ org: slug, role: typeof entry.role === 'string' ? entry.role : '', source: ref });
    });
    return result;
  }

  private checkMetadata(file: ParsedFile, user: Data, base: string[]): void {
    for (const field of METADATA_FIELDS) {
      const value = user[field];
      if (!isData(value)) continue;
      if (field === 'privateMetadata' && Object.hasOwn(value, MANAGED_MARK_KEY)) {
        this.error(file, spanAt(file, [...base, field, MANAGED_MARK_KEY], 'key'), {
          code: 'reserved_metadata_key',
          message: `privateMetadata key "${MANAGED_MARK_KEY}" is reserved: clerk-sync keeps its ownership mark there`,
          hint: 'Rename the key; clerk-sync sets and preserves clerkSync itself.',
        });
      }
      const bytes = jsonBytes(value);
      if (bytes > LIMITS.metadataBytes) {
        this.error(file, spanAt(file, [...base, field], 'key'), {
          code: 'metadata_too_large',
          message: `${field} is ${bytes} bytes of JSON; Clerk accepts at most ${LIMITS.metadataBytes} bytes per metadata object`,
          hint: 'Keep large data in your own database and store a reference in metadata.',
        });
      }
    }
  }

  private passwordOf(file: ParsedFile, user: Data, base: string[]): DesiredPassword | undefined {
    if (typeof user.password !== 'string') return undefined;
    const node: Node | undefined = locate(file, [...base, 'password'])?.node;
    const interpolation = isScalar(node) ? file.interpolated.get(node) : undefined;
    const span = spanAt(file, [...base, 'password']);
    // An unset or malformed reference was already reported; the value is incomplete.
    if (interpolation && interpolation.problems.length > 0) return undefined;
    if (!interpolation || interpolation.variables.length === 0) {
      this.warning(file, span, {
        code: 'inline_password',
        message: 'password is written in the manifest',
        hint: `Write password: \${VAR} and set VAR in the environment (a CI secret), so the password stays out of git.`,
      });
      return { source: { kind: 'inline' }, value: user.password };
    }
    if (!interpolation.single) {
      this.error(file, span, {
        code: 'invalid_password_reference',
        message: `password must be either one \${VAR} reference (optionally \${VAR:-default}) or a literal, not a mix`,
        hint: 'Put the whole password in the environment variable.',
      });
      return undefined;
    }
    return { source: { kind: 'env', variable: interpolation.variables[0] as string }, value: user.password };
  }
}

const LIST_FIELDS = ['emailAddresses', 'phoneNumbers', 'memberships'] as const;

/**
 * A desired user whose fieldSources is an enumerable getter in the object literal (so the value still prints,
 * spreads and compares like a plain property, and the object keeps a fast shape: defineProperty made 100,000
 * dictionary-mode objects).
 */
function lazyUser(key: string, source: SourceRef, compute: () => Record<string, SourceRef>): DesiredUser {
  let cached: Record<string, SourceRef> | undefined;
  return {
    key,
    source,
    get fieldSources(): Record<string, SourceRef> {
      cached ??= compute();
      return cached;
    },
  };
}

/**
 * fieldSources of a fast-read user, computed later from the few offset tables it needs: the closure must not hold
 * the parsed file (its text, value and tables were about 480 MB at 100,000 users, kept for the whole plan).
 */
function fastFieldSources(file: ParsedFile, fast: FastPositions, user: Data): () => Record<string, SourceRef> {
  const { lineCounter } = file;
  const name = file.source.file;
  const fields = Object.keys(user);
  const own = fast.containers.get(user)?.offsets;
  // A plain loop, no callback: a closure here naming `fast` or `user` would put them in the scope the returned
  // closure keeps (V8 shares one context per function).
  const lists: (number[] | undefined)[] = [];
  for (const field of LIST_FIELDS) {
    const value = user[field];
    lists.push(Array.isArray(value) ? fast.containers.get(value)?.offsets : undefined);
  }
  return () => {
    const ref = (offset: number): SourceRef => ({ file: name, ...positionOf(lineCounter, offset) });
    const sources: Record<string, SourceRef> = {};
    if (!own) return sources;
    fields.forEach((field, index) => {
      const at = 4 * index;
      const keyStart = own[at] as number;
      const valueStart = own[at + 2] as number;
      const valueEnd = own[at + 3] as number;
      // The value's position, or the key's when the value is empty (`key:` meaning null).
      sources[field] = ref(valueEnd > valueStart ? valueStart : keyStart);
    });
    LIST_FIELDS.forEach((field, listIndex) => {
      const offsets = lists[listIndex];
      if (!offsets) return;
      for (let position = 0; 2 * position < offsets.length; position += 1) {
        sources[`${field}.${position}`] = ref(offsets[2 * position] as number);
      }
    });
    return sources;
  };
}

/** Cross-checks the files (already parsed, each a mapping) and builds the DesiredState. */
export function buildDesiredState(
  files: readonly ParsedFile[],
  fileNames: readonly string[],
): { desired: DesiredState; diagnostics: Diagnostic[] } {
  const checker = new Checker(files);
  checker.checkOrganizations();
  checker.checkUsers();
  return {
    desired: {
      settings: checker.settings,
      organizations: checker.organizations,
      users: checker.users,
      files: [...fileNames],
    },
    diagnostics: checker.diagnostics,
  };
}
