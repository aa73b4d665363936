// The console side of every `mimo train` command: a header line, a progress bar on stderr, a line per
// evaluation (header and lines are left out with --json, where the command prints one JSON document at
// the end), and a TrainConfigError from a trainer reported as a usage error (exit code 2).
import { TrainConfigError } from '../train/mimoconv.js';
import { UsageError, progressBar } from './output.js';

type Fields = Record<string, string | number>;

export interface TrainingConsole {
  /** Prints the run's header (not with --json) and starts the bar at `done` of `total` steps. */
  start(header: string, total: number, done: number, fields?: Fields): void;
  /** Moves the bar to `step` (every `every` steps, and at the last). */
  step(step: number, total: number, fields: Fields): void;
  /** A line between steps, such as an evaluation's results (not with --json). */
  line(text: string): void;
}

/** Runs a trainer with a TrainingConsole; the bar is stopped however the run ends. */
export async function withTrainingConsole<R>(json: boolean, every: number, run: (c: TrainingConsole) => Promise<R>): Promise<R> {
  let bar: ReturnType<typeof progressBar> | undefined;
  const c: TrainingConsole = {
    start(header, total, done, fields = {}) {
      if (!json) console.log(header);
      bar = progressBar('training', total);
      bar.update(done, fields);
    },
    step(step, total, fields) {
      if (step % every === 0 || step === total) bar?.update(step, fields);
    },
    line(text) {
      if (json) return;
      bar?.stop();
      console.log(text);
    },
  };
  try {
    return await run(c);
  } catch (e) {
    if (e instanceof TrainConfigError) throw new UsageError(e.message);
    throw e;
  } finally {
    bar?.stop();
  }
}
