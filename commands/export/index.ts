import type { CommandGroup } from '../../src/cli/command';
import postgres from './postgres';

export const exportGroup: CommandGroup = {
  command: 'export <command>',
  describe: 'Export the ledger to a team-wide store (Postgres, Supabase)',
  commands: [postgres],
};
