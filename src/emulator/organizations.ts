// The /organizations and /organization_memberships route table (docs/clerk-api.md#endpoints-we-call). Organizations
// resolve by id or slug. Instance rules come from `store.settings` (a new instance by default): slugs off, a membership
// quota, roles that must exist, the last admin kept. Endpoints: organization-endpoints.ts, membership-endpoints.ts and
// membership-list.ts; the rules: organization-rules.ts and membership-rules.ts.

import {
  createMembership,
  deleteMembership,
  updateMembership,
  updateMembershipMetadata,
} from './membership-endpoints.ts';
import { listInstanceMemberships, listOrgMemberships } from './membership-list.ts';
import { createOrganization } from './organization-create.ts';
import {
  deleteOrganization,
  getOrganization,
  listOrganizations,
  organizationMetadata,
  updateOrganization,
} from './organization-endpoints.ts';
import { ok, type RouteDefinition } from './router.ts';
import { wireOrganization } from './serialize-organization.ts';

export const ORGANIZATION_ROUTES: RouteDefinition[] = [
  { method: 'GET', path: '/organizations', handler: listOrganizations },
  {
    method: 'POST',
    path: '/organizations',
    handler: ({ store, body }) => ok(wireOrganization(store, createOrganization(store, body), false)),
  },
  { method: 'GET', path: '/organizations/{organization_id}', handler: getOrganization },
  { method: 'PATCH', path: '/organizations/{organization_id}', handler: updateOrganization },
  { method: 'DELETE', path: '/organizations/{organization_id}', handler: deleteOrganization },
  { method: 'PATCH', path: '/organizations/{organization_id}/metadata', handler: organizationMetadata('merge') },
  { method: 'PUT', path: '/organizations/{organization_id}/metadata', handler: organizationMetadata('replace') },
  { method: 'POST', path: '/organizations/{organization_id}/memberships', handler: createMembership },
  { method: 'GET', path: '/organizations/{organization_id}/memberships', handler: listOrgMemberships },
  { method: 'PATCH', path: '/organizations/{organization_id}/memberships/{user_id}', handler: updateMembership },
  { method: 'DELETE', path: '/organizations/{organization_id}/memberships/{user_id}', handler: deleteMembership },
  {
    method: 'PATCH',
    path: '/organizations/{organization_id}/memberships/{user_id}/metadata',
    handler: updateMembershipMetadata,
  },
  { method: 'GET', path: '/organization_memberships', handler: listInstanceMemberships },
];
