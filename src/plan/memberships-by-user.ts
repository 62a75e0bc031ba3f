// Live memberships by user id: the view of the membership list createPlan diffs each user against. Hashing 150,000
// membership user ids was a fifth of a second after the read had ended, so the read groups them as its pages arrive
// (state/fetch-organizations.ts) and createPlan takes that grouping only for the very list it was made from
// (issue 17, "Overlap").

import type { LiveMembership } from '../model/index.ts';

/** One membership alone, several in an array of their number (an array per user grown by push held 18 slots each). */
export type MembershipsByUser = ReadonlyMap<string, LiveMembership | readonly LiveMembership[]>;

/** A grouping and the list it groups, exactly. */
export interface GroupedMemberships {
  list: readonly LiveMembership[];
  byUser: MembershipsByUser;
}

/** Memberships grouped one at a time, as they are read. */
export class MembershipGrouping {
  readonly #byUser = new Map<string, LiveMembership | LiveMembership[]>();
  #count = 0;

  add(membership: LiveMembership): void {
    const held = this.#byUser.get(membership.userId);
    if (held === undefined) this.#byUser.set(membership.userId, membership);
    else if (Array.isArray(held)) held.push(membership);
    else this.#byUser.set(membership.userId, [held, membership]);
    this.#count += 1;
  }

  /**
   * The grouping of `list`, a list made of memberships added here: when it is as long as what was added, it holds
   * exactly those. A read that dropped a copy of one (read twice across shifting pages) gets undefined.
   */
  of(list: readonly LiveMembership[]): GroupedMemberships | undefined {
    return list.length === this.#count ? { list, byUser: this.#byUser } : undefined;
  }
}

export function groupMembershipsByUser(list: readonly LiveMembership[]): MembershipsByUser {
  const grouping = new MembershipGrouping();
  for (const membership of list) grouping.add(membership);
  return (grouping.of(list) as GroupedMemberships).byUser;
}

export function membershipsOfUser(byUser: MembershipsByUser, userId: string): readonly LiveMembership[] {
  const held = byUser.get(userId);
  return held === undefined ? [] : Array.isArray(held) ? held : [held as LiveMembership];
}
