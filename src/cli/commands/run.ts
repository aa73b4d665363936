// `mimo run SCRIPT [ARGS...]`: runs a user's Node script (one that imports mimo) inside this command's
// process, so it gets what the `mimo` command sets up before libtorch loads: jemalloc preloaded when
// installed (bin/mimo.js; with glibc's allocator every large temporary page-faults: a Performer
// forward pass on LRA Image measured 1.7–2× slower), the spin-wait settings and the thread pools. The script
// sees process.argv as `node SCRIPT ARGS...`, as if started by node itself.
import { Command } from 'commander';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError } from '../output.js';

export function runCommand(): Command {
  return new Command('run')
    .description('run a Node script (that imports mimo) with the allocator and thread settings of the mimo command: jemalloc preloaded when installed; options after SCRIPT go to the script')
    .argument('<script>', 'a .js or .mjs file (ES module or CommonJS)')
    .argument('[args...]', "the script's own arguments (process.argv.slice(2) inside it)")
    .passThroughOptions()
    .action(async (script: string, args: string[]) => {
      const file = path.resolve(script);
      if (!existsSync(file) || !statSync(file).isFile()) throw new UsageError(`run: no such script: ${script}`);
      process.argv = [process.argv[0], file, ...args];
      try {
        await import(pathToFileURL(file).href);
      } catch (e) {
        // The user's own code: where it failed matters more than a one-line message.
        throw new Error(`${script} failed:\n${e instanceof Error ? (e.stack ?? e.message) : String(e)}`, { cause: e });
      }
    });
}
