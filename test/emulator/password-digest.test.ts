// POST /users with password_digest + password_hasher on the emulator: what it stores and verifies, and what it
// refuses (docs/clerk-api.md#password-digests): hashers it cannot verify, malformed or too costly digests, a digest
// with a password, and a hasher or digest alone.

import { describe, expect, it } from 'vitest';
import { emulatorFetch, withEmulator } from '../helpers/emulator.ts';

const emulator = withEmulator();
const BCRYPT = '$2b$04$abcdefghijklmnopqrstuu5Q0a7bQ6n0a9n2jWQ0yJmJ0bP1rJc1e';

async function create(extra: Record<string, unknown>) {
  const response = await emulatorFetch(emulator, 'POST', '/users', {
    external_id: `u-${Math.random().toString(36).slice(2)}`,
    ...extra,
  });
  const error = (response.body as { errors?: { code: string; meta?: { param_name?: string } }[] }).errors?.[0];
  return { status: response.status, code: error?.code, param: error?.meta?.param_name, body: response.body };
}

describe('password digests on POST /users', () => {
  it('creates a user with a digest, which satisfies the password requirement, and verifies against it', async () => {
    const { bcrypt } = await import('hash-wasm');
    const digest = await bcrypt({ password: 'Right-Password-1', salt: new Uint8Array(16), costFactor: 4 });
    const created = await create({ password_digest: digest, password_hasher: 'bcrypt' });
    expect(created.status).toBe(200);
    const user = created.body as { id: string; password_enabled: boolean };
    expect(user.password_enabled).toBe(true);
    const verify = (password: string) =>
      emulatorFetch(emulator, 'POST', `/users/${user.id}/verify_password`, { password });
    expect((await verify('Right-Password-1')).status).toBe(200);
    expect((await verify('Wrong-Password-1')).status).toBe(422);
  });

  it.each([
    [
      'a hasher it cannot verify',
      { password_digest: '5f4dcc3b5aa765d61d8327deb882cf99', password_hasher: 'md5' },
      'password_hasher',
    ],
    ['an unknown hasher', { password_digest: BCRYPT, password_hasher: 'bcrypt2' }, 'password_hasher'],
    ['a malformed digest', { password_digest: '$2b$04$short', password_hasher: 'bcrypt' }, 'password_digest'],
    [
      'a bcrypt cost over 16',
      { password_digest: BCRYPT.replace('$04$', '$17$'), password_hasher: 'bcrypt' },
      'password_digest',
    ],
    [
      'argon2 memory over 256 MiB',
      {
        password_digest: '$argon2id$v=19$m=524288,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA',
        password_hasher: 'argon2id',
      },
      'password_digest',
    ],
    [
      'a digest and a password',
      { password_digest: BCRYPT, password_hasher: 'bcrypt', password: 'Another-Pass-1' },
      'password_digest',
    ],
    ['a hasher without a digest', { password_hasher: 'bcrypt', skip_password_requirement: true }, 'password_hasher'],
  ])('refuses %s with 422 form_param_value_invalid', async (_name, body, param) => {
    const refused = await create(body);
    expect([refused.status, refused.code, refused.param]).toEqual([422, 'form_param_value_invalid', param]);
  });

  it('refuses a digest without its hasher with 422 form_param_missing', async () => {
    const refused = await create({ password_digest: BCRYPT });
    expect([refused.status, refused.code, refused.param]).toEqual([422, 'form_param_missing', 'password_hasher']);
  });
});
