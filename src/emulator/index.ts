// Public surface of src/emulator: a local, high-fidelity Clerk Backend API (2026-05-12) for tests, the demo and
// benchmarks. `startEmulator()` listens on 127.0.0.1 and speaks the wire shapes of src/clerk/wire.ts.

export { parseFaults, seededRandom } from './limits.ts';
export { startEmulator } from './server.ts';
export type {
  EmulatorOrganizationSettings,
  EmulatorRole,
  EmulatorRoleInput,
  EmulatorSettings,
  EmulatorSettingsInput,
  SettingsPreset,
} from './settings.ts';
export { DEFAULT_ROLES, isSettingsPreset, newInstanceSettings, SETTINGS_PRESETS } from './settings.ts';
export { EmulatorSettingsError } from './settings-checks.ts';
export { mergeSettings, resolveSettings } from './settings-merge.ts';
export type {
  EmulatorOptions,
  EmulatorSeed,
  EmulatorSeedLink,
  EmulatorSeedMembership,
  EmulatorSeedOrganization,
  EmulatorSeedUser,
  EmulatorStats,
  RunningEmulator,
  SeedResult,
} from './types.ts';
