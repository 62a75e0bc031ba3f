// `clerk-sync export --anonymize SEED`: the live users with every personal value replaced by a fake one, before the
// export writes them (write-manifest.ts), so staging can be seeded with production's shape and none of its people.
// Pure and deterministic: each fake value is derived from HMAC-SHA256(SEED, the original value), so the same SEED and
// instance give the same file, equal values stay equal, distinct values stay distinct (a collision is re-derived),
// and without the SEED a fake value does not lead back to the original.
// Replaced: names, email addresses, phone numbers, usernames, external ids, and metadata values (strings and numbers;
// keys, JSON types, list lengths, booleans and nulls are kept) but for the keys --keep-metadata names and
// clerk-sync's own mark. Kept: organizations (keys, names), memberships and roles, banned/locked, legal acceptance.

import { createHmac } from 'node:crypto';
import { MANAGED_MARK_KEY, METADATA_FIELDS } from '../fields/constants.ts';
import type { JsonObject, JsonValue, LiveSnapshot, LiveUser } from '../model/index.ts';
import { compareStrings, setOwn } from '../plan/json-values.ts';
import { fakeValue } from './generate-fake.ts';

export interface AnonymizeOptions {
  /** The secret the fake values are derived from: the same seed gives the same output. */
  seed: string;
  /** Top-level metadata keys whose values are kept as they are (in every metadata kind). */
  keepMetadata: readonly string[];
}

type Kind = 'externalId' | 'email' | 'phone' | 'username' | 'name' | 'metadata';

/** The fake domain: reserved for examples (RFC 2606), so no real mailbox receives a message. */
const EMAIL_DOMAIN = 'example.com';

class Anonymizer {
  readonly #seed: string;
  /** Fake value by kind and original value, and the fake values taken, per kind (distinct stays distinct). */
  readonly #memo = new Map<string, string>();
  readonly #taken = new Map<Kind, Set<string>>();

  constructor(seed: string) {
    this.#seed = seed;
  }

  digest(kind: Kind, value: string, attempt = 0): string {
    return createHmac('sha256', this.#seed).update(`${kind}\u0000${value}\u0000${attempt}`).digest('hex');
  }

  /** The fake of `value`, made by `make` from a digest of it; the same original always gets the same fake. */
  unique(kind: Kind, value: string, make: (digest: string) => string): string {
    const memoKey = `${kind}\u0000${value}`;
    const known = this.#memo.get(memoKey);
    if (known !== undefined) return known;
    let taken = this.#taken.get(kind);
    if (!taken) {
      taken = new Set();
      this.#taken.set(kind, taken);
    }
    let fake = make(this.digest(kind, value));
    for (let attempt = 1; taken.has(fake); attempt += 1) fake = make(this.digest(kind, value, attempt));
    taken.add(fake);
    this.#memo.set(memoKey, fake);
    return fake;
  }

  /** A 32-bit number from a digest: seeds faker for a user's names. */
  number(kind: Kind, value: string): number {
    return Number.parseInt(this.digest(kind, value).slice(0, 8), 16);
  }
}

function slugPart(text: string): string {
  return text
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '');
}

function anonymizeMetadataValue(anonymizer: Anonymizer, value: JsonValue): JsonValue {
  if (typeof value === 'string') return anonymizer.unique('metadata', value, (digest) => `anon-${digest.slice(0, 12)}`);
  if (typeof value === 'number') {
    // Integers stay integers (an id, a count), in a range that tells nothing of the original.
    const digit = Number.parseInt(anonymizer.digest('metadata', String(value)).slice(0, 8), 16);
    return Number.isInteger(value) ? digit % 1_000_000 : (digit % 1_000_000) / 100;
  }
  if (Array.isArray(value)) return value.map((item) => anonymizeMetadataValue(anonymizer, item));
  if (typeof value === 'object' && value !== null) {
    const out: JsonObject = {};
    for (const [key, item] of Object.entries(value)) setOwn(out, key, anonymizeMetadataValue(anonymizer, item));
    return out;
  }
  // Booleans and null say nothing about a person, and keep the shape a test may rely on.
  return value;
}

function anonymizeMetadata(anonymizer: Anonymizer, metadata: JsonObject, keep: readonly string[]): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(metadata)) {
    const kept = key === MANAGED_MARK_KEY || keep.includes(key);
    setOwn(out, key, kept ? value : anonymizeMetadataValue(anonymizer, value));
  }
  return out;
}

function anonymizeUser(anonymizer: Anonymizer, user: LiveUser, keep: readonly string[]): LiveUser {
  const names = anonymizer.number('name', user.id);
  const firstName = fakeValue('firstName', names, 0);
  const lastName = fakeValue('lastName', names, 0);
  const out: LiveUser = {
    ...user,
    externalId:
      user.externalId === null
        ? null
        : anonymizer.unique('externalId', user.externalId, (digest) => `anon-${digest.slice(0, 16)}`),
    emailAddresses: user.emailAddresses.map((email) => ({
      ...email,
      emailAddress: anonymizer.unique(
        'email',
        email.emailAddress.toLowerCase(),
        (digest) => `${slugPart(firstName)}.${slugPart(lastName)}.${digest.slice(0, 6)}@${EMAIL_DOMAIN}`,
      ),
    })),
    // +1 555: the North American numbers set aside for fiction; 7 digits from the digest.
    phoneNumbers: user.phoneNumbers.map((phone) => ({
      ...phone,
      phoneNumber: anonymizer.unique(
        'phone',
        phone.phoneNumber,
        (digest) => `+1555${String(Number.parseInt(digest.slice(0, 8), 16) % 10_000_000).padStart(7, '0')}`,
      ),
    })),
    username:
      user.username === null
        ? null
        : anonymizer.unique('username', user.username.toLowerCase(), (digest) => `user_${digest.slice(0, 12)}`),
    firstName: user.firstName === null ? null : firstName,
    lastName: user.lastName === null ? null : lastName,
  };
  for (const field of METADATA_FIELDS) out[field] = anonymizeMetadata(anonymizer, user[field], keep);
  return out;
}

/** The snapshot with its users' personal values replaced; organizations and memberships as they are. */
export function anonymizeSnapshot(live: LiveSnapshot, options: AnonymizeOptions): LiveSnapshot {
  const anonymizer = new Anonymizer(options.seed);
  // By id: the order users are read in must not change which of two colliding values gets which fake.
  const users = [...live.users].sort((a, b) => compareStrings(a.id, b.id));
  return { ...live, users: users.map((user) => anonymizeUser(anonymizer, user, options.keepMetadata)) };
}
