// The fault-injection step: one seeded draw per authenticated /v1 request, so a run replays.

import { drawFault, type FaultKind, type FaultSpec, parseFaults, seededRandom } from './limits.ts';

export class FaultInjector {
  private spec: FaultSpec | undefined;
  private random = seededRandom(1);
  private readonly defaultSeed: number;

  constructor(spec: string | undefined, defaultSeed = 1) {
    this.defaultSeed = defaultSeed;
    this.set(spec);
  }

  /** Replaces the spec (undefined or blank turns faults off) and restarts the PRNG. */
  set(spec: string | undefined, seed?: number): void {
    this.spec = spec === undefined || spec.trim() === '' ? undefined : parseFaults(spec);
    this.random = seededRandom(seed ?? this.defaultSeed);
  }

  /** The fault for this request, if any; draws nothing while faults are off. */
  draw(mutating: boolean): FaultKind | undefined {
    return this.spec ? drawFault(this.spec, this.random, mutating) : undefined;
  }

  /** Delay added before every /v1 reply. */
  get latencyMs(): number {
    return this.spec?.latencyMs ?? 0;
  }
}
