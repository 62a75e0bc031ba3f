// Hashed passwords end to end (issue 18): `hash-password` makes a digest, a manifest creates users from digests
// (passwordDigest + passwordHasher) on an emulator that requires passwords, and each user's password verifies
// through POST /users/{id}/verify_password. The digest is shown nowhere; the emulator refuses what it cannot verify.

import { describe, expect, it } from 'vitest';
import { e2eContext } from '../helpers/cli.ts';
import { emulatorFetch } from '../helpers/emulator.ts';

const PASSWORD = 'Digest-Password-2026!';

describe('hash-password', () => {
  it('prints a bcrypt or argon2id digest of the first line of stdin, and nothing else', async () => {
    const e2e = await e2eContext();
    const bcrypt = await e2e.cli(['hash-password', '--cost', '4'], { input: `${PASSWORD}\nignored\n` });
    expect(bcrypt.code, bcrypt.stderr).toBe(0);
    expect(bcrypt.stdout).toMatch(/^\$2[ab]\$04\$[./A-Za-z0-9]{53}\n$/);
    expect(bcrypt.stderr).toBe('');
    const argon = await e2e.cli(['hash-password', '--hasher', 'argon2id', '--cost', '1'], { input: PASSWORD });
    expect(argon.stdout).toMatch(/^\$argon2id\$v=19\$m=19456,t=1,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+\n$/);
  });

  it('refuses an empty password and a cost out of range', async () => {
    const e2e = await e2eContext();
    const empty = await e2e.cli(['hash-password'], { input: '\nsecond line\n' });
    expect([empty.code, empty.stdout]).toEqual([1, '']);
    expect(empty.stderr).toContain('refuses an empty password');
    const cost = await e2e.cli(['hash-password', '--cost', '3'], { input: PASSWORD });
    expect(cost.stderr).toContain('--cost for bcrypt must be an integer from 4 to 31, got "3"');
  });
});

describe('users created from password digests', () => {
  it('verify their password through POST /users/{id}/verify_password, and the digest is never printed', async () => {
    // A new instance: a password is required, and a digest satisfies it.
    const e2e = await e2eContext();
    const bcrypt = (await e2e.cli(['hash-password', '--cost', '4'], { input: PASSWORD })).stdout.trim();
    const argon = (
      await e2e.cli(['hash-password', '--hasher', 'argon2id', '--cost', '1'], { input: PASSWORD })
    ).stdout.trim();
    const file = await e2e.write(
      'users.yaml',
      [
        'apiVersion: clerk-sync/v1',
        'users:',
        '  - externalId: from-env',
        '    passwordDigest: ${SEED_DIGEST}',
        '    passwordHasher: bcrypt',
        '  - externalId: inline',
        `    passwordDigest: "${argon}"`,
        '    passwordHasher: argon2id',
        '',
      ].join('\n'),
    );
    const env = { SEED_DIGEST: bcrypt };
    const plan = await e2e.cli(['plan', '-f', file], { env });
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('+ passwordDigest: (sensitive)');
    expect(plan.stdout).toContain('+ passwordHasher: "argon2id"');
    const apply = await e2e.cli(['apply', '-f', file, '--auto-approve', '--journal', 'j.jsonl'], { env });
    expect(apply.code, apply.stderr).toBe(0);
    for (const run of [plan, apply]) {
      for (const digest of [bcrypt, argon]) expect(run.stdout + run.stderr).not.toContain(digest);
    }
    const users = (await emulatorFetch(e2e.emulator, 'GET', '/users?limit=10')).body as {
      id: string;
      external_id: string;
      password_enabled: boolean;
    }[];
    expect(users.map((user) => [user.external_id, user.password_enabled]).sort()).toEqual([
      ['from-env', true],
      ['inline', true],
    ]);
    for (const user of users) {
      const right = await emulatorFetch(e2e.emulator, 'POST', `/users/${user.id}/verify_password`, {
        password: PASSWORD,
      });
      expect([right.status, right.body]).toEqual([200, { verified: true }]);
      const wrong = await emulatorFetch(e2e.emulator, 'POST', `/users/${user.id}/verify_password`, {
        password: `${PASSWORD}x`,
      });
      expect(wrong.status).toBe(422);
      expect(JSON.stringify(wrong.body)).toContain('form_password_incorrect');
    }
  });

  it('a digest the emulator cannot verify is refused at create, without the digest in the error', async () => {
    const e2e = await e2eContext();
    const md5 = '5f4dcc3b5aa765d61d8327deb882cf99';
    const file = await e2e.write(
      'users.yaml',
      `apiVersion: clerk-sync/v1\nusers:\n  - externalId: old\n    passwordDigest: ${md5}\n    passwordHasher: md5\n`,
    );
    const apply = await e2e.cli(['apply', '-f', file, '--auto-approve'], {});
    expect(apply.code).toBe(1);
    expect(apply.stdout + apply.stderr).toContain('form_param_value_invalid');
    expect(apply.stdout + apply.stderr).not.toContain(md5);
  });

  it('refuses password with passwordDigest, and a digest without its hasher, at the line', async () => {
    const e2e = await e2eContext();
    const digest = '$2a$04$abcdefghijklmnopqrstuu5Q0a7bQ6n0a9n2jWQ0yJmJ0bP1rJc1e';
    const file = await e2e.write(
      'bad.yaml',
      [
        'apiVersion: clerk-sync/v1',
        'users:',
        '  - externalId: both',
        '    password: ${PW}',
        `    passwordDigest: "${digest}"`,
        '    passwordHasher: bcrypt',
        '  - externalId: half',
        `    passwordDigest: "${digest}"`,
        '  - externalId: wrong',
        `    passwordDigest: "${digest}"`,
        '    passwordHasher: bcrypt2',
        '',
      ].join('\n'),
    );
    const run = await e2e.cli(['validate', '-f', file], { env: { PW: PASSWORD } });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('bad.yaml:5:21: error[conflicting_password_fields]');
    expect(run.stderr).toContain('bad.yaml:8:21: error[incomplete_password_digest]');
    expect(run.stderr).toMatch(
      /bad\.yaml:11:21: error\[invalid_value\]: passwordHasher must be one of .*bcrypt.*did you mean "bcrypt"/,
    );
    expect(run.stderr).not.toContain(digest);
  });
});
