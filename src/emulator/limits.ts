// Rate limiting and fault injection. The instance limit is a token bucket over the configured window; with it on,
// Clerk's per-resource update limit (10 requests per 10 s per user for PATCH /users/{id} and PATCH|PUT
// /users/{id}/metadata; likewise per organization and per membership) applies too
// (docs/clerk-api.md#one-rate-limit-per-instance-shared, docs: guides/how-clerk-works/system-limits). Faults are drawn
// from a seeded PRNG so a run replays.

import { parseRateLimit } from '../clerk/index.ts';
import { UsageError } from '../errors.ts';

export interface RateSpec {
  requests: number;
  windowMs: number;
}

export function parseRateSpec(spec: string | RateSpec): RateSpec {
  if (typeof spec !== 'string') {
    if (!Number.isSafeInteger(spec.requests) || spec.requests < 1 || !(spec.windowMs > 0)) {
      throw new UsageError(`invalid rate limit ${JSON.stringify(spec)}: requests >= 1 and windowMs > 0 are required`);
    }
    return spec;
  }
  return parseRateLimit(spec);
}

export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly capacity: number;
  private readonly perMs: number;

  constructor(spec: RateSpec, now: number) {
    this.capacity = spec.requests;
    this.perMs = spec.requests / spec.windowMs;
    this.tokens = spec.requests;
    this.last = now;
  }

  /** Takes a token; returns 0 on success, else the ms until one is available. */
  take(now: number): number {
    if (now > this.last) {
      this.tokens = Math.min(this.capacity, this.tokens + (now - this.last) * this.perMs);
      this.last = now;
    }
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - this.tokens) / this.perMs);
  }
}

/** Clerk's per-resource update limit: 10 requests per 10 s. */
export const RESOURCE_UPDATE_LIMIT: RateSpec = { requests: 10, windowMs: 10_000 };

/** The resource a request updates, for the per-resource limit; undefined when the limit does not apply. */
export function updatedResource(routeKey: string, params: Record<string, string>): string | undefined {
  switch (routeKey) {
    case 'PATCH /v1/users/{user_id}':
    case 'PATCH /v1/users/{user_id}/metadata':
    case 'PUT /v1/users/{user_id}/metadata':
      return `user:${params.user_id}`;
    case 'PATCH /v1/organizations/{organization_id}':
    case 'PATCH /v1/organizations/{organization_id}/metadata':
    case 'PUT /v1/organizations/{organization_id}/metadata':
      return `org:${params.organization_id}`;
    case 'PATCH /v1/organizations/{organization_id}/memberships/{user_id}':
    case 'PATCH /v1/organizations/{organization_id}/memberships/{user_id}/metadata':
      return `orgmem:${params.organization_id}:${params.user_id}`;
    default:
      return undefined;
  }
}

export type FaultKind = '429' | '500' | 'reset' | 'commit-reset';

export interface FaultSpec {
  probabilities: Record<FaultKind, number>;
  latencyMs: number;
}

const FAULT_KINDS: readonly FaultKind[] = ['429', '500', 'reset', 'commit-reset'];

function faultUsage(spec: string, why: string): UsageError {
  return new UsageError(`invalid fault spec "${spec}": ${why}`, {
    hint: 'Write faults as comma-separated KIND=VALUE: 429=0.08,500=0.05,reset=0.03,commit-reset=0.03,latency=5ms.',
  });
}

/** Parses `429=0.08,500=0.05,reset=0.03,commit-reset=0.03,latency=5ms`. */
export function parseFaults(spec: string): FaultSpec {
  const probabilities: Record<FaultKind, number> = { '429': 0, '500': 0, reset: 0, 'commit-reset': 0 };
  let latencyMs = 0;
  for (const part of spec.split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const [name, value, ...rest] = item.split('=').map((text) => text.trim());
    if (name === undefined || value === undefined || rest.length > 0)
      throw faultUsage(spec, `"${item}" is not KIND=VALUE`);
    if (name === 'latency') {
      const match = /^(\d+)(ms|s)?$/.exec(value);
      if (!match) throw faultUsage(spec, `latency "${value}" is not a duration like 5ms`);
      latencyMs = Number(match[1]) * (match[2] === 's' ? 1000 : 1);
      continue;
    }
    if (!(FAULT_KINDS as readonly string[]).includes(name)) {
      throw faultUsage(spec, `unknown fault "${name}" (known: ${FAULT_KINDS.join(', ')}, latency)`);
    }
    const probability = Number(value);
    if (value === '' || !Number.isFinite(probability) || probability < 0 || probability > 1) {
      throw faultUsage(spec, `probability "${value}" must be between 0 and 1`);
    }
    probabilities[name as FaultKind] = probability;
  }
  const total = FAULT_KINDS.reduce((sum, kind) => sum + probabilities[kind], 0);
  if (total > 1) throw faultUsage(spec, 'the probabilities add up to more than 1');
  return { probabilities, latencyMs };
}

/** mulberry32: small, fast and good enough to spread faults; the same seed gives the same sequence. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Picks the fault for one request: one draw per request, so the sequence depends only on the seed and order. */
export function drawFault(spec: FaultSpec, random: () => number, mutating: boolean): FaultKind | undefined {
  const draw = random();
  let threshold = 0;
  for (const kind of FAULT_KINDS) {
    threshold += spec.probabilities[kind];
    if (draw < threshold) {
      // commit-reset needs a mutation to commit; on reads that slice of the draw means "no fault".
      return kind === 'commit-reset' && !mutating ? undefined : kind;
    }
  }
  return undefined;
}
