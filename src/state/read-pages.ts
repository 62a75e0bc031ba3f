// The paging the live read shares (fetch-snapshot.ts, fetch-users.ts, fetch-organizations.ts): its context, GET
// requests whose rows are checked and mapped as they are parsed (RowMapping), and offset-paginated `{data,total_count}`
// lists read 500 at a time (the maximum page, OpenAPI spec 2026-05-12 Pagination).

import type { ClerkClient, QueryValue, RowMapping, WireOrganization, WirePage } from '../clerk/index.ts';
import { LiveStateError } from '../errors.ts';
import { countProblem, wireMembershipProblem, wireOrganizationProblem } from './from-wire.ts';
import { mapLimit } from './parallel.ts';

/** Clerk's maximum `limit` (docs/clerk-api.md#page-size-limit-1-to-500); larger values are an error or silently 10. */
export const PAGE_SIZE = 500;
export const DEFAULT_READ_CONCURRENCY = 8;

export interface SnapshotProgress {
  phase: 'users' | 'organizations' | 'memberships';
  /** Objects read so far in this phase. */
  done: number;
  /** Expected total, when the API told us. */
  total?: number;
}

/** What the requests of one read share. */
export interface ReadContext {
  client: ClerkClient;
  concurrency: number;
  signal: AbortSignal | undefined;
  report: (progress: SnapshotProgress) => void;
  /** Shared by the parallel user walks: once one finds the cursor unusable, the others stop trying it. */
  cursor: { usable: boolean };
  /** Users the walks kept so far, and the most they may keep: the count at the start plus readMargin. */
  userBudget: { read: number; counted: number };
  warnings: string[];
  /** The requests wait for a connection ahead of other reads' (RequestOptions.ahead). */
  ahead?: boolean;
}

export function warn(context: ReadContext, warning: string): void {
  if (!context.warnings.includes(warning)) context.warnings.push(warning);
}

export function invalid(what: string, problem?: string): LiveStateError {
  const detail = problem === undefined ? '' : `: ${problem}`;
  return new LiveStateError('live_response_invalid', `the API answered ${what} with an unexpected shape${detail}`, {
    meta: { request: what },
    hint: 'Check that --api-url / CLERK_API_URL points at the Clerk Backend API.',
  });
}

export async function get<T>(
  context: ReadContext,
  path: string,
  query: Record<string, QueryValue>,
  rows?: RowMapping,
): Promise<T> {
  return context.client.request<T>(
    { method: 'GET', path, query },
    {
      ...(context.signal === undefined ? {} : { signal: context.signal }),
      ...(rows === undefined ? {} : { rows }),
      ...(context.ahead === true ? { ahead: true } : {}),
    },
  );
}

/** Each row checked, then mapped, as it is parsed (RowMapping): the page never holds its wire objects together. */
export function checkedRow<T, R>(
  what: string,
  problemOf: (row: unknown) => string | undefined,
  map: (row: T) => R,
): (row: unknown) => R {
  return (row) => {
    const problem = problemOf(row);
    if (problem !== undefined) throw invalid(what, problem);
    return map(row as T);
  };
}

/** The row check for a `{data,total_count}` list this module reads: organizations or memberships. */
export function rowCheckFor(path: string): (row: unknown) => string | undefined {
  return path === '/organizations' ? wireOrganizationProblem : wireMembershipProblem;
}

/** A `{data,total_count}` page: what its rows became (rows kept), and how many rows it had. */
export interface Page<R> {
  kept: R[];
  rows: number;
  total_count: number;
}

/** What a page's `keep` answers for a row it drops. */
export const DROPPED = undefined;

/** Organizations are few and read whole: their rows are kept as they are (checked). */
export const wireOrganization = (row: WireOrganization): WireOrganization => row;

/** One page of a `{data,total_count}` list, each row checked then passed to `keep` as it is parsed. */
export async function getPage<T, R>(
  context: ReadContext,
  path: string,
  query: Record<string, QueryValue>,
  keep: (row: T) => R | undefined,
): Promise<Page<R>> {
  const map = checkedRow(`GET ${path}`, rowCheckFor(path), keep);
  const page = await get<unknown>(context, path, query, { at: 'data', map });
  if (typeof page !== 'object' || page === null || !Array.isArray((page as WirePage<unknown>).data)) {
    throw invalid(`GET ${path}`);
  }
  const countIssue = countProblem((page as WirePage<unknown>).total_count);
  if (countIssue !== undefined) throw invalid(`GET ${path}`, countIssue);
  const data = (page as WirePage<R | undefined>).data;
  const kept: R[] = [];
  for (const row of data) if (row !== DROPPED) kept.push(row);
  return { kept, rows: data.length, total_count: (page as WirePage<unknown>).total_count };
}

/**
 * Reads every page of an offset-paginated `{data,total_count}` list; the first page tells how many follow. `keep` maps
 * (or drops, with undefined) each row as it is parsed, so the wire objects do not pile up.
 */
export async function fetchAllPages<T, R>(
  context: ReadContext,
  path: string,
  query: Record<string, QueryValue>,
  phase: SnapshotProgress['phase'],
  keep: (row: T) => R | undefined,
  first?: Page<R>,
): Promise<R[]> {
  const head = first ?? (await getPage(context, path, { ...query, limit: PAGE_SIZE, offset: 0 }, keep));
  let done = head.rows;
  context.report({ phase, done, total: head.total_count });
  if (head.rows < PAGE_SIZE) return head.kept;
  const offsets: number[] = [];
  for (let offset = PAGE_SIZE; offset < head.total_count; offset += PAGE_SIZE) offsets.push(offset);
  const rest = await mapLimit(offsets, context.concurrency, async (offset) => {
    const page = await getPage(context, path, { ...query, limit: PAGE_SIZE, offset }, keep);
    done += page.rows;
    context.report({ phase, done, total: head.total_count });
    return page.kept;
  });
  return [head.kept, ...rest].flat();
}
