// Bad requests get Clerk's error body with the right status and code, and the emulator keeps serving: auth,
// unknown routes, odd ids, malformed or oversized bodies, wrong content types, unknown or mistyped fields. Also
// checks that the spec checker used by every emulator test has teeth.

import { describe, expect, it } from 'vitest';
import type { WireUser } from '../../src/clerk/index.ts';
import { emulatorFetch, withEmulator } from '../helpers/emulator.ts';
import { expectMatchesSpec } from '../helpers/openapi.ts';
import { firstError, rawRequest, specFetch } from './spec-fetch.ts';

// About error shapes, not the password rule (test/emulator/user-rules.test.ts has that).
const emu = withEmulator({ secretKey: 'sk_test_errors_suite', settings: { password_required: false } });

describe('authentication', () => {
  it('answers 401 without a key, with a malformed header or a wrong key, and counts those requests', async () => {
    emu.resetStats();
    const missing = await specFetch(emu, 'GET', '/users', '/users', undefined, { noAuth: true });
    expect(missing.status).toBe(401);
    expect(firstError(missing)?.code).toBe('authorization_header_format_invalid');
    const malformed = await specFetch(emu, 'GET', '/users', '/users', undefined, {
      headers: { authorization: `Token ${emu.secretKey}` },
    });
    expect(malformed.status).toBe(401);
    const wrong = await specFetch(emu, 'GET', '/users', '/users', undefined, {
      headers: { authorization: 'Bearer sk_test_errors_suitf' },
    });
    expect(wrong.status).toBe(401);
    expect(firstError(wrong)?.code).toBe('clerk_key_invalid');
    expect(emu.stats()).toMatchObject({ total: 3, byRoute: { 'GET /v1/users': 3 }, byStatus: { '401': 3 } });
  });

  it('serves the test hooks without auth, outside /v1 and outside the stats', async () => {
    emu.resetStats();
    const stats = await emulatorFetch(emu, 'GET', '/__emulator/stats', undefined, { noAuth: true });
    expect(stats.status).toBe(200);
    expect(stats.body).toEqual({ total: 0, byRoute: {}, byStatus: {}, faults: {} });
    const unknownHook = await emulatorFetch(emu, 'GET', '/__emulator/nope', undefined, { noAuth: true });
    expect(unknownHook.status).toBe(404);
  });
});

describe('routing and ids', () => {
  it('answers exactly application/json, also on errors', async () => {
    const ok = await emulatorFetch(emu, 'GET', '/users');
    expect(ok.headers.get('content-type')).toBe('application/json');
    const notFound = await emulatorFetch(emu, 'GET', '/users/user_missing');
    expect(notFound.headers.get('content-type')).toBe('application/json');
  });

  it('answers 404 resource_not_found for unknown routes, methods and ids', async () => {
    for (const [method, path] of [
      ['GET', '/nothing-here'],
      ['GET', '/v1'],
      ['POST', '/users/count'],
      ['GET', '/users/user_missing/ban'],
    ] as const) {
      const response = await emulatorFetch(emu, method, path);
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(firstError(response)?.code).toBe('resource_not_found');
    }
    const user = await specFetch(emu, 'GET', '/users/{user_id}', '/users/user_2xhFjEI5X2qWRvtV13BzSj8H6Dk');
    expect(user.status).toBe(404);
    expect(firstError(user)?.long_message).toBe('No user was found with id user_2xhFjEI5X2qWRvtV13BzSj8H6Dk');
    const org = await specFetch(emu, 'GET', '/organizations/{organization_id}', '/organizations/org_missing');
    expect(org.status).toBe(404);
  });

  it('treats dot segments, encoded slashes and junk in ids as ids that do not exist', async () => {
    const created = await specFetch(emu, 'POST', '/users', '/users', { external_id: 'path-target' });
    const id = (created.body as WireUser).id;
    for (const path of [
      '/v1/users/..',
      '/v1/users/../users',
      `/v1/users/..%2F${id}`,
      `/v1/users/${id}%2F..%2F..`,
      '/v1/users/%2e%2e',
      '/v1/users/%E0%A4%A',
      '/v1/users/%00',
      `/v1/organizations/%2F/memberships`,
      '/v1/users/%C3%A9%C3%A8%F0%9F%92%A5',
      '/v1/../v1/users',
    ]) {
      const response = await rawRequest(emu, 'GET', path);
      expect(response.status, path).toBe(404);
      expect(response.contentType).toBe('application/json');
      expect((response.body as { errors: { code: string }[] }).errors[0]?.code).toBe('resource_not_found');
    }
    // Still alive, and the real user is untouched.
    expect((await specFetch(emu, 'GET', '/users/{user_id}', `/users/${id}`)).status).toBe(200);
  });
});

describe('request bodies', () => {
  it('rejects malformed JSON with 400 request_body_invalid', async () => {
    const response = await specFetch(emu, 'POST', '/users', '/users', undefined, { rawBody: '{"external_id": ' });
    expect(response.status).toBe(400);
    expect(firstError(response)?.code).toBe('request_body_invalid');
  });

  it('rejects a non-JSON content type with 415', async () => {
    const response = await specFetch(emu, 'POST', '/users', '/users', undefined, {
      rawBody: 'external_id=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(response.status).toBe(415);
    expect(firstError(response)?.code).toBe('unsupported_content_type');
    const charset = await specFetch(emu, 'POST', '/users', '/users', undefined, {
      rawBody: '{"external_id":"charset-ok"}',
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    expect(charset.status).toBe(200);
  });

  it('rejects bodies over 1 MB with 413, declared or streamed', async () => {
    const big = JSON.stringify({ first_name: 'x'.repeat(1024 * 1024 + 10) });
    const response = await specFetch(emu, 'POST', '/users', '/users', undefined, { rawBody: big });
    expect(response.status).toBe(413);
    expect(firstError(response)?.code).toBe('request_body_too_large');
    const streamed = await fetch(`${emu.url}/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${emu.secretKey}`, 'content-type': 'application/json' },
      body: new Blob([big]).stream(),
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(((await streamed.json()) as { errors: { code: string }[] }).errors[0]?.code).toBe('request_body_too_large');
  });

  it('rejects unknown fields, wrong types and nulls with 422 naming the field', async () => {
    const cases: [unknown, string, string][] = [
      [{ nickname: 'x' }, 'form_param_unknown', 'nickname'],
      [{ first_name: 42 }, 'form_param_type_invalid', 'first_name'],
      [{ email_address: 'a@b.co' }, 'form_param_type_invalid', 'email_address'],
      [{ email_address: ['a@b.co', 7] }, 'form_param_type_invalid', 'email_address'],
      [{ public_metadata: [1] }, 'form_param_type_invalid', 'public_metadata'],
      [{ public_metadata: null }, 'form_param_nil', 'public_metadata'],
      [{ create_organizations_limit: 1.5 }, 'form_param_type_invalid', 'create_organizations_limit'],
      [{ email_address: ['a b@c.d'] }, 'form_param_format_invalid', 'email_address'],
      [{ phone_number: ['+0123'] }, 'form_param_format_invalid', 'phone_number'],
      [{ username: 'ab' }, 'form_username_invalid_length', 'username'],
      [{ username: 'bad name!' }, 'form_username_invalid_character', 'username'],
      [{ created_at: 'yesterday' }, 'form_param_format_invalid', 'created_at'],
      [
        { email_address: ['a@b.co'], email_address_identification_status: [] },
        'form_param_array_length_mismatch',
        'email_address_identification_status',
      ],
    ];
    for (const [body, code, param] of cases) {
      const response = await specFetch(emu, 'POST', '/users', '/users', body);
      expect(response.status, JSON.stringify(body)).toBe(422);
      expect(firstError(response), JSON.stringify(body)).toMatchObject({ code, meta: { param_name: param } });
    }
    const membership = await specFetch(emu, 'POST', '/organizations', '/organizations', {});
    expect(firstError(membership)).toMatchObject({ code: 'form_param_missing', meta: { param_name: 'name' } });
    const notObject = await specFetch(emu, 'POST', '/users', '/users', [1, 2]);
    expect(notObject.status).toBe(422);
  });

  it('rejects two API versions at once and malformed ones', async () => {
    const both = await specFetch(emu, 'GET', '/users', '/users?__clerk_api_version=2026-05-12', undefined, {
      headers: { 'clerk-api-version': '2026-05-12' },
    });
    expect(both.status).toBe(400);
    expect(firstError(both)?.code).toBe('api_version_invalid');
    const bad = await specFetch(emu, 'GET', '/users', '/users', undefined, {
      headers: { 'clerk-api-version': 'latest' },
    });
    expect(bad.status).toBe(400);
  });
});

describe('the spec checker', () => {
  it('rejects drifted shapes: an extra key, a missing required key, a wrong null, a bad enum', async () => {
    const user = (await specFetch(emu, 'POST', '/users', '/users', { external_id: 'shape' })).body as Record<
      string,
      unknown
    >;
    expect(() => expectMatchesSpec('GET', '/users/{user_id}', 200, { ...user, surprise: 1 })).toThrow();
    const { banned: _banned, ...withoutBanned } = user;
    expect(() => expectMatchesSpec('GET', '/users/{user_id}', 200, withoutBanned)).toThrow();
    expect(() => expectMatchesSpec('GET', '/users/{user_id}', 200, { ...user, public_metadata: null })).toThrow();
    expect(() => expectMatchesSpec('GET', '/users/{user_id}', 200, { ...user, object: 'person' })).toThrow();
    expect(() => expectMatchesSpec('GET', '/users/{user_id}', 200, { ...user, private_metadata: null })).not.toThrow();
    expect(() => expectMatchesSpec('GET', '/users/{user_id}', 404, { errors: [{ code: 'x' }] })).toThrow();
  });
});
