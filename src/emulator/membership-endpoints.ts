// Membership endpoints below /organizations/{id}/memberships. Paths key on the user id, not the `orgmem_` id; a
// duplicate membership is a 400, not a 422 (docs/clerk-api.md#a-duplicate-membership-is-a-400).

import type { WireMetadata } from '../clerk/index.ts';
import { assertNotLastAdmin, checkRole, isAdminRole } from './membership-rules.ts';
import { applyMetadata } from './metadata-update.ts';
import { addMembership } from './organization-create.ts';
import { ORG_METADATA_FIELDS } from './organization-endpoints.ts';
import { requireOrg } from './organization-rules.ts';
import { ClerkApiProblem } from './problem.ts';
import type { MembershipRecord } from './records.ts';
import { type HandlerContext, type HandlerResult, ok } from './router.ts';
import { wireMembership } from './serialize-organization.ts';
import { requireUser } from './user-rules.ts';
import { bodySpec, checkBody } from './validate.ts';

const CREATE_MEMBERSHIP = bodySpec({
  user_id: 'string!',
  role: 'string!',
  public_metadata: 'object?',
  private_metadata: 'object?',
});
const UPDATE_MEMBERSHIP = bodySpec({ role: 'string!' });
const MEMBERSHIP_METADATA = bodySpec({ public_metadata: 'object?', private_metadata: 'object?' });

export function createMembership(context: HandlerContext): HandlerResult {
  const { store } = context;
  const org = requireOrg(store, context.params.organization_id);
  const body = checkBody(context.body ?? {}, CREATE_MEMBERSHIP);
  const user = requireUser(store, body.user_id as string);
  const membership = addMembership(store, org, user, {
    role: body.role as string,
    public_metadata: body.public_metadata as WireMetadata | null | undefined,
    private_metadata: body.private_metadata as WireMetadata | null | undefined,
  });
  return ok(wireMembership(store, membership));
}

function requireMembership(context: HandlerContext): MembershipRecord {
  const { store } = context;
  const org = requireOrg(store, context.params.organization_id);
  const userId = context.params.user_id ?? '';
  const membership = store.findMembership(org.id, userId);
  if (!membership) {
    throw new ClerkApiProblem(
      404,
      'resource_not_found',
      'not found',
      `No organization membership was found for user ${userId} in this organization.`,
    );
  }
  return membership;
}

export function updateMembership(context: HandlerContext): HandlerResult {
  const { store } = context;
  const membership = requireMembership(context);
  const body = checkBody(context.body ?? {}, UPDATE_MEMBERSHIP);
  const role = checkRole(store, body.role as string);
  if (!isAdminRole(store, role)) assertNotLastAdmin(store, membership);
  membership.role = role;
  store.touchMembership(membership);
  return ok(wireMembership(store, membership));
}

export function updateMembershipMetadata(context: HandlerContext): HandlerResult {
  const { store } = context;
  const membership = requireMembership(context);
  const body = checkBody(context.body ?? {}, MEMBERSHIP_METADATA);
  applyMetadata(membership, body, ORG_METADATA_FIELDS, 'merge');
  store.touchMembership(membership);
  return ok(wireMembership(store, membership));
}

export function deleteMembership(context: HandlerContext): HandlerResult {
  const { store } = context;
  const membership = requireMembership(context);
  assertNotLastAdmin(store, membership);
  // Clerk answers with the deleted membership itself, not a DeletedObject
  // (docs/clerk-api.md#deleting-a-membership-answers-with-it).
  const wire = wireMembership(store, membership);
  store.removeMembership(membership);
  return ok(wire);
}
