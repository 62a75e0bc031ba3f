// clerk-sync emulator (not yet implemented).

import { InternalError } from '../errors.ts';
import type { CommandDefinition } from './command.ts';

export const emulatorCommand: CommandDefinition = {
  name: 'emulator',
  summary: '(not yet implemented)',
  help: 'Usage: clerk-sync emulator',
  options: {},
  allowPositionals: true,
  hidden: true,
  async run() {
    throw new InternalError('clerk-sync emulator is not implemented yet');
  },
};
