// Listing memberships: one organization's (GET /organizations/{id}/memberships, filtered like Clerk) and the whole
// instance's (GET /organization_memberships).

import { requireOrg } from './organization-rules.ts';
import { queryInt, queryLimit, queryList, queryOffset, queryOrderBy, querySignedList, queryString } from './query.ts';
import type { MembershipRecord, UserRecord } from './records.ts';
import { type HandlerContext, type HandlerResult, okJson } from './router.ts';
import { membershipsPageJson } from './serialize-organization.ts';
import type { Store } from './store.ts';
import { sortBy } from './user-sort.ts';

const MEMBERSHIP_ORDER_FIELDS = ['created_at', 'email_address', 'phone_number', 'first_name', 'last_name', 'username'];

function membershipSortValue(store: Store, membership: MembershipRecord, field: string): string | null {
  const user = store.users.get(membership.user_id);
  if (!user) return null;
  switch (field) {
    case 'email_address':
      return store.primaryEmail(user);
    case 'phone_number':
      return store.primaryPhone(user);
    case 'first_name':
      return user.first_name?.toLowerCase() ?? null;
    case 'last_name':
      return user.last_name?.toLowerCase() ?? null;
    case 'username':
      return user.username?.toLowerCase() ?? null;
    default:
      return null;
  }
}

function userMatchesText(user: UserRecord, text: string): boolean {
  return (
    user.id.toLowerCase().includes(text) ||
    (user.username?.toLowerCase().includes(text) ?? false) ||
    `${user.first_name ?? ''} ${user.last_name ?? ''}`.toLowerCase().includes(text) ||
    user.emails.some((email) => email.value.includes(text)) ||
    user.phones.some((phone) => phone.value.includes(text))
  );
}

/** The filters of GET /organizations/{id}/memberships; lower-cased where Clerk compares without case. */
interface MembershipFilter {
  included: Set<string>;
  excluded: Set<string>;
  emails: Set<string>;
  phones: Set<string>;
  usernames: Set<string>;
  wallets: string[];
  roles: Set<string>;
  text: string | undefined;
  emailQuery: string | undefined;
  phoneQuery: string | undefined;
  usernameQuery: string | undefined;
  nameQuery: string | undefined;
  createdBefore: number | undefined;
  createdAfter: number | undefined;
  activeBefore: number | undefined;
  activeAfter: number | undefined;
}

/** Reads the filters in the order Clerk validates them, so the first bad parameter is the one reported. */
function readMembershipFilter(query: URLSearchParams): MembershipFilter {
  const userIds = querySignedList(query, 'user_id');
  return {
    emails: new Set(queryList(query, 'email_address').map((email) => email.toLowerCase())),
    phones: new Set(queryList(query, 'phone_number')),
    usernames: new Set(queryList(query, 'username').map((name) => name.toLowerCase())),
    wallets: queryList(query, 'web3_wallet'),
    roles: new Set(queryList(query, 'role')),
    text: queryString(query, 'query')?.toLowerCase(),
    emailQuery: queryString(query, 'email_address_query')?.toLowerCase(),
    phoneQuery: queryString(query, 'phone_number_query')?.toLowerCase(),
    usernameQuery: queryString(query, 'username_query')?.toLowerCase(),
    nameQuery: queryString(query, 'name_query')?.toLowerCase(),
    createdBefore: queryInt(query, 'created_at_before'),
    createdAfter: queryInt(query, 'created_at_after'),
    activeBefore: queryInt(query, 'last_active_at_before'),
    activeAfter: queryInt(query, 'last_active_at_after'),
    included: new Set(userIds.include),
    excluded: new Set(userIds.exclude),
  };
}

/** The filters on the member's identifiers and names. */
function userMatches(user: UserRecord, f: MembershipFilter): boolean {
  if (f.included.size > 0 && !f.included.has(user.id)) return false;
  if (f.excluded.has(user.id)) return false;
  if (f.emails.size > 0 && !user.emails.some((email) => f.emails.has(email.value))) return false;
  if (f.phones.size > 0 && !user.phones.some((phone) => f.phones.has(phone.value))) return false;
  if (f.usernames.size > 0 && (user.username === null || !f.usernames.has(user.username.toLowerCase()))) return false;
  if (f.wallets.length > 0) return false;
  if (f.text !== undefined && !userMatchesText(user, f.text)) return false;
  const { emailQuery, phoneQuery, usernameQuery, nameQuery } = f;
  if (emailQuery !== undefined && !user.emails.some((email) => email.value.includes(emailQuery))) return false;
  if (phoneQuery !== undefined && !user.phones.some((phone) => phone.value.includes(phoneQuery))) return false;
  if (usernameQuery !== undefined && !(user.username?.toLowerCase().includes(usernameQuery) ?? false)) return false;
  const fullName = `${user.first_name ?? ''} ${user.last_name ?? ''}`.toLowerCase();
  return nameQuery === undefined || fullName.includes(nameQuery);
}

function membershipMatches(store: Store, membership: MembershipRecord, f: MembershipFilter): boolean {
  const user = store.users.get(membership.user_id);
  if (!user) return false;
  if (f.roles.size > 0 && !f.roles.has(membership.role)) return false;
  if (!userMatches(user, f)) return false;
  if (f.createdBefore !== undefined && !(membership.created_at < f.createdBefore)) return false;
  if (f.createdAfter !== undefined && !(membership.created_at > f.createdAfter)) return false;
  const active = user.last_active_at;
  if (f.activeBefore !== undefined && !(active !== null && active < f.activeBefore)) return false;
  if (f.activeAfter !== undefined && !(active !== null && active > f.activeAfter)) return false;
  return true;
}

export function listOrgMemberships(context: HandlerContext): HandlerResult {
  const { store, query } = context;
  const org = requireOrg(store, context.params.organization_id);
  const limit = queryLimit(query);
  const offset = queryOffset(query);
  const order = queryOrderBy(query, MEMBERSHIP_ORDER_FIELDS, '-created_at');
  const filter = readMembershipFilter(query);
  const members = [...(store.membershipsByOrg.get(org.id)?.values() ?? [])];
  const matching = members.filter((membership) => membershipMatches(store, membership, filter));
  const sorted = sortBy(matching, order, (membership) => membershipSortValue(store, membership, order.field));
  return okJson(membershipsPageJson(store, sorted.slice(offset, offset + limit), matching.length));
}

/** GET /organization_memberships: created_at orderings index straight into the chronological array (O(page)). */
export function listInstanceMemberships(context: HandlerContext): HandlerResult {
  const { store, query } = context;
  const limit = queryLimit(query);
  const offset = queryOffset(query);
  const order = queryOrderBy(query, MEMBERSHIP_ORDER_FIELDS, '+created_at');
  const all = store.membershipsByCreated;
  let page: MembershipRecord[];
  if (order.field === 'created_at') {
    if (order.descending) {
      const end = Math.max(0, all.length - offset);
      page = all.slice(Math.max(0, end - limit), end).reverse();
    } else {
      page = all.slice(offset, offset + limit);
    }
  } else {
    page = sortBy([...all], order, (membership) => membershipSortValue(store, membership, order.field)).slice(
      offset,
      offset + limit,
    );
  }
  return okJson(membershipsPageJson(store, page, all.length));
}
