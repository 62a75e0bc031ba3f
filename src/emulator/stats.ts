// Request counters behind GET /__emulator/stats.

import type { EmulatorStats } from './types.ts';

export function emptyStats(): EmulatorStats {
  return { total: 0, byRoute: {}, byStatus: {}, faults: {} };
}

function bump(record: Record<string, number>, key: string): void {
  record[key] = (record[key] ?? 0) + 1;
}

export class StatsRecorder {
  private stats = emptyStats();

  /** A /v1 request arrived for this route key. */
  request(routeKey: string): void {
    this.stats.total++;
    bump(this.stats.byRoute, routeKey);
  }

  /** An answer went out (an HTTP status, or 'reset' / 'commit-reset' for a dropped connection). */
  outcome(status: string): void {
    bump(this.stats.byStatus, status);
  }

  fault(kind: string): void {
    bump(this.stats.faults, kind);
  }

  reset(): void {
    this.stats = emptyStats();
  }

  /** The live object (for serialising without a copy). */
  current(): EmulatorStats {
    return this.stats;
  }

  snapshot(): EmulatorStats {
    return structuredClone(this.stats);
  }
}
