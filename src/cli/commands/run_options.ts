// Training options for a run: the CLI's values, or on --resume the saved run's values for every
// option the user did not give on the command line.
import type { Command } from 'commander';

/**
 * The training config fields named by `fields` ([CLI option key, config field]) from the parsed
 * options `o`; with `saved` (a resumed run's config), options not given on the command line take
 * the saved values. Undefined values are left out.
 */
export function mergeRunOptions<C extends object>(cmd: Command, o: Record<string, unknown>, fields: readonly (readonly [string, keyof C])[], saved?: C): Partial<C> {
  const given: Record<string, unknown> = {};
  for (const [key, field] of fields) {
    const fromCli = cmd.getOptionValueSource(key) === 'cli';
    const v = saved && !fromCli ? saved[field] : o[key];
    if (v !== undefined) given[field as string] = v;
  }
  return given as Partial<C>;
}
