// clerk-sync plan (not yet implemented).

import { InternalError } from '../errors.ts';
import type { CommandDefinition } from './command.ts';

export const planCommand: CommandDefinition = {
  name: 'plan',
  summary: '(not yet implemented)',
  help: 'Usage: clerk-sync plan',
  options: {},
  allowPositionals: true,
  hidden: true,
  async run() {
    throw new InternalError('clerk-sync plan is not implemented yet');
  },
};
