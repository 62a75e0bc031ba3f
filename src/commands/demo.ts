// clerk-sync demo (not yet implemented).

import { InternalError } from '../errors.ts';
import type { CommandDefinition } from './command.ts';

export const demoCommand: CommandDefinition = {
  name: 'demo',
  summary: '(not yet implemented)',
  help: 'Usage: clerk-sync demo',
  options: {},
  allowPositionals: true,
  hidden: true,
  async run() {
    throw new InternalError('clerk-sync demo is not implemented yet');
  },
};
