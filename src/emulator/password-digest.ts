// Password digests on POST /users (password_digest + password_hasher): checked, stored in place of the emulator's
// own password hash, and verified by verify_password with hash-wasm (WebAssembly bcrypt and argon2).
// Clerk accepts 17 hashers (spec 2026-05-12, schema PasswordHasher) and expects each digest in its own format (Clerk
// docs reference/backend/user/create-user: bcrypt `$<version>$<cost>$<salt & hash>`, argon2 the PHC string). The
// emulator can verify bcrypt, argon2i and argon2id only; it refuses the other hashers at create, stricter than Clerk,
// so a seed whose passwords a test cannot sign in with fails where it is written, not at the first sign-in.

import { PASSWORD_HASHERS } from '../fields/user-fields.ts';
import { ClerkApiProblem, paramValueInvalid } from './problem.ts';
import { type Body, str } from './user-rules.ts';

/** The hashers the emulator verifies, with the digest format it accepts for each. */
const VERIFIABLE: Record<string, RegExp> = {
  bcrypt: /^\$2[abxy]\$\d{2}\$[./A-Za-z0-9]{53}$/,
  argon2i: /^\$argon2i\$v=19\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+={0,2}\$[A-Za-z0-9+/]+={0,2}$/,
  argon2id: /^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+={0,2}\$[A-Za-z0-9+/]+={0,2}$/,
};

/**
 * Whether checking the digest stays within what a local test server should spend (argon2: 256 MiB, 64 passes, 16
 * lanes; bcrypt: cost 16), so a seed cannot make verify_password exhaust the machine. Stricter than Clerk, which
 * documents no bounds.
 */
function withinEmulatorCost(digest: string): boolean {
  const argon = /\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(digest);
  if (argon) return Number(argon[1]) <= 262_144 && Number(argon[2]) <= 64 && Number(argon[3]) <= 16;
  const cost = /^\$2[abxy]\$(\d{2})\$/.exec(digest);
  return cost === null || Number(cost[1]) <= 16;
}

export interface PasswordDigest {
  hasher: string;
  digest: string;
}

/** The body's digest and hasher, checked; undefined when the body has no digest. */
export function readPasswordDigest(body: Body, password: string | null): PasswordDigest | undefined {
  const digest = str(body, 'password_digest') ?? null;
  const hasher = str(body, 'password_hasher') ?? null;
  if (digest === null || digest === '') {
    if (hasher !== null)
      throw paramValueInvalid('password_hasher', 'password_hasher is given without password_digest.');
    return undefined;
  }
  // Undocumented; stricter: a user gets one password, so two sources of it are refused.
  if (password !== null) {
    throw paramValueInvalid('password_digest', 'password and password_digest cannot both be given.');
  }
  if (hasher === null) {
    throw new ClerkApiProblem(422, 'form_param_missing', 'is missing', 'password_hasher must be included.', {
      paramName: 'password_hasher',
    });
  }
  if (!(PASSWORD_HASHERS as readonly string[]).includes(hasher)) {
    throw paramValueInvalid('password_hasher', `${hasher} is not a supported password hasher.`);
  }
  const format = VERIFIABLE[hasher];
  if (!format) {
    throw paramValueInvalid(
      'password_hasher',
      `The clerk-sync emulator cannot verify ${hasher} digests (it verifies bcrypt, argon2i and argon2id); Clerk accepts them.`,
    );
  }
  if (!format.test(digest) || !withinEmulatorCost(digest)) {
    throw paramValueInvalid('password_digest', `The password digest is not a valid ${hasher} digest.`);
  }
  return { hasher, digest };
}

/** Whether `password` matches a stored digest. */
export async function verifyDigest(stored: PasswordDigest, password: string): Promise<boolean> {
  const { argon2Verify, bcryptVerify } = await import('hash-wasm');
  try {
    if (stored.hasher === 'bcrypt') return await bcryptVerify({ password, hash: stored.digest });
    return await argon2Verify({ password, hash: stored.digest });
  } catch {
    // A digest of the right shape that hash-wasm cannot read matches no password.
    return false;
  }
}
