import type { CommandGroup } from '../../src/cli/command';
import deliver from './deliver';
import list from './list';
import test from './test';

export const notify: CommandGroup = {
  command: 'notify <command>',
  describe: 'The notification outbox: deliver what is due, list deliveries, test a channel',
  commands: [list, deliver, test],
};
