// Instance settings of the emulated Clerk instance. By default the emulator is a NEW real instance: it refuses
// what a fresh Clerk instance refuses (docs/clerk-api.md, "Defaults of a new instance"). Keys are snake_case, like
// Clerk's own objects; `organization_settings` has the fields of Clerk's OrganizationSettings object.
// The settings are data: `resolveSettings` builds them (defaults, then a preset, then the caller's partial object)
// and `mergeSettings` validates every partial object (unknown keys and wrong types are refused, naming the key).

import { ClerkSyncError } from '../errors.ts';
import { isPlainObject } from '../util/json.ts';

/** Clerk's OrganizationSettings object (GET /instance/organization_settings), without `object`. */
export interface EmulatorOrganizationSettings {
  enabled: boolean;
  /** Members an organization may have unless it sets its own `max_allowed_memberships`; 0 = unlimited. */
  max_allowed_memberships: number;
  max_allowed_roles: number;
  max_allowed_domains: number;
  /** The role a user gets in an organization created with `created_by`. */
  creator_role: string;
  admin_delete_enabled: boolean;
  domains_enabled: boolean;
  /** Organization slugs off: `slug` in POST/PATCH /organizations is refused (403 organization_slugs_disabled). */
  slug_disabled: boolean;
  domains_enrollment_modes: string[];
  domains_default_role: string;
  initial_role_set_key: string | null;
}

/** One organization role (GET /organization_roles). */
export interface EmulatorRole {
  key: string;
  name: string;
  description: string | null;
  permissions: string[];
}

export interface EmulatorSettings {
  /** What GET /instance answers; development for `sk_test_` keys, production for `sk_live_`. */
  environment_type: 'development' | 'production';
  /** POST /users without a password (or digest) is 422 form_data_missing unless `skip_password_requirement`. */
  password_required: boolean;
  /** Shortest password accepted (form_password_length_too_short). */
  password_min_length: number;
  /** Refuse passwords on the built-in breached list (form_password_pwned). */
  password_breached_check: boolean;
  /** Most users the instance holds; null = no cap. A development instance holds 100. */
  user_cap: number | null;
  /** How long a lock lasts; null = until unlocked. A new instance locks for an hour. */
  lockout_duration_seconds: number | null;
  /** The instance's roles. Unknown role keys are refused like Clerk (404 "Organization role not found"). */
  roles: EmulatorRole[];
  /** false: any well-formed `org:` key is accepted as a role (the permissive preset). */
  unknown_roles_refused: boolean;
  /** Demoting or removing an organization's last admin is 400 organization_minimum_permissions_needed. */
  last_admin_protected: boolean;
  /** Deleting a user's last identification, or an email linked to an OAuth/SSO account, is refused. */
  identification_deletion_protected: boolean;
  /** All-digit usernames are refused (form_username_needs_non_number_char). */
  numeric_usernames_refused: boolean;
  organization_settings: EmulatorOrganizationSettings;
}

/** A partial settings object: what `POST /__emulator/settings`, `--settings FILE` and `startEmulator` take. */
export type EmulatorSettingsInput = Partial<Omit<EmulatorSettings, 'organization_settings' | 'roles'>> & {
  organization_settings?: Partial<EmulatorOrganizationSettings>;
  /** Replaces the whole list. */
  roles?: EmulatorRoleInput[];
};

/** A role in a settings object: `description` defaults to null, `permissions` to []. */
export type EmulatorRoleInput = Pick<EmulatorRole, 'key' | 'name'> &
  Partial<Pick<EmulatorRole, 'description' | 'permissions'>>;

export const DEFAULT_ROLES: readonly EmulatorRole[] = [
  {
    key: 'org:admin',
    name: 'Admin',
    description: 'Role with elevated permissions',
    permissions: [
      'org:sys_profile:manage',
      'org:sys_profile:delete',
      'org:sys_memberships:read',
      'org:sys_memberships:manage',
      'org:sys_domains:read',
      'org:sys_domains:manage',
    ],
  },
  {
    key: 'org:member',
    name: 'Member',
    description: 'Role with non-privileged permissions',
    permissions: ['org:sys_memberships:read'],
  },
];

/** The settings of a new Clerk instance for this secret key (docs/clerk-api.md, "Defaults of a new instance"). */
export function newInstanceSettings(secretKey: string): EmulatorSettings {
  const production = secretKey.startsWith('sk_live_');
  return {
    environment_type: production ? 'production' : 'development',
    password_required: true,
    password_min_length: 8,
    password_breached_check: true,
    user_cap: production ? null : 100,
    lockout_duration_seconds: 3600,
    roles: DEFAULT_ROLES.map((role) => ({ ...role, permissions: [...role.permissions] })),
    unknown_roles_refused: true,
    last_admin_protected: true,
    identification_deletion_protected: true,
    numeric_usernames_refused: true,
    organization_settings: {
      enabled: true,
      max_allowed_memberships: 5,
      max_allowed_roles: 10,
      max_allowed_domains: 10,
      creator_role: 'org:admin',
      admin_delete_enabled: true,
      domains_enabled: false,
      slug_disabled: true,
      domains_enrollment_modes: [],
      domains_default_role: 'org:member',
      initial_role_set_key: null,
    },
  };
}

/** Named presets; `permissive` is the emulator's behaviour before it followed a new instance's defaults. */
export const SETTINGS_PRESETS = {
  'new-instance': (): EmulatorSettingsInput => ({}),
  permissive: (): EmulatorSettingsInput => ({
    password_required: false,
    password_breached_check: false,
    user_cap: null,
    lockout_duration_seconds: null,
    unknown_roles_refused: false,
    last_admin_protected: false,
    identification_deletion_protected: false,
    numeric_usernames_refused: false,
    organization_settings: { max_allowed_memberships: 0, slug_disabled: false },
  }),
} as const;

export type SettingsPreset = keyof typeof SETTINGS_PRESETS;

export function isSettingsPreset(name: string): name is SettingsPreset {
  return Object.hasOwn(SETTINGS_PRESETS, name);
}

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

const ORGANIZATION_CHECKS: Record<keyof EmulatorOrganizationSettings, Check> = {
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

type TopKey = Exclude<keyof EmulatorSettings, 'organization_settings' | 'roles'>;

const TOP_CHECKS: Record<TopKey, Check> = {
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

function invalid(key: string, expected: string, value: unknown): EmulatorSettingsError {
  return new EmulatorSettingsError(
    key,
    'invalid_value',
    `settings.${key} must be ${expected} (got ${describe(value)})`,
  );
}

function unknown(key: string, known: string[]): EmulatorSettingsError {
  return new EmulatorSettingsError(
    key,
    'unknown_key',
    `settings.${key} is not an emulator setting (known here: ${known.join(', ')})`,
  );
}

/** `roles` replaces the whole list: each entry needs `key` and `name`; `description` and `permissions` are optional. */
function parseRoles(value: unknown): EmulatorRole[] {
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

/**
 * Returns `base` with `input` merged in (deeply for `organization_settings`; `roles` is replaced whole), after
 * checking every key and value of `input`. Throws EmulatorSettingsError naming the first offending key. `base` is
 * not modified.
 */
export function mergeSettings(base: EmulatorSettings, input: unknown): EmulatorSettings {
  if (!isPlainObject(input)) throw invalid('(root)', 'an object of settings', input);
  const next = structuredClone(base);
  const topKeys = [...Object.keys(TOP_CHECKS), 'roles', 'organization_settings'];
  for (const [key, value] of Object.entries(input)) {
    // An undefined value (a TypeScript caller's optional field) is an absent key; JSON has none.
    if (value === undefined) continue;
    if (key === 'roles') {
      next.roles = parseRoles(value);
    } else if (key === 'organization_settings') {
      if (!isPlainObject(value)) throw invalid(key, 'an object', value);
      const orgKeys = Object.keys(ORGANIZATION_CHECKS);
      for (const [orgKey, orgValue] of Object.entries(value)) {
        if (orgValue === undefined) continue;
        if (!Object.hasOwn(ORGANIZATION_CHECKS, orgKey)) throw unknown(`${key}.${orgKey}`, orgKeys);
        const expected = ORGANIZATION_CHECKS[orgKey as keyof EmulatorOrganizationSettings](orgValue);
        if (expected !== undefined) throw invalid(`${key}.${orgKey}`, expected, orgValue);
        (next.organization_settings as unknown as Record<string, unknown>)[orgKey] = structuredClone(orgValue);
      }
    } else if (Object.hasOwn(TOP_CHECKS, key)) {
      const expected = TOP_CHECKS[key as TopKey](value);
      if (expected !== undefined) throw invalid(key, expected, value);
      (next as unknown as Record<string, unknown>)[key] = value;
    } else {
      throw unknown(key, topKeys);
    }
  }
  const roleKeys = next.roles.map((role) => role.key);
  for (const key of ['creator_role', 'domains_default_role'] as const) {
    const role = next.organization_settings[key];
    if (!roleKeys.includes(role)) {
      throw invalid(`organization_settings.${key}`, `one of the roles (${roleKeys.join(', ')})`, role);
    }
  }
  return next;
}

/** A new instance's settings for this key, then the preset, then `settings` (each merged and checked). */
export function resolveSettings(
  secretKey: string,
  options: { preset?: SettingsPreset | undefined; settings?: EmulatorSettingsInput | undefined } = {},
): EmulatorSettings {
  let settings = newInstanceSettings(secretKey);
  if (options.preset !== undefined) {
    if (!isSettingsPreset(options.preset)) {
      throw new EmulatorSettingsError(
        'preset',
        'invalid_value',
        `unknown settings preset "${String(options.preset)}": expected ${Object.keys(SETTINGS_PRESETS).join(' or ')}`,
      );
    }
    settings = mergeSettings(settings, SETTINGS_PRESETS[options.preset]());
  }
  if (options.settings !== undefined) settings = mergeSettings(settings, options.settings);
  return settings;
}
