import type { CommandGroup } from '../../src/cli/command';
import enqueue from './enqueue';
import list from './list';
import replay from './replay';
import cancel from './cancel';
import history from './history';

export const retry: CommandGroup = {
  command: 'retry <command>',
  describe: 'The retry queue: enqueue, list, replay through gh, cancel, history',
  commands: [list, enqueue, replay, cancel, history],
};
