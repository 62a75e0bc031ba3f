// The live instance as a manifest (clerk-sync export), pure: plans to "No changes." (prune off, metadata replace),
// but for organizations that have neither clerk-sync's mark nor a slug: the plan marks them (they match by name).
// Deterministic (organizations by key, users by key, addresses primary first, metadata keys sorted). Each user's
// fields are written as the user table's rows say (src/fields/user-fields.ts). The command (commands/export.ts)
// reads the instance and streams these chunks to a file or stdout.

import { stringify } from 'yaml';
import { MANAGED_MARK_KEY, MANAGED_MARK_VALUE } from '../fields/constants.ts';
import { isProfileRow, USER_FIELDS } from '../fields/user-fields.ts';
import type {
  JsonObject,
  JsonValue,
  LiveMembership,
  LiveOrganization,
  LiveSnapshot,
  LiveUser,
  MetadataField,
  UserKeyKind,
} from '../model/index.ts';
import { compareStrings, setOwn } from '../plan/json-values.ts';
import { matchOrganizations } from '../plan/org-identity.ts';
import { plural } from '../util/plural.ts';
import { SLUG_PATTERN } from './schema.ts';

export const MANIFEST_SCHEMA_URL = 'https://unpkg.com/clerk-sync/schema/manifest.schema.json';

export interface ExportSettings {
  userKey: UserKeyKind;
  /** Metadata kinds written for every user (even when `{}`, so they are managed). */
  metadata: readonly MetadataField[];
  /** The users' values are fake (anonymize.ts): the header says so. */
  anonymized?: boolean;
}

/** Object keys sorted at every level: Clerk does not promise to keep key order, and the file must be stable. */
function sortKeys(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === 'object' && value !== null) {
    const out: JsonObject = {};
    for (const key of Object.keys(value).sort(compareStrings)) setOwn(out, key, sortKeys(value[key] as JsonValue));
    return out;
  }
  return value;
}

/**
 * Manifest strings interpolate `${VAR}`; a live value holding `${` must come back unchanged, so it is written as the
 * manifest's escape `$${` (src/manifest interpolation: "`$${` for a literal `${`").
 */
function escapeInterpolation(value: JsonValue): JsonValue {
  // A replacer function: in a replacement string `$$` would itself mean one `$`.
  if (typeof value === 'string') return value.replaceAll('${', () => '$${');
  if (Array.isArray(value)) return value.map(escapeInterpolation);
  if (typeof value === 'object' && value !== null) {
    const out: JsonObject = {};
    for (const [key, item] of Object.entries(value)) setOwn(out, key, escapeInterpolation(item));
    return out;
  }
  return value;
}

function isManagedMark(value: JsonValue | undefined): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  const expected = Object.entries(MANAGED_MARK_VALUE);
  return keys.length === expected.length && expected.every(([key, wanted]) => value[key] === wanted);
}

/** Primary first, then the rest in a stable order. */
function primaryFirst<T extends { id: string }>(
  items: readonly T[],
  primaryId: string | null,
  text: (item: T) => string,
) {
  const primary = items.find((item) => item.id === primaryId);
  const rest = items.filter((item) => item !== primary).sort((a, b) => compareStrings(text(a), text(b)));
  return (primary ? [primary, ...rest] : rest).map(text);
}

function emailsOf(user: LiveUser): string[] {
  return primaryFirst(user.emailAddresses, user.primaryEmailAddressId, (email) => email.emailAddress.toLowerCase());
}

/** The user's key for `userKey`, or null when it lacks that field (it cannot be exported under that key). */
export function exportKey(user: LiveUser, userKey: UserKeyKind): string | null {
  if (userKey === 'externalId') return user.externalId;
  if (userKey === 'username') return user.username;
  return emailsOf(user)[0] ?? null;
}

/**
 * One manifest user: the key field first, then the fields in manifest order. Every field the export read is written,
 * empty ones included (no address: `[]`, no username or name: `null`, `banned: false`, `locked: false`), so the
 * exported file manages what it exported: a later ban, lock, name or address added in the dashboard is drift. The
 * external id is the one exception: the manifest has no "none" for it, so a user without one leaves it unmanaged.
 * The ownership mark is stripped from private metadata (the planner keeps it on its own, so the exported file still
 * plans to no changes).
 */
export function exportUser(
  user: LiveUser,
  settings: ExportSettings,
  memberships: readonly { org: string; role: string }[],
): JsonObject {
  const out: JsonObject = {};
  for (const row of USER_FIELDS) {
    if (!row.exported) continue;
    if (isProfileRow(row)) {
      const value = user[row.name];
      // Only a nullable string has a "none" the manifest can say; other empty fields are left unmanaged.
      if (value !== null || row.kind === 'nullableString') out[row.name] = value;
      continue;
    }
    switch (row.kind) {
      case 'identifierList':
        out[row.name] =
          row.name === 'emailAddresses'
            ? emailsOf(user)
            : primaryFirst(user.phoneNumbers, user.primaryPhoneNumberId, (phone) => phone.phoneNumber);
        break;
      case 'metadata': {
        if (!settings.metadata.includes(row.name)) break;
        let value: JsonObject = user[row.name];
        if (row.name === 'privateMetadata' && isManagedMark(value[MANAGED_MARK_KEY])) {
          const { [MANAGED_MARK_KEY]: _mark, ...rest } = value;
          value = rest;
        }
        out[row.name] = sortKeys(value);
        break;
      }
      case 'flag':
        out[row.name] = user[row.name];
        break;
      case 'memberships':
        if (memberships.length > 0) out[row.name] = memberships.map((m) => ({ org: m.org, role: m.role }));
        break;
      default: {
        const unreachable: never = row;
        throw new Error(`unhandled user field ${JSON.stringify(unreachable)}`);
      }
    }
  }
  return out;
}

function yaml(value: JsonValue): string {
  // lineWidth 0: never fold long strings, so a value is always on the lines one expects.
  return stringify(escapeInterpolation(value), { lineWidth: 0 });
}

function indent(text: string): string {
  // Indenting every line (block scalars included) by the same amount keeps the YAML meaning unchanged.
  return text
    .split('\n')
    .map((line) => (line === '' ? line : `  ${line}`))
    .join('\n');
}

// ---- organization keys ----

const KEY_SHAPE = new RegExp(SLUG_PATTERN);

/** A manifest key made from a name: lower-case letters and digits, other runs become `-` ("Acme Inc." -> acme-inc). */
export function keyFromName(name: string): string {
  const key = name
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '') // accents, split off by NFKD: é -> e
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return key === '' ? 'org' : key;
}

/**
 * Each organization's manifest key, by organization id, as the planner will match it back (docs/manifest.md, "How
 * organizations are identified"): its clerk-sync mark, else its slug, else a key made from its name (which the
 * planner finds by name and marks). Keys are unique: one already taken goes to the next rule, and a key made from a
 * name gets `-2`, `-3`... Marks are placed first, then slugs, then names, each in the order given (oldest first).
 */
export function organizationKeys(orgs: readonly LiveOrganization[]): Map<string, string> {
  const keys = new Map<string, string>();
  const taken = new Set<string>();
  const claim = (org: LiveOrganization, key: string | null): void => {
    if (key === null || keys.has(org.id) || taken.has(key) || !KEY_SHAPE.test(key)) return;
    keys.set(org.id, key);
    taken.add(key);
  };
  for (const org of orgs) claim(org, org.key);
  for (const org of orgs) claim(org, org.slug);
  for (const org of orgs) {
    if (keys.has(org.id)) continue;
    const base = keyFromName(org.name);
    let key = base;
    for (let n = 2; taken.has(key); n += 1) key = `${base}-${n}`;
    claim(org, key);
  }
  return keys;
}

/**
 * What a plan of the exported file will make of its organizations (the planner's own matching, against every live
 * organization): the keys found only by name (the plan marks them) and the keys it refuses as ambiguous.
 */
export function exportedMatching(
  exported: readonly { org: LiveOrganization; key: string }[],
  all: readonly LiveOrganization[],
): { byName: string[]; ambiguous: string[] } {
  const declared = exported.map(({ org, key }) => ({
    slug: key,
    name: org.name,
    source: { file: '(export)', line: 1, column: 1 },
  }));
  const { matches, unresolved } = matchOrganizations(declared, all);
  return {
    byName: matches.filter((match) => match.by === 'name').map((match) => match.desired.slug),
    ambiguous: [...unresolved].sort(compareStrings),
  };
}

export interface ExportResult {
  users: number;
  organizations: number;
  skipped: number;
}

/** The organizations to export, each with its key. */
export interface ExportedOrganization {
  org: LiveOrganization;
  key: string;
}

/**
 * The whole manifest as text chunks, the header first, then one user at a time (a 100k-user instance never becomes
 * one YAML document in memory); the counts are known before the first chunk is written.
 */
export function exportManifest(
  live: LiveSnapshot,
  exported: readonly ExportedOrganization[],
  settings: ExportSettings,
): ExportResult & { chunks: () => Generator<string> } {
  const organizations = [...exported].sort((a, b) => compareStrings(a.key, b.key));
  const keyById = new Map(organizations.map(({ org, key }) => [org.id, key]));
  const membershipsByUser = new Map<string, LiveMembership[]>();
  for (const membership of live.memberships) {
    if (!keyById.has(membership.organizationId)) continue;
    const list = membershipsByUser.get(membership.userId) ?? [];
    list.push(membership);
    membershipsByUser.set(membership.userId, list);
  }
  const keyed: { key: string; user: LiveUser }[] = [];
  let skipped = 0;
  for (const user of live.users) {
    const key = exportKey(user, settings.userKey);
    if (key === null) skipped += 1;
    else keyed.push({ key, user });
  }
  keyed.sort((a, b) => compareStrings(a.key, b.key) || compareStrings(a.user.id, b.user.id));

  let head = `# yaml-language-server: $schema=${MANIFEST_SCHEMA_URL}\n`;
  head += `# Exported by clerk-sync export: ${plural(keyed.length, 'user')}, ${plural(organizations.length, 'organization')}.\n`;
  head += '# prune is off: applying this file never deletes a user it does not list. No secrets are exported.\n';
  if (settings.anonymized) {
    head +=
      '# Anonymised (--anonymize): names, emails, phones, usernames, external ids and metadata values are fake.\n';
  }
  head +=
    '# Every field written is managed, empty ones too (banned: false, firstName: null): delete one to unmanage it.\n';
  head += yaml({
    apiVersion: 'clerk-sync/v1',
    settings: { userKey: settings.userKey, prune: false, metadataMode: 'replace' },
  });
  head +=
    organizations.length === 0
      ? 'organizations: []\n'
      : `organizations:\n${indent(yaml(organizations.map(({ org, key }) => ({ slug: key, name: org.name }))))}`;
  head += keyed.length === 0 ? 'users: []\n' : 'users:\n';
  function* chunks(): Generator<string> {
    yield head;
    for (const { user } of keyed) {
      const memberships = (membershipsByUser.get(user.id) ?? [])
        .map((m) => ({ org: keyById.get(m.organizationId) ?? '', role: m.role }))
        .sort((a, b) => compareStrings(a.org, b.org));
      yield indent(yaml([exportUser(user, settings, memberships)]));
    }
  }
  return { users: keyed.length, organizations: organizations.length, skipped, chunks };
}
