// Seeding: users are POST /v1/users bodies and go through the same validation as the endpoint, so seeded data is
// data the API could have produced. Memberships name their organization by id, slug or (for one without a slug) its
// unique exact name, and their user by external_id, id or email. Items are applied in order; the first invalid one
// stops the seed (earlier ones stay). While a seed runs, `store.bypassLimits` is true: fixtures load past the
// instance's caps and quotas (user cap, password requirement, membership quota) but not past shape, format,
// uniqueness or role checks. A seed user may carry the seed-only `email_addresses_linked_to` (see EmulatorSeedUser),
// which no API request can set.

import type { WireLinkedTo, WireMetadata } from '../clerk/index.ts';
import { newId } from './ids.ts';
import { addMembership, createOrganization } from './organization-create.ts';
import { requireOrg } from './organization-rules.ts';
import { bodyInvalid, ClerkApiProblem, notFound, paramValueInvalid } from './problem.ts';
import type { OrgRecord, UserRecord } from './records.ts';
import { userJson } from './serialize.ts';
import { membershipJson } from './serialize-organization.ts';
import type { Store } from './store.ts';
import type { SeedResult } from './types.ts';
import { createUser } from './user-create.ts';
import { isPlainObject, normalizeEmail } from './validate.ts';

function located(error: unknown, where: string): unknown {
  if (!(error instanceof ClerkApiProblem)) return error;
  return new ClerkApiProblem(error.status, error.code, error.shortMessage, `${where}: ${error.message}`, {
    ...(error.paramName === undefined ? {} : { paramName: error.paramName }),
    extra: { ...(error.extraMeta ?? {}), seed_item: where },
  });
}

function list(seed: Record<string, unknown>, name: string): unknown[] {
  const value = seed[name];
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw bodyInvalid(`seed.${name} must be an array.`);
  return value;
}

function findSeedUser(store: Store, key: string): UserRecord | undefined {
  return store.users.get(key) ?? store.usersByExternalId.get(key) ?? store.usersByEmail.get(key.toLowerCase());
}

function findSeedOrg(store: Store, key: string): OrgRecord {
  const found = store.findOrg(key);
  if (found) return found;
  const named = store.orgsByCreated.filter((org) => org.name === key);
  if (named.length > 1) throw bodyInvalid(`${named.length} organizations are named ${key}: name it by id or slug.`);
  return requireOrg(store, named[0]?.id);
}

const LINKS_FIELD = 'email_addresses_linked_to';
// The spec's IdentificationLink.type pattern.
const LINK_TYPE = /^oauth_[a-z]+$/;

/**
 * Takes the seed-only `email_addresses_linked_to` out of a seed user: `{ "<email>": [{ type: "oauth_google",
 * id?: "idn_..." }] }`, each address one of the user's `email_address` values. Returns the POST /users body left.
 */
function takeLinks(body: unknown): { body: unknown; links: Map<string, WireLinkedTo[]> } {
  const links = new Map<string, WireLinkedTo[]>();
  if (!isPlainObject(body) || !(LINKS_FIELD in body)) return { body, links };
  const { [LINKS_FIELD]: raw, ...rest } = body;
  if (!isPlainObject(raw))
    throw paramValueInvalid(LINKS_FIELD, `${LINKS_FIELD} must be an object keyed by email address.`);
  const addresses = Array.isArray(rest.email_address)
    ? rest.email_address
        .filter((item): item is string => typeof item === 'string')
        .map((item) => item.trim().toLowerCase())
    : [];
  for (const [address, list] of Object.entries(raw)) {
    const email = normalizeEmail(address, LINKS_FIELD);
    if (!addresses.includes(email)) {
      throw paramValueInvalid(LINKS_FIELD, `${LINKS_FIELD} names ${email}, which is not in the user's email_address.`);
    }
    if (!Array.isArray(list) || list.length === 0) {
      throw paramValueInvalid(LINKS_FIELD, `${LINKS_FIELD}["${email}"] must be a non-empty array of {type, id?}.`);
    }
    links.set(
      email,
      list.map((link) => {
        const ok =
          isPlainObject(link) &&
          Object.keys(link).every((key) => key === 'type' || key === 'id') &&
          typeof link.type === 'string' &&
          LINK_TYPE.test(link.type) &&
          (link.id === undefined || (typeof link.id === 'string' && link.id !== ''));
        if (!ok) {
          throw paramValueInvalid(
            LINKS_FIELD,
            `${LINKS_FIELD}["${email}"] entries must be {type: "oauth_<provider>", id?: string}.`,
          );
        }
        return { type: link.type as string, id: (link.id as string | undefined) ?? newId('idn') };
      }),
    );
  }
  return { body: rest, links };
}

function createSeedUser(store: Store, item: unknown): void {
  const { body, links } = takeLinks(item);
  const user = createUser(store, body);
  if (links.size === 0) return;
  for (const email of user.emails) {
    const linked = links.get(email.value);
    if (linked) email.linked_to = linked;
  }
  store.userJson.delete(user.id);
}

/** Applies a seed with `store.bypassLimits` set (see Store.bypassLimits). */
export function applySeed(store: Store, seed: unknown): SeedResult {
  const previous = store.bypassLimits;
  store.bypassLimits = true;
  try {
    return applySeedItems(store, seed);
  } finally {
    store.bypassLimits = previous;
  }
}

function applySeedItems(store: Store, seed: unknown): SeedResult {
  if (!isPlainObject(seed)) throw bodyInvalid('The seed must be a JSON object {users?, organizations?, memberships?}.');
  for (const key of Object.keys(seed)) {
    if (key !== 'users' && key !== 'organizations' && key !== 'memberships') {
      throw bodyInvalid(`Unknown seed key "${key}": expected users, organizations and memberships.`);
    }
  }
  const result: SeedResult = { users: 0, organizations: 0, memberships: 0 };
  list(seed, 'users').forEach((body, index) => {
    try {
      createSeedUser(store, body);
    } catch (error) {
      throw located(error, `users[${index}]`);
    }
    result.users++;
  });
  list(seed, 'organizations').forEach((body, index) => {
    try {
      createOrganization(store, body, { keepSlug: true });
    } catch (error) {
      throw located(error, `organizations[${index}]`);
    }
    result.organizations++;
  });
  list(seed, 'memberships').forEach((item, index) => {
    try {
      if (!isPlainObject(item) || typeof item.organization !== 'string' || typeof item.user !== 'string') {
        throw bodyInvalid('A seed membership needs string fields organization, user and role.');
      }
      const org = findSeedOrg(store, item.organization);
      const user = findSeedUser(store, item.user);
      if (!user) throw notFound(`No user was found with id, external_id or email ${item.user}`);
      addMembership(store, org, user, {
        role: typeof item.role === 'string' ? item.role : '',
        public_metadata: isPlainObject(item.public_metadata) ? (item.public_metadata as WireMetadata) : undefined,
        private_metadata: isPlainObject(item.private_metadata) ? (item.private_metadata as WireMetadata) : undefined,
      });
    } catch (error) {
      throw located(error, `memberships[${index}]`);
    }
    result.memberships++;
  });
  // A seeded instance is what the next plan reads whole: serialise its users and memberships now, as a server
  // keeps its objects ready to send, so that reads measure the client (bench/) rather than this serialisation.
  for (const user of store.usersByCreated) userJson(store, user);
  for (const membership of store.membershipsByCreated) membershipJson(store, membership);
  return result;
}
