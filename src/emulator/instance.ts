// Instance endpoints, answered from the emulator's settings (store.settings): GET /instance, GET
// /instance/organization_settings and GET /organization_roles (shapes: the spec's Instance, OrganizationSettings
// and Roles objects, API 2026-05-12). Roles and their permissions come from `settings.roles`, with ids derived from
// their keys so they stay the same across calls and restarts.

import { stableId } from './ids.ts';
import { queryLimit, queryOffset, queryOrderBy } from './query.ts';
import { type HandlerContext, type HandlerResult, ok, type RouteDefinition } from './router.ts';
import type { EmulatorRole } from './settings.ts';
import type { Store } from './store.ts';

/** Names and descriptions of Clerk's system permissions (Clerk docs, organizations/control-access/roles-and-permissions). */
const SYSTEM_PERMISSIONS: Record<string, { name: string; description: string }> = {
  'org:sys_profile:manage': { name: 'Manage Organization', description: 'Permission to manage an organization.' },
  'org:sys_profile:delete': { name: 'Delete Organization', description: 'Permission to delete an organization.' },
  'org:sys_memberships:read': {
    name: 'Read members',
    description: 'Permission to read the members of an organization.',
  },
  'org:sys_memberships:manage': {
    name: 'Manage members',
    description: 'Permission to manage the members of an organization.',
  },
  'org:sys_domains:read': { name: 'Read domains', description: 'Permission to read the domains of an organization.' },
  'org:sys_domains:manage': {
    name: 'Manage domains',
    description: 'Permission to manage the domains of an organization.',
  },
  'org:sys_billing:read': { name: 'Read billing', description: 'Permission to read the billing of an organization.' },
  'org:sys_billing:manage': {
    name: 'Manage billing',
    description: 'Permission to manage the billing of an organization.',
  },
  'org:sys_entconns:manage': {
    name: 'Manage enterprise connections',
    description: 'Permission to manage the enterprise connections of an organization.',
  },
};

/** The Creator Role needs at least these (Clerk docs, organizations/configure, "Creator's initial Role"). */
const CREATOR_PERMISSIONS = ['org:sys_memberships:manage', 'org:sys_memberships:read', 'org:sys_profile:delete'];

function permissionName(key: string): string {
  // org:invoices:create -> "Invoices create": custom permissions carry no name in settings.
  const words = key.split(':').slice(1).join(' ').replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function wirePermission(store: Store, key: string): Record<string, unknown> {
  const system = SYSTEM_PERMISSIONS[key];
  return {
    object: 'permission',
    id: stableId('perm', key),
    name: system?.name ?? permissionName(key),
    key,
    description: system?.description ?? '',
    type: key.startsWith('org:sys_') ? 'system' : 'user',
    created_at: store.startedAt,
    updated_at: store.startedAt,
  };
}

export function wireRole(store: Store, role: EmulatorRole): Record<string, unknown> {
  return {
    object: 'role',
    id: stableId('role', role.key),
    name: role.name,
    key: role.key,
    description: role.description,
    is_creator_eligible: CREATOR_PERMISSIONS.every((permission) => role.permissions.includes(permission)),
    permissions: role.permissions.map((permission) => wirePermission(store, permission)),
    created_at: store.startedAt,
    updated_at: store.startedAt,
  };
}

function getInstance({ store }: HandlerContext): HandlerResult {
  return ok({
    object: 'instance',
    id: store.instanceId,
    environment_type: store.settings.environment_type,
    // Undocumented for a new instance; null is the harder case for a client (the spec allows it).
    allowed_origins: null,
    workspace_id: null,
  });
}

function getOrganizationSettings({ store }: HandlerContext): HandlerResult {
  return ok({ object: 'organization_settings', ...store.settings.organization_settings });
}

/** GET /organization_roles: `query` (exact id, or part of name or key), `order_by` (default -created_at), paging. */
function listRoles({ store, query }: HandlerContext): HandlerResult {
  const limit = queryLimit(query);
  const offset = queryOffset(query);
  const order = queryOrderBy(query, ['created_at', 'name', 'key'], '-created_at');
  const raw = query.get('query')?.trim() ?? '';
  const text = raw.toLowerCase();
  let roles = store.settings.roles.map((role, index) => ({ role, index, id: stableId('role', role.key) }));
  if (raw !== '') {
    roles = roles.filter(
      ({ role, id }) => id === raw || role.name.toLowerCase().includes(text) || role.key.toLowerCase().includes(text),
    );
  }
  // All roles share one created_at (the emulator's start): ties keep the settings' order.
  if (order.field !== 'created_at') {
    const field = order.field as 'name' | 'key';
    const direction = order.descending ? -1 : 1;
    roles = [...roles].sort(
      (a, b) =>
        direction * (a.role[field] < b.role[field] ? -1 : a.role[field] > b.role[field] ? 1 : 0) || a.index - b.index,
    );
  }
  return ok({
    data: roles.slice(offset, offset + limit).map(({ role }) => wireRole(store, role)),
    total_count: roles.length,
  });
}

export const INSTANCE_ROUTES: RouteDefinition[] = [
  { method: 'GET', path: '/instance', handler: getInstance },
  { method: 'GET', path: '/instance/organization_settings', handler: getOrganizationSettings },
  { method: 'GET', path: '/organization_roles', handler: listRoles },
];
