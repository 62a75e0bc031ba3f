// Operation -> HTTP request: one pure table, keyed by operation type, so a type without an entry does not compile.
// The executor only ever sends what this table builds. Endpoints and bodies: docs/clerk-api.md#endpoints-we-call and the
// 2026-05-12 spec (POST /email_addresses and POST /phone_numbers take {user_id, <address>, verified, primary}).

import type { RequestSpec } from '../clerk/index.ts';
import { ConfigError, InternalError } from '../errors.ts';
import { ORGANIZATION_FIELD } from '../fields/organization-fields.ts';
import { USER_FIELD, USER_FIELDS, type UserProfileField } from '../fields/user-fields.ts';
import {
  type CreateUserOp,
  type Operation,
  type OperationType,
  type OrgRef,
  orgMark,
  type Plan,
  type UserRef,
} from '../plan/index.ts';
import type { IdResolver, PlannedRequest, SecretResolver } from './types.ts';

type OperationOf<T extends OperationType> = Extract<Operation, { type: T }>;

interface RequestContext {
  ids: IdResolver;
  secrets: SecretResolver;
}

type RequestBuilder<T extends OperationType> = (op: OperationOf<T>, context: RequestContext) => RequestSpec;

/** Clerk's bulk ban/unban accepts at most 50 user ids per request (docs/clerk-api.md#bulk-ban-and-unban-50-ids). */
export const BULK_BAN_LIMIT = 50;

function segment(id: string): string {
  return encodeURIComponent(id);
}

/** The live id of an operation's user: from the plan, else learned from a create earlier in this apply. */
export function resolveUserId(op: Operation & { user: UserRef }, ids: IdResolver): string {
  const id = op.user.userId ?? (op.user.key === null ? undefined : ids.userIdForKey(op.user.key));
  if (id === undefined) {
    throw new InternalError(`operation ${op.id}: no live id for user ${op.user.key ?? '(no key)'}`, {
      meta: { operation: op.id },
      hint: 'The user should have been created by an earlier operation of this apply. This is a bug in clerk-sync.',
    });
  }
  return id;
}

export function resolveOrganizationId(op: Operation & { org: OrgRef }, ids: IdResolver): string {
  const id = op.org.organizationId ?? ids.organizationIdForSlug(op.org.slug);
  if (id === undefined) {
    throw new InternalError(`operation ${op.id}: no live id for organization ${op.org.slug}`, {
      meta: { operation: op.id },
      hint: 'The organization should have been created by an earlier operation of this apply. This is a bug in clerk-sync.',
    });
  }
  return id;
}

function createUserBody(op: CreateUserOp, secrets: SecretResolver): Record<string, unknown> {
  const attributes = op.attributes as Record<string, unknown>;
  const body: Record<string, unknown> = {};
  for (const row of USER_FIELDS) {
    // The password is never an attribute: it is resolved below, from where the plan says it comes from.
    if (row.kind === 'secret' || !('wire' in row)) continue;
    const value = attributes[row.name];
    // Lists are copied: the request must not share arrays with the plan.
    if (value !== undefined) body[row.wire] = Array.isArray(value) ? [...value] : value;
  }
  if (op.password === undefined) {
    // A new instance requires a password (422 form_data_missing without one); a user declared without one is
    // created without one on purpose (Clerk docs reference/backend/user/create-user; spec POST /users).
    body.skip_password_requirement = true;
  } else {
    const password = secrets(op);
    if (password === undefined || password === '') {
      const where = op.password.kind === 'env' ? `$${op.password.variable}` : 'the manifest (inline)';
      throw new ConfigError(`no password available for user ${op.user.key ?? '(no key)'} (from ${where})`, {
        meta: { operation: op.id },
        hint: 'Set the variable the manifest names, or apply from the manifest with -f.',
      });
    }
    if (op.passwordHasher === undefined) {
      body.password = password;
      // Clerk's strength and breach checks stay on: a weak manifest password is an error, not silently accepted.
      body.skip_password_checks = false;
    } else {
      // A digest stands for a password (spec POST /users: password_digest + password_hasher).
      body.password_digest = password;
      body.password_hasher = op.passwordHasher;
    }
  }
  return body;
}

function userPath(op: Operation & { user: UserRef }, ids: IdResolver, suffix = ''): string {
  return `/users/${segment(resolveUserId(op, ids))}${suffix}`;
}

function membershipPath(op: Operation & { user: UserRef; org: OrgRef }, ids: IdResolver, withUser: boolean): string {
  const base = `/organizations/${segment(resolveOrganizationId(op, ids))}/memberships`;
  return withUser ? `${base}/${segment(resolveUserId(op, ids))}` : base;
}

/** The one table. Each entry is pure: same operation and ids, same request. */
const REQUEST_TABLE: { [T in OperationType]: RequestBuilder<T> } = {
  // `slug` only where the instance has slugs (else 403 organization_slugs_disabled, Clerk docs
  // guides/organizations/configure); the mark always, so the organization is found by its key (docs/manifest.md).
  create_organization: (op) => ({
    method: 'POST',
    path: '/organizations',
    body: {
      name: op.name,
      ...(op.slug === null ? {} : { slug: op.slug }),
      ...(op.publicMetadata === undefined ? {} : { [ORGANIZATION_FIELD.publicMetadata.wire]: op.publicMetadata }),
      // The mark last: a declared value can never hide it (the manifest may not declare its key anyway).
      [ORGANIZATION_FIELD.privateMetadata.wire]: { ...op.privateMetadata, ...orgMark(op.org.slug) },
    },
  }),
  // PATCH metadata deep-merges (spec 2026-05-12 MergeOrganizationMetadata): only the mark is added, the rest stays.
  mark_organization: (op, { ids }) => ({
    method: 'PATCH',
    path: `/organizations/${segment(resolveOrganizationId(op, ids))}/metadata`,
    body: { private_metadata: orgMark(op.org.slug) },
  }),
  update_organization: (op, { ids }) => ({
    method: 'PATCH',
    path: `/organizations/${segment(resolveOrganizationId(op, ids))}`,
    body: { name: op.changes.name.after },
  }),
  // As for users, on the organization's metadata endpoint (docs/clerk-api.md#metadata-patch-merges-put-replaces).
  update_organization_metadata: (op, { ids }) => ({
    method: op.mode === 'replace' ? 'PUT' : 'PATCH',
    path: `/organizations/${segment(resolveOrganizationId(op, ids))}/metadata`,
    body: op.body,
  }),
  create_user: (op, { secrets }) => ({ method: 'POST', path: '/users', body: createUserBody(op, secrets) }),
  update_user: (op, { ids }) => {
    const body: Record<string, string | null> = {};
    for (const [field, change] of Object.entries(op.changes) as [UserProfileField, { after: string | null }][]) {
      body[USER_FIELD[field].wire] = change.after;
    }
    return { method: 'PATCH', path: userPath(op, ids), body };
  },
  add_email_address: (op, { ids }) => ({
    method: 'POST',
    path: '/email_addresses',
    body: { user_id: resolveUserId(op, ids), email_address: op.emailAddress, verified: true, primary: op.primary },
  }),
  set_primary_email_address: (op, { ids }) => ({
    method: 'PATCH',
    path: userPath(op, ids),
    body: { primary_email_address_id: op.emailAddressId },
  }),
  remove_email_address: (op) => ({ method: 'DELETE', path: `/email_addresses/${segment(op.emailAddressId)}` }),
  add_phone_number: (op, { ids }) => ({
    method: 'POST',
    path: '/phone_numbers',
    body: { user_id: resolveUserId(op, ids), phone_number: op.phoneNumber, verified: true, primary: op.primary },
  }),
  set_primary_phone_number: (op, { ids }) => ({
    method: 'PATCH',
    path: userPath(op, ids),
    body: { primary_phone_number_id: op.phoneNumberId },
  }),
  remove_phone_number: (op) => ({ method: 'DELETE', path: `/phone_numbers/${segment(op.phoneNumberId)}` }),
  // replace: PUT replaces each metadata field it names; merge: PATCH deep-merges, null deletes
  // (docs/clerk-api.md#metadata-patch-merges-put-replaces).
  update_metadata: (op, { ids }) => ({
    method: op.mode === 'replace' ? 'PUT' : 'PATCH',
    path: userPath(op, ids, '/metadata'),
    body: op.body,
  }),
  ban_user: (op, { ids }) => ({ method: 'POST', path: userPath(op, ids, '/ban') }),
  unban_user: (op, { ids }) => ({ method: 'POST', path: userPath(op, ids, '/unban') }),
  lock_user: (op, { ids }) => ({ method: 'POST', path: userPath(op, ids, '/lock') }),
  unlock_user: (op, { ids }) => ({ method: 'POST', path: userPath(op, ids, '/unlock') }),
  create_membership: (op, { ids }) => ({
    method: 'POST',
    path: membershipPath(op, ids, false),
    body: { user_id: resolveUserId(op, ids), role: op.role },
  }),
  // Membership paths key on the user id, not the orgmem_ id (docs/clerk-api.md#memberships-are-keyed-by-user-id).
  update_membership_role: (op, { ids }) => ({
    method: 'PATCH',
    path: membershipPath(op, ids, true),
    body: { role: op.changes.role.after },
  }),
  delete_membership: (op, { ids }) => ({ method: 'DELETE', path: membershipPath(op, ids, true) }),
  delete_user: (op, { ids }) => ({ method: 'DELETE', path: userPath(op, ids) }),
};

/**
 * The request one operation needs. Ids of objects created earlier in the same apply come from `ids`; an id that
 * cannot be resolved is an InternalError (the scheduler runs creates first). The password comes from `secrets`.
 */
export function toRequest(op: Operation, ids: IdResolver, secrets: SecretResolver): RequestSpec {
  if (!Object.hasOwn(REQUEST_TABLE, op.type)) {
    throw new InternalError(`no request is defined for operation type "${String(op.type)}"`, {
      meta: { operation: String(op.id) },
    });
  }
  const build = REQUEST_TABLE[op.type] as RequestBuilder<OperationType>;
  return build(op as OperationOf<OperationType>, { ids, secrets });
}

/** One POST /users/ban or /users/unban for up to BULK_BAN_LIMIT users; the API answers with the users (docs/clerk-api.md#bulk-ban-and-unban-50-ids). */
export function bulkBanRequest(kind: 'ban_user' | 'unban_user', userIds: readonly string[]): RequestSpec {
  if (userIds.length === 0 || userIds.length > BULK_BAN_LIMIT) {
    throw new InternalError(`bulk ${kind} needs 1..${BULK_BAN_LIMIT} user ids, got ${userIds.length}`);
  }
  return {
    method: 'POST',
    path: kind === 'ban_user' ? '/users/ban' : '/users/unban',
    body: { user_ids: [...userIds] },
  };
}

const REDACTED_SECRETS: SecretResolver = () => '[redacted]';

/**
 * The requests apply would send, one per operation in plan order, for --dry-run. Passwords appear as `[redacted]`,
 * ids of objects created in the same apply as `<id of create_user:emp-001>`. At apply time, ban_user/unban_user
 * operations that are ready together are sent as one POST /users/ban|unban instead.
 */
export function plannedRequests(plan: Plan): PlannedRequest[] {
  // URL-safe tokens stand in for the unknown ids while the request is built, then become readable placeholders.
  const labels = new Map<string, string>();
  const token = (label: string): string => {
    const value = `__clerk_sync_placeholder_${labels.size}__`;
    labels.set(value, label);
    return value;
  };
  const placeholders: IdResolver = {
    userIdForKey: (key) => token(`<id of create_user:${key}>`),
    organizationIdForSlug: (slug) => token(`<id of create_organization:${slug}>`),
  };
  const substitute = (text: string, encode: (label: string) => string): string => {
    let out = text;
    for (const [value, label] of labels) out = out.split(value).join(encode(label));
    return out;
  };
  const single = plan.operations.map((op): PlannedRequest => {
    labels.clear();
    const spec = toRequest(op, placeholders, REDACTED_SECRETS);
    const path = substitute(spec.path, (label) => label);
    const body =
      spec.body === undefined
        ? undefined
        : (JSON.parse(substitute(JSON.stringify(spec.body), (label) => JSON.stringify(label).slice(1, -1))) as unknown);
    return { operationId: op.id, method: spec.method, path, ...(body === undefined ? {} : { body }) };
  });
  return withBulkBans(plan.operations, single);
}

/**
 * Bans and unbans as apply sends them: the bulk endpoints, up to BULK_BAN_LIMIT users a request, one request
 * where only one user is left (apply-plan.ts runBanBatch). Each batch stands where its first operation stood.
 * (Apply forms its batches from the bans ready at the time, so a user busy with another operation may go alone.)
 */
function withBulkBans(operations: readonly Operation[], single: PlannedRequest[]): PlannedRequest[] {
  const batches = new Map<number, PlannedRequest>();
  const batched = new Set<number>();
  for (const kind of ['ban_user', 'unban_user'] as const) {
    const indexes = operations.flatMap((op, index) => (op.type === kind ? [index] : []));
    for (let start = 0; start < indexes.length; start += BULK_BAN_LIMIT) {
      const chunk = indexes.slice(start, start + BULK_BAN_LIMIT);
      if (chunk.length < 2) continue;
      const userIds = chunk.map((index) => {
        const match = /^\/users\/(.+)\/(?:ban|unban)$/.exec(single[index]?.path ?? '');
        return match?.[1] ?? '';
      });
      const spec = bulkBanRequest(kind, userIds);
      const [first] = chunk as [number, ...number[]];
      batches.set(first, {
        operationId: operations[first]?.id ?? '',
        operationIds: chunk.map((index) => operations[index]?.id ?? ''),
        method: spec.method,
        path: spec.path,
        body: spec.body,
      });
      for (const index of chunk) batched.add(index);
    }
  }
  return single.flatMap((request, index) => {
    const batch = batches.get(index);
    if (batch) return [batch];
    return batched.has(index) ? [] : [request];
  });
}

/**
 * How the executor treats an operation's request:
 * - create: a non-idempotent POST; after an unknown outcome, look the object up before sending it again.
 * - repeatable: a POST whose repetition is harmless (ban, unban, lock, unlock), so the client may retry it.
 * - update: PATCH/PUT, which the client retries by itself.
 * - removal: a DELETE; 404 means the object is already gone, i.e. unchanged.
 */
export type RequestKind = 'create' | 'repeatable' | 'update' | 'removal';

export function requestKindOf(op: Operation): RequestKind {
  switch (op.type) {
    case 'create_organization':
    case 'create_user':
    case 'create_membership':
    case 'add_email_address':
    case 'add_phone_number':
      return 'create';
    case 'ban_user':
    case 'unban_user':
    case 'lock_user':
    case 'unlock_user':
      return 'repeatable';
    case 'mark_organization':
    case 'update_organization':
    case 'update_organization_metadata':
    case 'update_user':
    case 'set_primary_email_address':
    case 'set_primary_phone_number':
    case 'update_metadata':
    case 'update_membership_role':
      return 'update';
    case 'remove_email_address':
    case 'remove_phone_number':
    case 'delete_membership':
    case 'delete_user':
      return 'removal';
    default: {
      const unexpected: never = op;
      throw new InternalError(`unknown operation type "${String((unexpected as { type: unknown }).type)}"`);
    }
  }
}
