// Identity: which live user each manifest user is, by settings.userKey. Ambiguity is reported, never guessed: two
// live users for one manifest user, one live user for two manifest users, or an identifier (email, phone, username,
// external id) the manifest gives to a user while another live user holds it. Clerk keeps all four unique per
// instance (clerk-api-notes.md §8.5, 422 form_identifier_exists), so such a plan could not be applied anyway.

import type { DesiredState, DesiredUser, LiveSnapshot, LiveUser, SourceRef, UserKeyKind } from '../state/model.ts';
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
  claimedLiveIds: ReadonlySet<string>;
}

/** Position of a field of a user, for messages: its own source when the manifest recorded it. */
export function fieldSource(user: DesiredUser, ...fields: string[]): SourceRef {
  // Read once: a manifest user computes its positions on each read.
  const sources = user.fieldSources;
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

function fillExternalId(table: Map<string, Holders>, user: LiveUser): void {
  if (user.externalId !== null) push(table, user.externalId, user);
}

function fillEmail(table: Map<string, Holders>, user: LiveUser): void {
  // Email matching is case-insensitive [assume] (clerk-api-notes.md §3.1: Clerk stores lower-case).
  for (const email of user.emailAddresses) push(table, email.emailAddress.toLowerCase(), user);
}

function fillPhone(table: Map<string, Holders>, user: LiveUser): void {
  for (const phone of user.phoneNumbers) push(table, phone.phoneNumber, user);
}

function fillUsername(table: Map<string, Holders>, user: LiveUser): void {
  if (user.username !== null) push(table, user.username, user);
}

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

  private table(name: TableName, fill: (table: Map<string, Holders>, user: LiveUser) => void): Map<string, Holders> {
    let table = this.tables.get(name);
    if (!table) {
      table = new Map();
      // In snapshot order: messages that name several users sort them by id themselves (byId), so 100,000 users
      // are not sorted for the rare key two of them share.
      for (const user of this.users) fill(table, user);
      this.tables.set(name, table);
    }
    return table;
  }

  get byExternalId(): Map<string, Holders> {
    return this.table('externalId', fillExternalId);
  }

  get byEmail(): Map<string, Holders> {
    return this.table('email', fillEmail);
  }

  get byPhone(): Map<string, Holders> {
    return this.table('phone', fillPhone);
  }

  get byUsername(): Map<string, Holders> {
    return this.table('username', fillUsername);
  }

  byKey(kind: UserKeyKind, key: string): LiveUser[] {
    if (kind === 'externalId') return holderList(this.byExternalId.get(key));
    if (kind === 'emailAddress') return holderList(this.byEmail.get(key.toLowerCase()));
    return holderList(this.byUsername.get(key));
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

export function matchUsers(desired: DesiredState, live: LiveSnapshot): IdentityResult {
  const kind = desired.settings.userKey;
  const index = new LiveIndex(live.users);
  const errors: PlanDiagnostic[] = [];
  const claimed = new Set<string>();
  const users = [...desired.users].sort((a, b) => compareStrings(a.key, b.key));
  const candidates = new Map<DesiredUser, LiveUser | null>();
  const claimants = new Map<string, DesiredUser[]>();

  for (const user of users) {
    const found = index.byKey(kind, user.key);
    for (const liveUser of found) claimed.add(liveUser.id);
    if (found.length > 1) {
      errors.push(
        diagnostic(
          'ambiguous_user_match',
          `${kind} "${user.key}" matches ${found.length} live users (${byId(found)
            .map((u) => u.id)
            .join(', ')})`,
          fieldSource(user, 'key', KEY_FIELD[kind]),
          'Make the live users distinct (or delete the duplicate) so the key names exactly one of them.',
        ),
      );
      continue;
    }
    const match = found[0] ?? null;
    candidates.set(user, match);
    if (match) {
      const earlier = claimants.get(match.id);
      if (earlier === undefined) claimants.set(match.id, [user]);
      else earlier.push(user);
    }
  }

  // With userKey emailAddress one live user holding two addresses can be claimed by two manifest users.
  for (const [liveId, claimers] of claimants) {
    if (claimers.length < 2) continue;
    for (const user of claimers) {
      candidates.delete(user);
      errors.push(
        diagnostic(
          'ambiguous_user_match',
          `live user ${liveId} is matched by ${claimers.length} manifest users (${claimers.map((u) => u.key).join(', ')})`,
          fieldSource(user, 'key', KEY_FIELD[kind]),
          'Give each live user exactly one manifest entry.',
        ),
      );
    }
  }

  const matches: UserMatch[] = [];
  for (const user of users) {
    if (!candidates.has(user)) continue;
    const match = candidates.get(user) ?? null;
    matches.push({ desired: user, live: match });
    errors.push(...takenIdentifiers(user, match, index, kind));
  }
  return { matches, errors, claimedLiveIds: claimed };
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

function takenIdentifiers(
  user: DesiredUser,
  match: LiveUser | null,
  index: LiveIndex,
  kind: UserKeyKind,
): PlanDiagnostic[] {
  const errors: PlanDiagnostic[] = [];
  const others = (holders: Holders | undefined): LiveUser[] =>
    // Almost always: nobody, or only the match itself.
    holders === undefined || (!Array.isArray(holders) && holders.id === match?.id)
      ? []
      : byId(holderList(holders).filter((holder) => holder.id !== match?.id));
  // Built only for a message: a string per user adds up at 100,000 users.
  const subject = (): string =>
    match ? `manifest user "${user.key}" (live ${match.id})` : `new manifest user "${user.key}"`;
  const hint = 'An identifier can belong to one user only: remove it from the other user first, or fix the manifest.';

  // An identifier the matched live user holds is nobody else's: Clerk keeps emails, phones, usernames and external
  // ids unique per instance (clerk-api-notes.md §8.5), so only the ones it lacks are looked up.
  (user.emailAddresses ?? []).forEach((email, position) => {
    // Manifest addresses are lower-case already: the exact one first, then lower-cased.
    if (match && holdsEmail(match, email)) return;
    const address = email.toLowerCase();
    if (match && address !== email && holdsEmail(match, address)) return;
    const holders = others(index.byEmail.get(address));
    if (holders.length > 0)
      errors.push(
        diagnostic(
          'email_taken_by_other_user',
          `email address ${email} of ${subject()} belongs to live user ${holders.map((u) => u.id).join(', ')}`,
          fieldSource(user, `emailAddresses.${position}`, 'emailAddresses'),
          hint,
        ),
      );
  });
  (user.phoneNumbers ?? []).forEach((phone, position) => {
    if (match?.phoneNumbers.some((held) => held.phoneNumber === phone)) return;
    const holders = others(index.byPhone.get(phone));
    if (holders.length > 0)
      errors.push(
        diagnostic(
          'phone_taken_by_other_user',
          `phone number ${phone} of ${subject()} belongs to live user ${holders.map((u) => u.id).join(', ')}`,
          fieldSource(user, `phoneNumbers.${position}`, 'phoneNumbers'),
          hint,
        ),
      );
  });
  if (typeof user.username === 'string' && user.username !== match?.username) {
    const holders = others(index.byUsername.get(user.username));
    if (holders.length > 0)
      errors.push(
        diagnostic(
          'username_taken_by_other_user',
          `username ${user.username} of ${subject()} belongs to live user ${holders.map((u) => u.id).join(', ')}`,
          fieldSource(user, 'username'),
          hint,
        ),
      );
  }
  // With userKey externalId a live holder is the match itself, so only the other key kinds can collide.
  if (kind !== 'externalId' && user.externalId !== undefined && user.externalId !== match?.externalId) {
    const holders = others(index.byExternalId.get(user.externalId));
    if (holders.length > 0)
      errors.push(
        diagnostic(
          'external_id_taken_by_other_user',
          `external id ${user.externalId} of ${subject()} belongs to live user ${holders.map((u) => u.id).join(', ')}`,
          fieldSource(user, 'externalId'),
          hint,
        ),
      );
  }
  return errors;
}
