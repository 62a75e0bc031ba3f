// Every user of the instance (fetch-snapshot.ts decides when). Users are walked with the `starting_after` cursor in
// ascending created_at order (docs/clerk-api.md#cursor-pages-starting_after): deep offsets slow down and time out, and
// in ascending order a user created during the read lands after every cursor, so it can never shift a page and hide
// another user. Large instances are split into K disjoint created_at ranges (created_at_after/_before, Unix ms, taken
// as strict bounds per the spec's "after"/"before") walked in parallel. The cursor is recent (in the OpenAPI spec since
// 2026-08-12, in neither @clerk/backend nor Clerk's docs), so a walk falls back to created_at pages when a server
// ignores or refuses it, and the total read is checked against GET /users/count.

import type { QueryValue, WireTotalCount } from '../clerk/index.ts';
import { LiveStateError } from '../errors.ts';
import type { LiveUser } from '../model/index.ts';
import { countProblem, fromCheckedWireUser, readBeyondCount, readMargin, wireUserProblem } from './from-wire.ts';
import { mapLimit } from './parallel.ts';
import { checkedRow, get, invalid, PAGE_SIZE, type ReadContext, warn } from './read-pages.ts';

const userRow = checkedRow('GET /users', wireUserProblem, fromCheckedWireUser);

/** GET /users: the page's users, checked and mapped to the model as they are parsed. */
export async function getUsers(context: ReadContext, query: Record<string, QueryValue>): Promise<LiveUser[]> {
  const page = await get<unknown>(context, '/users', query, { at: 'body', map: userRow });
  if (!Array.isArray(page)) throw invalid('GET /users');
  return page as LiveUser[];
}

/** One created_at range: inclusive [from, to] in ms; undefined = open-ended. */
export interface CreatedAtRange {
  from?: number;
  to?: number;
}

/**
 * Splits [min, max] into at most `parts` disjoint ranges covering every integer ms. The first range is open below
 * and the last open above, so users created (or back-dated) outside the bounds during the read are still seen.
 */
export function splitCreatedAtRange(min: number, max: number, parts: number): CreatedAtRange[] {
  const span = max - min + 1;
  const count = Math.max(1, Math.min(parts, span));
  if (count === 1) return [{}];
  const starts = Array.from({ length: count }, (_, index) => min + Math.floor((index * span) / count));
  return starts.map((start, index) => {
    const next = starts[index + 1];
    return {
      ...(index === 0 ? {} : { from: start }),
      ...(next === undefined ? {} : { to: next - 1 }),
    };
  });
}

function inRange(user: LiveUser, range: CreatedAtRange): boolean {
  return (
    (range.from === undefined || user.createdAt >= range.from) && (range.to === undefined || user.createdAt <= range.to)
  );
}

/**
 * Users of a tie (one created_at ms) already read that a created_at page reads again: up to this many of them can be
 * deleted between two pages without the offset skipping an unread one.
 */
const TIE_OVERLAP = 10;

/** Statuses Clerk may answer for a starting_after naming a user that no longer exists (undocumented). */
const REFUSED_CURSOR_STATUSES: ReadonlySet<number> = new Set([400, 404, 422]);

function refusedCursor(error: unknown): boolean {
  const status = typeof error === 'object' && error !== null ? (error as { status?: unknown }).status : undefined;
  return typeof status === 'number' && REFUSED_CURSOR_STATUSES.has(status);
}

function paginationStuck(query: Record<string, QueryValue>): LiveStateError {
  return new LiveStateError('live_pagination_stuck', 'GET /users returned only users already read, twice', {
    meta: {
      createdAtAfter: typeof query.created_at_after === 'number' ? query.created_at_after : null,
      offset: typeof query.offset === 'number' ? query.offset : null,
    },
    hint: 'The API ignored starting_after, then created_at_after or offset too; check --api-url / CLERK_API_URL points at the Clerk Backend API.',
  });
}

/**
 * Walks one created_at range in ascending created_at order: with the starting_after cursor while the server honours
 * it, else by created_at pages (created_at_after = the last created_at read - 1, an offset within that ms), which a
 * deleted user cannot disturb beyond its own ms. Users already read are skipped, so overlapping pages cost nothing.
 */
async function walkRange(
  context: ReadContext,
  range: CreatedAtRange,
  onPage: (count: number) => void,
): Promise<LiveUser[]> {
  // Pages arrive mapped to the model (getUsers): keeping 100,000 wire users (every Clerk field) until the end of the
  // read doubled the peak memory of a plan (docs/performance.md).
  const users: LiveUser[] = [];
  const seen = new Set<string>();
  // The API's bounds are strict ("after"/"before"); our range is inclusive.
  const after = range.from === undefined ? undefined : range.from - 1;
  const before = range.to === undefined ? undefined : range.to + 1;
  let cursor: string | undefined;
  // The newest created_at read so far, and how many distinct users were read at exactly that ms.
  let last: number | undefined;
  let atLast = 0;
  // A cursor the server refused: the next page is read by created_at once, then the cursor is tried again.
  let refused: string | undefined;
  for (;;) {
    const byCreatedAt = last !== undefined && (refused !== undefined || !context.cursor.usable);
    const query: Record<string, QueryValue> = byCreatedAt
      ? {
          limit: PAGE_SIZE,
          order_by: '+created_at',
          created_at_after: Math.max(after ?? Number.NEGATIVE_INFINITY, (last as number) - 1),
          created_at_before: before,
          offset: Math.max(0, atLast - TIE_OVERLAP),
        }
      : {
          limit: PAGE_SIZE,
          order_by: '+created_at',
          created_at_after: after,
          created_at_before: before,
          starting_after: cursor,
        };
    let page: LiveUser[];
    try {
      page = await getUsers(context, query);
    } catch (error) {
      if (byCreatedAt || cursor === undefined || !refusedCursor(error)) throw error;
      // Its user deleted mid-read, Clerk may answer 400/404/422 for an unknown starting_after (undocumented).
      refused = cursor;
      continue;
    }
    // The created_at page starts at the refused cursor's ms: if its user is still there, the server refuses the
    // parameter itself, and every walk pages by created_at from then on.
    if (refused !== undefined && page.some((user) => user.id === refused) && context.cursor.usable) {
      context.cursor.usable = false;
      warn(context, 'GET /users refused starting_after: users were read in created_at pages instead');
    }
    refused = undefined;
    let added = 0;
    let fresh = 0;
    const budget = context.userBudget;
    const limit = budget.counted + readMargin(budget.counted);
    for (const user of page) {
      if (seen.has(user.id)) continue;
      seen.add(user.id);
      added += 1;
      // Each walk reads at most every user, and all walks together keep at most every user: the pages must end.
      if (seen.size > limit) throw readBeyondCount('GET /users', seen.size, budget.counted);
      if (last === undefined || user.createdAt > last) {
        last = user.createdAt;
        atLast = 1;
      } else if (user.createdAt === last) {
        atLast += 1;
      }
      // Filtering again keeps the ranges disjoint even if a server treated the bounds as inclusive.
      if (inRange(user, range)) {
        users.push(user);
        fresh += 1;
        budget.read += 1;
        if (budget.read > limit) throw readBeyondCount('GET /users', budget.read, budget.counted);
      }
    }
    onPage(fresh);
    if (page.length < PAGE_SIZE) return users;
    if (added === 0) {
      if (byCreatedAt) throw paginationStuck(query);
      // The same page twice: the server ignores starting_after. Every walk pages by created_at from then on.
      if (context.cursor.usable) {
        context.cursor.usable = false;
        warn(
          context,
          'GET /users ignored starting_after (the same page twice): users were read in created_at pages instead',
        );
      }
      continue;
    }
    cursor = page[page.length - 1]?.id;
  }
}

/** GET /users/count. */
export async function countUsers(context: ReadContext): Promise<number> {
  const count = await get<WireTotalCount>(context, '/users/count', {});
  if (typeof count !== 'object' || count === null) throw invalid('GET /users/count');
  const problem = countProblem(count.total_count);
  if (problem !== undefined) throw invalid('GET /users/count', problem);
  return count.total_count;
}

/** How many fewer users than counted a read may return: users deleted while it ran. */
export function readShortfallTolerance(counted: number): number {
  return Math.max(10, Math.ceil(counted / 1000));
}

/**
 * Checks the number of users read against GET /users/count; returns the instance's user count. A read far short
 * of the count is an error, not a re-read: what cuts a read short silently (a server or proxy capping page sizes or
 * offsets) would cut a re-read too, and a plan from a partial read would create users that exist and leave others
 * unmanaged. Users deleted during the read lower the count as well, so a short read counts once more before failing.
 */
async function checkUserCount(context: ReadContext, read: number, counted: number): Promise<number> {
  if (read >= counted - readShortfallTolerance(counted)) return counted;
  const recounted = await countUsers(context);
  const expected = Math.min(counted, recounted);
  if (read >= expected - readShortfallTolerance(expected)) return recounted;
  throw new LiveStateError(
    'live_read_incomplete',
    `read ${read} users, but GET /users/count says the instance has ${recounted} (${counted} when the read began)`,
    {
      meta: { read, counted, recounted },
      hint: 'Nothing was changed. Run again; if it persists, something between clerk-sync and Clerk caps pages: check --api-url / CLERK_API_URL.',
    },
  );
}

/** Every user (the count taken when the read began): parallel created_at ranges, checked against the count. */
export async function fetchAllUsers(
  context: ReadContext,
  total: number,
): Promise<{ users: LiveUser[]; count: number }> {
  context.userBudget.counted = total;
  let done = 0;
  const onPage = (n: number): void => {
    done += n;
    context.report({ phase: 'users', done, total });
  };
  let ranges: CreatedAtRange[] = [{}];
  // Two pages or fewer: one sequential walk is as cheap as learning the bounds.
  if (total > PAGE_SIZE * 2) {
    const [oldest, newest] = await Promise.all([
      getUsers(context, { limit: 1, order_by: '+created_at' }),
      getUsers(context, { limit: 1, order_by: '-created_at' }),
    ]);
    const min = oldest[0]?.createdAt;
    const max = newest[0]?.createdAt;
    if (min !== undefined && max !== undefined && max >= min) {
      ranges = splitCreatedAtRange(min, max, Math.min(context.concurrency, Math.ceil(total / PAGE_SIZE)));
    }
  }
  const parts = await mapLimit(ranges, context.concurrency, (range) => walkRange(context, range, onPage));
  // Each part holds only its range's users (inRange) once (walkRange): the parts never share a user.
  const users = parts.length === 1 ? (parts[0] as LiveUser[]) : parts.flat();
  return { users, count: await checkUserCount(context, users.length, total) };
}
