import { runCli } from '../src/cli/main';
import { processIO } from '../src/cli/io';
import { registry } from '../commands/registry';

process.exitCode = await runCli(process.argv.slice(2), processIO(), registry);
