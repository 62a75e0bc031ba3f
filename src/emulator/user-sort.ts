// Orderings of user and membership lists: the order_by fields of GET /users and Postgres-like sorting.

import type { OrderBy } from './query.ts';
import type { UserRecord } from './records.ts';
import { type Chronological, compareChronological } from './sorted.ts';
import type { Store } from './store.ts';

export const USER_ORDER_FIELDS = [
  'created_at',
  'updated_at',
  'email_address',
  'web3wallet',
  'first_name',
  'last_name',
  'phone_number',
  'username',
  'last_active_at',
  'last_sign_in_at',
] as const;

export type SortValue = string | number | null;

export function sortValue(store: Store, user: UserRecord, field: string): SortValue {
  switch (field) {
    case 'updated_at':
      return user.updated_at;
    case 'email_address':
      return store.primaryEmail(user);
    case 'phone_number':
      return store.primaryPhone(user);
    case 'username':
      return user.username?.toLowerCase() ?? null;
    case 'first_name':
      return user.first_name?.toLowerCase() ?? null;
    case 'last_name':
      return user.last_name?.toLowerCase() ?? null;
    case 'last_active_at':
      return user.last_active_at;
    case 'last_sign_in_at':
      return user.last_sign_in_at;
    default:
      return null;
  }
}

/** Sorts like Postgres: nulls last ascending, first descending; ties in created_at order. */
export function sortBy<T extends Chronological>(items: T[], order: OrderBy, read: (item: T) => SortValue): T[] {
  const keyed = items.map((item) => ({ item, value: read(item) }));
  const direction = order.descending ? -1 : 1;
  keyed.sort((a, b) => {
    if (a.value !== b.value) {
      if (a.value === null) return direction;
      if (b.value === null) return -direction;
      return (a.value < b.value ? -1 : 1) * direction;
    }
    return compareChronological(a.item, b.item) * direction;
  });
  return keyed.map((entry) => entry.item);
}
