// Drift: a plan read the other way round. Instead of "what apply would do", it says what changed live outside the
// manifest, per user/organization and field ("firstName is "Amazing Grace" live; the manifest says "Grace""), in five
// classes a CI job can gate on separately. Pure: built from a Plan plus the desired and live states it came from.

import { ORGANIZATION_METADATA_FIELDS } from '../fields/organization-fields.ts';
import type { DesiredState, JsonObject, JsonValue, LiveSnapshot, MetadataField } from '../model/index.ts';
import { plural } from '../util/plural.ts';
import { hasManagedMark, liveUserLabel } from './diff-user.ts';
import { compareStrings, pointerSegments, valueAt } from './json-values.ts';
import { identityFor, type PreparedUsers } from './prepare-users.ts';
import { type Disclosure, redactText } from './redact.ts';
import type { JsonPatchOperation, Operation, OrgRef, Plan, UserRef } from './types.ts';

export const DRIFT_FORMAT_VERSION = 1;

/**
 * - `changed`: managed fields of existing users and organizations (profile, addresses, metadata, ban, unlock, name).
 * - `missing`: declared users and organizations that do not exist live.
 * - `unmanaged`: live users carrying clerk-sync's ownership mark that the manifest no longer lists.
 * - `membership`: organization memberships and roles.
 * - `lock`: users declared `locked: true` that are not locked live. Clerk's locks expire (an hour on a new instance,
 *   Clerk docs "User lockout"), so this is mostly expected drift: its own class lets CI treat it as a warning.
 */
export const DRIFT_CLASSES = ['changed', 'missing', 'unmanaged', 'membership', 'lock'] as const;
export type DriftClass = (typeof DRIFT_CLASSES)[number];

/** Shown instead of private metadata values, as in the plan views. */
const HIDDEN = '(sensitive)';

export interface DriftSubject {
  kind: 'user' | 'organization';
  /** Manifest key (user) or slug (organization); null for a live user the manifest does not list. */
  key: string | null;
  /** Live id; null when the subject does not exist live. */
  id: string | null;
  /** What a reviewer recognises: `user stg-002 (grace.hopper@globex.test)`, `organization acme (Acme Inc)`. */
  title: string;
}

/** One drifted field of one subject. */
export interface DriftEntry {
  /** Field path: `firstName`, `emailAddresses`, `publicMetadata.prefs.theme`, `memberships.acme`, `user`... */
  field: string;
  /** JSON-encoded live value; absent when the value is absent live. `(sensitive)` for private metadata. */
  live?: string;
  /** JSON-encoded manifest value; absent when the manifest does not declare it. */
  manifest?: string;
  /** One sentence saying what differs, live first. */
  message: string;
  /** The plan operation that would put it back (absent for unmanaged users when prune is off). */
  operation?: string;
  /** Manifest position behind the entry, when there is one. */
  source?: { file: string; line: number };
}

export interface DriftItem {
  subject: DriftSubject;
  entries: DriftEntry[];
}

export interface DriftSummary {
  /** Entries (drifted fields) per class. */
  byClass: Record<DriftClass, number>;
  /** All entries. */
  total: number;
  /** Distinct users and organizations with drift. */
  subjects: number;
}

export interface DriftReport {
  formatVersion: typeof DRIFT_FORMAT_VERSION;
  /** Items sorted: organizations before users, then by key (unlisted users by live id). */
  classes: Record<DriftClass, DriftItem[]>;
  summary: DriftSummary;
  /**
   * Classes this report could not look for: `unmanaged` after a targeted read, which holds only the users the
   * manifest names (LiveSnapshot.read). Absent when every class was checked.
   */
  notChecked?: DriftClass[];
}

function json(value: JsonValue | undefined): string {
  return value === undefined ? 'absent' : JSON.stringify(value);
}

function organizationSubject(org: OrgRef): DriftSubject {
  return { kind: 'organization', key: org.slug, id: org.organizationId, title: `organization ${org.slug}` };
}

function userSubject(user: UserRef): DriftSubject {
  const name = user.key ?? user.userId ?? '(unknown)';
  const title = user.label !== undefined && user.label !== name ? `user ${name} (${user.label})` : `user ${name}`;
  return { kind: 'user', key: user.key, id: user.userId, title };
}

function metadataEntries(
  field: MetadataField,
  before: JsonObject,
  patch: JsonPatchOperation[],
  base: Pick<DriftEntry, 'operation' | 'source'>,
): DriftEntry[] {
  const sensitive = field === 'privateMetadata';
  return patch.map((operation) => {
    const segments = pointerSegments(operation.path);
    const label = [field, ...segments].join('.');
    const liveValue = operation.op === 'add' ? undefined : valueAt(before, segments);
    const wanted = operation.op === 'remove' ? undefined : operation.value;
    const shown = (value: JsonValue | undefined): string | undefined =>
      value === undefined ? undefined : sensitive ? HIDDEN : JSON.stringify(value);
    const entry: DriftEntry = { field: label, message: '', ...base };
    const liveText = shown(liveValue);
    const manifestText = shown(wanted);
    if (liveText !== undefined) entry.live = liveText;
    if (manifestText !== undefined) entry.manifest = manifestText;
    if (sensitive && segments.length === 1 && segments[0] === 'clerkSync' && operation.op === 'add') {
      entry.message = `${label}: the user lacks clerk-sync's ownership mark; with settings.prune apply adopts it`;
    } else if (liveText === undefined) {
      entry.message = `${label} is absent live; the manifest says ${manifestText ?? 'absent'}`;
    } else if (manifestText === undefined) {
      entry.message = `${label} is ${liveText} live; the manifest does not declare it`;
    } else if (sensitive) {
      entry.message = `${label} differs from the manifest (private metadata values are not shown)`;
    } else {
      entry.message = `${label} is ${liveText} live; the manifest says ${manifestText}`;
    }
    return entry;
  });
}

interface Classified {
  drift: DriftClass;
  subject: DriftSubject;
  entries: DriftEntry[];
}

/** What one plan operation says about drift; null for operations folded into another finding. */
function classifyOperation(op: Operation, createdUsers: ReadonlySet<string>): Classified | null {
  const base: Pick<DriftEntry, 'operation' | 'source'> = {
    operation: op.id,
    ...(op.source ? { source: op.source } : {}),
  };
  const entry = (field: string, message: string, values: { live?: string; manifest?: string } = {}): DriftEntry => ({
    field,
    ...values,
    message,
    ...base,
  });
  const changed = (user: UserRef, entries: DriftEntry[]): Classified => ({
    drift: 'changed',
    subject: userSubject(user),
    entries,
  });
  switch (op.type) {
    case 'create_organization':
      return {
        drift: 'missing',
        subject: { kind: 'organization', key: op.org.slug, id: null, title: `organization ${op.org.slug}` },
        entries: [
          entry('organization', `organization ${op.org.slug} is declared in the manifest but does not exist live`, {
            manifest: JSON.stringify(op.name),
          }),
        ],
      };
    case 'mark_organization':
      // Identity bookkeeping (an organization adopted by its name gets clerk-sync's mark), not a managed field.
      return null;
    case 'update_organization': {
      const { before, after } = op.changes.name;
      return {
        drift: 'changed',
        subject: organizationSubject(op.org),
        entries: [
          entry('name', `name is ${json(before)} live; the manifest says ${json(after)}`, {
            live: JSON.stringify(before),
            manifest: JSON.stringify(after),
          }),
        ],
      };
    }
    case 'update_organization_metadata': {
      const entries: DriftEntry[] = [];
      for (const { name } of ORGANIZATION_METADATA_FIELDS) {
        const change = op.changes[name];
        if (change) entries.push(...metadataEntries(name, change.before, change.patch, base));
      }
      return {
        drift: 'changed',
        subject: organizationSubject(op.org),
        entries,
      };
    }
    case 'create_user':
      return {
        drift: 'missing',
        subject: userSubject(op.user),
        entries: [entry('user', `user ${op.user.key ?? '?'} is declared in the manifest but does not exist live`)],
      };
    case 'update_user':
      return changed(
        op.user,
        Object.entries(op.changes).map(([field, change]) =>
          entry(field, `${field} is ${json(change.before)} live; the manifest says ${json(change.after)}`, {
            live: JSON.stringify(change.before),
            manifest: JSON.stringify(change.after),
          }),
        ),
      );
    case 'add_email_address':
    case 'add_phone_number': {
      const field = op.type === 'add_email_address' ? 'emailAddresses' : 'phoneNumbers';
      const value = JSON.stringify(op.type === 'add_email_address' ? op.emailAddress : op.phoneNumber);
      const primary = op.primary ? ' (as primary)' : '';
      return changed(op.user, [
        entry(field, `${field}: ${value} is absent live; the manifest declares it${primary}`, { manifest: value }),
      ]);
    }
    case 'remove_email_address':
    case 'remove_phone_number': {
      const field = op.type === 'remove_email_address' ? 'emailAddresses' : 'phoneNumbers';
      const value = JSON.stringify(op.type === 'remove_email_address' ? op.emailAddress : op.phoneNumber);
      return changed(op.user, [
        entry(field, `${field}: ${value} is present live; the manifest does not declare it`, { live: value }),
      ]);
    }
    case 'set_primary_email_address':
    case 'set_primary_phone_number': {
      const field = op.type === 'set_primary_email_address' ? 'primaryEmailAddress' : 'primaryPhoneNumber';
      const wanted = op.type === 'set_primary_email_address' ? op.emailAddress : op.phoneNumber;
      return changed(op.user, [
        entry(field, `${field} is ${json(op.before)} live; the manifest says ${json(wanted)}`, {
          live: JSON.stringify(op.before),
          manifest: JSON.stringify(wanted),
        }),
      ]);
    }
    case 'update_metadata': {
      const entries: DriftEntry[] = [];
      for (const field of ['publicMetadata', 'privateMetadata', 'unsafeMetadata'] as const) {
        const change = op.changes[field];
        if (change) entries.push(...metadataEntries(field, change.before, change.patch, base));
      }
      return changed(op.user, entries);
    }
    case 'lock_user':
      return {
        drift: 'lock',
        subject: userSubject(op.user),
        entries: [
          entry('locked', 'locked is false live (never locked, or the lock expired); the manifest says true', {
            live: 'false',
            manifest: 'true',
          }),
        ],
      };
    case 'ban_user':
    case 'unban_user':
    case 'unlock_user': {
      const field = op.type === 'ban_user' || op.type === 'unban_user' ? 'banned' : 'locked';
      const wanted = op.type === 'ban_user';
      return changed(op.user, [
        entry(field, `${field} is ${!wanted} live; the manifest says ${wanted}`, {
          live: String(!wanted),
          manifest: String(wanted),
        }),
      ]);
    }
    case 'create_membership': {
      // A user that does not exist has no memberships either: that is one `missing` finding, not several.
      if (op.user.key !== null && createdUsers.has(op.user.key)) return null;
      const orgNote = op.org.organizationId === null ? ' (the organization does not exist live)' : '';
      return {
        drift: 'membership',
        subject: userSubject(op.user),
        entries: [
          entry(
            `memberships.${op.org.slug}`,
            `not a member of ${op.org.slug} live${orgNote}; the manifest says ${JSON.stringify(op.role)}`,
            { manifest: JSON.stringify(op.role) },
          ),
        ],
      };
    }
    case 'update_membership_role': {
      const { before, after } = op.changes.role;
      return {
        drift: 'membership',
        subject: userSubject(op.user),
        entries: [
          entry(
            `memberships.${op.org.slug}`,
            `role in ${op.org.slug} is ${JSON.stringify(before)} live; the manifest says ${JSON.stringify(after)}`,
            { live: JSON.stringify(before), manifest: JSON.stringify(after) },
          ),
        ],
      };
    }
    case 'delete_membership':
      return {
        drift: 'membership',
        subject: userSubject(op.user),
        entries: [
          entry(
            `memberships.${op.org.slug}`,
            `member of ${op.org.slug} (${JSON.stringify(op.role)}) live; the manifest does not declare it`,
            { live: JSON.stringify(op.role) },
          ),
        ],
      };
    case 'delete_user':
      // Prune deletions are the `unmanaged` users, which classifyDrift finds from the live state itself.
      return null;
    default: {
      const unknown: never = op;
      throw new Error(`unhandled operation ${JSON.stringify(unknown)}`);
    }
  }
}

function subjectOrder(a: DriftSubject, b: DriftSubject): number {
  if (a.kind !== b.kind) return a.kind === 'organization' ? -1 : 1;
  // Listed subjects (with a key) first, by key; unlisted users by live id.
  if ((a.key === null) !== (b.key === null)) return a.key === null ? 1 : -1;
  return compareStrings(a.key ?? a.id ?? '', b.key ?? b.id ?? '') || compareStrings(a.id ?? '', b.id ?? '');
}

function subjectId(subject: DriftSubject): string {
  return `${subject.kind}:${subject.key ?? `#${subject.id ?? ''}`}`;
}

function emptyClasses<T>(make: () => T): Record<DriftClass, T> {
  return { changed: make(), missing: make(), unmanaged: make(), membership: make(), lock: make() };
}

/**
 * Classifies what a plan would change as drift. `plan` must come from `createPlan(desired, live, ...)`: ignore rules
 * (settings.ignore, --ignore) are already applied by the planner. Unmanaged users are found here, whatever
 * settings.prune says: live users whose privateMetadata carries the ownership mark and that no manifest user claims.
 */
export function classifyDrift(
  plan: Plan,
  desired: DesiredState,
  live: LiveSnapshot,
  /** The users as the plan matched them (prepare-users.ts): not matched again when computed from these inputs. */
  prepared?: PreparedUsers,
): DriftReport {
  const createdUsers = new Set<string>();
  for (const op of plan.operations) {
    if (op.type === 'create_user' && op.user.key !== null) createdUsers.add(op.user.key);
  }
  const grouped = emptyClasses(() => new Map<string, DriftItem>());
  const add = (drift: DriftClass, subject: DriftSubject, entries: DriftEntry[]): void => {
    if (entries.length === 0) return;
    const id = subjectId(subject);
    const item = grouped[drift].get(id);
    if (item) item.entries.push(...entries);
    else grouped[drift].set(id, { subject, entries: [...entries] });
  };

  for (const op of plan.operations) {
    const classified = classifyOperation(op, createdUsers);
    if (classified) add(classified.drift, classified.subject, classified.entries);
  }

  const { claimedLiveUsers } = identityFor(desired, live, prepared);
  // A targeted read holds no user outside the manifest's identifiers: none of them could be listed here.
  const targeted = live.read?.strategy === 'targeted';
  for (const user of targeted ? [] : live.users) {
    if (claimedLiveUsers.has(user.id) || !hasManagedMark(user.privateMetadata)) continue;
    const label = liveUserLabel(user);
    const pruneOp = plan.operations.find((op) => op.type === 'delete_user' && op.user.userId === user.id);
    const consequence = pruneOp
      ? 'apply deletes it (settings.prune)'
      : 'settings.prune is off, so apply leaves it alone';
    add('unmanaged', { kind: 'user', key: null, id: user.id, title: `user ${user.id} (${label})` }, [
      {
        field: 'user',
        live: JSON.stringify(label),
        message: `user ${label} carries clerk-sync's ownership mark but is not in the manifest; ${consequence}`,
        ...(pruneOp ? { operation: pruneOp.id } : {}),
      },
    ]);
  }

  const classes = emptyClasses<DriftItem[]>(() => []);
  const byClass = emptyClasses(() => 0);
  const subjects = new Set<string>();
  for (const drift of DRIFT_CLASSES) {
    classes[drift] = [...grouped[drift].values()].sort((a, b) => subjectOrder(a.subject, b.subject));
    for (const item of classes[drift]) {
      byClass[drift] += item.entries.length;
      subjects.add(subjectId(item.subject));
    }
  }
  const total = DRIFT_CLASSES.reduce((sum, drift) => sum + byClass[drift], 0);
  return {
    formatVersion: DRIFT_FORMAT_VERSION,
    classes,
    summary: { byClass, total, subjects: subjects.size },
    ...(targeted ? { notChecked: ['unmanaged' as const] } : {}),
  };
}

/**
 * The report as every output shows it: values read from the environment named by their reference, also where a
 * live value equals one. Classify a public plan (publicPlan), then pass the report through this.
 */
export function publicDriftReport(report: DriftReport, disclosure: Disclosure): DriftReport {
  const text = (value: string): string => redactText(value, disclosure);
  const classes = emptyClasses<DriftItem[]>(() => []);
  for (const drift of DRIFT_CLASSES) {
    classes[drift] = report.classes[drift].map((item) => ({
      subject: {
        ...item.subject,
        key: item.subject.key === null ? null : text(item.subject.key),
        title: text(item.subject.title),
      },
      entries: item.entries.map((entry) => ({
        ...entry,
        ...(entry.live === undefined ? {} : { live: text(entry.live) }),
        ...(entry.manifest === undefined ? {} : { manifest: text(entry.manifest) }),
        message: text(entry.message),
      })),
    }));
  }
  return { ...report, classes };
}

/** The classes of `report` that have drift, in DRIFT_CLASSES order. */
export function driftedClasses(report: DriftReport): DriftClass[] {
  return DRIFT_CLASSES.filter((drift) => report.summary.byClass[drift] > 0);
}

/** `No drift.` or `Drift: 2 changed, 1 membership (3 findings on 2 users/organizations).` */
export function driftSummaryLine(report: DriftReport): string {
  const { byClass, total, subjects } = report.summary;
  if (total === 0) return 'No drift.';
  const parts = driftedClasses(report).map((drift) => `${byClass[drift]} ${drift}`);
  return `Drift: ${parts.join(', ')} (${plural(total, 'finding')} on ${plural(subjects, 'user/organization', 'users/organizations')}).`;
}

// ---- Markdown (CI job summaries, PR comments) ----

export interface DriftMarkdownOptions {
  /** Classes that fail the run; the others are marked as warnings. @default all classes */
  failOn?: readonly DriftClass[];
  /** Upper bound on the output length. @default 60000 (GitHub's comment and summary limits are near 65,536). */
  maxChars?: number;
}

const CLASS_TITLES: Record<DriftClass, string> = {
  changed: 'Changed live',
  missing: 'Missing live',
  unmanaged: 'Unmanaged (marked by clerk-sync, not in the manifest)',
  membership: 'Memberships and roles',
  lock: 'Not locked live (locks expire)',
};

function escapeMarkdown(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('|', '\\|');
}

export function renderDriftMarkdown(report: DriftReport, options: DriftMarkdownOptions = {}): string {
  const failOn = new Set(options.failOn ?? DRIFT_CLASSES);
  const maxChars = options.maxChars ?? 60_000;
  let out = `### clerk-sync drift\n\n**${driftSummaryLine(report)}**\n`;
  const unchecked = notCheckedLine(report);
  if (unchecked !== undefined) out += `\n${unchecked}\n`;
  if (report.summary.total === 0) return `${out}\nThe live instance matches the manifest.\n`;
  out += '\n| Class | Findings | Effect |\n|---|---:|---|\n';
  for (const drift of DRIFT_CLASSES) {
    const count = report.summary.byClass[drift];
    const effect = count === 0 ? '' : failOn.has(drift) ? 'fails' : 'warning';
    out += `| \`${drift}\` | ${count} | ${effect} |\n`;
  }
  let left = 0;
  for (const drift of driftedClasses(report)) {
    const suffix = failOn.has(drift) ? '' : ' (warning)';
    const heading = `\n#### ${CLASS_TITLES[drift]}: ${report.summary.byClass[drift]}${suffix}\n\n`;
    let section = '';
    for (const item of report.classes[drift]) {
      let block = `- **${escapeMarkdown(item.subject.title)}**\n`;
      for (const entry of item.entries) block += `  - ${escapeMarkdown(entry.message)}\n`;
      if (out.length + heading.length + section.length + block.length + 200 > maxChars) {
        left += 1;
        continue;
      }
      section += block;
    }
    if (section !== '') out += heading + section;
  }
  if (left > 0) out += `\n… and ${left} more drifted users/organizations (run \`clerk-sync drift --format json\`)\n`;
  return out;
}

/** What a report did not look for and how to have it looked for; undefined when it checked every class. */
export function notCheckedLine(report: DriftReport): string | undefined {
  if (report.notChecked === undefined || report.notChecked.length === 0) return undefined;
  return `Not checked: ${report.notChecked.join(', ')} (the targeted read holds only the users the manifest names; --read full checks it).`;
}
