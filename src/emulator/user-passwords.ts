// Password endpoints: verify_password, remove_password and the compromised flag (which the emulator accepts and
// only stamps, as it has no sessions to revoke).

import { verifyDigest } from './password-digest.ts';
import { ClerkApiProblem } from './problem.ts';
import { type HandlerContext, type HandlerResult, ok, okJson } from './router.ts';
import { userJson } from './serialize.ts';
import { hashPassword, requireUser } from './user-rules.ts';
import { bodySpec, checkBody } from './validate.ts';

const VERIFY_PASSWORD = bodySpec({ password: 'string!' });
const REMOVE_PASSWORD = bodySpec({ sign_out_of_other_sessions: 'boolean?' });
const SET_COMPROMISED = bodySpec({ revoke_all_sessions: 'boolean?' });

function passwordIncorrect(): ClerkApiProblem {
  return new ClerkApiProblem(422, 'form_password_incorrect', 'Password is incorrect.', 'Password is incorrect.', {
    paramName: 'password',
  });
}

export function verifyPassword(context: HandlerContext): HandlerResult | Promise<HandlerResult> {
  const { store } = context;
  const user = requireUser(store, context.params.user_id);
  const body = checkBody(context.body ?? {}, VERIFY_PASSWORD);
  if (!user.password_enabled) {
    throw new ClerkApiProblem(400, 'password_not_set', 'no password', 'The user does not have a password set.');
  }
  const password = body.password as string;
  const { password_hash: hash, password_hasher: hasher } = user;
  if (hash !== null && hasher) {
    // Read before the await: the record may change while the digest is checked.
    return verifyDigest({ hasher, digest: hash }, password).then((verified) => {
      if (!verified) throw passwordIncorrect();
      return ok({ verified: true });
    });
  }
  if (hash === null || hash !== hashPassword(password)) throw passwordIncorrect();
  return ok({ verified: true });
}

/** POST /users/{id}/remove_password: a user without a password comes back unchanged. */
export function removePassword(context: HandlerContext): HandlerResult {
  const { store } = context;
  const user = requireUser(store, context.params.user_id);
  checkBody(context.body ?? {}, REMOVE_PASSWORD);
  if (user.password_enabled) {
    user.password_enabled = false;
    user.password_hash = null;
    user.password_hasher = null;
    user.password_last_updated_at = null;
    store.touchUser(user);
  }
  return okJson(userJson(store, user));
}

export function setCompromised(context: HandlerContext): HandlerResult {
  const { store } = context;
  const user = requireUser(store, context.params.user_id);
  checkBody(context.body ?? {}, SET_COMPROMISED);
  store.touchUser(user);
  return okJson(userJson(store, user));
}
