// clerk-sync drift (not yet implemented).

import { InternalError } from '../errors.ts';
import type { CommandDefinition } from './command.ts';

export const driftCommand: CommandDefinition = {
  name: 'drift',
  summary: '(not yet implemented)',
  help: 'Usage: clerk-sync drift',
  options: {},
  allowPositionals: true,
  hidden: true,
  async run() {
    throw new InternalError('clerk-sync drift is not implemented yet');
  },
};
