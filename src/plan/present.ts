// presentPlan: the display model every human view (Ink text, Markdown, apply progress) renders from. One group per
// organization and per user (memberships under their user), field-level lines with JSON-encoded values, and private
// metadata and passwords masked as (sensitive).

import { MANAGED_MARK_KEY, METADATA_FIELDS } from '../fields/constants.ts';
import { ORGANIZATION_METADATA_FIELDS } from '../fields/organization-fields.ts';
import { isProfileRow, USER_FIELDS, type UserFieldRow } from '../fields/user-fields.ts';
import type { JsonObject, JsonValue, MetadataField } from '../model/index.ts';
import { thousands } from '../util/plural.ts';
import { isJsonObject, pointerSegments, valueAt } from './json-values.ts';
import { changeKindOf, summaryLine } from './order.ts';
import { lineField } from './provenance.ts';
import type {
  ChangeKind,
  ChangeSymbol,
  CreateUserOp,
  JsonPatchOperation,
  Operation,
  OperationType,
  Plan,
  PlanPresentation,
  PlanRead,
  PlanTarget,
  PlanWarning,
  PresentedGroup,
  PresentedLine,
  PresentedOperation,
  UserRef,
} from './types.ts';

export const SENSITIVE = '(sensitive)';

const SYMBOL: Record<ChangeKind, ChangeSymbol> = { create: '+', change: '~', delete: '-' };

function json(value: JsonValue): string {
  return JSON.stringify(value);
}

function line(symbol: ChangeSymbol, label: string, values: { before?: string; after?: string }): PresentedLine {
  const out: PresentedLine = { symbol, label };
  if (values.before !== undefined) out.before = values.before;
  if (values.after !== undefined) out.after = values.after;
  return out;
}

function sensitiveLine(symbol: ChangeSymbol, label: string, has: { before?: boolean; after?: boolean }): PresentedLine {
  const out: PresentedLine = { symbol, label };
  if (has.before) out.before = SENSITIVE;
  if (has.after) out.after = SENSITIVE;
  out.sensitive = true;
  return out;
}

/** Leaves of an object as dotted paths (`publicMetadata.prefs.theme`); empty objects and arrays are leaves. */
function leaves(prefix: string, value: JsonValue): [string, JsonValue][] {
  if (isJsonObject(value) && Object.keys(value).length > 0) {
    return Object.entries(value).flatMap(([key, item]) => leaves(`${prefix}.${key}`, item));
  }
  return [[prefix, value]];
}

function metadataLines(field: MetadataField, before: JsonObject, patch: JsonPatchOperation[]): PresentedLine[] {
  const sensitive = field === 'privateMetadata';
  return patch.map((operation) => {
    const segments = pointerSegments(operation.path);
    const label = [field, ...segments].join('.');
    const old = valueAt(before, segments);
    const symbol: ChangeSymbol = operation.op === 'add' ? '+' : operation.op === 'remove' ? '-' : '~';
    const hasBefore = operation.op !== 'add' && old !== undefined;
    const hasAfter = operation.op !== 'remove' && operation.value !== undefined;
    if (sensitive) return sensitiveLine(symbol, label, { before: hasBefore, after: hasAfter });
    return line(symbol, label, {
      ...(hasBefore && old !== undefined ? { before: json(old) } : {}),
      ...(hasAfter && operation.value !== undefined ? { after: json(operation.value) } : {}),
    });
  });
}

/** A created object's metadata, leaf by leaf; private metadata masked. */
function createdMetadataLines(field: MetadataField, value: JsonObject | undefined): PresentedLine[] {
  if (value === undefined) return [];
  return leaves(field, value).map(([label, leaf]) =>
    field === 'privateMetadata' ? sensitiveLine('+', label, { after: true }) : line('+', label, { after: json(leaf) }),
  );
}

/** A password, or a digest (masked) and its hasher (not a secret): whichever the user is created with. */
function secretLines(field: string, op: CreateUserOp): PresentedLine[] {
  if (!op.password) return [];
  const hasher = op.passwordHasher;
  if (field === 'passwordHasher') return hasher ? [line('+', field, { after: json(hasher) })] : [];
  return (field === 'passwordDigest') === (hasher !== undefined) ? [sensitiveLine('+', field, { after: true })] : [];
}

/** The lines of one field of a user being created, by the field's kind. */
function createLines(row: UserFieldRow, op: CreateUserOp): PresentedLine[] {
  if (row.kind === 'secret') return secretLines(row.name, op);
  const value = (op.attributes as Record<string, JsonValue | undefined>)[row.name];
  if (value === undefined) return [];
  if (isProfileRow(row)) return [line('+', row.name, { after: json(value) })];
  switch (row.kind) {
    case 'identifierList':
      return [line('+', row.name, { after: json(value) })];
    case 'metadata':
      return createdMetadataLines(row.name, value as JsonObject);
    case 'flag':
      // A new user is neither banned nor locked: only true is shown.
      return value === true ? [line('+', row.name, { after: 'true' })] : [];
    case 'memberships':
      return [];
    default: {
      const unreachable: never = row;
      throw new Error(`unhandled user field ${JSON.stringify(unreachable)}`);
    }
  }
}

function describe(op: Operation): { title: string; lines: PresentedLine[] } {
  switch (op.type) {
    case 'create_organization':
      return {
        title: 'create organization',
        lines: [
          line('+', 'name', { after: json(op.name) }),
          // Only where the instance has slugs; the key is always recorded as the organization's mark.
          ...(op.slug === null ? [] : [line('+', 'slug', { after: json(op.slug) })]),
          ...ORGANIZATION_METADATA_FIELDS.flatMap(({ name }) => createdMetadataLines(name, op[name])),
        ],
      };
    case 'mark_organization':
      return {
        title: `mark as managed (matched by ${op.matchedBy})`,
        lines: [line('+', 'privateMetadata.clerkSync.key', { after: json(op.org.slug) })],
      };
    case 'update_organization':
      return {
        title: 'update organization',
        lines: [line('~', 'name', { before: json(op.changes.name.before), after: json(op.changes.name.after) })],
      };
    case 'update_organization_metadata': {
      const lines: PresentedLine[] = [];
      for (const { name } of ORGANIZATION_METADATA_FIELDS) {
        const change = op.changes[name];
        if (change) lines.push(...metadataLines(name, change.before, change.patch));
      }
      return { title: `update organization metadata (${op.mode})`, lines };
    }
    case 'create_user': {
      const lines = USER_FIELDS.flatMap((row) => createLines(row, op));
      return { title: 'create user', lines };
    }
    case 'update_user': {
      const lines = Object.entries(op.changes).map(([field, change]) =>
        line('~', field, { before: json(change.before), after: json(change.after) }),
      );
      return { title: 'update profile', lines };
    }
    case 'add_email_address':
      return {
        title: 'add email address',
        lines: [line('+', op.primary ? 'emailAddress (primary)' : 'emailAddress', { after: json(op.emailAddress) })],
      };
    case 'set_primary_email_address':
      return {
        title: 'set primary email address',
        lines: [line('~', 'primaryEmailAddress', { before: json(op.before), after: json(op.emailAddress) })],
      };
    case 'remove_email_address':
      return {
        title: 'remove email address',
        lines: [line('-', 'emailAddress', { before: json(op.emailAddress) })],
      };
    case 'add_phone_number':
      return {
        title: 'add phone number',
        lines: [line('+', op.primary ? 'phoneNumber (primary)' : 'phoneNumber', { after: json(op.phoneNumber) })],
      };
    case 'set_primary_phone_number':
      return {
        title: 'set primary phone number',
        lines: [line('~', 'primaryPhoneNumber', { before: json(op.before), after: json(op.phoneNumber) })],
      };
    case 'remove_phone_number':
      return { title: 'remove phone number', lines: [line('-', 'phoneNumber', { before: json(op.phoneNumber) })] };
    case 'update_metadata': {
      const lines: PresentedLine[] = [];
      for (const field of METADATA_FIELDS) {
        const change = op.changes[field];
        if (change) lines.push(...metadataLines(field, change.before, change.patch));
      }
      return { title: `update metadata (${op.mode})`, lines };
    }
    case 'ban_user':
      return { title: 'ban', lines: [line('~', 'banned', { before: 'false', after: 'true' })] };
    case 'unban_user':
      return { title: 'unban', lines: [line('~', 'banned', { before: 'true', after: 'false' })] };
    case 'lock_user':
      return { title: 'lock', lines: [line('~', 'locked', { before: 'false', after: 'true' })] };
    case 'unlock_user':
      return { title: 'unlock', lines: [line('~', 'locked', { before: 'true', after: 'false' })] };
    case 'create_membership':
      return {
        title: `add to organization ${op.org.slug}`,
        lines: [line('+', `membership ${op.org.slug}`, { after: op.role })],
      };
    case 'update_membership_role':
      return {
        title: `change role in ${op.org.slug}${op.downgrade ? ' (downgrade)' : ''}`,
        lines: [
          line('~', `membership ${op.org.slug}`, { before: op.changes.role.before, after: op.changes.role.after }),
        ],
      };
    case 'delete_membership':
      return {
        title: `remove from organization ${op.org.slug}`,
        lines: [line('-', `membership ${op.org.slug}`, { before: op.role })],
      };
    case 'delete_user':
      return {
        title:
          op.reason === 'undo'
            ? 'delete user (undo: created by the apply this journal records)'
            : 'delete user (prune: managed by clerk-sync, not in the manifest)',
        lines: [line('-', 'user', { before: json(op.label) })],
      };
    default: {
      const unknown: never = op;
      throw new Error(`unhandled operation ${JSON.stringify(unknown)}`);
    }
  }
}

/** What an operation type does, as a reviewer reads it in a summary table: `Delete user`, `Change role`. */
export function operationName(type: OperationType): string {
  switch (type) {
    case 'create_organization':
      return 'Create organization';
    case 'mark_organization':
      return 'Adopt organization (mark as managed)';
    case 'update_organization':
      return 'Rename organization';
    case 'update_organization_metadata':
      return 'Change organization metadata';
    case 'create_user':
      return 'Create user';
    case 'update_user':
      return 'Change profile';
    case 'add_email_address':
      return 'Add email address';
    case 'set_primary_email_address':
      return 'Change primary email address';
    case 'remove_email_address':
      return 'Remove email address';
    case 'add_phone_number':
      return 'Add phone number';
    case 'set_primary_phone_number':
      return 'Change primary phone number';
    case 'remove_phone_number':
      return 'Remove phone number';
    case 'update_metadata':
      return 'Change metadata';
    case 'ban_user':
      return 'Ban user';
    case 'unban_user':
      return 'Unban user';
    case 'lock_user':
      return 'Lock user';
    case 'unlock_user':
      return 'Unlock user';
    case 'create_membership':
      return 'Add to organization';
    case 'update_membership_role':
      return 'Change role';
    case 'delete_membership':
      return 'Remove from organization';
    case 'delete_user':
      return 'Delete user';
    default: {
      const unknown: never = type;
      throw new Error(`unhandled operation type ${JSON.stringify(unknown)}`);
    }
  }
}

/**
 * A warning as one line, `warning[inline_password]: ... (clerk/users.yaml:12:5)` (refusals say `refusal[...]`), and
 * its hint. The severity comes first so no line starts with text a file name controls (a CI runner reads a line that
 * starts with `::` as a command). Not escaped: each view makes it safe for where it goes.
 */
export function describeWarning(warning: PlanWarning): { headline: string; hint?: string } {
  const where = warning.source ? ` (${warning.source.file}:${warning.source.line}:${warning.source.column})` : '';
  const headline = `${warning.severity}[${warning.code}]: ${warning.message}${where}`;
  return warning.hint === undefined ? { headline } : { headline, hint: warning.hint };
}

export function presentOperation(op: Operation): PresentedOperation {
  const kind = changeKindOf(op.type);
  const { title, lines } = describe(op);
  const { provenance } = op;
  if (provenance) {
    for (const presented of lines) {
      // clerk-sync's own mark is set by no manifest file.
      if (presented.label.startsWith(`privateMetadata.${MANAGED_MARK_KEY}`)) continue;
      const ref = provenance[lineField(presented.label)];
      if (ref) presented.setBy = `${ref.file}:${ref.line}`;
    }
  }
  return { id: op.id, type: op.type, kind, symbol: SYMBOL[kind], title, lines };
}

function userGroupKey(user: UserRef): string {
  return `user:${user.key ?? user.userId ?? '?'}`;
}

function userTitle(user: UserRef): string {
  const name = user.key ?? user.userId ?? '(unknown)';
  return user.label !== undefined && user.label !== name ? `user ${name} (${user.label})` : `user ${name}`;
}

interface GroupDraft {
  group: PresentedGroup;
  creates: boolean;
  deletes: boolean;
}

export function presentPlan(plan: Plan): PlanPresentation {
  const drafts = new Map<string, GroupDraft>();
  for (const op of plan.operations) {
    let key: string;
    let title: string;
    let kind: PresentedGroup['kind'];
    if ('user' in op) {
      key = userGroupKey(op.user);
      title = userTitle(op.user);
      kind = 'user';
    } else {
      const name =
        op.type === 'update_organization'
          ? op.changes.name.after
          : op.type === 'update_organization_metadata'
            ? undefined
            : op.name;
      key = `organization:${op.org.slug}`;
      title = name === undefined ? `organization ${op.org.slug}` : `organization ${op.org.slug} (${name})`;
      kind = 'organization';
    }
    let draft = drafts.get(key);
    if (!draft) {
      draft = { group: { key, kind, symbol: '~', title, operations: [] }, creates: false, deletes: false };
      drafts.set(key, draft);
    }
    draft.group.operations.push(presentOperation(op));
    if (op.type === 'create_user' || op.type === 'create_organization') draft.creates = true;
    if (op.type === 'delete_user') draft.deletes = true;
  }
  const groups = [...drafts.values()].map(({ group, creates, deletes }) => ({
    ...group,
    symbol: creates ? '+' : deletes ? '-' : ('~' as ChangeSymbol),
  }));
  return {
    groups,
    summary: plan.summary,
    summaryLine: summaryLine(plan.summary),
    ...(plan.read === undefined ? {} : { readLine: readLine(plan.read) }),
    ...(plan.target === undefined ? {} : { targetLine: targetLine(plan.target) }),
    noChanges: plan.operations.length === 0,
    // Refusals first, whatever order a plan file holds them in.
    warnings: [
      ...plan.warnings.filter((warning) => warning.severity === 'refusal'),
      ...plan.warnings.filter((warning) => warning.severity !== 'refusal'),
    ],
  };
}

/** A count with thousands separators: instance sizes run to millions. */
function count(value: number, noun: string): string {
  return `${thousands(value)} ${value === 1 ? noun : `${noun}s`}`;
}

/**
 * The header line saying how the live users were read and why: `Read: targeted (212 declared users of 1,000,000
 * users; 9 requests instead of 2,002)`.
 */
export function readLine(read: PlanRead): string {
  const { full, targeted } = read.requests;
  const of = `${count(read.declaredUsers, 'declared user')} of ${count(read.instanceUsers, 'user')}`;
  const all = count(read.instanceUsers, 'user');
  switch (read.reason) {
    case 'cost':
      return read.strategy === 'targeted'
        ? `Read: targeted (${of}; ${count(targeted, 'request')} instead of ${thousands(full)})`
        : `Read: full (${all}; ${count(full, 'request')}, a targeted read would take ${thousands(targeted)})`;
    case 'option':
      return read.strategy === 'targeted'
        ? `Read: targeted, as --read says (${of}; ${count(targeted, 'request')})`
        : `Read: full, as --read says (${all}; ${count(full, 'request')})`;
    case 'prune':
      return `Read: full (${all}): settings.prune must find every user clerk-sync marked`;
    case 'unmanaged':
      return `Read: full (${all}): drift's unmanaged check (--fail-on) must find every user clerk-sync marked`;
    case 'unfilterable':
      return `Read: full (${all}): the list filters cannot ask for every identifier the manifest names (an external id starting with + or -, or a filter the API ignored)`;
    case 'early':
      return `Read: full (${all}; ${count(full, 'request')}), started while the manifest loaded`;
    default: {
      const unreachable: never = read.reason;
      return unreachable;
    }
  }
}

/** Left-out operations named in the target line before "and N more". */
const LEFT_OUT_LISTED = 10;

/**
 * The header line of an approved subset: `Targeted: user:emp-001. Left out: 3 operations (create_user:emp-002, ...);
 * plan without --target to see them.`
 */
export function targetLine(target: PlanTarget): string {
  const { targets, leftOut } = target;
  const head = `Targeted: ${targets.join(', ')}.`;
  if (leftOut.length === 0) return `${head} Nothing else is planned.`;
  const shown = leftOut.slice(0, LEFT_OUT_LISTED).join(', ');
  const more = leftOut.length > LEFT_OUT_LISTED ? ` and ${leftOut.length - LEFT_OUT_LISTED} more` : '';
  return `${head} Left out: ${count(leftOut.length, 'operation')} (${shown}${more}); a plan without --target shows them.`;
}
