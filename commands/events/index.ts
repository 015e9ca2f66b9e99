import type { CommandGroup } from '../../src/cli/command';
import consumers from './consumers';
import tail from './tail';

export const events: CommandGroup = {
  command: 'events <command>',
  describe: 'The event log: tail it (live with --follow), see each consumer’s cursor and lag',
  commands: [tail, consumers],
};
