// clerk-sync undo (not yet implemented).

import { InternalError } from '../errors.ts';
import type { CommandDefinition } from './command.ts';

export const undoCommand: CommandDefinition = {
  name: 'undo',
  summary: '(not yet implemented)',
  help: 'Usage: clerk-sync undo',
  options: {},
  allowPositionals: true,
  hidden: true,
  async run() {
    throw new InternalError('clerk-sync undo is not implemented yet');
  },
};
