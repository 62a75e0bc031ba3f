// Organization identity: which live organization each declared one is, on instances with or without slugs. The
// manifest's `slug` field is the organization's KEY. A declared organization matches, in this order: (a) the live
// organization carrying clerk-sync's mark with that key, (b) the live organization with that slug, (c) the one
// unmarked live organization with exactly the declared name (adopted: the plan marks it). Ambiguity is refused,
// never guessed. Pure.

import { ORG_MARK_KEY } from '../fields/constants.ts';
import type { DesiredOrganization, JsonObject, LiveOrganization } from '../model/index.ts';
import { compareStrings } from './json-values.ts';
import type { PlanDiagnostic } from './types.ts';

/** How a declared organization found its live one: by clerk-sync's mark, by slug, or by its unique exact name. */
export type OrgMatchStep = 'mark' | 'slug' | 'name';

export const ORG_MATCH_STEPS: readonly OrgMatchStep[] = ['mark', 'slug', 'name'];

export interface OrgMatch {
  desired: DesiredOrganization;
  /** null: no live organization matches, the plan creates it. */
  live: LiveOrganization | null;
  /** How it matched; null when `live` is null. */
  by: OrgMatchStep | null;
}

export interface OrgIdentityResult {
  /** Declared organizations by key, with their live match; the ambiguous ones are left out (no operations). */
  matches: OrgMatch[];
  /** Keys of declared organizations left out because their match is ambiguous (an error says why). */
  unresolved: ReadonlySet<string>;
  errors: PlanDiagnostic[];
}

/** The private metadata that marks an organization as clerk-sync's, for manifest key `key`. */
export function orgMark(key: string): JsonObject {
  return { [ORG_MARK_KEY]: { key } };
}

/** Live organizations indexed for the three steps. */
class OrgIndex {
  readonly byMark = new Map<string, LiveOrganization[]>();
  readonly bySlug = new Map<string, LiveOrganization[]>();
  /** Unmarked organizations only: a marked one belongs to its key. */
  readonly byUnmarkedName = new Map<string, LiveOrganization[]>();

  constructor(live: readonly LiveOrganization[]) {
    // By id, so candidates (and the ids an error names) come in a stable order whatever the snapshot order.
    for (const org of [...live].sort((a, b) => compareStrings(a.id, b.id))) {
      if (org.key !== null) push(this.byMark, org.key, org);
      if (org.slug !== null) push(this.bySlug, org.slug, org);
      if (org.key === null) push(this.byUnmarkedName, org.name, org);
    }
  }

  candidates(step: OrgMatchStep, key: string, name: string): LiveOrganization[] {
    if (step === 'mark') return this.byMark.get(key) ?? [];
    if (step === 'slug') return this.bySlug.get(key) ?? [];
    return this.byUnmarkedName.get(name) ?? [];
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

const STEP_WORDS: Record<OrgMatchStep, string> = {
  mark: "by clerk-sync's mark",
  slug: 'by slug',
  name: 'by name',
};

const AMBIGUOUS_HINT: Record<OrgMatchStep, string> = {
  mark: "Two live organizations carry clerk-sync's mark for this key (private metadata clerkSync.key): remove it from the wrong one in the Clerk Dashboard.",
  slug: 'Clerk keeps slugs unique; check the instance.',
  name: 'Several unmarked live organizations have this exact name: rename all but one in the Clerk Dashboard, or mark the right one with private metadata {"clerkSync": {"key": "<key>"}}.',
};

function describe(org: LiveOrganization): string {
  return `${org.id} (${JSON.stringify(org.name)})`;
}

function diagnostic(org: DesiredOrganization, message: string, hint: string): PlanDiagnostic {
  const { file, line, column } = org.source;
  return { code: 'ambiguous_organization_match', message, source: { file, line, column }, hint };
}

/**
 * Matches the declared organizations with the live ones, step by step over all of them: every key is tried against
 * the marks first, then the slugs of the organizations still unmatched, then the names of the unmarked ones nobody
 * claimed. Two candidates at one step, a live organization two declared ones claim, or a slug match on an
 * organization another key already matched by its mark: `ambiguous_organization_match` at the declaration.
 */
export function matchOrganizations(
  declared: readonly DesiredOrganization[],
  live: readonly LiveOrganization[],
): OrgIdentityResult {
  const index = new OrgIndex(live);
  const sorted = [...declared].sort((a, b) => compareStrings(a.slug, b.slug));
  const found = new Map<string, { live: LiveOrganization; by: OrgMatchStep }>();
  const claimedBy = new Map<LiveOrganization, string>();
  const unresolved = new Set<string>();
  const errors: PlanDiagnostic[] = [];

  for (const step of ORG_MATCH_STEPS) {
    const wanted = new Map<LiveOrganization, DesiredOrganization[]>();
    for (const org of sorted) {
      if (found.has(org.slug) || unresolved.has(org.slug)) continue;
      let candidates = index.candidates(step, org.slug, org.name);
      // A name is not an identity: an organization another key already holds is simply not a candidate.
      if (step === 'name') candidates = candidates.filter((candidate) => !claimedBy.has(candidate));
      if (candidates.length === 0) continue;
      if (candidates.length > 1) {
        unresolved.add(org.slug);
        errors.push(
          diagnostic(
            org,
            `organization "${org.slug}" matches ${candidates.length} live organizations ${STEP_WORDS[step]} (${candidates.map(describe).join(', ')})`,
            AMBIGUOUS_HINT[step],
          ),
        );
        continue;
      }
      const candidate = candidates[0] as LiveOrganization;
      const holder = claimedBy.get(candidate);
      if (holder !== undefined) {
        unresolved.add(org.slug);
        errors.push(
          diagnostic(
            org,
            `organization "${org.slug}" matches live organization ${describe(candidate)} ${STEP_WORDS[step]}, which organization "${holder}" already matches ${STEP_WORDS[found.get(holder)?.by ?? 'mark']}`,
            'Give each live organization exactly one manifest entry.',
          ),
        );
        continue;
      }
      push(wanted, candidate, org);
    }
    for (const [candidate, claimers] of wanted) {
      if (claimers.length === 1) {
        const [org] = claimers as [DesiredOrganization];
        found.set(org.slug, { live: candidate, by: step });
        claimedBy.set(candidate, org.slug);
        continue;
      }
      const keys = claimers.map((org) => `"${org.slug}"`).join(', ');
      for (const org of claimers) {
        unresolved.add(org.slug);
        errors.push(
          diagnostic(
            org,
            `live organization ${describe(candidate)} is matched ${STEP_WORDS[step]} by ${claimers.length} manifest organizations (${keys})`,
            'Give each live organization exactly one manifest entry: declared organizations with the same name need distinct live ones (or marks).',
          ),
        );
      }
    }
  }

  const matches: OrgMatch[] = [];
  for (const org of sorted) {
    if (unresolved.has(org.slug)) continue;
    const match = found.get(org.slug);
    matches.push({ desired: org, live: match?.live ?? null, by: match?.by ?? null });
  }
  return { matches, unresolved, errors };
}

export type OrgLookup =
  | { kind: 'found'; live: LiveOrganization; by: 'mark' | 'slug' }
  | { kind: 'none' }
  | { kind: 'ambiguous'; by: 'mark' | 'slug'; candidates: LiveOrganization[] };

/**
 * The live organization that IS manifest key `key`: the one carrying clerk-sync's mark for it, else the one with
 * that slug. For apply's lookup after a create whose outcome is unknown, and the staleness check of a saved plan that
 * would create it. Not by name: a create always sends the mark, so an organization it made is found by the mark,
 * and the plan may have chosen to create rather than adopt a same-named organization another key holds.
 */
export function lookUpOrganization(key: string, live: readonly LiveOrganization[]): OrgLookup {
  const index = new OrgIndex(live);
  for (const step of ['mark', 'slug'] as const) {
    const candidates = index.candidates(step, key, '');
    if (candidates.length === 1) return { kind: 'found', live: candidates[0] as LiveOrganization, by: step };
    if (candidates.length > 1) return { kind: 'ambiguous', by: step, candidates };
  }
  return { kind: 'none' };
}
