/**
 * Progress while a run goes: a bar with ETA on a terminal, one plain line per job otherwise
 * (CI logs, pipes). Both write to stderr so stdout carries only the summary.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  start(total: number): void;
  jobStarted(index: number, id: string): void;
  jobDone(index: number, id: string, outcome: string): void;
  stop(): void;
}

export function useBar(): boolean {
  const ci = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';
  return process.stderr.isTTY === true && !ci;
}

class BarProgress implements Progress {
  private readonly bar = new cliProgress.SingleBar(
    {
      format: ' {bar} {value}/{total} | {duration_formatted} elapsed | ETA {eta_formatted} | {job}',
      etaBuffer: 20,
      hideCursor: true,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );

  start(total: number): void {
    this.bar.start(total, 0, { job: '' });
  }

  jobStarted(_index: number, id: string): void {
    this.bar.update({ job: id });
  }

  jobDone(index: number, id: string, outcome: string): void {
    this.bar.update(index + 1, { job: `${id}: ${outcome}` });
  }

  stop(): void {
    this.bar.stop();
  }
}

class LineProgress implements Progress {
  private total = 0;

  constructor(private readonly write: (line: string) => void) {}

  start(total: number): void {
    this.total = total;
  }

  jobStarted(): void {}

  jobDone(index: number, id: string, outcome: string): void {
    this.write(`[${index + 1}/${this.total}] ${id}: ${outcome}`);
  }

  stop(): void {}
}

export function createProgress(bar = useBar()): Progress {
  return bar ? new BarProgress() : new LineProgress((line) => process.stderr.write(`${line}\n`));
}

/** For library callers and tests that want no output. */
export const silentProgress: Progress = {
  start() {},
  jobStarted() {},
  jobDone() {},
  stop() {},
};
