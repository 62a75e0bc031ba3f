// Rules every user endpoint shares: finding the user, password and username checks, and the password hash that
// verify_password and backup codes compare against.

import { createHash } from 'node:crypto';
import { ClerkApiProblem, userNotFound } from './problem.ts';
import type { UserRecord } from './records.ts';
import type { Store } from './store.ts';

export type Body = Record<string, unknown>;

export const METADATA_FIELDS = ['public_metadata', 'private_metadata', 'unsafe_metadata'] as const;

export function str(body: Body, name: string): string | null | undefined {
  return body[name] as string | null | undefined;
}

export function hashPassword(password: string): string {
  return createHash('sha256').update(`clerk-sync-emulator:${password}`).digest('hex');
}

/**
 * Stand-in for Clerk's breached-password check (HIBP): a few of the most common breached passwords of 8 or more
 * characters, compared case-insensitively (stricter than an exact match).
 */
const BREACHED_PASSWORDS = new Set([
  'password',
  'password1',
  'password12',
  'password123',
  'passw0rd',
  '12345678',
  '123456789',
  '1234567890',
  '11111111',
  '00000000',
  '87654321',
  'qwertyuiop',
  'qwerty123',
  'qwerty12',
  '1q2w3e4r',
  'iloveyou',
  'sunshine',
  'football',
  'baseball',
  'princess',
  'welcome1',
  'letmein1',
  'admin123',
  'abc12345',
  'trustno1',
  'changeme',
]);

export function formProblem(code: string, message: string, param: string): ClerkApiProblem {
  return new ClerkApiProblem(422, code, message, message, { paramName: param });
}

/**
 * The instance's password rules (min length, breached list); `skip_password_checks: true` skips them, as in Clerk
 * (spec POST /users). Wording: Clerk's server messages (a public copy of its apierror helpers; the catalog, clerk-docs
 * data/api_errors.json, has the codes with empty messages).
 */
export function checkPassword(store: Store, password: string, skipChecks: boolean): void {
  if (skipChecks) return;
  const min = store.settings.password_min_length;
  if ([...password].length < min) {
    throw formProblem('form_password_length_too_short', `Passwords must be ${min} characters or more.`, 'password');
  }
  if (store.settings.password_breached_check && BREACHED_PASSWORDS.has(password.toLowerCase())) {
    throw formProblem(
      'form_password_pwned',
      'Password has been found in an online data breach. For account safety, please use a different password.',
      'password',
    );
  }
}

// Clerk's username rules: 4 to 64 characters, letters, digits, `_` and `-`; not all digits unless the instance
// allows it (catalog: form_username_needs_non_number_char).
export function checkUsername(store: Store, username: string): void {
  if (username.length < 4 || username.length > 64) {
    throw formProblem('form_username_invalid_length', 'Username must be between 4 and 64 characters long.', 'username');
  }
  if (!/^[A-Za-z0-9_-]+$/.test(username)) {
    throw formProblem(
      'form_username_invalid_character',
      'Username can only contain letters, numbers and - or _.',
      'username',
    );
  }
  if (store.settings.numeric_usernames_refused && /^[0-9]+$/.test(username)) {
    throw formProblem(
      'form_username_needs_non_number_char',
      'Username must contain one non-number character.',
      'username',
    );
  }
}

export function requireUser(store: Store, id: string | undefined): UserRecord {
  const user = id === undefined ? undefined : store.users.get(id);
  if (!user || id === undefined) throw userNotFound(id ?? '');
  return user;
}
