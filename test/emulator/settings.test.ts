// Instance settings: a new instance by default (development or production by key), presets, the validated deep
// merge (startEmulator, RunningEmulator.updateSettings, GET/POST /__emulator/settings), and the instance endpoints
// answered from them (GET /instance, /instance/organization_settings, /organization_roles), checked against the spec.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { WireUser } from '../../src/clerk/index.ts';
import {
  type EmulatorSettings,
  EmulatorSettingsError,
  mergeSettings,
  newInstanceSettings,
  startEmulator,
} from '../../src/emulator/index.ts';
import { emulatorFetch, withEmulator } from '../helpers/emulator.ts';
import { firstError, specFetch } from './spec-fetch.ts';

const directories: string[] = [];
afterAll(async () => {
  for (const dir of directories) await rm(dir, { recursive: true, force: true });
});

async function settingsError(run: () => unknown): Promise<EmulatorSettingsError> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(EmulatorSettingsError);
    return error as EmulatorSettingsError;
  }
  throw new Error('expected an EmulatorSettingsError');
}

describe('startEmulator settings', () => {
  it('defaults to a new development instance for an sk_test_ key and a production one for sk_live_', async () => {
    const test = await startEmulator({ port: 0 });
    const live = await startEmulator({ port: 0, secretKey: 'sk_live_emulator' });
    try {
      expect(test.settings()).toEqual(newInstanceSettings('sk_test_emulator'));
      expect(test.settings()).toMatchObject({
        environment_type: 'development',
        password_required: true,
        user_cap: 100,
        lockout_duration_seconds: 3600,
        organization_settings: { slug_disabled: true, max_allowed_memberships: 5, creator_role: 'org:admin' },
      });
      expect(live.settings()).toMatchObject({ environment_type: 'production', user_cap: null });
      const instance = await specFetch(live, 'GET', '/instance', '/instance');
      expect(instance.body).toMatchObject({ object: 'instance', environment_type: 'production', workspace_id: null });
    } finally {
      await test.close();
      await live.close();
    }
  });

  it('applies the preset, then the settings, merging organization_settings key by key', async () => {
    const emu = await startEmulator({
      port: 0,
      preset: 'permissive',
      settings: { user_cap: 7, organization_settings: { max_allowed_memberships: 20 } },
    });
    try {
      const settings = emu.settings();
      expect(settings).toMatchObject({
        password_required: false,
        lockout_duration_seconds: null,
        user_cap: 7,
        organization_settings: { slug_disabled: false, max_allowed_memberships: 20, creator_role: 'org:admin' },
      });
      expect(settings.organization_settings.max_allowed_roles).toBe(10);
    } finally {
      await emu.close();
    }
  });

  it('refuses unknown keys and wrong types, naming the key', async () => {
    const cases: [unknown, string, string][] = [
      [{ passwords_required: true }, 'passwords_required', 'unknown_key'],
      [{ organization_settings: { slugs_disabled: true } }, 'organization_settings.slugs_disabled', 'unknown_key'],
      [{ password_required: 'yes' }, 'password_required', 'invalid_value'],
      [{ user_cap: -1 }, 'user_cap', 'invalid_value'],
      [{ lockout_duration_seconds: 1.5 }, 'lockout_duration_seconds', 'invalid_value'],
      [
        { organization_settings: { max_allowed_memberships: '5' } },
        'organization_settings.max_allowed_memberships',
        'invalid_value',
      ],
      [{ organization_settings: 'strict' }, 'organization_settings', 'invalid_value'],
      [{ environment_type: 'staging' }, 'environment_type', 'invalid_value'],
      [{ roles: [{ key: 'admin', name: 'Admin' }] }, 'roles[0].key', 'invalid_value'],
      [{ roles: [{ key: 'org:admin', name: 'Admin', colour: 'red' }] }, 'roles[0].colour', 'unknown_key'],
      [{ roles: [{ key: 'org:member', name: 'Member' }] }, 'organization_settings.creator_role', 'invalid_value'],
    ];
    for (const [input, key, reason] of cases) {
      const error = await settingsError(() => startEmulator({ port: 0, settings: input as never }));
      expect({ key: error.key, reason: error.reason }, JSON.stringify(input)).toEqual({ key, reason });
      expect(error.code).toBe('emulator_settings_invalid');
      expect(error.message).toContain(`settings.${key}`);
    }
    await settingsError(() => startEmulator({ port: 0, preset: 'lenient' as never }));
  });

  it('mergeSettings leaves its base untouched and replaces roles whole', () => {
    const base = newInstanceSettings('sk_test_x');
    const merged = mergeSettings(base, {
      roles: [
        { key: 'org:admin', name: 'Admin', permissions: ['org:sys_memberships:manage'] },
        { key: 'org:member', name: 'Member' },
        { key: 'org:billing', name: 'Billing', description: 'Pays' },
      ],
      organization_settings: { slug_disabled: false },
    });
    expect(base).toEqual(newInstanceSettings('sk_test_x'));
    // An undefined value is an absent key (a TypeScript caller's optional field), not a wrong type.
    expect(mergeSettings(base, { user_cap: undefined, organization_settings: { slug_disabled: undefined } })).toEqual(
      base,
    );
    expect(merged.roles.map((role) => role.key)).toEqual(['org:admin', 'org:member', 'org:billing']);
    expect(merged.roles[1]).toEqual({ key: 'org:member', name: 'Member', description: null, permissions: [] });
    expect(merged.organization_settings).toEqual({ ...base.organization_settings, slug_disabled: false });
  });
});

describe('changing settings at runtime', () => {
  const emu = withEmulator();

  it('GET /__emulator/settings answers the whole object; POST merges a partial one', async () => {
    const before = await emulatorFetch(emu, 'GET', '/__emulator/settings', undefined, { noAuth: true });
    expect(before.status).toBe(200);
    expect(before.body).toEqual(newInstanceSettings('sk_test_emulator'));
    const after = await emulatorFetch(
      emu,
      'POST',
      '/__emulator/settings',
      { user_cap: null, organization_settings: { slug_disabled: false } },
      { noAuth: true },
    );
    expect(after.status).toBe(200);
    const expected: EmulatorSettings = newInstanceSettings('sk_test_emulator');
    expected.user_cap = null;
    expected.organization_settings.slug_disabled = false;
    expect(after.body).toEqual(expected);
    expect(emu.settings()).toEqual(expected);
    const organization = await specFetch(
      emu,
      'GET',
      '/instance/organization_settings',
      '/instance/organization_settings',
    );
    expect(organization.body).toMatchObject({ slug_disabled: false, max_allowed_memberships: 5 });
  });

  it('POST /__emulator/settings answers a Clerk-style 422 naming a bad key, and changes nothing', async () => {
    const current = emu.settings();
    const unknownKey = await emulatorFetch(
      emu,
      'POST',
      '/__emulator/settings',
      { user_cap: 3, colour: 'red' },
      {
        noAuth: true,
      },
    );
    expect(unknownKey.status).toBe(422);
    expect(firstError(unknownKey)).toMatchObject({ code: 'form_param_unknown', meta: { param_name: 'colour' } });
    const wrongType = await emulatorFetch(
      emu,
      'POST',
      '/__emulator/settings',
      { organization_settings: { max_allowed_memberships: true } },
      { noAuth: true },
    );
    expect(wrongType.status).toBe(422);
    expect(firstError(wrongType)).toMatchObject({
      code: 'form_param_value_invalid',
      meta: { param_name: 'organization_settings.max_allowed_memberships' },
    });
    expect(firstError(wrongType)?.long_message).toContain('must be an integer >= 0');
    expect(emu.settings()).toEqual(current);
  });

  it('updateSettings merges and returns the result; settings() is a copy; reset keeps the settings', async () => {
    const result = emu.updateSettings({ lockout_duration_seconds: 60 });
    expect(result.lockout_duration_seconds).toBe(60);
    const copy = emu.settings();
    copy.password_required = false;
    expect(emu.settings().password_required).toBe(true);
    expect(() => emu.updateSettings({ lockout_duration_seconds: 0 })).toThrow(EmulatorSettingsError);
    emu.reset();
    expect(emu.settings().lockout_duration_seconds).toBe(60);
  });
});

describe('instance endpoints', () => {
  const emu = withEmulator();

  it('GET /instance answers an Instance object from the settings', async () => {
    const response = await specFetch(emu, 'GET', '/instance', '/instance');
    expect(response.status).toBe(200);
    const body = response.body as { id: string };
    expect(body).toMatchObject({ object: 'instance', environment_type: 'development', workspace_id: null });
    expect(body.id).toMatch(/^ins_[0-9A-Za-z]{27}$/);
    expect((await specFetch(emu, 'GET', '/instance', '/instance')).body).toEqual(response.body);
  });

  it('GET /instance/organization_settings answers the settings as an OrganizationSettings object', async () => {
    const response = await specFetch(emu, 'GET', '/instance/organization_settings', '/instance/organization_settings');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      object: 'organization_settings',
      ...newInstanceSettings('sk_test_emulator').organization_settings,
    });
  });

  it("GET /organization_roles lists the instance's roles with their permissions, paged", async () => {
    const response = await specFetch(emu, 'GET', '/organization_roles', '/organization_roles');
    expect(response.status).toBe(200);
    const page = response.body as {
      data: { id: string; key: string; is_creator_eligible: boolean; permissions: { key: string; type: string }[] }[];
      total_count: number;
    };
    expect(page.total_count).toBe(2);
    expect(page.data.map((role) => [role.key, role.is_creator_eligible])).toEqual([
      ['org:admin', true],
      ['org:member', false],
    ]);
    expect(page.data[1]?.permissions).toMatchObject([
      { key: 'org:sys_memberships:read', type: 'system', name: 'Read members' },
    ]);
    expect(page.data[0]?.id).toMatch(/^role_[0-9A-Za-z]{27}$/);
    // Stable ids: the same role has the same id on every call.
    const again = (await specFetch(emu, 'GET', '/organization_roles', '/organization_roles')).body as typeof page;
    expect(again.data.map((role) => role.id)).toEqual(page.data.map((role) => role.id));

    const second = (await specFetch(emu, 'GET', '/organization_roles', '/organization_roles?limit=1&offset=1'))
      .body as typeof page;
    expect(second.total_count).toBe(2);
    expect(second.data.map((role) => role.key)).toEqual(['org:member']);
    const found = (await specFetch(emu, 'GET', '/organization_roles', '/organization_roles?query=memb'))
      .body as typeof page;
    expect(found.data.map((role) => role.key)).toEqual(['org:member']);
    const byId = (await specFetch(emu, 'GET', '/organization_roles', `/organization_roles?query=${page.data[0]?.id}`))
      .body as typeof page;
    expect(byId.data.map((role) => role.key)).toEqual(['org:admin']);
    const bad = await specFetch(emu, 'GET', '/organization_roles', '/organization_roles?limit=501');
    expect(bad.status).toBe(422);
  });

  it('lists custom roles from the settings, ordered by key when asked', async () => {
    emu.updateSettings({
      roles: [
        {
          key: 'org:admin',
          name: 'Admin',
          permissions: ['org:sys_memberships:read', 'org:sys_memberships:manage', 'org:sys_profile:delete'],
        },
        { key: 'org:member', name: 'Member', permissions: ['org:sys_memberships:read'] },
        { key: 'org:billing', name: 'Billing', description: 'Pays the invoices', permissions: ['org:invoices:pay'] },
      ],
    });
    const page = (await specFetch(emu, 'GET', '/organization_roles', '/organization_roles?order_by=key')).body as {
      data: { key: string; description: string | null; permissions: { key: string; type: string }[] }[];
      total_count: number;
    };
    expect(page.total_count).toBe(3);
    expect(page.data.map((role) => role.key)).toEqual(['org:admin', 'org:billing', 'org:member']);
    expect(page.data[1]).toMatchObject({
      description: 'Pays the invoices',
      permissions: [{ key: 'org:invoices:pay', type: 'user' }],
    });
  });
});

describe('data files and settings', () => {
  it('keeps settings out of the data file and loads a file written before locks expired or emails were linked', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'clerk-sync-emulator-settings-'));
    directories.push(dir);
    const dataFile = join(dir, 'old.json');
    let now = 1_800_000_000_000;
    const oldUser = {
      id: 'user_2xhFjEI5X2qWRvtV13BzSj8H6Dk',
      external_id: 'old-1',
      username: null,
      first_name: 'Old',
      last_name: null,
      locale: null,
      has_image: false,
      public_metadata: {},
      private_metadata: {},
      unsafe_metadata: {},
      emails: [
        {
          id: 'idn_2xhFjEI5X2qWRvtV13BzSj8H6Dk',
          value: 'old@example.com',
          verified: true,
          reserved: false,
          created_at: now,
          updated_at: now,
        },
      ],
      phones: [],
      primary_email_address_id: 'idn_2xhFjEI5X2qWRvtV13BzSj8H6Dk',
      primary_phone_number_id: null,
      password_hash: null,
      password_enabled: false,
      password_last_updated_at: null,
      totp_enabled: false,
      backup_code_enabled: false,
      mfa_enabled_at: null,
      mfa_disabled_at: null,
      banned: false,
      locked: true,
      created_at: now - 1000,
      updated_at: now - 1000,
      last_sign_in_at: null,
      last_active_at: null,
      legal_accepted_at: null,
      delete_self_enabled: true,
      create_organization_enabled: true,
      create_organizations_limit: null,
      bypass_client_trust: false,
    };
    await writeFile(
      dataFile,
      JSON.stringify({
        format: 'clerk-sync-emulator',
        version: 1,
        users: [oldUser],
        organizations: [],
        memberships: [],
        deletedUsers: [],
      }),
    );
    const emu = await startEmulator({ port: 0, dataFile, clock: () => now });
    try {
      const user = (await specFetch(emu, 'GET', '/users/{user_id}', `/users/${oldUser.id}`)).body as WireUser;
      // The lock counts from the user's last change: 1 s of the hour has gone.
      expect(user).toMatchObject({ locked: true, lockout_expires_in_seconds: 3599 });
      expect(user.email_addresses[0]?.linked_to).toEqual([]);
      now += 3600_000;
      const later = (await specFetch(emu, 'GET', '/users/{user_id}', `/users/${oldUser.id}`)).body as WireUser;
      expect(later).toMatchObject({ locked: false, lockout_expires_in_seconds: null });
      emu.updateSettings({ user_cap: 1 });
      await specFetch(emu, 'POST', '/users/{user_id}/lock', `/users/${oldUser.id}/lock`);
    } finally {
      await emu.close();
    }
    const saved = JSON.parse(await readFile(dataFile, 'utf8')) as { users: { locked_at: number }[] };
    expect(Object.keys(saved).sort()).toEqual([
      'deletedUsers',
      'format',
      'memberships',
      'organizations',
      'users',
      'version',
    ]);
    expect(saved.users[0]?.locked_at).toBe(now);
  });
});
