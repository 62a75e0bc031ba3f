// Public types of the Clerk Backend API emulator. The emulator speaks the wire shapes of src/clerk/wire.ts
// (API version 2026-05-12); these types only describe how to start, seed and observe it.

import type { WireCreateUserBody, WireMetadata } from '../clerk/index.ts';
import type { EmulatorSettings, EmulatorSettingsInput, SettingsPreset } from './settings.ts';

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
  /** Clock in ms for ids, timestamps, lock expiry and rate limiting. @default Date.now */
  clock?: () => number;
  /**
   * Named settings applied over a new instance's defaults before `settings`: 'new-instance' (the default
   * behaviour) or 'permissive' (the emulator before it followed a new instance: no password requirement, caps,
   * quotas, role checks or expiring locks, slugs on).
   */
  preset?: SettingsPreset;
  /**
   * Instance settings merged over `newInstanceSettings(secretKey)` and the preset (deeply for
   * `organization_settings`; `roles` replaces the list). Unknown keys and wrong types throw
   * EmulatorSettingsError (code `emulator_settings_invalid`) naming the key. Not stored in the data file.
   */
  settings?: EmulatorSettingsInput;
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

/** An OAuth account an email is linked to (the wire's `linked_to` entries); `id` defaults to a new `idn_` id. */
export interface EmulatorSeedLink {
  /** `oauth_<provider>`, e.g. 'oauth_google' (the spec's IdentificationLink.type pattern). */
  type: string;
  id?: string;
}

/**
 * A POST /v1/users body, plus one seed-only field: `email_addresses_linked_to`, keyed by one of the user's
 * `email_address` values, marks that email as linked to OAuth accounts, so its `linked_to` is non-empty and
 * deleting it is refused (400 delete_linked_identification_disallowed), as for a user who signed up with Google.
 */
export type EmulatorSeedUser = WireCreateUserBody & {
  email_addresses_linked_to?: Record<string, EmulatorSeedLink[]>;
};

export interface EmulatorSeed {
  /**
   * POST /v1/users bodies, validated like the endpoint does, except that a seed loads past the instance's caps and
   * quotas (`user_cap`, `password_required`; the organization membership quota for memberships).
   */
  users?: EmulatorSeedUser[];
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
  /**
   * Adds data, past the instance's caps and quotas (user cap, password requirement, membership quota); throws a
   * ClerkSyncError carrying Clerk's error code if an item is invalid (earlier items stay).
   */
  seed(seed: EmulatorSeed): SeedResult;
  /** Replaces the fault spec at runtime (undefined turns faults off) and restarts the PRNG. */
  setFaults(spec: string | undefined, seed?: number): void;
  /** Replaces the rate limit at runtime (undefined turns it off). */
  setRateLimit(spec: string | undefined): void;
  /** A copy of the instance settings now in force (what GET /__emulator/settings answers). */
  settings(): EmulatorSettings;
  /**
   * Merges a partial settings object into the current settings (as POST /__emulator/settings does) and returns the
   * result; throws EmulatorSettingsError, changing nothing, for an unknown key or a wrong type. `reset()` keeps them.
   */
  updateSettings(partial: EmulatorSettingsInput): EmulatorSettings;
  /** Stops listening, drops open connections, writes the data file. */
  close(): Promise<void>;
}
