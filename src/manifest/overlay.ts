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

class OverlayMerger {
  readonly diagnostics: Diagnostic[] = [];
  private readonly userKey: UserKeyKind;
  private readonly users = new Map<string, ManifestEntry>();
  private readonly organizations = new Map<string, ManifestEntry>();
  /** Every entry in declaration order (base first, then each overlay's additions); removed ones are left out. */
  private orderedUsers: ManifestEntry[];
  private orderedOrganizations: ManifestEntry[];

  constructor(base: MergedEntries, userKey: UserKeyKind) {
    this.userKey = userKey;
    // A key declared twice in the base is the cross-checks' duplicate_user: the first declaration is patched.
    for (const entry of base.users) {
      const key = userKeyOf(entry.data, userKey);
      if (key !== undefined && !this.users.has(key)) this.users.set(key, entry);
    }
    for (const entry of base.organizations) {
      const slug = entry.data.slug;
      if (typeof slug === 'string' && !this.organizations.has(slug)) this.organizations.set(slug, entry);
    }
    this.orderedUsers = [...base.users];
    this.orderedOrganizations = [...base.organizations];
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
    return { users: this.orderedUsers, organizations: this.orderedOrganizations };
  }

  private removeUsers(file: ParsedFile, list: unknown): void {
    if (!Array.isArray(list)) return;
    list.forEach((key, index) => {
      if (typeof key !== 'string') return;
      const entry = this.users.get(key);
      if (!entry) {
        this.error(
          file,
          ['remove', 'users', String(index)],
          'overlay_unknown_user',
          `cannot remove user ${JSON.stringify(key)}: no manifest file before this overlay declares it`,
          `remove: lists user keys (settings.userKey: ${this.userKey}) of users the base declares.`,
        );
        return;
      }
      this.users.delete(key);
      this.orderedUsers = this.orderedUsers.filter((user) => user !== entry);
    });
  }

  private removeOrganizations(file: ParsedFile, list: unknown): void {
    if (!Array.isArray(list)) return;
    const removed = new Set<string>();
    list.forEach((slug, index) => {
      if (typeof slug !== 'string') return;
      const entry = this.organizations.get(slug);
      if (!entry) {
        this.error(
          file,
          ['remove', 'organizations', String(index)],
          'overlay_unknown_organization',
          `cannot remove organization ${JSON.stringify(slug)}: no manifest file before this overlay declares it`,
          'remove: lists the keys (slug) of organizations the base declares.',
        );
        return;
      }
      this.organizations.delete(slug);
      this.orderedOrganizations = this.orderedOrganizations.filter((org) => org !== entry);
      removed.add(slug);
    });
    if (removed.size > 0) this.dropMemberships(removed);
  }

  /** An organization this environment does not manage has no memberships to enforce: they leave with it. */
  private dropMemberships(slugs: ReadonlySet<string>): void {
    this.orderedUsers = this.orderedUsers.map((entry) => {
      const list = entry.data.memberships;
      if (!Array.isArray(list)) return entry;
      const kept = list.filter((item) => !(isPlainObject(item) && typeof item.org === 'string' && slugs.has(item.org)));
      if (kept.length === list.length) return entry;
      const patched: ManifestEntry = { ...entry, data: { ...entry.data, memberships: kept } };
      this.replace(entry, patched);
      return patched;
    });
  }

  private replace(entry: ManifestEntry, patched: ManifestEntry): void {
    const key = userKeyOf(entry.data, this.userKey);
    if (key !== undefined && this.users.get(key) === entry) this.users.set(key, patched);
  }

  private addEntries(file: ParsedFile, list: unknown, kind: 'users' | 'organizations'): void {
    if (!Array.isArray(list)) return;
    list.forEach((data, index) => {
      if (!isPlainObject(data)) return;
      const base = ['add', kind, String(index)];
      const entry: ManifestEntry = { file, base, data };
      if (kind === 'organizations') {
        const slug = typeof data.slug === 'string' ? data.slug : undefined;
        const existing = slug === undefined ? undefined : this.organizations.get(slug);
        if (existing) {
          this.error(
            file,
            [...base, 'slug'],
            'overlay_organization_exists',
            `organization ${JSON.stringify(slug)} is already declared at ${where(sourceRef(existing.file, locate(existing.file, existing.base)?.node))}: add: is for organizations only this environment has`,
            `Patch it under organizations: (by its key) instead.`,
          );
          return;
        }
        if (slug !== undefined) this.organizations.set(slug, entry);
        this.orderedOrganizations.push(entry);
        return;
      }
      const key = userKeyOf(data, this.userKey);
      const existing = key === undefined ? undefined : this.users.get(key);
      if (existing) {
        this.error(
          file,
          [...base, this.userKey === 'emailAddress' ? 'emailAddresses' : this.userKey],
          'overlay_user_exists',
          `user ${JSON.stringify(key)} is already declared at ${where(sourceRef(existing.file, locate(existing.file, existing.base)?.node))}: add: is for users only this environment has`,
          'Patch it under users: (by its key) instead.',
        );
        return;
      }
      if (key !== undefined) this.users.set(key, entry);
      this.orderedUsers.push(entry);
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
          `organization ${JSON.stringify(slug)} is not declared by a manifest file before this overlay`,
          'An overlay patches declared organizations by their key; declare a new one under add: organizations:.',
        );
        continue;
      }
      const patched = this.patched(entry, file, ['organizations', slug], patch);
      this.organizations.set(slug, patched);
      this.orderedOrganizations = this.orderedOrganizations.map((org) => (org === entry ? patched : org));
    }
  }

  private patchUsers(file: ParsedFile, patches: unknown): void {
    if (!isPlainObject(patches)) return;
    const keyField = this.userKey === 'emailAddress' ? 'emailAddresses' : this.userKey;
    for (const [key, patch] of Object.entries(patches)) {
      if (!isPlainObject(patch)) continue;
      const base = ['users', key];
      const entry = this.users.get(this.userKey === 'emailAddress' ? key.toLowerCase() : key);
      if (!entry) {
        this.error(
          file,
          base,
          'overlay_unknown_user',
          `user ${JSON.stringify(key)} is not declared by a manifest file before this overlay`,
          `An overlay patches declared users by their key (settings.userKey: ${this.userKey}); declare a new one under add: users:.`,
        );
        continue;
      }
      if (keyField in patch && userKeyOf(patch, this.userKey) !== userKeyOf(entry.data, this.userKey)) {
        this.error(
          file,
          [...base, keyField],
          'overlay_key_change',
          `an overlay cannot change the user key (${keyField}) of user ${JSON.stringify(key)}`,
          'Remove the user (remove: users:) and add the other one (add: users:) instead.',
        );
        continue;
      }
      const patched = this.patched(entry, file, base, patch);
      this.replace(entry, patched);
      this.orderedUsers = this.orderedUsers.map((user) => (user === entry ? patched : user));
    }
  }

  private patched(entry: ManifestEntry, file: ParsedFile, base: readonly string[], patch: Data): ManifestEntry {
    const origins: Record<string, FieldSite> = { ...entry.origins };
    for (const [field, value] of Object.entries(patch)) origins[field] = patchSources(file, base, field, value);
    return { ...entry, data: { ...entry.data, ...patch }, origins };
  }
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
): MergedEntries & { diagnostics: Diagnostic[] } {
  const merger = new OverlayMerger(base, userKey);
  for (const file of overlays) {
    if (isPlainObject(file.value)) merger.apply(file);
  }
  return { ...merger.result(), diagnostics: merger.diagnostics };
}
