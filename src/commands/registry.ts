// Every command clerk-sync knows, in the order `--help` lists them.

import type { CommandDefinition } from './command.ts';

const loaders: Record<string, () => Promise<CommandDefinition>> = {
  validate: async () => (await import('./validate.ts')).validateCommand,
  plan: async () => (await import('./plan.ts')).planCommand,
  apply: async () => (await import('./apply.ts')).applyCommand,
  drift: async () => (await import('./drift.ts')).driftCommand,
  export: async () => (await import('./export.ts')).exportCommand,
  undo: async () => (await import('./undo.ts')).undoCommand,
  'hash-password': async () => (await import('./hash-password.ts')).hashPasswordCommand,
  emulator: async () => (await import('./emulator.ts')).emulatorCommand,
  demo: async () => (await import('./demo.ts')).demoCommand,
};

export const COMMAND_NAMES = Object.keys(loaders);

export async function loadCommand(name: string): Promise<CommandDefinition | undefined> {
  const load = loaders[name];
  return load ? load() : undefined;
}
