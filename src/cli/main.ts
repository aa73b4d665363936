// The `mimo` command line.
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { UsageError } from './output.js';
import { infoCommand } from './commands/info.js';
import { benchCommand } from './commands/bench.js';
import { demoCommand } from './commands/demo.js';
import { interferenceCommand } from './commands/interference.js';
import { dataCommand } from './commands/data.js';
import { trainCommand } from './commands/train.js';
import { evalCommand } from './commands/eval.js';
import { serveCommand } from './commands/serve.js';
import { runCommand } from './commands/run.js';
import { predictCommand } from './commands/predict.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export function program(): Command {
  return new Command('mimo')
    .description('Neural networks that compute in superposition (MIMONets, DataMUX) on libtorch')
    .version(version())
    .showHelpAfterError()
    .enablePositionalOptions()
    .addCommand(trainCommand())
    .addCommand(evalCommand())
    .addCommand(serveCommand())
    .addCommand(predictCommand())
    .addCommand(demoCommand())
    .addCommand(interferenceCommand())
    .addCommand(dataCommand())
    .addCommand(infoCommand())
    .addCommand(benchCommand())
    .addCommand(runCommand());
}

export async function main(argv: string[]): Promise<void> {
  const prog = program().exitOverride();
  try {
    await prog.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) process.exit(e.exitCode);
    if (e instanceof UsageError) {
      process.stderr.write(`mimo: ${e.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`mimo: ${e instanceof Error ? e.message : String(e)}\n`);
    if (process.env.MIMO_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    process.exit(1);
  }
}
