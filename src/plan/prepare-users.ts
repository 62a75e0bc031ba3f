// What createPlan can compute from the manifest and the live users alone, before the memberships are read: which live
// user each manifest user is (identity.ts) and each user's own field operations (diff-user.ts, planUserFields). A
// command computes it in steps while the memberships are still read (issue 17, "Overlap"); createPlan takes it only
// when it was computed from the very inputs it is given.

import type { DesiredState, LiveSnapshot, LiveUser } from '../model/index.ts';
import { runSteps, stepEndsAfter } from '../util/steps.ts';
import { planUserFields, type UserFieldContext } from './diff-user.ts';
import { type IdentityResult, matchUsers, matchUsersInSteps } from './identity.ts';
import { parseIgnore } from './ignore.ts';
import type { Operation } from './types.ts';

export interface PreparedUsers {
  desired: DesiredState;
  liveUsers: readonly LiveUser[];
  /** The plan options' ignore paths the field operations were computed with (PlanOptions.ignore). */
  ignore: readonly string[];
  identity: IdentityResult;
  /** The field operations of every match, in the matches' order. */
  fieldOperations: Operation[];
}

/** The user field operations of every match, a step per USERS_PER_STEP users. */
function* fieldOperationsInSteps(identity: IdentityResult, context: UserFieldContext): Generator<void, Operation[]> {
  const operations: Operation[] = [];
  const { matches } = identity;
  for (let index = 0; index < matches.length; index += 1) {
    const { desired, live } = matches[index] as IdentityResult['matches'][number];
    for (const operation of planUserFields(desired, live, context)) operations.push(operation);
    if (stepEndsAfter(index + 1)) yield;
  }
  return operations;
}

function fieldContext(desired: DesiredState, ignore: readonly string[]): UserFieldContext {
  return { settings: desired.settings, ignore: parseIgnore([...desired.settings.ignore, ...ignore]) };
}

/** PreparedUsers in steps (the caller lets other work run between them): the match, then the field operations. */
export function* prepareUsersInSteps(
  desired: DesiredState,
  liveUsers: readonly LiveUser[],
  ignore: readonly string[],
): Generator<void, PreparedUsers> {
  const identity = yield* matchUsersInSteps(desired, { users: liveUsers });
  const fieldOperations = yield* fieldOperationsInSteps(identity, fieldContext(desired, ignore));
  return { desired, liveUsers, ignore: [...ignore], identity, fieldOperations };
}

/** prepareUsersInSteps run to its end. */
export function prepareUsers(
  desired: DesiredState,
  liveUsers: readonly LiveUser[],
  ignore: readonly string[],
): PreparedUsers {
  return runSteps(prepareUsersInSteps(desired, liveUsers, ignore));
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item, index) => item === b[index]);
}

/** The identity of `desired` against `live`: the prepared one when computed from these very objects, else now. */
export function identityFor(desired: DesiredState, live: LiveSnapshot, prepared?: PreparedUsers): IdentityResult {
  return prepared !== undefined && prepared.desired === desired && prepared.liveUsers === live.users
    ? prepared.identity
    : matchUsers(desired, live);
}

/**
 * The identity and field operations of `desired` against `live`: the prepared ones when they were computed from these
 * very objects (the field operations also with the same ignore paths), else computed now.
 */
export function usersFor(
  desired: DesiredState,
  live: LiveSnapshot,
  ignore: readonly string[],
  prepared?: PreparedUsers,
): { identity: IdentityResult; fieldOperations: Operation[] } {
  const identity = identityFor(desired, live, prepared);
  if (identity === prepared?.identity && sameList(prepared.ignore, ignore)) {
    return { identity, fieldOperations: prepared.fieldOperations };
  }
  return { identity, fieldOperations: runSteps(fieldOperationsInSteps(identity, fieldContext(desired, ignore))) };
}
