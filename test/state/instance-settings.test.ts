// The snapshot's instance settings: GET /instance, /instance/organization_settings and every page of
// /organization_roles, read alongside the users; a refused read falls back field by field with a read warning.

import { describe, expect, it } from 'vitest';
import { fetchLiveSnapshot } from '../../src/state/index.ts';
import { seedFake } from './fake-clerk.ts';
import { fakeClerkPerTest } from './fake-setup.ts';

const setup = fakeClerkPerTest();

describe('the instance read', () => {
  it('fills snapshot.instance from the environment, the organization settings and every page of roles', async () => {
    const { fake, client } = await setup();
    seedFake(fake, { users: 3, organizations: 0, memberships: 0 });
    const roles = ['org:member', 'org:admin', ...Array.from({ length: 600 }, (_, i) => `org:r${i}`)];
    fake.settings = {
      instance: { object: 'instance', id: 'ins_1', environment_type: 'production', allowed_origins: null },
      organizationSettings: {
        object: 'organization_settings',
        enabled: true,
        max_allowed_memberships: 7,
        max_allowed_roles: 10,
        creator_role: 'org:owner',
        admin_delete_enabled: true,
        slug_disabled: true,
      },
      roles,
    };
    const snapshot = await fetchLiveSnapshot(client, { managedOrgs: [] });
    expect(snapshot.instance).toStrictEqual({
      environment: 'production',
      slugsEnabled: false,
      maxAllowedMemberships: 7,
      creatorRole: 'org:owner',
      roles: [...roles].sort(),
      userCount: 3,
    });
    expect(snapshot.readWarnings).toEqual([]);
    // 602 roles: two pages of 500.
    expect(fake.byRoute.get('GET /v1/organization_roles')).toBe(2);
    expect(fake.byRoute.get('GET /v1/instance')).toBe(1);
    expect(fake.byRoute.get('GET /v1/instance/organization_settings')).toBe(1);
  });

  it.each([
    [404, 403, 403],
    [403, 402, 404],
  ])(
    'falls back field by field when the instance refuses (%i, %i, %i) and says what it assumed',
    async (instance, settings, roles) => {
      const { fake, client } = await setup();
      seedFake(fake, { users: 4, organizations: 2, memberships: 3 });
      fake.settings = { instance, organizationSettings: settings, roles };
      const snapshot = await fetchLiveSnapshot(client, { managedOrgs: [{ key: 'org-000', name: 'Org 000' }] });
      expect(snapshot.instance).toStrictEqual({
        environment: null,
        slugsEnabled: true,
        maxAllowedMemberships: 0,
        creatorRole: 'org:admin',
        roles: null,
        userCount: 4,
      });
      expect(snapshot.readWarnings).toHaveLength(3);
      expect(snapshot.readWarnings[0]).toMatch(new RegExp(`^GET /instance answered ${instance}: `));
      expect(snapshot.readWarnings[1]).toMatch(
        new RegExp(`^GET /instance/organization_settings answered ${settings}: `),
      );
      expect(snapshot.readWarnings[2]).toMatch(new RegExp(`^GET /organization_roles answered ${roles}: .*not checked`));
      // The rest of the snapshot is read as usual.
      expect(snapshot.users).toHaveLength(4);
      expect(snapshot.organizations.map((org) => org.slug)).toEqual(['org-000']);
    },
  );

  it('falls back for what the settings leave out or answer unexpectedly, and says so', async () => {
    const { fake, client } = await setup();
    fake.settings = {
      instance: { object: 'instance', id: 'ins_1', environment_type: 'staging' },
      // An older instance: no slug_disabled; and a limit that is not a count.
      organizationSettings: { object: 'organization_settings', max_allowed_memberships: 'many', creator_role: '' },
      roles: ['org:admin'],
    };
    const snapshot = await fetchLiveSnapshot(client, { managedOrgs: [] });
    expect(snapshot.instance).toStrictEqual({
      environment: null,
      slugsEnabled: true,
      maxAllowedMemberships: 0,
      creatorRole: 'org:admin',
      roles: ['org:admin'],
      userCount: 0,
    });
    expect(snapshot.readWarnings).toEqual([
      expect.stringMatching(/^GET \/instance gave environment_type "staging"/),
      expect.stringMatching(/no slug_disabled: assuming organization slugs are enabled$/),
      expect.stringMatching(/no usable max_allowed_memberships/),
      expect.stringMatching(/no creator_role: assuming org:admin$/),
    ]);
  });

  it('fails on an error that is not a refusal of the feature (401, 400)', async () => {
    const unauthorized = await setup();
    unauthorized.fake.settings.instance = 401;
    await expect(fetchLiveSnapshot(unauthorized.client, { managedOrgs: [] })).rejects.toMatchObject({
      code: 'api_error',
      status: 401,
    });
    const broken = await setup();
    broken.fake.settings.roles = 400;
    await expect(fetchLiveSnapshot(broken.client, { managedOrgs: [] })).rejects.toMatchObject({ status: 400 });
  });

  it('reads the settings while the users are read, not before or after', async () => {
    const { fake, client } = await setup();
    seedFake(fake, { users: 20, organizations: 0, memberships: 0 });
    let usersAsked = (): void => undefined;
    const usersRequested = new Promise<void>((resolve) => {
      usersAsked = resolve;
    });
    let settingsHeld = false;
    fake.onRequest = (route) => {
      if (route === 'GET /v1/users') usersAsked();
    };
    // GET /instance is answered only once the first page of users was asked for: a read that waited for the
    // settings before reading users would stall here until the timeout.
    fake.beforeAnswer = async (route) => {
      if (route !== 'GET /v1/instance') return;
      const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 2000).unref());
      settingsHeld = (await Promise.race([usersRequested.then(() => 'users' as const), timeout])) === 'users';
    };
    const snapshot = await fetchLiveSnapshot(client, { managedOrgs: [] });
    expect(settingsHeld).toBe(true);
    expect(snapshot.instance.environment).toBe('development');
  });
});
