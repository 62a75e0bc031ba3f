// clerk-sync export (not yet implemented).

import { InternalError } from '../errors.ts';
import type { CommandDefinition } from './command.ts';

export const exportCommand: CommandDefinition = {
  name: 'export',
  summary: '(not yet implemented)',
  help: 'Usage: clerk-sync export',
  options: {},
  allowPositionals: true,
  hidden: true,
  async run() {
    throw new InternalError('clerk-sync export is not implemented yet');
  },
};
