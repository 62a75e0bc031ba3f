// A targeted read of the users (read-strategy.ts): the live users holding any identifier the manifest names, with
// the exact-match filters of GET /users, up to 100 values a request (docs/clerk-api.md#list-filters-take-up-to-100-values),
// each filter kind in requests of its own: the spec does not say how two filters in one request combine.

import type { QueryValue } from '../clerk/index.ts';
import type { LiveUser } from '../model/index.ts';
import { chunks } from '../util/chunks.ts';
import { mapLimit } from './parallel.ts';
import { FILTER_BATCH, FILTER_KINDS, type FilterKind, type FilterValues } from './read-strategy.ts';

/** Largest page a filtered request asks for: more than its 100 values can match (each identifier is one user's). */
const FILTERED_PAGE = 500;

export interface TargetedReadContext {
  concurrency: number;
  /** GET /users with the query; rows checked (wireUserProblem) and mapped to the model. */
  getUsers(query: Record<string, QueryValue>): Promise<LiveUser[]>;
  onPage(users: number): void;
}

/** The identifiers of a user one filter kind compares, lower-cased where Clerk matches without case. */
function identifiers(user: LiveUser, kind: FilterKind): string[] {
  switch (kind) {
    case 'external_id':
      return user.externalId === null ? [] : [user.externalId];
    case 'email_address':
      // Already lower-cased by the mapping (LiveEmailAddress).
      return user.emailAddresses.map((email) => email.emailAddress);
    case 'phone_number':
      return user.phoneNumbers.map((phone) => phone.phoneNumber);
    case 'username':
      return user.username === null ? [] : [user.username.toLowerCase()];
    default: {
      const unreachable: never = kind;
      return unreachable;
    }
  }
}

/**
 * The users holding the values, or undefined when the server did not honour a filter (a user that holds none of
 * the values asked for, or a full page): the caller then reads every user, since a plan from a partial answer would
 * create users that exist.
 */
export async function fetchTargetedUsers(
  context: TargetedReadContext,
  values: FilterValues,
): Promise<LiveUser[] | undefined> {
  const requests = FILTER_KINDS.flatMap((kind) => chunks(values[kind], FILTER_BATCH).map((batch) => ({ kind, batch })));
  const byId = new Map<string, LiveUser>();
  let honoured = true;
  await mapLimit(requests, context.concurrency, async ({ kind, batch }) => {
    if (!honoured) return;
    const page = await context.getUsers({ [kind]: batch, limit: FILTERED_PAGE, order_by: '+created_at' });
    const asked = new Set(kind === 'username' ? batch.map((value) => value.toLowerCase()) : batch);
    if (page.length >= FILTERED_PAGE || !page.every((user) => identifiers(user, kind).some((id) => asked.has(id)))) {
      honoured = false;
      return;
    }
    for (const user of page) if (!byId.has(user.id)) byId.set(user.id, user);
    context.onPage(page.length);
  });
  return honoured ? [...byId.values()] : undefined;
}
