// Arrays kept sorted by (created_at, id): the order of Clerk's created_at listings, with the id as tie-break so the
// order is total and a `starting_after` cursor is a binary search, not a scan.

export interface Chronological {
  id: string;
  created_at: number;
}

export function compareChronological(a: Chronological, b: Chronological): number {
  if (a.created_at !== b.created_at) return a.created_at - b.created_at;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Index of the first element not before (createdAt, id). */
export function lowerBound(items: readonly Chronological[], createdAt: number, id: string): number {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    const item = items[mid] as Chronological;
    if (item.created_at < createdAt || (item.created_at === createdAt && item.id < id)) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Index of the first element created at or after `createdAt` (ms). */
export function firstAtOrAfter(items: readonly Chronological[], createdAt: number): number {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((items[mid] as Chronological).created_at < createdAt) low = mid + 1;
    else high = mid;
  }
  return low;
}

export function insertSorted<T extends Chronological>(items: T[], item: T): void {
  const last = items[items.length - 1];
  // Appending is the common case (ids created now); it avoids the search and the splice.
  if (last === undefined || compareChronological(last, item) < 0) {
    items.push(item);
    return;
  }
  items.splice(lowerBound(items, item.created_at, item.id), 0, item);
}

export function removeSorted<T extends Chronological>(items: T[], item: T): void {
  const index = lowerBound(items, item.created_at, item.id);
  if (items[index] === item) items.splice(index, 1);
}
