// clerk-sync validate (not yet implemented).

import { InternalError } from '../errors.ts';
import type { CommandDefinition } from './command.ts';

export const validateCommand: CommandDefinition = {
  name: 'validate',
  summary: '(not yet implemented)',
  help: 'Usage: clerk-sync validate',
  options: {},
  allowPositionals: true,
  hidden: true,
  async run() {
    throw new InternalError('clerk-sync validate is not implemented yet');
  },
};
