// Undo: from a journal, the operations that restore what an apply changed, newest first. Each applied operation's
// journalled intent holds the plan operation with its before-images; its `done` line holds the ids it created. What
// cannot be restored is listed instead: a deleted user (Clerk has no undelete), a created organization (clerk-sync has
// no operation that deletes organizations), a primary address change (the previous primary's id is not in the plan),
// an organization's mark (kept: it only records the organization's manifest key).

import jsonPatch from 'fast-json-patch';
import { ClerkSyncError } from '../errors.ts';
import type {
  JsonPatchOperation,
  MetadataChange,
  Operation,
  OrgRef,
  UpdateMetadataOp,
  UserRef,
} from '../plan/index.ts';
import type { JsonObject, MetadataField } from '../state/index.ts';
import type { JournalDone, JournalEntry } from './journal.ts';

export interface UndoPlan {
  /** Restoring operations, most recent change first; feed them to a Plan and apply it. */
  operations: Operation[];
  /** What cannot be restored automatically, one sentence each. */
  irreversible: string[];
}

const METADATA_BODY_KEY = {
  publicMetadata: 'public_metadata',
  privateMetadata: 'private_metadata',
  unsafeMetadata: 'unsafe_metadata',
} as const;

/** Operations that only set a value: reversing one that may not have happened sets the value it already has. */
const SETTERS: ReadonlySet<Operation['type']> = new Set([
  'update_organization',
  'update_user',
  'update_metadata',
  'ban_user',
  'unban_user',
  'lock_user',
  'unlock_user',
  'update_membership_role',
]);

function userRef(op: Operation & { user: UserRef }, done: JournalDone | undefined, userId?: string): UserRef {
  return {
    key: op.user.key,
    userId: userId ?? done?.userId ?? op.user.userId,
    ...(op.user.label === undefined ? {} : { label: op.user.label }),
  };
}

function orgRef(op: Operation & { org: OrgRef }, done: JournalDone | undefined): OrgRef {
  return { slug: op.org.slug, organizationId: done?.organizationId ?? op.org.organizationId };
}

function describeUser(user: UserRef): string {
  return user.label ?? user.key ?? user.userId ?? '(unknown user)';
}

function toPatch(before: JsonObject, after: JsonObject): JsonPatchOperation[] {
  return jsonPatch.compare(before, after).map((operation) => {
    const out: JsonPatchOperation = { op: operation.op as JsonPatchOperation['op'], path: operation.path };
    if ('value' in operation && operation.value !== undefined) out.value = structuredClone(operation.value);
    return out;
  });
}

function reverseMetadata(op: UpdateMetadataOp, done: JournalDone | undefined): UpdateMetadataOp {
  const changes: Partial<Record<MetadataField, MetadataChange>> = {};
  const body: UpdateMetadataOp['body'] = {};
  for (const [field, change] of Object.entries(op.changes) as [MetadataField, MetadataChange][]) {
    changes[field] = { before: change.after, after: change.before, patch: toPatch(change.after, change.before) };
    body[METADATA_BODY_KEY[field]] = change.before;
  }
  // Replace, whatever the original mode: the before-image is the whole object, and a merge could not remove keys.
  return {
    id: '',
    type: 'update_metadata',
    user: userRef(op, done),
    mode: 'replace',
    changes,
    body,
    dependsOn: [],
  };
}

type Reversal = { operation: Operation } | { irreversible: string } | null;

function missingId(op: Operation): Reversal {
  return { irreversible: `${op.id}: the journal has no id for what it created; remove it by hand if needed` };
}

/** The restoring operation for one applied operation (id left empty; filled in by buildUndoPlan). */
function reverse(op: Operation, done: JournalDone | undefined): Reversal {
  const created = done?.created?.id;
  switch (op.type) {
    case 'create_organization':
      return {
        irreversible: `organization ${op.org.slug}${created ? ` (${created})` : ''} was created; clerk-sync does not delete organizations: delete it in the Clerk Dashboard if it should go`,
      };
    case 'mark_organization':
      // The mark only records which manifest key the organization is; removing it would buy nothing.
      return {
        irreversible: `organization ${op.org.slug}${op.org.organizationId ? ` (${op.org.organizationId})` : ''} keeps clerk-sync's mark (private metadata clerkSync.key); remove it in the Clerk Dashboard if the organization should not be managed`,
      };
    case 'update_organization':
      return {
        operation: {
          id: '',
          type: 'update_organization',
          org: orgRef(op, done),
          changes: { name: { before: op.changes.name.after, after: op.changes.name.before } },
          dependsOn: [],
        },
      };
    case 'create_user': {
      if (created === undefined) return missingId(op);
      const user = userRef(op, done, created);
      return {
        operation: { id: '', type: 'delete_user', user, label: describeUser(user), reason: 'prune', dependsOn: [] },
      };
    }
    case 'update_user': {
      const changes: typeof op.changes = {};
      for (const [field, change] of Object.entries(op.changes) as [
        keyof typeof op.changes,
        { before: string | null; after: string | null },
      ][]) {
        changes[field] = { before: change.after, after: change.before };
      }
      return { operation: { id: '', type: 'update_user', user: userRef(op, done), changes, dependsOn: [] } };
    }
    case 'add_email_address':
      if (created === undefined) return missingId(op);
      return {
        operation: {
          id: '',
          type: 'remove_email_address',
          user: userRef(op, done),
          emailAddress: op.emailAddress,
          emailAddressId: created,
          dependsOn: [],
        },
      };
    case 'add_phone_number':
      if (created === undefined) return missingId(op);
      return {
        operation: {
          id: '',
          type: 'remove_phone_number',
          user: userRef(op, done),
          phoneNumber: op.phoneNumber,
          phoneNumberId: created,
          dependsOn: [],
        },
      };
    case 'set_primary_email_address':
    case 'set_primary_phone_number': {
      if (op.before === null) return null;
      const what = op.type === 'set_primary_email_address' ? 'email address' : 'phone number';
      return {
        irreversible: `primary ${what} of user ${describeUser(op.user)} was changed from ${op.before}; set it back in the Clerk Dashboard if needed`,
      };
    }
    case 'remove_email_address':
      return {
        operation: {
          id: '',
          type: 'add_email_address',
          user: userRef(op, done),
          emailAddress: op.emailAddress,
          primary: false,
          dependsOn: [],
        },
      };
    case 'remove_phone_number':
      return {
        operation: {
          id: '',
          type: 'add_phone_number',
          user: userRef(op, done),
          phoneNumber: op.phoneNumber,
          primary: false,
          dependsOn: [],
        },
      };
    case 'update_metadata':
      return { operation: reverseMetadata(op, done) };
    case 'ban_user':
      return { operation: { id: '', type: 'unban_user', user: userRef(op, done), dependsOn: [] } };
    case 'unban_user':
      return { operation: { id: '', type: 'ban_user', user: userRef(op, done), dependsOn: [] } };
    case 'lock_user':
      return { operation: { id: '', type: 'unlock_user', user: userRef(op, done), dependsOn: [] } };
    case 'unlock_user':
      return { operation: { id: '', type: 'lock_user', user: userRef(op, done), dependsOn: [] } };
    case 'create_membership':
      if (created === undefined) return missingId(op);
      return {
        operation: {
          id: '',
          type: 'delete_membership',
          org: orgRef(op, done),
          user: userRef(op, done),
          membershipId: created,
          role: op.role,
          dependsOn: [],
        },
      };
    case 'update_membership_role': {
      const before = op.changes.role.after;
      const after = op.changes.role.before;
      // A role read from the environment is journalled by reference (`(from ${ROLE})`): it may have been admin.
      const mayBeAdmin = before === 'org:admin' || !before.startsWith('org:');
      return {
        operation: {
          id: '',
          type: 'update_membership_role',
          org: orgRef(op, done),
          user: userRef(op, done),
          membershipId: op.membershipId,
          changes: { role: { before, after } },
          downgrade: mayBeAdmin && after !== 'org:admin',
          dependsOn: [],
        },
      };
    }
    case 'delete_membership':
      return {
        operation: {
          id: '',
          type: 'create_membership',
          org: orgRef(op, done),
          user: userRef(op, done),
          role: op.role,
          dependsOn: [],
        },
      };
    case 'delete_user':
      return {
        irreversible: `user ${op.label}${op.user.userId ? ` (${op.user.userId})` : ''} was deleted; Clerk cannot restore a deleted user`,
      };
    default: {
      const unexpected: never = op;
      return { irreversible: `unknown operation ${(unexpected as { id: string }).id}` };
    }
  }
}

/**
 * The plan operations that restore, newest first, what the journalled applies changed. Only operations the journal
 * shows as applied count ('done', not 'unchanged'); one whose outcome is unknown (intent without outcome, e.g. the
 * process was killed) is reversed when reversing is harmless either way (a value setter), otherwise listed.
 */
export function buildUndoPlan(entries: readonly JournalEntry[]): UndoPlan {
  if (entries.some((entry) => entry.kind === 'header' && entry.redacted === true)) {
    throw new ClerkSyncError(
      'journal_redacted',
      'this is the public copy of a journal: its private metadata is masked, so it cannot restore',
      {
        meta: { redacted: true },
        hint: 'Pass the journal itself (the same name without .public), kept where apply ran.',
      },
    );
  }
  const intents = new Map<string, Operation>();
  const order: { key: string; done: JournalDone | undefined }[] = [];
  const settled = new Set<string>();
  const keyOf = (plan: string, op: string): string => `${plan}\u0000${op}`;
  for (const entry of entries) {
    if (entry.kind === 'intent') intents.set(keyOf(entry.plan, entry.op.id), entry.op);
    else if (entry.kind === 'done' || entry.kind === 'failed') {
      const key = keyOf(entry.plan, entry.op);
      settled.add(key);
      if (entry.kind === 'done' && entry.status === 'done') order.push({ key, done: entry });
    }
  }
  // Intents without any outcome: the request may have taken effect.
  const uncertain: Operation[] = [];
  for (const [key, op] of intents) if (!settled.has(key)) uncertain.push(op);

  const operations: Operation[] = [];
  const irreversible: string[] = [];
  const used = new Set<string>();
  const add = (reversal: Reversal, original: Operation): void => {
    if (reversal === null) return;
    if ('irreversible' in reversal) {
      irreversible.push(reversal.irreversible);
      return;
    }
    const target = original.id.slice(original.id.indexOf(':') + 1);
    let id = `${reversal.operation.type}:${target}`;
    for (let n = 2; used.has(id); n += 1) id = `${reversal.operation.type}:${target}#${n}`;
    used.add(id);
    operations.push({ ...reversal.operation, id });
  };

  for (const op of uncertain.reverse()) {
    if (SETTERS.has(op.type)) add(reverse(op, undefined), op);
    else
      irreversible.push(
        `${op.id}: the apply stopped while it was being sent; its outcome is unknown: check it by hand`,
      );
  }
  for (const { key, done } of [...order].reverse()) {
    const op = intents.get(key);
    if (op === undefined) continue; // done without intent: nothing was sent (e.g. an adopted create found by lookup)
    add(reverse(op, done), op);
  }
  return { operations, irreversible };
}
