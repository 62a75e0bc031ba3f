// The rate-limit step, in Clerk's order: the instance bucket, then the per-resource update bucket. Time comes
// from the injected clock, so tests can step it.

import { parseRateSpec, type RateSpec, RESOURCE_UPDATE_LIMIT, TokenBucket, updatedResource } from './limits.ts';
import { type Reply, tooManyRequests } from './reply.ts';

export class RateLimiter {
  private instanceBucket: TokenBucket | undefined;
  private readonly resourceBuckets = new Map<string, TokenBucket>();
  private readonly clock: () => number;

  constructor(clock: () => number, spec?: string | RateSpec) {
    this.clock = clock;
    this.set(spec);
  }

  /** Replaces the limit (undefined turns it off) and forgets every bucket. */
  set(spec: string | RateSpec | undefined): void {
    const rate = spec === undefined ? undefined : parseRateSpec(spec);
    this.instanceBucket = rate === undefined ? undefined : new TokenBucket(rate, this.clock());
    this.resourceBuckets.clear();
  }

  /** Takes a token for one request; a 429 with Retry-After (whole seconds, at least 1) when none is left. */
  check(routeKey: string, params: Record<string, string>): Reply | undefined {
    if (this.instanceBucket === undefined) return undefined;
    const now = this.clock();
    const waitMs = this.instanceBucket.take(now);
    if (waitMs > 0) return tooManyRequests(Math.max(1, Math.ceil(waitMs / 1000)));
    const resource = updatedResource(routeKey, params);
    if (resource === undefined) return undefined;
    let bucket = this.resourceBuckets.get(resource);
    if (!bucket) {
      bucket = new TokenBucket(RESOURCE_UPDATE_LIMIT, now);
      this.resourceBuckets.set(resource, bucket);
    }
    const resourceWait = bucket.take(now);
    return resourceWait > 0 ? tooManyRequests(Math.max(1, Math.ceil(resourceWait / 1000))) : undefined;
  }
}
