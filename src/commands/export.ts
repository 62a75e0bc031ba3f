// clerk-sync export: the live instance as a manifest that plans to "No changes." (prune off, metadata replace), but
// for organizations that have neither clerk-sync's mark nor a slug: the plan marks them (they match by name).
// Deterministic (organizations by key, users by key, addresses primary first, metadata keys sorted), and streamed:
// the header, then one user at a time, so a 100k-user instance never becomes one giant YAML document in memory.

import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { type FileHandle, mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { stringify } from 'yaml';
import { FileError, UsageError } from '../errors.ts';
import { MANAGED_MARK_KEY, MANAGED_MARK_VALUE } from '../fields/constants.ts';
import { SLUG_PATTERN } from '../manifest/schema.ts';
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
import { matchOrganizations } from '../plan/index.ts';
import { compareStrings, setOwn } from '../plan/json-values.ts';
import { fetchLiveSnapshot, listOrganizations } from '../state/index.ts';
import { plural } from '../util/plural.ts';
import { API_OPTIONS, API_OPTIONS_HELP, openClient } from './api-options.ts';
import { type CliIO, type CommandDefinition, stringList, stringOption } from './command.ts';
import { outputTarget } from './files.ts';

export const MANIFEST_SCHEMA_URL = 'https://unpkg.com/clerk-sync/schema/manifest.schema.json';

const USER_KEYS: readonly UserKeyKind[] = ['externalId', 'emailAddress', 'username'];
const METADATA_KINDS: Record<string, MetadataField> = {
  public: 'publicMetadata',
  private: 'privateMetadata',
  unsafe: 'unsafeMetadata',
};

export interface ExportSettings {
  userKey: UserKeyKind;
  /** Metadata kinds written for every user (even when `{}`, so they are managed). */
  metadata: readonly MetadataField[];
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
  if (user.externalId !== null) out.externalId = user.externalId;
  out.emailAddresses = emailsOf(user);
  out.phoneNumbers = primaryFirst(user.phoneNumbers, user.primaryPhoneNumberId, (phone) => phone.phoneNumber);
  out.username = user.username;
  out.firstName = user.firstName;
  out.lastName = user.lastName;
  for (const field of settings.metadata) {
    let value: JsonObject = user[field];
    if (field === 'privateMetadata' && isManagedMark(value[MANAGED_MARK_KEY])) {
      const { [MANAGED_MARK_KEY]: _mark, ...rest } = value;
      value = rest;
    }
    out[field] = sortKeys(value);
  }
  out.banned = user.banned;
  out.locked = user.locked;
  if (memberships.length > 0) out.memberships = memberships.map((m) => ({ org: m.org, role: m.role }));
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

// ---- output: stdout or an atomically replaced file, written in chunks ----

interface Sink {
  write(chunk: string): Promise<void>;
  /** Makes the output final (rename into place). */
  commit(): Promise<string | null>;
  abort(): Promise<void>;
}

function streamSink(stream: CliIO['stdout']): Sink {
  return {
    write: (chunk) =>
      new Promise<void>((done, fail) => {
        const flushed = stream.write(chunk, (error) => (error ? fail(error) : undefined));
        if (flushed) done();
        else stream.once('drain', done);
      }),
    commit: async () => null,
    abort: async () => undefined,
  };
}

async function fileSink(cwd: string, file: string): Promise<Sink> {
  const { path: target, inPlace } = await outputTarget(cwd, file);
  // A device or pipe is written directly (see outputTarget); a file goes through a temporary one.
  const temp = inPlace ? target : `${target}.${randomBytes(4).toString('hex')}.tmp`;
  const fail = (error: unknown): FileError =>
    new FileError(`cannot write ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {
      cause: error,
      hint: 'Check that the directory exists and is writable.',
    });
  let handle: FileHandle;
  try {
    if (!inPlace) await mkdir(dirname(target), { recursive: true });
    handle = await open(temp, 'w', 0o600);
  } catch (error) {
    throw fail(error);
  }
  let closed = false;
  const close = async (): Promise<void> => {
    if (!closed) {
      closed = true;
      await handle.close();
    }
  };
  return {
    async write(chunk) {
      try {
        await handle.write(chunk);
      } catch (error) {
        throw fail(error);
      }
    },
    async commit() {
      try {
        await close();
        if (!inPlace) await rename(temp, target);
      } catch (error) {
        if (!inPlace) await rm(temp, { force: true });
        throw fail(error);
      }
      return target;
    },
    async abort() {
      await close().catch(() => undefined);
      if (!inPlace) await rm(temp, { force: true });
    },
  };
}

/** Collects small writes into larger ones: one write per user would be 100k system calls. */
function buffered(sink: Sink, size = 64 * 1024): Sink & { flush(): Promise<void> } {
  let pending = '';
  const flush = async (): Promise<void> => {
    if (pending === '') return;
    const chunk = pending;
    pending = '';
    await sink.write(chunk);
  };
  return {
    async write(chunk) {
      pending += chunk;
      if (pending.length >= size) await flush();
    },
    flush,
    async commit() {
      await flush();
      return sink.commit();
    },
    abort: () => sink.abort(),
  };
}

// ---- reading ----

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

function parseUserKey(raw: string | undefined): UserKeyKind {
  if (raw === undefined) return 'externalId';
  const found = USER_KEYS.find((key) => key === raw);
  if (!found) throw new UsageError(`--user-key must be one of ${USER_KEYS.join(', ')}, got "${raw}"`);
  return found;
}

export function parseIncludeMetadata(raw: readonly string[]): MetadataField[] {
  if (raw.length === 0) return ['publicMetadata'];
  const fields = new Set<MetadataField>();
  for (const item of raw.flatMap((value) => value.split(','))) {
    const name = item.trim();
    if (name === '' || name === 'none') continue;
    const field = METADATA_KINDS[name];
    if (!field) {
      throw new UsageError(`--include-metadata takes public, private, unsafe or none (comma-separated), got "${name}"`);
    }
    fields.add(field);
  }
  // Manifest order, whatever order the flag listed them in.
  return (['publicMetadata', 'privateMetadata', 'unsafeMetadata'] as const).filter((field) => fields.has(field));
}

interface ExportResult {
  users: number;
  organizations: number;
  skipped: number;
}

/** The organizations to export, each with its key. */
export interface ExportedOrganization {
  org: LiveOrganization;
  key: string;
}

/** Writes the whole manifest to `sink`, one user at a time. */
async function writeManifest(
  live: LiveSnapshot,
  exported: readonly ExportedOrganization[],
  settings: ExportSettings,
  sink: Sink,
): Promise<ExportResult> {
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
  await sink.write(head);
  for (const { user } of keyed) {
    const memberships = (membershipsByUser.get(user.id) ?? [])
      .map((m) => ({ org: keyById.get(m.organizationId) ?? '', role: m.role }))
      .sort((a, b) => compareStrings(a.org, b.org));
    await sink.write(indent(yaml([exportUser(user, settings, memberships)])));
  }
  return { users: keyed.length, organizations: organizations.length, skipped };
}

const SKIP_HINT: Record<UserKeyKind, string> = {
  externalId: 'they have no external id; export them with --user-key emailAddress',
  emailAddress: 'they have no email address; export them with --user-key username or --user-key externalId',
  username: 'they have no username; export them with --user-key emailAddress',
};

export const exportCommand: CommandDefinition = {
  name: 'export',
  summary: 'write a manifest of the live instance (plans to "No changes.")',
  help: `Usage: clerk-sync export [-o FILE] [--org KEY]... [--include-metadata public,private,unsafe] [--user-key KEY]

Writes the live instance as a manifest: organizations by key, users by key with their email addresses and phone
numbers (primary first), username, names, the metadata kinds asked for, banned/locked, and memberships in the
exported organizations. Empty values are written too (banned: false, locked: false, firstName: null,
phoneNumbers: []...), so the file manages what it exported: a later ban, lock or name added in the dashboard is
drift, and apply puts the exported value back. Delete a field from the file to leave it unmanaged. An
organization's key is the one clerk-sync marked it with, else its slug, else one made from its name. Planning the
exported file shows "No changes.", except that organizations with neither a mark nor a slug get clerk-sync's mark
(they are found by their name). The output is deterministic: the same instance gives a byte-identical file.
settings.prune is false, so applying it never deletes anyone.
No secrets are exported: the Clerk API never returns passwords (or their hashes), so none can be.

Options:
  -o, --out FILE             write to FILE (atomically replaced) instead of stdout
  --org KEY                  export only this organization (by key, as it would be exported: mark, slug, or made
                             from its name) and memberships in it (repeatable; default: all)
  --include-metadata KINDS   metadata kinds to manage, comma-separated: public, private, unsafe, or none
                             (default: public). clerk-sync's own ownership mark is never exported.
  --user-key KEY             externalId (default), emailAddress or username. Users without that field are skipped
                             (counted on stderr).
${API_OPTIONS_HELP}

Exit codes: 0 exported, 1 error.`,
  options: {
    ...API_OPTIONS,
    out: { type: 'string', short: 'o' },
    org: { type: 'string', multiple: true },
    'include-metadata': { type: 'string', multiple: true },
    'user-key': { type: 'string' },
  },
  allowPositionals: false,
  async run({ values }, io) {
    const settings: ExportSettings = {
      userKey: parseUserKey(stringOption(values, 'user-key')),
      metadata: parseIncludeMetadata(stringList(values, 'include-metadata')),
    };
    const requestedOrgs = [
      ...new Set(stringList(values, 'org').flatMap((value) => value.split(',').map((slug) => slug.trim()))),
    ].filter((slug) => slug !== '');
    const out = stringOption(values, 'out');
    const { client, concurrency } = openClient(values, io);
    // Ctrl-C stops a long read. Every request in flight listens on the signal: more than Node's default warning
    // threshold of 10 at once is expected here, not a leak.
    const reading = new AbortController();
    setMaxListeners(Math.max(10, concurrency * 4), reading.signal);
    const stop = (): void => reading.abort();
    io.signal.addEventListener('abort', stop, { once: true });
    try {
      io.stderr.write(`Reading live state from ${client.baseUrl} ...\n`);
      const allOrgs = await listOrganizations(client, { signal: reading.signal });
      const keys = organizationKeys(allOrgs);
      const byKey = new Map(allOrgs.map((org) => [keys.get(org.id) as string, org]));
      const absent = requestedOrgs.filter((key) => !byKey.has(key));
      if (absent.length > 0) {
        throw new UsageError(`--org ${absent.map((key) => `"${key}"`).join(', ')}: no such organization live`, {
          hint: 'Check the key (its clerk-sync mark, else its slug, else made from its name as an unfiltered export writes it), or leave out --org to export all of them.',
        });
      }
      const selected =
        requestedOrgs.length > 0 ? requestedOrgs.map((key) => byKey.get(key) as LiveOrganization) : allOrgs;
      const exported = selected.map((org) => ({ org, key: keys.get(org.id) as string }));
      const live = await fetchLiveSnapshot(client, {
        managedOrgs: exported.map(({ org, key }) => ({ key, name: org.name })),
        concurrency,
        signal: reading.signal,
      });

      const sink = buffered(out === undefined ? streamSink(io.stdout) : await fileSink(io.cwd, out));
      let result: ExportResult;
      let written: string | null;
      try {
        result = await writeManifest(live, exported, settings, sink);
        written = await sink.commit();
      } catch (error) {
        await sink.abort();
        throw error;
      }
      io.stderr.write(
        `Exported ${plural(result.users, 'user')} and ${plural(result.organizations, 'organization')}${written ? ` to ${written}` : ''}.\n`,
      );
      const matching = exportedMatching(exported, allOrgs);
      if (matching.byName.length > 0) {
        io.stderr.write(
          `${plural(matching.byName.length, 'organization')} without clerk-sync's mark or a slug (${matching.byName.join(', ')}): a plan of this file finds them by name and marks them (mark_organization).\n`,
        );
      }
      if (matching.ambiguous.length > 0) {
        io.stderr.write(
          `${plural(matching.ambiguous.length, 'organization')} (${matching.ambiguous.join(', ')}) share their name with other live organizations and have no mark or slug: a plan of this file refuses them (ambiguous_organization_match) until they are renamed or marked.\n`,
        );
      }
      if (result.skipped > 0) {
        io.stderr.write(
          `Skipped ${plural(result.skipped, 'user')} without ${settings.userKey}: ${SKIP_HINT[settings.userKey]}.\n`,
        );
      }
      return 0;
    } finally {
      io.signal.removeEventListener('abort', stop);
      await client.close();
    }
  },
};
