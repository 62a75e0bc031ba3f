// Overlays: a manifest file with `overlay: true` patches what the base files declare instead of redeclaring it, so
// several instances (staging, production) share one base. Pure: it works on the parsed files, before the
// cross-checks, so the merged manifest is checked as one (a duplicate email between base and overlay is reported at
// the overlay's line). A patch replaces each field it names, whole (a list or a metadata object included), like a
// Helm values file replaces lists; removing a user or an organization is explicit (`remove:`), and so is adding one
// that only this environment has (`add:`). What each merged field's value came from is kept (`origins`), for
// diagnostics and for the plan's provenance.

import type { SourceRef, UserKeyKind } from '../model/index.ts';
import { isPlainObject } from '../util/json.ts';
import { diagnosticAt, locate, type ParsedFile, sourceRef, spanAt } from './positions.ts';
import type { Diagnostic } from './types.ts';

type Data = Record<string, unknown>;

/** Where a field's value is written: the file and the path of the object (user or organization) that holds it. */
export interface FieldSite {
  file: ParsedFile;
  base: readonly string[];
  /** Positions of the field's value and of its list items (`memberships.1`), as DesiredState.positions gives them. */
  sources: Record<string, SourceRef>;
}

/** How a user's field positions are computed when asked (cross-checks.ts FieldPositions has this shape). */
export interface EntryPositions {
  at(start: number): Record<string, SourceRef>;
}

/** One declared user or organization of the merged manifest: where it is declared and its (patched) data. */
export interface ManifestEntry {
  file: ParsedFile;
  /** Its path in `file`: `['users', '3']`, `['add', 'users', '0']`. */
  base: string[];
  data: Data;
  /** A user's item offset and field positions, when the fast reader read its file. */
  itemStart?: number;
  positions?: EntryPositions;
  /** The fields an overlay set, and where: every other field is written at `file` / `base`. */
  origins?: Record<string, FieldSite>;
}

export interface MergedEntries {
  users: ManifestEntry[];
  organizations: ManifestEntry[];
}

/** The top-level key that makes a manifest file an overlay. */
export const OVERLAY_KEY = 'overlay';

/** Whether a parsed file is an overlay (`overlay: true` at the top). */
export function isOverlay(file: ParsedFile): boolean {
  return isPlainObject(file.value) && file.value[OVERLAY_KEY] === true;
}

/** The user key of a user's data, as the cross-checks compute it (emails compare lower-cased). */
export function userKeyOf(data: Data, userKey: UserKeyKind): string | undefined {
  if (userKey === 'emailAddress') {
    const first = Array.isArray(data.emailAddresses) ? data.emailAddresses[0] : undefined;
    return typeof first === 'string' ? first.toLowerCase() : undefined;
  }
  const value = data[userKey];
  return typeof value === 'string' ? value : undefined;
}

function where(ref: SourceRef): string {
  return `${ref.file}:${ref.line}:${ref.column}`;
}

/** Positions of the fields a patch sets, and of their list items. */
function patchSources(file: ParsedFile, base: readonly string[], field: string, value: unknown): FieldSite {
  const path = [...base, field];
  const located = locate(file, path);
  const sources: Record<string, SourceRef> = { [field]: sourceRef(file, located?.node ?? located?.key) };
  if (Array.isArray(value)) {
    value.forEach((_, index) => {
      sources[`${field}.${index}`] = sourceRef(file, locate(file, [...path, String(index)])?.node);
    });
  }
  return { file, base, sources };
}

/**
 * Entries in declaration order (slots: base first, then additions), and each key's slot: a patch or a removal
 * changes one slot, never a pass over every user (500 patches of a 100,000-user base).
 */
class Slots {
  readonly entries: (ManifestEntry | undefined)[];
  private readonly slotOf = new Map<string, number>();

  constructor(entries: readonly ManifestEntry[], keyOf: (entry: ManifestEntry) => string | undefined) {
    this.entries = [...entries];
    this.entries.forEach((entry, slot) => {
      const key = entry && keyOf(entry);
      // A key declared twice is the cross-checks' duplicate: the first declaration is the one patched.
      if (key !== undefined && !this.slotOf.has(key)) this.slotOf.set(key, slot);
    });
  }

  get(key: string): ManifestEntry | undefined {
    const slot = this.slotOf.get(key);
    return slot === undefined ? undefined : this.entries[slot];
  }

  set(key: string, entry: ManifestEntry): void {
    const slot = this.slotOf.get(key);
    if (slot === undefined) {
      this.slotOf.set(key, this.entries.length);
      this.entries.push(entry);
    } else {
      this.entries[slot] = entry;
    }
  }

  remove(key: string): void {
    const slot = this.slotOf.get(key);
    if (slot === undefined) return;
    this.entries[slot] = undefined;
    this.slotOf.delete(key);
  }

  list(): ManifestEntry[] {
    return this.entries.filter((entry): entry is ManifestEntry => entry !== undefined);
  }
}

class OverlayMerger {
  readonly diagnostics: Diagnostic[] = [];
  private readonly userKey: UserKeyKind;
  private readonly users: Slots;
  private readonly organizations: Slots;
  /** A value as a message may show it: by its reference when it was read from the environment. */
  private readonly shown: (value: string) => string;

  constructor(base: MergedEntries, userKey: UserKeyKind, shown: (value: string) => string) {
    this.userKey = userKey;
    this.shown = shown;
    this.users = new Slots(base.users, (entry) => userKeyOf(entry.data, userKey));
    this.organizations = new Slots(base.organizations, (entry) =>
      typeof entry.data.slug === 'string' ? entry.data.slug : undefined,
    );
  }

  private error(file: ParsedFile, path: readonly string[], code: string, message: string, hint: string): void {
    this.diagnostics.push(diagnosticAt(file, spanAt(file, path, 'key'), { severity: 'error', code, message, hint }));
  }

  apply(file: ParsedFile): void {
    const value = file.value as Data;
    const remove = isPlainObject(value.remove) ? value.remove : {};
    const add = isPlainObject(value.add) ? value.add : {};
    // Removals first: a patch of a user this overlay removes is an error at the patch.
    this.removeOrganizations(file, remove.organizations);
    this.removeUsers(file, remove.users);
    this.patchOrganizations(file, value.organizations);
    this.addEntries(file, add.organizations, 'organizations');
    this.addEntries(file, add.users, 'users');
    this.patchUsers(file, value.users);
  }

  result(): MergedEntries {
    return { users: this.users.list(), organizations: this.organizations.list() };
  }

  private removeUsers(file: ParsedFile, list: unknown): void {
    if (!Array.isArray(list)) return;
    list.forEach((key, index) => {
      if (typeof key !== 'string') return;
      if (!this.users.get(key)) {
        this.error(
          file,
          ['remove', 'users', String(index)],
          'overlay_unknown_user',
          `cannot remove user ${this.shown(key)}: no manifest file before this overlay declares it`,
          `remove: lists user keys (settings.userKey: ${this.userKey}) of users the base declares.`,
        );
        return;
      }
      this.users.remove(key);
    });
  }

  private removeOrganizations(file: ParsedFile, list: unknown): void {
    if (!Array.isArray(list)) return;
    const removed = new Set<string>();
    list.forEach((slug, index) => {
      if (typeof slug !== 'string') return;
      if (!this.organizations.get(slug)) {
        this.error(
          file,
          ['remove', 'organizations', String(index)],
          'overlay_unknown_organization',
          `cannot remove organization ${this.shown(slug)}: no manifest file before this overlay declares it`,
          'remove: lists the keys (slug) of organizations the base declares.',
        );
        return;
      }
      this.organizations.remove(slug);
      removed.add(slug);
    });
    if (removed.size > 0) this.dropMemberships(removed);
  }

  /** An organization this environment does not manage has no memberships to enforce: they leave with it. */
  private dropMemberships(slugs: ReadonlySet<string>): void {
    const { entries } = this.users;
    entries.forEach((entry, slot) => {
      const list = entry?.data.memberships;
      if (!entry || !Array.isArray(list)) return;
      const kept = list.filter((item) => !(isPlainObject(item) && typeof item.org === 'string' && slugs.has(item.org)));
      if (kept.length < list.length) entries[slot] = { ...entry, data: { ...entry.data, memberships: kept } };
    });
  }

  private addEntries(file: ParsedFile, list: unknown, kind: 'users' | 'organizations'): void {
    if (!Array.isArray(list)) return;
    list.forEach((data, index) => {
      if (!isPlainObject(data)) return;
      const base = ['add', kind, String(index)];
      const entry: ManifestEntry = { file, base, data };
      const organization = kind === 'organizations';
      const slots = organization ? this.organizations : this.users;
      const key = organization
        ? typeof data.slug === 'string'
          ? data.slug
          : undefined
        : userKeyOf(data, this.userKey);
      const existing = key === undefined ? undefined : slots.get(key);
      if (key === undefined || !existing) {
        if (key === undefined) slots.entries.push(entry);
        else slots.set(key, entry);
        return;
      }
      const declared = where(sourceRef(existing.file, locate(existing.file, existing.base)?.node));
      const what = organization ? 'organization' : 'user';
      this.error(
        file,
        [...base, organization ? 'slug' : this.userKey === 'emailAddress' ? 'emailAddresses' : this.userKey],
        organization ? 'overlay_organization_exists' : 'overlay_user_exists',
        `${what} ${this.shown(key)} is already declared at ${declared}: add: is for ${what}s only this environment has`,
        `Patch it under ${kind}: (by its key) instead.`,
      );
    });
  }

  private patchOrganizations(file: ParsedFile, patches: unknown): void {
    if (!isPlainObject(patches)) return;
    for (const [slug, patch] of Object.entries(patches)) {
      if (!isPlainObject(patch)) continue;
      const entry = this.organizations.get(slug);
      if (!entry) {
        this.error(
          file,
          ['organizations', slug],
          'overlay_unknown_organization',
          `organization ${this.shown(slug)} is not declared by a manifest file before this overlay`,
          'An overlay patches declared organizations by their key; declare a new one under add: organizations:.',
        );
        continue;
      }
      this.organizations.set(slug, patched(entry, file, ['organizations', slug], patch));
    }
  }

  private patchUsers(file: ParsedFile, patches: unknown): void {
    if (!isPlainObject(patches)) return;
    const keyField = this.userKey === 'emailAddress' ? 'emailAddresses' : this.userKey;
    for (const [written, patch] of Object.entries(patches)) {
      if (!isPlainObject(patch)) continue;
      const base = ['users', written];
      const key = this.userKey === 'emailAddress' ? written.toLowerCase() : written;
      const entry = this.users.get(key);
      if (!entry) {
        this.error(
          file,
          base,
          'overlay_unknown_user',
          `user ${this.shown(written)} is not declared by a manifest file before this overlay`,
          `An overlay patches declared users by their key (settings.userKey: ${this.userKey}); declare a new one under add: users:.`,
        );
        continue;
      }
      if (keyField in patch && userKeyOf(patch, this.userKey) !== key) {
        this.error(
          file,
          [...base, keyField],
          'overlay_key_change',
          `an overlay cannot change the user key (${keyField}) of user ${this.shown(written)}`,
          'Remove the user (remove: users:) and add the other one (add: users:) instead.',
        );
        continue;
      }
      this.users.set(key, patched(entry, file, base, patch));
    }
  }
}

/** `entry` with the fields of `patch` set, each remembered as written at `file` / `base`. */
function patched(entry: ManifestEntry, file: ParsedFile, base: readonly string[], patch: Data): ManifestEntry {
  const origins: Record<string, FieldSite> = { ...entry.origins };
  for (const [field, value] of Object.entries(patch)) origins[field] = patchSources(file, base, field, value);
  return { ...entry, data: { ...entry.data, ...patch }, origins };
}

/**
 * The base's users and organizations with each overlay applied in order: removals, organization patches, additions,
 * user patches. Patching or removing what no earlier file declares, and adding what one does, are errors at the
 * overlay's line. Generated users (a base's `generate:`) are patched like written ones when they are in `base`.
 */
export function applyOverlays(
  base: MergedEntries,
  overlays: readonly ParsedFile[],
  userKey: UserKeyKind,
  shown: (value: string) => string = JSON.stringify,
): MergedEntries & { diagnostics: Diagnostic[] } {
  const merger = new OverlayMerger(base, userKey, shown);
  for (const file of overlays) {
    if (isPlainObject(file.value)) merger.apply(file);
  }
  return { ...merger.result(), diagnostics: merger.diagnostics };
}
