// Checking emulator settings: one check per key (a description of what was expected, or undefined when the value
// fits), the roles list, and the EmulatorSettingsError that names the offending key.

import { ClerkSyncError } from '../errors.ts';
import { isPlainObject } from '../util/json.ts';
import type { EmulatorOrganizationSettings, EmulatorRole, EmulatorSettings } from './settings.ts';

/** A settings object refused by `mergeSettings`: `key` is the dotted path of the offending key. */
export class EmulatorSettingsError extends ClerkSyncError {
  readonly key: string;
  readonly reason: 'unknown_key' | 'invalid_value';

  constructor(key: string, reason: 'unknown_key' | 'invalid_value', message: string) {
    super('emulator_settings_invalid', message, {
      meta: { key, reason },
      hint: "Emulator settings keys are snake_case, like Clerk's objects; see EmulatorSettings in src/emulator/settings.ts.",
    });
    this.key = key;
    this.reason = reason;
  }
}

/** Returns a description of what was expected, or undefined when the value fits. */
type Check = (value: unknown) => string | undefined;

const boolean: Check = (value) => (typeof value === 'boolean' ? undefined : 'a boolean');
const integer =
  (min: number): Check =>
  (value) =>
    typeof value === 'number' && Number.isSafeInteger(value) && value >= min ? undefined : `an integer >= ${min}`;
const nullable =
  (check: Check): Check =>
  (value) => {
    if (value === null) return undefined;
    const expected = check(value);
    return expected === undefined ? undefined : `${expected} or null`;
  };
const text: Check = (value) => (typeof value === 'string' && value !== '' ? undefined : 'a non-empty string');
const oneOf =
  (...allowed: string[]): Check =>
  (value) =>
    typeof value === 'string' && allowed.includes(value) ? undefined : `one of ${allowed.join(', ')}`;
const listOf =
  (item: Check): Check =>
  (value) =>
    Array.isArray(value) && value.every((entry) => item(entry) === undefined)
      ? undefined
      : `an array whose items are each ${item(undefined) ?? 'valid'}`;

// Role keys as POST /organization_roles takes them: "org:" then lowercase letters, digits and underscores (spec).
const ROLE_KEY = /^org:[a-z0-9_]+$/;
const PERMISSION_KEY = /^org:[a-z0-9_]+:[a-z0-9_]+$/;

export const ORGANIZATION_CHECKS: Record<keyof EmulatorOrganizationSettings, Check> = {
  enabled: boolean,
  max_allowed_memberships: integer(0),
  max_allowed_roles: integer(0),
  max_allowed_domains: integer(0),
  creator_role: text,
  admin_delete_enabled: boolean,
  domains_enabled: boolean,
  slug_disabled: boolean,
  // The modes the spec's OrganizationSettings object allows.
  domains_enrollment_modes: listOf(oneOf('manual_invitation', 'automatic_invitation', 'automatic_suggestion')),
  domains_default_role: text,
  initial_role_set_key: nullable(text),
};

export type TopKey = Exclude<keyof EmulatorSettings, 'organization_settings' | 'roles'>;

export const TOP_CHECKS: Record<TopKey, Check> = {
  environment_type: oneOf('development', 'production'),
  password_required: boolean,
  password_min_length: integer(1),
  password_breached_check: boolean,
  user_cap: nullable(integer(0)),
  lockout_duration_seconds: nullable(integer(1)),
  unknown_roles_refused: boolean,
  last_admin_protected: boolean,
  identification_deletion_protected: boolean,
  numeric_usernames_refused: boolean,
};

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const json = JSON.stringify(value);
  return json.length > 40 ? `${json.slice(0, 37)}...` : json;
}

export function invalid(key: string, expected: string, value: unknown): EmulatorSettingsError {
  return new EmulatorSettingsError(
    key,
    'invalid_value',
    `settings.${key} must be ${expected} (got ${describe(value)})`,
  );
}

export function unknown(key: string, known: string[]): EmulatorSettingsError {
  return new EmulatorSettingsError(
    key,
    'unknown_key',
    `settings.${key} is not an emulator setting (known here: ${known.join(', ')})`,
  );
}

/** `roles` replaces the whole list: each entry needs `key` and `name`; `description` and `permissions` are optional. */
export function parseRoles(value: unknown): EmulatorRole[] {
  if (!Array.isArray(value) || value.length === 0) throw invalid('roles', 'a non-empty array of roles', value);
  const seen = new Set<string>();
  return value.map((entry, index) => {
    const at = `roles[${index}]`;
    if (!isPlainObject(entry)) throw invalid(at, 'an object {key, name, description?, permissions?}', entry);
    const known = ['key', 'name', 'description', 'permissions'];
    for (const key of Object.keys(entry)) if (!known.includes(key)) throw unknown(`${at}.${key}`, known);
    if (typeof entry.key !== 'string' || !ROLE_KEY.test(entry.key)) {
      throw invalid(`${at}.key`, 'a role key such as "org:admin" (org: then a-z, 0-9, _)', entry.key);
    }
    if (seen.has(entry.key)) throw invalid(`${at}.key`, 'unique among the roles', entry.key);
    seen.add(entry.key);
    if (text(entry.name) !== undefined) throw invalid(`${at}.name`, 'a non-empty string', entry.name);
    const description = entry.description ?? null;
    if (description !== null && typeof description !== 'string') {
      throw invalid(`${at}.description`, 'a string or null', description);
    }
    const permissions = entry.permissions ?? [];
    if (
      !Array.isArray(permissions) ||
      !permissions.every((key) => typeof key === 'string' && PERMISSION_KEY.test(key))
    ) {
      throw invalid(`${at}.permissions`, 'an array of permission keys such as "org:sys_memberships:read"', permissions);
    }
    return { key: entry.key, name: entry.name as string, description, permissions: [...(permissions as string[])] };
  });
}
