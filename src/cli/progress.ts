// A progress bar for long work (bench, workflows run --wait): drawn only when stdout is a
// terminal and never with --json (see Context.progress). Without a bar, the lines it would
// print above the bar are printed plainly and the counts are not drawn.
import cliProgress from "cli-progress";

export type Progress = {
  /** Sets how far the work is (and the total, when it changed). */
  update(done: number, total?: number): void;
  /** Prints a line above the bar (or just the line, without a bar). */
  log(line: string): void;
  stop(): void;
};

export const progress = (enabled: boolean, label: string, total: number): Progress => {
  if (!enabled) {
    return { update: () => {}, log: (line) => process.stdout.write(`${line}\n`), stop: () => {} };
  }
  const bars = new cliProgress.MultiBar(
    { format: `${label} [{bar}] {value}/{total}`, hideCursor: true, clearOnComplete: false, stopOnComplete: false, noTTYOutput: false, stream: process.stdout },
    cliProgress.Presets.shades_classic,
  );
  const bar = bars.create(total, 0);
  return {
    update: (done, newTotal) => {
      if (newTotal !== undefined) bar.setTotal(newTotal);
      bar.update(done);
    },
    log: (line) => bars.log(`${line}\n`),
    stop: () => bars.stop(),
  };
};
