// clerk-sync apply (not yet implemented).

import { InternalError } from '../errors.ts';
import type { CommandDefinition } from './command.ts';

export const applyCommand: CommandDefinition = {
  name: 'apply',
  summary: '(not yet implemented)',
  help: 'Usage: clerk-sync apply',
  options: {},
  allowPositionals: true,
  hidden: true,
  async run() {
    throw new InternalError('clerk-sync apply is not implemented yet');
  },
};
