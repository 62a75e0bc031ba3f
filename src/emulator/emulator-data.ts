// The emulator's data and its --data file: the store, what loads it at start (file, then seed), and the save
// scheduled after any change, whichever way it came (a request, a hook or the RunningEmulator methods).

import { DataFileWriter, loadDataFile } from './persistence.ts';
import { applySeed } from './seed.ts';
import type { EmulatorSettings } from './settings.ts';
import { mergeSettings, resolveSettings } from './settings-merge.ts';
import { Store } from './store.ts';
import type { EmulatorOptions, SeedResult } from './types.ts';

export class EmulatorData {
  readonly store: Store;
  private readonly writer: DataFileWriter | undefined;
  private savedVersion: number;

  constructor(options: EmulatorOptions, secretKey: string, clock: () => number) {
    const store = new Store(clock, resolveSettings(secretKey, { preset: options.preset, settings: options.settings }));
    this.store = store;
    this.writer =
      options.dataFile === undefined
        ? undefined
        : new DataFileWriter({ file: options.dataFile, snapshot: () => JSON.stringify(store.toPersisted()) });
    this.savedVersion = store.version;
  }

  /** Loads the data file, then the seed (after the settings, faults and rate limit are known to be valid). */
  load(options: Pick<EmulatorOptions, 'dataFile' | 'seed'>): void {
    if (options.dataFile !== undefined) {
      const state = loadDataFile(options.dataFile);
      if (state) this.store.load(state);
    }
    if (options.seed) applySeed(this.store, options.seed);
    this.savedVersion = this.store.version;
    // Seeded data is written even if no request ever mutates anything.
    if (options.seed && this.writer) this.writer.schedule();
  }

  /** Schedules a save when the data changed since the last one. */
  persistIfChanged(): void {
    if (this.writer && this.store.version !== this.savedVersion) {
      this.savedVersion = this.store.version;
      this.writer.schedule();
    }
  }

  seed(input: unknown): SeedResult {
    try {
      return applySeed(this.store, input);
    } finally {
      this.persistIfChanged();
    }
  }

  clear(): void {
    this.store.clear();
    this.persistIfChanged();
  }

  /** A copy of the settings now in force. */
  settings(): EmulatorSettings {
    return structuredClone(this.store.settings);
  }

  updateSettings(partial: unknown): EmulatorSettings {
    this.store.setSettings(mergeSettings(this.store.settings, partial));
    return this.settings();
  }

  /** Writes any pending save. */
  async flush(): Promise<void> {
    await this.writer?.flush();
  }
}
