// The package's main export (`import { plan, apply, startEmulator } from 'clerk-sync'`): the library API, documented
// in README "Library API". Every function runs the same stages as the command line and prints nothing.

export type { ApplyResult, OperationOutcome } from './apply/index.ts';
export type { EmulatorOptions, EmulatorSeed, EmulatorSettingsInput, RunningEmulator } from './emulator/index.ts';
export { startEmulator } from './emulator/index.ts';
export { ClerkSyncError, isClerkSyncError } from './errors.ts';
export { apply, plan } from './library/run.ts';
export type {
  ApplyOptions,
  ApplyOutcome,
  ApplySource,
  ConnectionOptions,
  OperationResult,
  PlanInput,
  SafetyOptions,
} from './library/types.ts';
export type { Operation, Plan, PlanWarning } from './plan/index.ts';
export { type ResolvedEnvironment, type ResolveProjectOptions, resolveProject } from './project/index.ts';
