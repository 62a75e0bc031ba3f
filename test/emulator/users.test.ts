// Raw HTTP tests of the user endpoints: listing rules (filters, order_by, starting_after), counts, bulk ban,
// metadata semantics, uniqueness, addresses and the smaller endpoints. Every body is checked against the spec.

import { describe, expect, it } from 'vitest';
import type { WireEmailAddress, WireUser } from '../../src/clerk/index.ts';
import { withEmulator } from '../helpers/emulator.ts';
import { firstError, specFetch } from './spec-fetch.ts';

// A fixed clock that only moves when told to: created_at values are exact and ties are deliberate.
let now = 1_700_000_000_000;
// About the endpoints' behaviour, not the password rule (test/emulator/user-rules.test.ts has that).
const emu = withEmulator({ clock: () => now, settings: { password_required: false } });

async function createUser(body: Record<string, unknown>): Promise<WireUser> {
  const response = await specFetch(emu, 'POST', '/users', '/users', body);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body as WireUser;
}

async function listUsers(query: string): Promise<WireUser[]> {
  const response = await specFetch(emu, 'GET', '/users', `/users?${query}`);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body as WireUser[];
}

async function count(query: string): Promise<number> {
  const response = await specFetch(emu, 'GET', '/users/count', `/users/count?${query}`);
  expect(response.status).toBe(200);
  return (response.body as { total_count: number }).total_count;
}

describe('listing users', () => {
  const ids: string[] = [];
  it('creates a population with distinct and equal timestamps', async () => {
    emu.reset();
    for (let i = 0; i < 12; i++) {
      // Pairs share a millisecond, so the id tie-break matters.
      now = 1_700_000_000_000 + Math.floor(i / 2) * 1000;
      const user = await createUser({
        external_id: `ext-${String(i).padStart(2, '0')}`,
        email_address: [`person${i}@example.com`],
        username: `person_${String(i).padStart(2, '0')}`,
        first_name: i % 3 === 0 ? null : `Name${11 - i}`,
        last_name: 'Tester',
        ...(i % 4 === 0 ? { banned: true } : {}),
      });
      ids.push(user.id);
    }
    expect(await count('')).toBe(12);
  });

  it('walks the whole list with starting_after in both created_at orders, without gaps or repeats', async () => {
    for (const order of ['+created_at', '-created_at']) {
      const seen: WireUser[] = [];
      let cursor: string | undefined;
      for (;;) {
        const page = await listUsers(
          `limit=5&order_by=${encodeURIComponent(order)}${cursor ? `&starting_after=${cursor}` : ''}`,
        );
        seen.push(...page);
        if (page.length < 5) break;
        cursor = page[page.length - 1]?.id;
      }
      expect(seen).toHaveLength(12);
      expect(new Set(seen.map((user) => user.id)).size).toBe(12);
      const keys = seen.map((user) => [user.created_at, user.id] as const);
      const sorted = [...keys].sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : 1));
      expect(keys).toEqual(order === '+created_at' ? sorted : sorted.reverse());
    }
  });

  it('combines starting_after with created_at bounds and filters', async () => {
    const after = 1_700_000_000_000 + 1000; // strictly after: users 4..11
    const before = 1_700_000_000_000 + 5000; // strictly before: users 0..9
    const all = await listUsers(`limit=100&order_by=created_at&created_at_after=${after}&created_at_before=${before}`);
    expect(all.map((user) => user.external_id).sort()).toEqual([
      'ext-04',
      'ext-05',
      'ext-06',
      'ext-07',
      'ext-08',
      'ext-09',
    ]);
    const first = await listUsers(`limit=2&order_by=created_at&created_at_after=${after}&created_at_before=${before}`);
    const rest = await listUsers(
      `limit=100&order_by=created_at&created_at_after=${after}&created_at_before=${before}&starting_after=${first[1]?.id}`,
    );
    expect([...first, ...rest].map((user) => user.id)).toEqual(all.map((user) => user.id));
    expect(await count(`created_at_after=${after}&created_at_before=${before}`)).toBe(6);

    const notBanned = await listUsers('limit=100&banned=false&order_by=created_at');
    expect(notBanned.every((user) => !user.banned)).toBe(true);
    expect(notBanned).toHaveLength(9);
    const cursorPage = await listUsers(`limit=100&banned=false&order_by=created_at&starting_after=${notBanned[4]?.id}`);
    expect(cursorPage.map((user) => user.id)).toEqual(notBanned.slice(5).map((user) => user.id));
  });

  it('keeps a cursor working after its user is deleted', async () => {
    now += 1000;
    const victim = await createUser({ external_id: 'cursor-victim' });
    now += 1000;
    const next = await createUser({ external_id: 'cursor-next' });
    const before = await listUsers(`limit=3&order_by=created_at&starting_after=${victim.id}`);
    expect(before.map((user) => user.id)).toEqual([next.id]);
    const deleted = await specFetch(emu, 'DELETE', '/users/{user_id}', `/users/${victim.id}`);
    expect(deleted.body).toEqual({ object: 'user', id: victim.id, deleted: true });
    expect((await listUsers(`limit=3&order_by=created_at&starting_after=${victim.id}`)).map((user) => user.id)).toEqual(
      [next.id],
    );
    // Descending from the deleted cursor: everything older, i.e. the whole population (newest first).
    const newestFirst = (await listUsers('limit=100&order_by=-created_at')).map((user) => user.id);
    expect(newestFirst[0]).toBe(next.id);
    expect(
      (await listUsers(`limit=100&order_by=-created_at&starting_after=${victim.id}`)).map((user) => user.id),
    ).toEqual(newestFirst.slice(1));
    await specFetch(emu, 'DELETE', '/users/{user_id}', `/users/${next.id}`);
    expect(await count('')).toBe(12);
  });

  it('rejects starting_after with other orderings or a non-zero offset, and unknown cursors', async () => {
    const other = await specFetch(emu, 'GET', '/users', `/users?order_by=username&starting_after=${ids[0]}`);
    expect(other.status).toBe(422);
    expect(firstError(other)?.meta?.param_name).toBe('starting_after');
    const offset = await specFetch(emu, 'GET', '/users', `/users?offset=5&starting_after=${ids[0]}`);
    expect(offset.status).toBe(422);
    const zero = await specFetch(
      emu,
      'GET',
      '/users',
      `/users?offset=0&starting_after=${ids[0]}&order_by=%2Bcreated_at`,
    );
    expect(zero.status).toBe(200);
    const unknown = await specFetch(emu, 'GET', '/users', '/users?starting_after=user_doesnotexist');
    expect(unknown.status).toBe(422);
  });

  it('validates limit and offset', async () => {
    for (const query of ['limit=0', 'limit=501', 'limit=abc', 'offset=-1']) {
      const response = await specFetch(emu, 'GET', '/users', `/users?${query}`);
      expect(response.status, query).toBe(422);
      expect(firstError(response)?.meta?.param_name).toBe(query.split('=')[0]);
    }
    expect(await listUsers('limit=500')).toHaveLength(12);
    expect(await listUsers('')).toHaveLength(10);
  });

  it('orders by other fields, the first order_by winning, nulls last ascending', async () => {
    const byUsername = await listUsers('limit=100&order_by=username&order_by=-created_at');
    const names = byUsername.map((user) => user.username);
    expect(names).toEqual([...names].sort());
    const byFirstName = await listUsers('limit=100&order_by=-first_name');
    const firstNames = byFirstName.map((user) => user.first_name);
    // Descending: nulls first, then Z..A.
    expect(firstNames.slice(0, 4)).toEqual([null, null, null, null]);
    const rest = firstNames.slice(4) as string[];
    expect(rest).toEqual([...rest].sort((a, b) => b.localeCompare(a)));
    const bad = await specFetch(emu, 'GET', '/users', '/users?order_by=shoe_size');
    expect(bad.status).toBe(422);
    expect(firstError(bad)?.meta?.param_name).toBe('order_by');
  });

  it('filters by ids with +/- prefixes, identifiers and substring queries', async () => {
    const include = await listUsers(`user_id=${ids[1]}&user_id=%2B${ids[2]}&limit=100`);
    expect(include.map((user) => user.id).sort()).toEqual([ids[1], ids[2]].sort());
    const exclude = await listUsers(`user_id=-${ids[1]}&limit=100`);
    expect(exclude.map((user) => user.id)).not.toContain(ids[1]);
    expect(exclude).toHaveLength(11);
    const externalMixed = await listUsers('external_id=ext-03&external_id=ext-05&external_id=-ext-05&limit=100');
    expect(externalMixed.map((user) => user.external_id)).toEqual(['ext-03']);
    expect((await listUsers('username=PERSON_07')).map((user) => user.external_id)).toEqual(['ext-07']);
    expect(
      await count('email_address=person2@example.com&email_address=person3@example.com&email_address=nobody@x.io'),
    ).toBe(2);
    expect(await count('email_address_query=PERSON1')).toBe(3); // person1, person10, person11
    expect(await count('username_query=son_0')).toBe(10);
    expect(await count('name_query=name10')).toBe(1);
    expect(await count('query=tester')).toBe(12);
    expect(await count('banned=true')).toBe(3);
    expect(await count('last_sign_in_at_after=0')).toBe(0);
    expect(await count('web3_wallet=0xabc')).toBe(0);
    const tooMany = await specFetch(
      emu,
      'GET',
      '/users',
      `/users?${Array.from({ length: 101 }, (_, i) => `user_id=u${i}`).join('&')}`,
    );
    expect(tooMany.status).toBe(422);
  });

  it('filters by organization membership', async () => {
    const org = (await specFetch(emu, 'POST', '/organizations', '/organizations', { name: 'Filter Org' })).body as {
      id: string;
    };
    for (const id of [ids[3], ids[4]]) {
      await specFetch(
        emu,
        'POST',
        '/organizations/{organization_id}/memberships',
        `/organizations/${org.id}/memberships`,
        {
          user_id: id,
          role: 'org:member',
        },
      );
    }
    expect((await listUsers(`organization_id=${org.id}&limit=100`)).map((user) => user.id).sort()).toEqual(
      [ids[3], ids[4]].sort(),
    );
    expect(await count(`organization_id=-${org.id}`)).toBe(10);
  });
});

describe('updating users', () => {
  it('moves updated_at strictly forward on every mutation, even within one millisecond', async () => {
    const user = await createUser({ external_id: 'stamp', first_name: 'A' });
    let last = user.updated_at;
    for (const [method, template, path, body] of [
      ['PATCH', '/users/{user_id}', `/users/${user.id}`, { first_name: 'B' }],
      ['PATCH', '/users/{user_id}/metadata', `/users/${user.id}/metadata`, { public_metadata: { a: 1 } }],
      ['POST', '/users/{user_id}/ban', `/users/${user.id}/ban`, undefined],
      ['POST', '/users/{user_id}/lock', `/users/${user.id}/lock`, undefined],
    ] as const) {
      const response = await specFetch(emu, method, template, path, body);
      expect(response.status).toBe(200);
      const updated = response.body as WireUser;
      expect(updated.updated_at).toBeGreaterThan(last);
      last = updated.updated_at;
    }
  });

  it('deep-merges metadata on PATCH, deleting null keys at any level, and replaces on PUT', async () => {
    const user = await createUser({
      external_id: 'meta',
      public_metadata: { a: { b: { c: 1, d: 2 }, list: [1, 2, 3] }, keep: true },
      private_metadata: { p: 1 },
      unsafe_metadata: { u: 1 },
    });
    const merged = await specFetch(emu, 'PATCH', '/users/{user_id}/metadata', `/users/${user.id}/metadata`, {
      public_metadata: { a: { b: { c: null, e: 5 }, list: [4] }, keep: null, fresh: { x: null, y: 1 } },
    });
    const body = merged.body as WireUser;
    expect(body.public_metadata).toEqual({ a: { b: { d: 2, e: 5 }, list: [4] }, fresh: { y: 1 } });
    expect(body.private_metadata).toEqual({ p: 1 });
    expect(body.unsafe_metadata).toEqual({ u: 1 });

    const replaced = await specFetch(emu, 'PUT', '/users/{user_id}/metadata', `/users/${user.id}/metadata`, {
      private_metadata: { only: 1 },
      unsafe_metadata: {},
    });
    const after = replaced.body as WireUser;
    expect(after.public_metadata).toEqual(body.public_metadata);
    expect(after.private_metadata).toEqual({ only: 1 });
    expect(after.unsafe_metadata).toEqual({});
  });

  it('refuses metadata over 8 KB without changing anything', async () => {
    const user = await createUser({ external_id: 'big-meta', public_metadata: { small: 1 } });
    const big = { blob: 'x'.repeat(8200) };
    const refused = await specFetch(emu, 'PATCH', '/users/{user_id}/metadata', `/users/${user.id}/metadata`, {
      public_metadata: big,
    });
    expect(refused.status).toBe(422);
    expect(firstError(refused)?.code).toBe('form_param_exceeds_allowed_size');
    expect(firstError(refused)?.meta?.param_name).toBe('public_metadata');
    const created = await specFetch(emu, 'POST', '/users', '/users', { private_metadata: big });
    expect(created.status).toBe(422);
    const current = (await specFetch(emu, 'GET', '/users/{user_id}', `/users/${user.id}`)).body as WireUser;
    expect(current.public_metadata).toEqual({ small: 1 });
    expect(current.updated_at).toBe(user.updated_at);
  });

  it('rejects metadata on PATCH /users/{id} (API 2026-05-12) but accepts it for older versions', async () => {
    const user = await createUser({ external_id: 'legacy' });
    const refused = await specFetch(emu, 'PATCH', '/users/{user_id}', `/users/${user.id}`, {
      first_name: 'X',
      public_metadata: { a: 1 },
    });
    expect(refused.status).toBe(422);
    expect(firstError(refused)?.code).toBe('form_param_unknown');
    expect(firstError(refused)?.meta?.param_name).toBe('public_metadata');
    const legacy = await specFetch(
      emu,
      'PATCH',
      '/users/{user_id}',
      `/users/${user.id}`,
      { public_metadata: { a: 1 } },
      { headers: { 'clerk-api-version': '2025-11-10' } },
    );
    expect(legacy.status).toBe(200);
    expect((legacy.body as WireUser).public_metadata).toEqual({ a: 1 });
  });

  it('enforces uniqueness on update and ignores the user itself', async () => {
    // An email besides the username: clearing the username must not remove the user's last identification.
    const a = await createUser({ external_id: 'uniq-a', username: 'uniq_a', email_address: ['uniq-a@example.com'] });
    await createUser({ external_id: 'uniq-b', username: 'uniq_b' });
    const same = await specFetch(emu, 'PATCH', '/users/{user_id}', `/users/${a.id}`, {
      username: 'UNIQ_A',
      external_id: 'uniq-a',
    });
    expect(same.status).toBe(200);
    const clash = await specFetch(emu, 'PATCH', '/users/{user_id}', `/users/${a.id}`, { external_id: 'uniq-b' });
    expect(clash.status).toBe(422);
    expect(firstError(clash)).toMatchObject({ code: 'form_identifier_exists', meta: { param_name: 'external_id' } });
    const cleared = await specFetch(emu, 'PATCH', '/users/{user_id}', `/users/${a.id}`, { username: null });
    expect((cleared.body as WireUser).username).toBeNull();
    // The freed username can be taken by someone else now.
    expect((await specFetch(emu, 'POST', '/users', '/users', { username: 'uniq_a' })).status).toBe(200);
  });

  it('bulk bans and unbans up to 50 users, answering the users', async () => {
    const users = await Promise.all([1, 2, 3].map((i) => createUser({ external_id: `bulk-${i}` })));
    const ids = users.map((user) => user.id);
    const banned = await specFetch(emu, 'POST', '/users/ban', '/users/ban', { user_ids: ids });
    expect(banned.status).toBe(200);
    expect((banned.body as WireUser[]).map((user) => [user.id, user.banned])).toEqual(ids.map((id) => [id, true]));
    const unbanned = await specFetch(emu, 'POST', '/users/unban', '/users/unban', { user_ids: ids.slice(0, 2) });
    expect((unbanned.body as WireUser[]).every((user) => !user.banned)).toBe(true);
    const tooMany = await specFetch(emu, 'POST', '/users/ban', '/users/ban', {
      user_ids: Array.from({ length: 51 }, () => ids[0]),
    });
    expect(tooMany.status).toBe(400);
    expect(firstError(tooMany)?.code).toBe('bulk_size_exceeded');
    const empty = await specFetch(emu, 'POST', '/users/ban', '/users/ban', { user_ids: [] });
    expect(empty.status).toBe(422);
    const unknown = await specFetch(emu, 'POST', '/users/ban', '/users/ban', { user_ids: [ids[2], 'user_missing'] });
    expect(unknown.status).toBe(404);
    // Nothing was half-applied: the third user is still banned from before, the first still unbanned.
    expect(((await specFetch(emu, 'GET', '/users/{user_id}', `/users/${ids[0]}`)).body as WireUser).banned).toBe(false);
  });

  it('verifies TOTP codes (RFC 6238 test vector) and backup codes, once each', async () => {
    // RFC 6238 appendix B: the SHA-1 secret "12345678901234567890" at T = 1111111109 s gives 07081804 (8 digits).
    const saved = now;
    now = 1_111_111_109_000;
    try {
      const user = await createUser({
        external_id: 'totp',
        totp_secret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ',
        backup_codes: ['backup-one'],
      });
      const verify = (code: string) =>
        specFetch(emu, 'POST', '/users/{user_id}/verify_totp', `/users/${user.id}/verify_totp`, { code });
      expect((await verify('081804')).body).toEqual({ verified: true, code_type: 'totp' });
      const wrong = await verify('000000');
      expect(wrong.status).toBe(422);
      expect((await verify('backup-one')).body).toEqual({ verified: true, code_type: 'backup_code' });
      expect((await verify('backup-one')).status).toBe(422);
      const plain = await createUser({ external_id: 'no-mfa' });
      const none = await specFetch(emu, 'POST', '/users/{user_id}/verify_totp', `/users/${plain.id}/verify_totp`, {
        code: '123456',
      });
      expect(none.status).toBe(400);
      const missing = await specFetch(emu, 'POST', '/users/{user_id}/verify_totp', '/users/user_missing/verify_totp', {
        code: '123456',
      });
      expect(missing.status).toBe(404);
    } finally {
      now = saved;
    }
  });

  it('removes passwords, lists no trusted devices, and answers billing as not enabled', async () => {
    const user = await createUser({ external_id: 'pw-remove', password: 'a-good-password' });
    expect(user.password_enabled).toBe(true);
    const removed = await specFetch(
      emu,
      'POST',
      '/users/{user_id}/remove_password',
      `/users/${user.id}/remove_password`,
      {},
    );
    expect((removed.body as WireUser).password_enabled).toBe(false);
    const again = await specFetch(
      emu,
      'POST',
      '/users/{user_id}/verify_password',
      `/users/${user.id}/verify_password`,
      { password: 'a-good-password' },
    );
    expect(again.status).toBe(400);
    const devices = await specFetch(
      emu,
      'GET',
      '/users/{user_id}/trusted_devices',
      `/users/${user.id}/trusted_devices`,
    );
    expect(devices.body).toEqual({ data: [], total_count: 0 });
    const revoke = await specFetch(
      emu,
      'DELETE',
      '/users/{user_id}/trusted_devices/{trusted_device_id}',
      `/users/${user.id}/trusted_devices/td_1`,
    );
    expect(revoke.status).toBe(404);
    const billing = await specFetch(
      emu,
      'GET',
      '/users/{user_id}/billing/subscription',
      `/users/${user.id}/billing/subscription`,
    );
    expect(billing.status).toBe(404);
  });

  it('verifies passwords and handles the smaller user endpoints', async () => {
    const user = await createUser({
      external_id: 'misc',
      password: 'a-good-password',
      totp_secret: 'JBSWY3DPEHPK3PXP',
    });
    expect(user.totp_enabled).toBe(true);
    expect(user.two_factor_enabled).toBe(true);
    const verified = await specFetch(
      emu,
      'POST',
      '/users/{user_id}/verify_password',
      `/users/${user.id}/verify_password`,
      {
        password: 'a-good-password',
      },
    );
    expect(verified.body).toEqual({ verified: true });
    const wrong = await specFetch(
      emu,
      'POST',
      '/users/{user_id}/verify_password',
      `/users/${user.id}/verify_password`,
      {
        password: 'nope-nope-nope',
      },
    );
    expect(wrong.status).toBe(422);
    const short = await specFetch(emu, 'POST', '/users', '/users', { password: 'short' });
    expect(firstError(short)?.code).toBe('form_password_length_too_short');

    const mfa = await specFetch(emu, 'DELETE', '/users/{user_id}/mfa', `/users/${user.id}/mfa`);
    expect(mfa.body).toEqual({ user_id: user.id });
    const after = (await specFetch(emu, 'GET', '/users/{user_id}', `/users/${user.id}`)).body as WireUser;
    expect(after.totp_enabled).toBe(false);
    expect(after.mfa_disabled_at).not.toBeNull();
    expect((await specFetch(emu, 'DELETE', '/users/{user_id}/totp', `/users/${user.id}/totp`)).status).toBe(200);
    expect(
      (await specFetch(emu, 'DELETE', '/users/{user_id}/backup_code', `/users/${user.id}/backup_code`)).status,
    ).toBe(200);

    const image = await specFetch(
      emu,
      'POST',
      '/users/{user_id}/profile_image',
      `/users/${user.id}/profile_image`,
      undefined,
      {
        rawBody: '--b\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\nPNG\r\n--b--\r\n',
        headers: { 'content-type': 'multipart/form-data; boundary=b' },
      },
    );
    expect((image.body as WireUser).has_image).toBe(true);
    const noImage = await specFetch(emu, 'DELETE', '/users/{user_id}/profile_image', `/users/${user.id}/profile_image`);
    expect((noImage.body as WireUser).has_image).toBe(false);

    for (const [template, path] of [
      ['/users/{user_id}/passkeys/{passkey_identification_id}', `/users/${user.id}/passkeys/idn_x`],
      ['/users/{user_id}/web3_wallets/{web3_wallet_identification_id}', `/users/${user.id}/web3_wallets/idn_x`],
      ['/users/{user_id}/external_accounts/{external_account_id}', `/users/${user.id}/external_accounts/eac_x`],
    ] as const) {
      expect((await specFetch(emu, 'DELETE', template, path)).status).toBe(404);
    }
    const compromised = await specFetch(
      emu,
      'POST',
      '/users/{user_id}/password/set_compromised',
      `/users/${user.id}/password/set_compromised`,
      {},
    );
    expect(compromised.status).toBe(200);
    expect(
      (
        await specFetch(
          emu,
          'POST',
          '/users/{user_id}/password/unset_compromised',
          `/users/${user.id}/password/unset_compromised`,
        )
      ).status,
    ).toBe(200);
    const invitations = await specFetch(
      emu,
      'GET',
      '/users/{user_id}/organization_invitations',
      `/users/${user.id}/organization_invitations`,
    );
    expect(invitations.body).toEqual({ data: [], total_count: 0 });
    const tokens = await specFetch(
      emu,
      'GET',
      '/users/{user_id}/oauth_access_tokens/{provider}',
      `/users/${user.id}/oauth_access_tokens/oauth_google`,
    );
    expect(tokens.body).toEqual([]);
  });
});

describe('email addresses and phone numbers', () => {
  it('adds, verifies, promotes and deletes identifiers, keeping a primary', async () => {
    const user = await createUser({ external_id: 'idents', email_address: ['first@example.com'] });
    const firstId = user.primary_email_address_id as string;
    const added = await specFetch(emu, 'POST', '/email_addresses', '/email_addresses', {
      user_id: user.id,
      email_address: 'Second@Example.com',
      verified: true,
    });
    expect(added.status).toBe(200);
    const second = added.body as WireEmailAddress;
    expect(second.email_address).toBe('second@example.com');
    expect(second.verification?.status).toBe('verified');
    expect(second.linked_to).toEqual([]);

    const unverified = (
      await specFetch(emu, 'POST', '/email_addresses', '/email_addresses', {
        user_id: user.id,
        email_address: 'third@example.com',
      })
    ).body as WireEmailAddress;
    expect(unverified.verification).toBeNull();
    const notPrimary = await specFetch(emu, 'PATCH', '/users/{user_id}', `/users/${user.id}`, {
      primary_email_address_id: unverified.id,
    });
    expect(notPrimary.status).toBe(422);
    const foreign = await createUser({ email_address: ['foreign@example.com'] });
    const notOwned = await specFetch(emu, 'PATCH', '/users/{user_id}', `/users/${user.id}`, {
      primary_email_address_id: foreign.primary_email_address_id,
    });
    expect(notOwned.status).toBe(422);
    expect(firstError(notOwned)?.meta?.param_name).toBe('primary_email_address_id');

    const promoted = await specFetch(emu, 'PATCH', '/users/{user_id}', `/users/${user.id}`, {
      primary_email_address_id: second.id,
    });
    expect((promoted.body as WireUser).primary_email_address_id).toBe(second.id);

    const patched = await specFetch(
      emu,
      'PATCH',
      '/email_addresses/{email_address_id}',
      `/email_addresses/${unverified.id}`,
      {
        verified: true,
      },
    );
    expect((patched.body as WireEmailAddress).verification?.status).toBe('verified');
    const read = await specFetch(emu, 'GET', '/email_addresses/{email_address_id}', `/email_addresses/${firstId}`);
    expect((read.body as WireEmailAddress).email_address).toBe('first@example.com');

    const removed = await specFetch(
      emu,
      'DELETE',
      '/email_addresses/{email_address_id}',
      `/email_addresses/${second.id}`,
    );
    expect(removed.body).toEqual({ object: 'email_address', id: second.id, deleted: true });
    const afterDelete = (await specFetch(emu, 'GET', '/users/{user_id}', `/users/${user.id}`)).body as WireUser;
    expect(afterDelete.primary_email_address_id).toBe(firstId);
    expect(afterDelete.email_addresses.map((email) => email.email_address)).toEqual([
      'first@example.com',
      'third@example.com',
    ]);
    // The removed address is free again.
    expect((await specFetch(emu, 'POST', '/users', '/users', { email_address: ['second@example.com'] })).status).toBe(
      200,
    );

    const taken = await specFetch(emu, 'POST', '/email_addresses', '/email_addresses', {
      user_id: user.id,
      email_address: 'foreign@example.com',
    });
    expect(firstError(taken)).toMatchObject({ code: 'form_identifier_exists', meta: { param_name: 'email_address' } });
    const missingUser = await specFetch(emu, 'POST', '/email_addresses', '/email_addresses', {
      user_id: 'user_missing',
      email_address: 'x@example.com',
    });
    expect(missingUser.status).toBe(404);
  });

  it('handles phone numbers with E.164 validation and primary promotion on delete', async () => {
    // An email too: deleting the last phone number must not remove the user's last identification.
    const user = await createUser({
      external_id: 'phones',
      phone_number: ['+15555550111'],
      email_address: ['phones@example.com'],
    });
    const bad = await specFetch(emu, 'POST', '/phone_numbers', '/phone_numbers', {
      user_id: user.id,
      phone_number: '555-0100',
    });
    expect(firstError(bad)).toMatchObject({ code: 'form_param_format_invalid', meta: { param_name: 'phone_number' } });
    const added = await specFetch(emu, 'POST', '/phone_numbers', '/phone_numbers', {
      user_id: user.id,
      phone_number: '+447700900123',
      verified: true,
    });
    expect(added.status).toBe(200);
    const phoneId = (added.body as { id: string }).id;
    const patched = await specFetch(emu, 'PATCH', '/phone_numbers/{phone_number_id}', `/phone_numbers/${phoneId}`, {
      primary: true,
    });
    expect(patched.status).toBe(200);
    expect((await specFetch(emu, 'GET', '/phone_numbers/{phone_number_id}', `/phone_numbers/${phoneId}`)).status).toBe(
      200,
    );
    const removed = await specFetch(emu, 'DELETE', '/phone_numbers/{phone_number_id}', `/phone_numbers/${phoneId}`);
    expect(removed.status).toBe(200);
    const after = (await specFetch(emu, 'GET', '/users/{user_id}', `/users/${user.id}`)).body as WireUser;
    expect(after.primary_phone_number_id).toBe(user.primary_phone_number_id);
    const last = await specFetch(
      emu,
      'DELETE',
      '/phone_numbers/{phone_number_id}',
      `/phone_numbers/${user.primary_phone_number_id}`,
    );
    expect(last.status).toBe(200);
    expect(
      ((await specFetch(emu, 'GET', '/users/{user_id}', `/users/${user.id}`)).body as WireUser).primary_phone_number_id,
    ).toBeNull();
  });
});
