// The user rules of a new Clerk instance, each from the emulator's settings: a password is required, passwords are
// checked (length, breached), all-digit usernames are refused, a development instance holds 100 users, a user's
// last identification and OAuth-linked emails cannot be deleted, locks expire. Seeds load past caps. Every body is
// checked against the spec.

import { describe, expect, it } from 'vitest';
import type { WireEmailAddress, WireUser } from '../../src/clerk/index.ts';
import { startEmulator } from '../../src/emulator/index.ts';
import { emulatorFetch, withEmulator } from '../helpers/emulator.ts';
import { firstError, specFetch } from './spec-fetch.ts';

let now = 1_800_000_000_000;
const emu = withEmulator({ clock: () => now });

const PASSWORD = 'a-Long-unbreached-1';

async function create(body: Record<string, unknown>) {
  return specFetch(emu, 'POST', '/users', '/users', body);
}

async function created(body: Record<string, unknown>): Promise<WireUser> {
  const response = await create(body);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body as WireUser;
}

async function patch(id: string, body: Record<string, unknown>) {
  return specFetch(emu, 'PATCH', '/users/{user_id}', `/users/${id}`, body);
}

async function getUser(id: string): Promise<WireUser> {
  const response = await specFetch(emu, 'GET', '/users/{user_id}', `/users/${id}`);
  expect(response.status).toBe(200);
  return response.body as WireUser;
}

describe('password requirement', () => {
  it('refuses POST /users without a password: 422 form_data_missing naming password', async () => {
    emu.reset();
    const response = await create({ external_id: 'nopass', email_address: ['nopass@example.com'] });
    expect(response.status).toBe(422);
    expect(firstError(response)).toEqual({
      code: 'form_data_missing',
      message: 'missing data',
      long_message: `["password"] data doesn't match user requirements set for this instance`,
      meta: { param_names: ['password'] },
    });
    expect((await specFetch(emu, 'GET', '/users/count', '/users/count')).body).toMatchObject({ total_count: 0 });
  });

  it('accepts a password, a password digest, or skip_password_requirement', async () => {
    const withPassword = await created({ external_id: 'p1', password: PASSWORD });
    expect(withPassword.password_enabled).toBe(true);
    const withDigest = await created({
      external_id: 'p2',
      password_digest: '$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy',
      password_hasher: 'bcrypt',
    });
    expect(withDigest.password_enabled).toBe(true);
    const skipped = await created({ external_id: 'p3', skip_password_requirement: true });
    expect(skipped.password_enabled).toBe(false);
    // skip_password_checks skips the checks of a given password, not the requirement (spec POST /users).
    const checksOnly = await create({ external_id: 'p4', skip_password_checks: true });
    expect(firstError(checksOnly)?.code).toBe('form_data_missing');
  });

  it('follows password_required: false', async () => {
    emu.updateSettings({ password_required: false });
    try {
      expect((await created({ external_id: 'p5' })).password_enabled).toBe(false);
    } finally {
      emu.updateSettings({ password_required: true });
    }
  });
});

describe('password checks', () => {
  it('refuses a password shorter than the minimum, on create and update', async () => {
    emu.reset();
    const short = await create({ external_id: 's1', password: 'Ab3$efg' });
    expect(short.status).toBe(422);
    expect(firstError(short)).toEqual({
      code: 'form_password_length_too_short',
      message: 'Passwords must be 8 characters or more.',
      long_message: 'Passwords must be 8 characters or more.',
      meta: { param_name: 'password' },
    });
    const user = await created({ external_id: 's2', password: PASSWORD });
    const update = await patch(user.id, { password: 'Ab3$efg' });
    expect(update.status).toBe(422);
    expect(firstError(update)?.code).toBe('form_password_length_too_short');
    emu.updateSettings({ password_min_length: 12 });
    try {
      const twelve = await create({ external_id: 's3', password: 'Ab3$efgh-ij' });
      expect(firstError(twelve)?.long_message).toBe('Passwords must be 12 characters or more.');
    } finally {
      emu.updateSettings({ password_min_length: 8 });
    }
  });

  it('refuses breached passwords (any case) with form_password_pwned, on create and update', async () => {
    for (const password of ['password123', 'Password123', '12345678', 'qwerty123', 'iloveyou']) {
      const response = await create({ external_id: 'b1', password });
      expect(response.status, password).toBe(422);
      expect(firstError(response), password).toEqual({
        code: 'form_password_pwned',
        message:
          'Password has been found in an online data breach. For account safety, please use a different password.',
        long_message:
          'Password has been found in an online data breach. For account safety, please use a different password.',
        meta: { param_name: 'password' },
      });
    }
    const user = await created({ external_id: 'b2', password: PASSWORD });
    expect(firstError(await patch(user.id, { password: 'iloveyou' }))?.code).toBe('form_password_pwned');
  });

  it('skips both checks with skip_password_checks: true, and the breached list with password_breached_check: false', async () => {
    await created({ external_id: 'k1', password: 'short', skip_password_checks: true });
    await created({ external_id: 'k2', password: 'password123', skip_password_checks: true });
    const user = await created({ external_id: 'k3', password: PASSWORD });
    expect((await patch(user.id, { password: 'abc', skip_password_checks: true })).status).toBe(200);
    emu.updateSettings({ password_breached_check: false });
    try {
      await created({ external_id: 'k4', password: 'password123' });
    } finally {
      emu.updateSettings({ password_breached_check: true });
    }
  });
});

describe('usernames', () => {
  it('refuses all-digit usernames on create and update, unless the instance allows them', async () => {
    emu.reset();
    const response = await create({ username: '12345', password: PASSWORD });
    expect(response.status).toBe(422);
    expect(firstError(response)).toEqual({
      code: 'form_username_needs_non_number_char',
      message: 'Username must contain one non-number character.',
      long_message: 'Username must contain one non-number character.',
      meta: { param_name: 'username' },
    });
    const user = await created({ username: 'user1234', password: PASSWORD });
    expect(firstError(await patch(user.id, { username: '98765' }))?.code).toBe('form_username_needs_non_number_char');
    emu.updateSettings({ numeric_usernames_refused: false });
    try {
      expect((await patch(user.id, { username: '98765' })).status).toBe(200);
    } finally {
      emu.updateSettings({ numeric_usernames_refused: true });
    }
  });
});

describe('user cap', () => {
  it('holds 100 users on a development instance: the 101st is 403 user_quota_exceeded', async () => {
    emu.reset();
    // The seed loads past the cap's check; 100 users fill a development instance.
    emu.seed({ users: Array.from({ length: 100 }, (_, i) => ({ external_id: `cap-${i}` })) });
    const response = await create({ external_id: 'cap-100', password: PASSWORD });
    expect(response.status).toBe(403);
    expect(firstError(response)).toEqual({
      code: 'user_quota_exceeded',
      message: 'user quota exceeded',
      long_message:
        'You have reached your limit of 100 users. If you need more users, please use a Production instance.',
    });
    await specFetch(emu, 'DELETE', '/users/{user_id}', `/users/${await getFirstUserId()}`);
    await created({ external_id: 'cap-100', password: PASSWORD });
  });

  it('follows user_cap (null = none) and words the refusal for production', async () => {
    emu.reset();
    emu.updateSettings({ user_cap: 2 });
    try {
      await created({ external_id: 'c1', password: PASSWORD });
      await created({ external_id: 'c2', password: PASSWORD });
      expect((await create({ external_id: 'c3', password: PASSWORD })).status).toBe(403);
      emu.updateSettings({ user_cap: null });
      await created({ external_id: 'c3', password: PASSWORD });
    } finally {
      emu.updateSettings({ user_cap: 100 });
    }
    const live = await startEmulator({ port: 0, secretKey: 'sk_live_cap', settings: { user_cap: 0 } });
    try {
      const refused = await specFetch(live, 'POST', '/users', '/users', { external_id: 'x', password: PASSWORD });
      expect(firstError(refused)?.long_message).toBe(
        'You have reached your limit of 0 users. You can remove the user limit by upgrading to a paid plan.',
      );
    } finally {
      await live.close();
    }
  });
});

async function getFirstUserId(): Promise<string> {
  const page = (await specFetch(emu, 'GET', '/users', '/users?limit=1&order_by=created_at')).body as WireUser[];
  return page[0]?.id ?? '';
}

describe('seeding past caps and quotas', () => {
  it('seeds users without passwords and past the user cap, then enforces both again', async () => {
    emu.reset();
    const response = await emulatorFetch(
      emu,
      'POST',
      '/__emulator/seed',
      { users: Array.from({ length: 101 }, (_, i) => ({ external_id: `seed-${i}` })) },
      { noAuth: true },
    );
    expect(response.status, response.text.slice(0, 300)).toBe(200);
    expect(response.body).toMatchObject({ users: 101 });
    expect(firstError(await create({ external_id: 'after-seed', skip_password_requirement: true }))?.code).toBe(
      'user_quota_exceeded',
    );
    emu.reset();
    expect(firstError(await create({ external_id: 'after-seed' }))?.code).toBe('form_data_missing');
  });

  it('still validates seeded passwords and usernames, and restores the rules after a failed seed', async () => {
    emu.reset();
    expect(() => emu.seed({ users: [{ external_id: 'weak', password: 'password123' }] })).toThrow(/data breach/);
    expect(() => emu.seed({ users: [{ external_id: 'digits', username: '2024' }] })).toThrow(/non-number/);
    expect(firstError(await create({ external_id: 'after-failure' }))?.code).toBe('form_data_missing');
  });
});

describe('deleting identifications', () => {
  it("refuses deleting a user's last identification (400 identification_deletion_failed)", async () => {
    emu.reset();
    const user = await created({ email_address: ['only@example.com'], password: PASSWORD });
    const emailId = user.email_addresses[0]?.id ?? '';
    const response = await specFetch(
      emu,
      'DELETE',
      '/email_addresses/{email_address_id}',
      `/email_addresses/${emailId}`,
    );
    expect(response.status).toBe(400);
    expect(firstError(response)).toEqual({
      code: 'identification_deletion_failed',
      message: 'Deletion failed',
      long_message: 'You cannot delete your last identification.',
    });
    expect((await getUser(user.id)).email_addresses).toHaveLength(1);

    const both = await created({
      email_address: ['both@example.com'],
      phone_number: ['+15555550101'],
      password: PASSWORD,
    });
    const emailOk = await specFetch(
      emu,
      'DELETE',
      '/email_addresses/{email_address_id}',
      `/email_addresses/${both.email_addresses[0]?.id}`,
    );
    expect(emailOk.status).toBe(200);
    const phone = await specFetch(
      emu,
      'DELETE',
      '/phone_numbers/{phone_number_id}',
      `/phone_numbers/${both.phone_numbers[0]?.id}`,
    );
    expect(phone.status).toBe(400);
    expect(firstError(phone)?.code).toBe('identification_deletion_failed');
  });

  it('lets the last email go when the user has a username, and refuses clearing the username of a user with nothing else', async () => {
    const named = await created({ email_address: ['named@example.com'], username: 'named_user', password: PASSWORD });
    const response = await specFetch(
      emu,
      'DELETE',
      '/email_addresses/{email_address_id}',
      `/email_addresses/${named.email_addresses[0]?.id}`,
    );
    expect(response.status).toBe(200);
    const cleared = await patch(named.id, { username: null });
    expect(cleared.status).toBe(400);
    expect(firstError(cleared)?.code).toBe('identification_deletion_failed');
    expect((await getUser(named.id)).username).toBe('named_user');
  });

  it('follows identification_deletion_protected: false', async () => {
    const user = await created({ email_address: ['free@example.com'], password: PASSWORD });
    emu.updateSettings({ identification_deletion_protected: false });
    try {
      const response = await specFetch(
        emu,
        'DELETE',
        '/email_addresses/{email_address_id}',
        `/email_addresses/${user.email_addresses[0]?.id}`,
      );
      expect(response.status).toBe(200);
    } finally {
      emu.updateSettings({ identification_deletion_protected: true });
    }
  });

  it('seeds emails linked to OAuth accounts (linked_to on the wire) and refuses deleting them', async () => {
    emu.reset();
    emu.seed({
      users: [
        {
          external_id: 'linked',
          email_address: ['Google.User@Example.com', 'second@example.com'],
          email_addresses_linked_to: {
            'google.user@example.com': [{ type: 'oauth_google', id: 'idn_google1' }, { type: 'oauth_github' }],
          },
        },
      ],
    });
    const page = (await specFetch(emu, 'GET', '/users', '/users?external_id=linked')).body as WireUser[];
    const user = page[0] as WireUser;
    const [linked, plain] = user.email_addresses as [WireEmailAddress, WireEmailAddress];
    expect(linked.linked_to[0]).toEqual({ type: 'oauth_google', id: 'idn_google1' });
    expect(linked.linked_to[1]?.type).toBe('oauth_github');
    expect(linked.linked_to[1]?.id).toMatch(/^idn_/);
    expect(plain.linked_to).toEqual([]);
    const read = await specFetch(emu, 'GET', '/email_addresses/{email_address_id}', `/email_addresses/${linked.id}`);
    expect((read.body as WireEmailAddress).linked_to).toHaveLength(2);

    const response = await specFetch(
      emu,
      'DELETE',
      '/email_addresses/{email_address_id}',
      `/email_addresses/${linked.id}`,
    );
    expect(response.status).toBe(400);
    expect(firstError(response)).toEqual({
      code: 'delete_linked_identification_disallowed',
      message: 'Deleting a linked email address is not allowed',
      long_message:
        'This email address is linked to one or more Connected Accounts. Remove the Connected Account before deleting this email address.',
    });
    expect(
      (await specFetch(emu, 'DELETE', '/email_addresses/{email_address_id}', `/email_addresses/${plain.id}`)).status,
    ).toBe(200);
  });

  it('refuses a malformed link in the seed, creating nothing', async () => {
    emu.reset();
    for (const links of [
      { 'other@example.com': [{ type: 'oauth_google' }] },
      { 'me@example.com': [{ type: 'google' }] },
      { 'me@example.com': [] },
      { 'me@example.com': [{ type: 'oauth_google', provider: 'x' }] },
    ]) {
      const response = await emulatorFetch(
        emu,
        'POST',
        '/__emulator/seed',
        { users: [{ external_id: 'bad-link', email_address: ['me@example.com'], email_addresses_linked_to: links }] },
        { noAuth: true },
      );
      expect(response.status, JSON.stringify(links)).toBe(422);
      expect(firstError(response)).toMatchObject({
        code: 'form_param_value_invalid',
        meta: { param_name: 'email_addresses_linked_to' },
      });
    }
    expect((await specFetch(emu, 'GET', '/users/count', '/users/count')).body).toMatchObject({ total_count: 0 });
    // POST /users itself does not take the seed-only field.
    const direct = await create({
      email_address: ['me@example.com'],
      password: PASSWORD,
      email_addresses_linked_to: {},
    });
    expect(firstError(direct)?.code).toBe('form_param_unknown');
  });
});

describe('lockout', () => {
  it('a lock lasts lockout_duration_seconds: locked and lockout_expires_in_seconds count down on the clock', async () => {
    emu.reset();
    const user = await created({ external_id: 'lock-1', password: PASSWORD });
    const locked = (await specFetch(emu, 'POST', '/users/{user_id}/lock', `/users/${user.id}/lock`)).body as WireUser;
    expect(locked).toMatchObject({ locked: true, lockout_expires_in_seconds: 3600 });
    now += 1500;
    expect(await getUser(user.id)).toMatchObject({ locked: true, lockout_expires_in_seconds: 3599 });
    now += 3600_000 - 1501;
    expect(await getUser(user.id)).toMatchObject({ locked: true, lockout_expires_in_seconds: 1 });
    // Lists read the same state (no stale cached JSON).
    const listed = (await specFetch(emu, 'GET', '/users', '/users?external_id=lock-1')).body as WireUser[];
    expect(listed[0]).toMatchObject({ locked: true, lockout_expires_in_seconds: 1 });
    now += 1;
    expect(await getUser(user.id)).toMatchObject({ locked: false, lockout_expires_in_seconds: null });
    const listedAfter = (await specFetch(emu, 'GET', '/users', '/users?external_id=lock-1')).body as WireUser[];
    expect(listedAfter[0]).toMatchObject({ locked: false, lockout_expires_in_seconds: null });

    // Locking again starts a new lock; unlock ends it.
    const relocked = (await specFetch(emu, 'POST', '/users/{user_id}/lock', `/users/${user.id}/lock`)).body as WireUser;
    expect(relocked).toMatchObject({ locked: true, lockout_expires_in_seconds: 3600 });
    const unlocked = (await specFetch(emu, 'POST', '/users/{user_id}/unlock', `/users/${user.id}/unlock`))
      .body as WireUser;
    expect(unlocked).toMatchObject({ locked: false, lockout_expires_in_seconds: null });
  });

  it('users created locked follow the same rule; a null duration locks until unlocked', async () => {
    const user = await created({ external_id: 'lock-2', password: PASSWORD, locked: true });
    expect(user).toMatchObject({ locked: true, lockout_expires_in_seconds: 3600 });
    emu.updateSettings({ lockout_duration_seconds: 60 });
    now += 30_000;
    expect(await getUser(user.id)).toMatchObject({ locked: true, lockout_expires_in_seconds: 30 });
    emu.updateSettings({ lockout_duration_seconds: null });
    now += 10 * 3600_000;
    expect(await getUser(user.id)).toMatchObject({ locked: true, lockout_expires_in_seconds: null });
    emu.updateSettings({ lockout_duration_seconds: 3600 });
    expect(await getUser(user.id)).toMatchObject({ locked: false, lockout_expires_in_seconds: null });
  });
});
