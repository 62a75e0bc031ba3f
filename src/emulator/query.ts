// Query parameter parsing with Clerk's rules: limit 1..500 (default 10), offset >= 0, arrays as repeated keys of at
// most 100 values, `+`/`-` prefixes on id filters, and `order_by` where only the first value counts
// (docs/clerk-api.md#page-size-limit-1-to-500, docs/clerk-api.md#listing-users). Violations are 422s naming the
// parameter.

import { queryInvalid } from './problem.ts';

export const MAX_LIMIT = 500;
const MAX_LIST = 100;

export function queryInt(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
    throw queryInvalid(name, `${name} must be an integer.`);
  }
  return Number(raw);
}

export function queryLimit(query: URLSearchParams): number {
  const limit = queryInt(query, 'limit') ?? 10;
  if (limit < 1 || limit > MAX_LIMIT) {
    throw queryInvalid('limit', `limit must be between 1 and ${MAX_LIMIT}.`);
  }
  return limit;
}

export function queryOffset(query: URLSearchParams): number {
  const offset = queryInt(query, 'offset') ?? 0;
  if (offset < 0) throw queryInvalid('offset', 'offset must be greater than or equal to 0.');
  return offset;
}

export function queryBool(query: URLSearchParams, name: string): boolean | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw queryInvalid(name, `${name} must be a boolean (true or false).`);
}

export function queryString(query: URLSearchParams, name: string): string | undefined {
  const raw = query.get(name);
  return raw === null || raw === '' ? undefined : raw;
}

export function queryList(query: URLSearchParams, name: string): string[] {
  const values = query.getAll(name).filter((value) => value !== '');
  if (values.length > MAX_LIST) {
    throw queryInvalid(name, `${name} accepts up to ${MAX_LIST} values.`);
  }
  return values;
}

export interface SignedList {
  include: string[];
  exclude: string[];
}

/** `user_id=+a&user_id=-b`: `+` (or nothing) includes, `-` excludes (docs/clerk-api.md#listing-users). */
export function querySignedList(query: URLSearchParams, name: string): SignedList {
  const include: string[] = [];
  const exclude: string[] = [];
  for (const raw of queryList(query, name)) {
    // An unencoded '+' arrives as a space (form encoding); read it as the '+' the caller meant.
    if (raw.startsWith('-')) exclude.push(raw.slice(1));
    else if (raw.startsWith('+') || raw.startsWith(' ')) include.push(raw.slice(1));
    else include.push(raw);
  }
  return { include, exclude };
}

export interface OrderBy {
  field: string;
  descending: boolean;
}

/** Parses `order_by`; only the first value counts when repeated (docs/clerk-api.md#listing-users). */
export function queryOrderBy(query: URLSearchParams, allowed: readonly string[], fallback: string): OrderBy {
  const raw = query.getAll('order_by')[0] || fallback;
  const descending = raw.startsWith('-');
  const field = raw.startsWith('-') || raw.startsWith('+') || raw.startsWith(' ') ? raw.slice(1) : raw;
  if (!allowed.includes(field)) {
    throw queryInvalid('order_by', `order_by must be one of ${allowed.join(', ')}, optionally prefixed with + or -.`);
  }
  return { field, descending };
}
