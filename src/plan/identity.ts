// Identity: which live user each manifest user is, by settings.userKey. Ambiguity is reported, never guessed: two
// live users for one manifest user, one live user for two manifest users, or an identifier (email, phone, username,
// external id) the manifest gives to a user while another live user holds it. Clerk keeps all four unique per
// instance (docs/clerk-api.md#identifiers-are-unique-per-instance, 422 form_identifier_exists), so such a plan could
// not be applied anyway.

import type {
  DesiredState,
  DesiredUser,
  LiveSnapshot,
  LiveUser,
  SourcePositions,
  SourceRef,
  UserKeyKind,
} from '../model/index.ts';
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
  /** Live users a manifest user claims or might claim: never pruned. */
  claimedLiveUsers: { has(user: LiveUser): boolean };
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

/**
 * Live users by each identifier. Each table is built on first use: a plan whose users already hold every
 * identifier they declare (the usual case, see takenIdentifiers) never looks up emails, phones or usernames, and
 * 100,000 users' tables were a fifth of the planning time.
 */
class LiveIndex {
  private readonly users: readonly LiveUser[];
  private readonly tables = new Map<TableName, Map<string, Holders>>();

  constructor(users: readonly LiveUser[]) {
    this.users = users;
  }

  private table(name: TableName, keysOf: KeysOf): Map<string, Holders> {
    const built = this.tables.get(name);
    if (built) return built;
    // In snapshot order: messages that name several users sort them by id themselves (byId), so 100,000 users
    // are not sorted for the rare key two of them share.
    const table = new Map<string, Holders>();
    let user: LiveUser | undefined;
    let shared: Set<string> | undefined;
    // One map operation per key (filling the tables with a lookup and an insert per key was about a tenth of the
    // planning time in a CPU profile): a size that did not grow means the key was there already, which Clerk's
    // uniqueness makes rare; those keys are filled again below with every holder.
    const add = (key: string): void => {
      const size = table.size;
      table.set(key, user as LiveUser);
      if (table.size === size) {
        shared ??= new Set();
        shared.add(key);
      }
    };
    for (user of this.users) keysOf(user, add);
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

  get byExternalId(): Map<string, Holders> {
    return this.table('externalId', externalIdOf);
  }

  get byEmail(): Map<string, Holders> {
    return this.table('email', emailsOf);
  }

  get byPhone(): Map<string, Holders> {
    return this.table('phone', phonesOf);
  }

  get byUsername(): Map<string, Holders> {
    return this.table('username', usernameOf);
  }

  byKey(kind: UserKeyKind, key: string): Holders | undefined {
    if (kind === 'externalId') return this.byExternalId.get(key);
    if (kind === 'emailAddress') return this.byEmail.get(key.toLowerCase());
    return this.byUsername.get(key);
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

export function matchUsers(desired: DesiredState, live: LiveSnapshot): IdentityResult {
  const kind = desired.settings.userKey;
  const index = new LiveIndex(live.users);
  const errors: PlanDiagnostic[] = [];
  const users = [...desired.users].sort((a, b) => compareStrings(a.key, b.key));
  // By position in `users`: the live user, null (to be created), or undefined (ambiguous: no operations).
  const found: (LiveUser | null | undefined)[] = new Array(users.length);
  // Every live user a manifest user claims, with the position of the first that claims it alone (or AMBIGUOUS).
  const claimedBy = new Map<LiveUser, number>();
  // Live users two or more manifest users claim (userKey emailAddress, one live user holding both addresses).
  let contested: Map<LiveUser, number[]> | undefined;

  for (let position = 0; position < users.length; position += 1) {
    const user = users[position] as DesiredUser;
    const holders = index.byKey(kind, user.key);
    if (holders === undefined) {
      found[position] = null;
    } else if (Array.isArray(holders)) {
      for (const liveUser of holders) if (!claimedBy.has(liveUser)) claimedBy.set(liveUser, AMBIGUOUS);
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
      const earlier = claimedBy.get(holders);
      if (earlier === undefined || earlier === AMBIGUOUS) {
        claimedBy.set(holders, position);
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
  for (let position = 0; position < users.length; position += 1) {
    const match = found[position];
    if (match === undefined) continue;
    const user = users[position] as DesiredUser;
    matches.push({ desired: user, live: match });
    takenIdentifiers(user, match, index, kind, errors, desired.positions);
  }
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

/** Reports, into `errors`, the identifiers a manifest user declares that another live user holds. */
function takenIdentifiers(
  user: DesiredUser,
  match: LiveUser | null,
  index: LiveIndex,
  kind: UserKeyKind,
  errors: PlanDiagnostic[],
  positions: SourcePositions | undefined,
): void {
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
    const holders = others(index.byEmail.get(address), match);
    if (holders.length > 0)
      errors.push(
        diagnostic(
          'email_taken_by_other_user',
          `email address ${email} of ${subject(user, match)} belongs to live user ${holders.map((u) => u.id).join(', ')}`,
          fieldSource(positions, user, `emailAddresses.${position}`, 'emailAddresses'),
          TAKEN_HINT,
        ),
      );
  }
  const phones = user.phoneNumbers ?? [];
  for (let position = 0; position < phones.length; position += 1) {
    const phone = phones[position] as string;
    if (match?.phoneNumbers.some((held) => held.phoneNumber === phone)) continue;
    const holders = others(index.byPhone.get(phone), match);
    if (holders.length > 0)
      errors.push(
        diagnostic(
          'phone_taken_by_other_user',
          `phone number ${phone} of ${subject(user, match)} belongs to live user ${holders.map((u) => u.id).join(', ')}`,
          fieldSource(positions, user, `phoneNumbers.${position}`, 'phoneNumbers'),
          TAKEN_HINT,
        ),
      );
  }
  if (typeof user.username === 'string' && user.username !== match?.username) {
    const holders = others(index.byUsername.get(user.username), match);
    if (holders.length > 0)
      errors.push(
        diagnostic(
          'username_taken_by_other_user',
          `username ${user.username} of ${subject(user, match)} belongs to live user ${holders.map((u) => u.id).join(', ')}`,
          fieldSource(positions, user, 'username'),
          TAKEN_HINT,
        ),
      );
  }
  // With userKey externalId a live holder is the match itself, so only the other key kinds can collide.
  if (kind !== 'externalId' && user.externalId !== undefined && user.externalId !== match?.externalId) {
    const holders = others(index.byExternalId.get(user.externalId), match);
    if (holders.length > 0)
      errors.push(
        diagnostic(
          'external_id_taken_by_other_user',
          `external id ${user.externalId} of ${subject(user, match)} belongs to live user ${holders.map((u) => u.id).join(', ')}`,
          fieldSource(positions, user, 'externalId'),
          TAKEN_HINT,
        ),
      );
  }
}
