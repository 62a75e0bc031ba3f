// Instance settings of the emulated Clerk instance. By default the emulator is a NEW real instance: it refuses
// what a fresh Clerk instance refuses (docs/clerk-api.md, "Defaults of a new instance"). Keys are snake_case, like
// Clerk's own objects; `organization_settings` has the fields of Clerk's OrganizationSettings object.
// The settings are data: this file has their types, a new instance's defaults and the presets; settings-merge.ts
// builds and merges them, settings-checks.ts refuses unknown keys and wrong types, naming the key.

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
