// Second factors: verifying a TOTP or backup code, and turning TOTP, backup codes or both off.

import { createHmac } from 'node:crypto';
import { ClerkApiProblem } from './problem.ts';
import { type HandlerContext, type HandlerResult, ok } from './router.ts';
import { hashPassword, requireUser } from './user-rules.ts';
import { bodySpec, checkBody } from './validate.ts';

const VERIFY_TOTP = bodySpec({ code: 'string!' });

/** RFC 4648 base32 (the alphabet TOTP secrets are written in); undefined when the text is not base32. */
function base32(text: string): Buffer | undefined {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const char of text.toUpperCase().replace(/=+$/, '')) {
    const index = alphabet.indexOf(char);
    if (index < 0) return undefined;
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** RFC 6238 TOTP: HMAC-SHA1, 30 s steps, 6 digits (what authenticator apps and Clerk use). */
export function totpCode(secret: string, atMs: number): string | undefined {
  const key = base32(secret);
  if (!key) return undefined;
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(atMs / 1000 / 30)));
  const digest = createHmac('sha1', key).update(counter).digest();
  const offset = (digest[digest.length - 1] as number) & 0x0f;
  const binary = digest.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 1_000_000).padStart(6, '0');
}

/** POST /users/{id}/verify_totp: a TOTP code (this step or either neighbour) or an unused backup code (consumed). */
export function verifyTotp(context: HandlerContext): HandlerResult {
  const { store } = context;
  const user = requireUser(store, context.params.user_id);
  const body = checkBody(context.body ?? {}, VERIFY_TOTP);
  if (!user.totp_enabled && !user.backup_code_enabled) {
    throw new ClerkApiProblem(
      400,
      'totp_not_enabled',
      'TOTP is not enabled',
      'The user does not have TOTP configured.',
    );
  }
  const code = body.code as string;
  const now = store.now();
  if (user.totp_enabled && user.totp_secret) {
    for (const step of [-30_000, 0, 30_000]) {
      if (totpCode(user.totp_secret, now + step) === code) return ok({ verified: true, code_type: 'totp' });
    }
  }
  const hashes = user.backup_code_hashes ?? [];
  const used = hashes.indexOf(hashPassword(code));
  if (user.backup_code_enabled && used >= 0) {
    user.backup_code_hashes = hashes.filter((_, index) => index !== used);
    store.touchUser(user);
    return ok({ verified: true, code_type: 'backup_code' });
  }
  throw new ClerkApiProblem(422, 'form_code_incorrect', 'Incorrect code', 'The provided code is incorrect.', {
    paramName: 'code',
  });
}

export function disableSecondFactor(which: 'mfa' | 'totp' | 'backup_code') {
  return (context: HandlerContext): HandlerResult => {
    const { store } = context;
    const user = requireUser(store, context.params.user_id);
    const wasEnabled = user.totp_enabled || user.backup_code_enabled;
    if (which !== 'backup_code') {
      user.totp_enabled = false;
      user.totp_secret = null;
    }
    if (which !== 'totp') {
      user.backup_code_enabled = false;
      user.backup_code_hashes = [];
    }
    if (wasEnabled && !user.totp_enabled && !user.backup_code_enabled) user.mfa_disabled_at = store.now();
    store.touchUser(user);
    return ok({ user_id: user.id });
  };
}
