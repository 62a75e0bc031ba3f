// Public types of the Clerk Backend API emulator. The emulator speaks the wire shapes of src/clerk/wire.ts
// (API version 2026-05-12); these types only describe how to start, seed and observe it.

import type { WireCreateUserBody, WireMetadata } from '../clerk/index.ts';

export interface EmulatorOptions {
  /** TCP port; 0 picks a free one. @default 0 */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** Requests under /v1 need `Authorization: Bearer <secretKey>`, else 401. @default 'sk_test_emulator' */
  secretKey?: string;
  /**
   * Persistence: loaded at start when the file exists; saved atomically (temporary file + rename) shortly after
   * mutations and on close, so a crash never leaves a half-written file.
   */
  dataFile?: string;
  /** Per-instance token bucket, e.g. '1000/10s', '100/1s', '50/500ms'. Off by default. */
  rateLimit?: string | { requests: number; windowMs: number };
  /** Fault injection, e.g. '429=0.08,500=0.05,reset=0.03,commit-reset=0.03,latency=5ms'. Off by default. */
  faults?: string;
  /** Seed of the PRNG that picks faults, so a run can be replayed. @default 1 */
  faultSeed?: number;
  /** Initial data, loaded after the data file. */
  seed?: EmulatorSeed;
  /** Clock in ms for ids, timestamps and rate limiting. @default Date.now */
  clock?: () => number;
}

export interface EmulatorStats {
  /** Requests under /v1 (including those answered 401, 429 or dropped by a fault). */
  total: number;
  /** Keyed `METHOD /v1/route/template`, e.g. `PATCH /v1/users/{user_id}/metadata`; unknown routes count as `METHOD /v1/*`. */
  byRoute: Record<string, number>;
  /** Keyed by HTTP status ('200', '429'...), plus 'reset' and 'commit-reset' for connections dropped by a fault. */
  byStatus: Record<string, number>;
  /** Faults injected, keyed by kind: '429', '500', 'reset', 'commit-reset'. */
  faults: Record<string, number>;
}

export interface EmulatorSeedOrganization {
  name: string;
  /** Kept even while organization slugs are disabled (an organization from before they were turned off). */
  slug?: string;
  public_metadata?: WireMetadata;
  private_metadata?: WireMetadata;
  max_allowed_memberships?: number;
}

export interface EmulatorSeedMembership {
  /** Organization id, slug, or the exact name of the one organization so named. */
  organization: string;
  /** User external_id, id or primary email address. */
  user: string;
  role: string;
  public_metadata?: WireMetadata;
  private_metadata?: WireMetadata;
}

export interface EmulatorSeed {
  /** POST /v1/users bodies, validated exactly like the endpoint does. */
  users?: WireCreateUserBody[];
  organizations?: EmulatorSeedOrganization[];
  memberships?: EmulatorSeedMembership[];
}

/** How many objects a seed call created. */
export interface SeedResult {
  users: number;
  organizations: number;
  memberships: number;
}

export interface RunningEmulator {
  /** 'http://127.0.0.1:PORT/v1' */
  url: string;
  /** 'http://127.0.0.1:PORT' (what `@clerk/backend` takes as apiUrl) */
  origin: string;
  port: number;
  secretKey: string;
  /** The same object GET /__emulator/stats answers. */
  stats(): EmulatorStats;
  resetStats(): void;
  /** Drops all data and stats. */
  reset(): void;
  /** Adds data; throws a ClerkSyncError carrying Clerk's error code if an item is invalid (earlier items stay). */
  seed(seed: EmulatorSeed): SeedResult;
  /** Replaces the fault spec at runtime (undefined turns faults off) and restarts the PRNG. */
  setFaults(spec: string | undefined, seed?: number): void;
  /** Replaces the rate limit at runtime (undefined turns it off). */
  setRateLimit(spec: string | undefined): void;
  /** Stops listening, drops open connections, writes the data file. */
  close(): Promise<void>;
}
