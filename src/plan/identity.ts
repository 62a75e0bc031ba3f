// Identity: which live user each manifest user is, by settings.userKey. Ambiguity is reported, never guessed: two
// live users for one manifest user, one live user for two manifest users, or an identifier (email, phone, username,
// external id) the manifest gives to a user while another live user holds it. Clerk keeps all four unique per
// instance (docs/clerk-api.md#identifiers-are-unique-per-instance, 422 form_identifier_exists), so such a plan could
// not be applied anyway.

import type { DesiredState, DesiredUser, LiveUser, SourcePositions, SourceRef, UserKeyKind } from '../model/index.ts';
import { runSteps, stepEndsAfter } from '../util/steps.ts';
import { compareStrings } from './json-values.ts';
import type { PlanDiagnostic } from './types.ts';

export interface UserMatch {
  desired: DesiredUser;
  /** The matched live user; null when the user is to be created. */
  live: LiveUser | null;
}

export interface IdentityResult {
  /** Manifest users sorted by key, without the ambiguous ones (they get no operations). */
  matches: UserMatch[];
  errors: PlanDiagnostic[];
  /** Ids of the live users a manifest user claims or might claim: never pruned. */
  claimedLiveUsers: { has(userId: string): boolean };
}

/** Position of a field of a user, for messages: its own source when the manifest recorded it. */
export function fieldSource(positions: SourcePositions | undefined, user: DesiredUser, ...fields: string[]): SourceRef {
  const sources = positions?.user(user.key);
  for (const field of fields) {
    const ref = sources?.[field];
    if (ref) return ref;
  }
  return user.source;
}

function diagnostic(code: string, message: string, source: SourceRef, hint: string): PlanDiagnostic {
  return { code, message, source: { file: source.file, line: source.line, column: source.column }, hint };
}

/** One live user, or several when they share an identifier (rare: one array per key cost 350,000 arrays). */
type Holders = LiveUser | LiveUser[];

function holderList(holders: Holders | undefined): LiveUser[] {
  if (holders === undefined) return [];
  return Array.isArray(holders) ? holders : [holders];
}

type TableName = 'externalId' | 'email' | 'phone' | 'username';

/** Calls `visit` with each key a live user has in one table. */
type KeysOf = (user: LiveUser, visit: (key: string) => void) => void;

const externalIdOf: KeysOf = (user, visit) => {
  if (user.externalId !== null) visit(user.externalId);
};

const emailsOf: KeysOf = (user, visit) => {
  // Email matching is case-insensitive [assume] (docs/clerk-api.md#email-case-assumed).
  for (const email of user.emailAddresses) visit(email.emailAddress.toLowerCase());
};

const phonesOf: KeysOf = (user, visit) => {
  for (const phone of user.phoneNumbers) visit(phone.phoneNumber);
};

const usernameOf: KeysOf = (user, visit) => {
  if (user.username !== null) visit(user.username);
};

const KEYS_OF: Record<TableName, KeysOf> = {
  externalId: externalIdOf,
  email: emailsOf,
  phone: phonesOf,
  username: usernameOf,
};

const KEY_TABLE: Record<UserKeyKind, TableName> = {
  externalId: 'externalId',
  emailAddress: 'email',
  username: 'username',
};

/**
 * Live users by each identifier. The settings.userKey table holds every live user (every manifest user looks its key
 * up); the others only the identifiers asked for (`only`): a plan asks about the few identifiers its users declare
 * and their matches lack (takenIdentifiers), and indexing 100,000 users' emails, phones and usernames for them was a
 * fifth of the planning time and 30 MB of maps.
 */
class LiveIndex {
  private readonly users: readonly LiveUser[];
  private readonly tables = new Map<TableName, Map<string, Holders>>();

  constructor(users: readonly LiveUser[]) {
    this.users = users;
  }

  /**
   * The table `name`, built on first use: of every key, or only of the keys in `only` (it then stays so: matchUsers
   * asks for the userKey table in full before any claim).
   */
  table(name: TableName, only?: ReadonlySet<string>): Map<string, Holders> {
    return this.tables.get(name) ?? runSteps(this.build(name, only));
  }

  /** table(name, only) built a step per USERS_PER_STEP live users. */
  *build(name: TableName, only?: ReadonlySet<string>): Generator<void, Map<string, Holders>> {
    const keysOf = KEYS_OF[name];
    // In snapshot order: messages that name several users sort them by id themselves (byId), so 100,000 users
    // are not sorted for the rare key two of them share.
    const table = new Map<string, Holders>();
    let user: LiveUser | undefined;
    let shared: Set<string> | undefined;
    // One map operation per key (filling the tables with a lookup and an insert per key was about a tenth of the
    // planning time in a CPU profile): a size that did not grow means the key was there already, which Clerk's
    // uniqueness makes rare; those keys are filled again below with every holder.
    const add = (key: string): void => {
      if (only !== undefined && !only.has(key)) return;
      const size = table.size;
      table.set(key, user as LiveUser);
      if (table.size === size) {
        shared ??= new Set();
        shared.add(key);
      }
    };
    for (let index = 0; index < this.users.length; index += 1) {
      user = this.users[index];
      keysOf(user as LiveUser, add);
      if (stepEndsAfter(index + 1)) yield;
    }
    if (shared) {
      const keys = shared;
      for (const key of keys) table.delete(key);
      const addShared = (key: string): void => {
        if (keys.has(key)) push(table, key, user as LiveUser);
      };
      for (user of this.users) keysOf(user, addShared);
    }
    this.tables.set(name, table);
    return table;
  }

  has(name: TableName): boolean {
    return this.tables.has(name);
  }

  byKey(kind: UserKeyKind, key: string): Holders | undefined {
    return this.table(KEY_TABLE[kind]).get(kind === 'emailAddress' ? key.toLowerCase() : key);
  }
}

/** Users in id order, for messages that list several. */
function byId(users: readonly LiveUser[]): LiveUser[] {
  return [...users].sort((a, b) => compareStrings(a.id, b.id));
}

function push(map: Map<string, Holders>, key: string, user: LiveUser): void {
  const holders = map.get(key);
  if (holders === undefined) map.set(key, user);
  else if (!Array.isArray(holders)) {
    if (holders !== user) map.set(key, [holders, user]);
  } else if (!holders.includes(user)) holders.push(user);
}

const KEY_FIELD: Record<UserKeyKind, string> = {
  externalId: 'externalId',
  emailAddress: 'emailAddresses.0',
  username: 'username',
};

/** Claimed by manifest users that match several live users: not the match of any one. */
const AMBIGUOUS = -1;

export function matchUsers(desired: DesiredState, live: { users: readonly LiveUser[] }): IdentityResult {
  return runSteps(matchUsersInSteps(desired, live));
}

/** matchUsers a step per USERS_PER_STEP users, so a caller can let other work run (prepare-users.ts). */
export function* matchUsersInSteps(
  desired: DesiredState,
  live: { users: readonly LiveUser[] },
): Generator<void, IdentityResult> {
  const kind = desired.settings.userKey;
  const index = new LiveIndex(live.users);
  yield* index.build(KEY_TABLE[kind]);
  const errors: PlanDiagnostic[] = [];
  const users = [...desired.users].sort((a, b) => compareStrings(a.key, b.key));
  yield;
  // By position in `users`: the live user, null (to be created), or undefined (ambiguous: no operations).
  const found: (LiveUser | null | undefined)[] = new Array(users.length);
  // Every live user a manifest user claims (by id: the guards ask by id), with the position of the first that claims
  // it alone (or AMBIGUOUS).
  const claimedBy = new Map<string, number>();
  // Live users two or more manifest users claim (userKey emailAddress, one live user holding both addresses).
  let contested: Map<LiveUser, number[]> | undefined;

  for (let position = 0; position < users.length; position += 1) {
    if (stepEndsAfter(position + 1)) yield;
    const user = users[position] as DesiredUser;
    const holders = index.byKey(kind, user.key);
    if (holders === undefined) {
      found[position] = null;
    } else if (Array.isArray(holders)) {
      for (const liveUser of holders) if (!claimedBy.has(liveUser.id)) claimedBy.set(liveUser.id, AMBIGUOUS);
      errors.push(
        diagnostic(
          'ambiguous_user_match',
          `${kind} "${user.key}" matches ${holders.length} live users (${byId(holders)
            .map((u) => u.id)
            .join(', ')})`,
          fieldSource(desired.positions, user, 'key', KEY_FIELD[kind]),
          'Make the live users distinct (or delete the duplicate) so the key names exactly one of them.',
        ),
      );
    } else {
      found[position] = holders;
      const earlier = claimedBy.get(holders.id);
      if (earlier === undefined || earlier === AMBIGUOUS) {
        claimedBy.set(holders.id, position);
      } else {
        contested ??= new Map();
        const claimers = contested.get(holders);
        if (claimers) claimers.push(position);
        else contested.set(holders, [earlier, position]);
      }
    }
  }

  if (contested) {
    // In the order of each live user's first claimant.
    for (const [liveUser, claimers] of [...contested].sort(([, a], [, b]) => (a[0] as number) - (b[0] as number))) {
      for (const position of claimers) {
        const user = users[position] as DesiredUser;
        found[position] = undefined;
        errors.push(
          diagnostic(
            'ambiguous_user_match',
            `live user ${liveUser.id} is matched by ${claimers.length} manifest users (${claimers.map((p) => (users[p] as DesiredUser).key).join(', ')})`,
            fieldSource(desired.positions, user, 'key', KEY_FIELD[kind]),
            'Give each live user exactly one manifest entry.',
          ),
        );
      }
    }
  }

  const matches: UserMatch[] = [];
  const claims: Claim[] = [];
  for (let position = 0; position < users.length; position += 1) {
    if (stepEndsAfter(position + 1)) yield;
    const match = found[position];
    if (match === undefined) continue;
    const user = users[position] as DesiredUser;
    matches.push({ desired: user, live: match });
    claimsOf(user, match, kind, claims);
  }
  errors.push(...(yield* takenIdentifiers(claims, index, desired.positions)));
  return { matches, errors, claimedLiveUsers: claimedBy };
}

/**
 * Whether a live user holds exactly this address. The model's addresses are lower-case (from-wire.ts); any other
 * spelling is looked up in the index, which finds the same answer.
 */
function holdsEmail(user: LiveUser, address: string): boolean {
  for (const held of user.emailAddresses) {
    if (held.emailAddress === address) return true;
  }
  return false;
}

/** Live users other than the match holding an identifier, in id order (almost always: none). */
function others(holders: Holders | undefined, match: LiveUser | null): LiveUser[] {
  if (holders === undefined || holders === match) return [];
  return byId(holderList(holders).filter((holder) => holder !== match));
}

/** How a message names the manifest user. Built only for a message: a string per user adds up at 100,000 users. */
function subject(user: DesiredUser, match: LiveUser | null): string {
  return match ? `manifest user "${user.key}" (live ${match.id})` : `new manifest user "${user.key}"`;
}

const TAKEN_HINT =
  'An identifier can belong to one user only: remove it from the other user first, or fix the manifest.';

/** An identifier a manifest user declares and its match does not hold: any other live holder is a conflict. */
interface Claim {
  table: TableName;
  /** As looked up (email addresses lower-cased). */
  key: string;
  /** As the manifest declares it. */
  declared: string;
  user: DesiredUser;
  match: LiveUser | null;
  /** Where the message points: the first of these fields with a recorded position. */
  fields: string[];
}

const TAKEN: Record<TableName, { code: string; noun: string }> = {
  email: { code: 'email_taken_by_other_user', noun: 'email address' },
  phone: { code: 'phone_taken_by_other_user', noun: 'phone number' },
  username: { code: 'username_taken_by_other_user', noun: 'username' },
  externalId: { code: 'external_id_taken_by_other_user', noun: 'external id' },
};

/** Adds to `claims` the identifiers a manifest user declares that its match lacks, in message order. */
function claimsOf(user: DesiredUser, match: LiveUser | null, kind: UserKeyKind, claims: Claim[]): void {
  // An identifier the matched live user holds is nobody else's: Clerk keeps emails, phones, usernames and external
  // ids unique per instance (docs/clerk-api.md#identifiers-are-unique-per-instance), so only the ones it lacks are
  // looked up.
  const emails = user.emailAddresses ?? [];
  for (let position = 0; position < emails.length; position += 1) {
    const email = emails[position] as string;
    // Manifest addresses are lower-case already: the exact one first, then lower-cased.
    if (match && holdsEmail(match, email)) continue;
    const address = email.toLowerCase();
    if (match && address !== email && holdsEmail(match, address)) continue;
    claims.push({
      table: 'email',
      key: address,
      declared: email,
      user,
      match,
      fields: [`emailAddresses.${position}`, 'emailAddresses'],
    });
  }
  const phones = user.phoneNumbers ?? [];
  for (let position = 0; position < phones.length; position += 1) {
    const phone = phones[position] as string;
    if (match?.phoneNumbers.some((held) => held.phoneNumber === phone)) continue;
    claims.push({
      table: 'phone',
      key: phone,
      declared: phone,
      user,
      match,
      fields: [`phoneNumbers.${position}`, 'phoneNumbers'],
    });
  }
  if (typeof user.username === 'string' && user.username !== match?.username) {
    claims.push({ table: 'username', key: user.username, declared: user.username, user, match, fields: ['username'] });
  }
  // With userKey externalId a live holder is the match itself, so only the other key kinds can collide.
  if (kind !== 'externalId' && user.externalId !== undefined && user.externalId !== match?.externalId) {
    claims.push({
      table: 'externalId',
      key: user.externalId,
      declared: user.externalId,
      user,
      match,
      fields: ['externalId'],
    });
  }
}

/** The claims another live user holds the identifier of, as errors (the index only learns the claimed keys). */
function* takenIdentifiers(
  claims: readonly Claim[],
  index: LiveIndex,
  positions: SourcePositions | undefined,
): Generator<void, PlanDiagnostic[]> {
  const claimed = new Map<TableName, Set<string>>();
  for (const { table, key } of claims) {
    const keys = claimed.get(table);
    if (keys) keys.add(key);
    else claimed.set(table, new Set([key]));
  }
  // Each claimed table is a walk of every live user: built in steps before the claims are looked up.
  for (const [table, keys] of claimed) if (!index.has(table)) yield* index.build(table, keys);
  const errors: PlanDiagnostic[] = [];
  for (const { table, key, declared, user, match, fields } of claims) {
    const holders = others(index.table(table, claimed.get(table)).get(key), match);
    if (holders.length === 0) continue;
    const { code, noun } = TAKEN[table];
    errors.push(
      diagnostic(
        code,
        `${noun} ${declared} of ${subject(user, match)} belongs to live user ${holders.map((u) => u.id).join(', ')}`,
        fieldSource(positions, user, ...fields),
        TAKEN_HINT,
      ),
    );
  }
  return errors;
}
