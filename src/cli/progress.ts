// A single progress line on a terminal (rewritten in place); plain lines, rate-limited, when
// stderr is not a TTY, so CI logs stay readable.
import { formatBytes } from '../model/memory-plan.ts';
import type { ProgressInfo } from '../jobs/context.ts';
import { examplesDoneText } from '../jobs/progressWords.ts';
import type { StepMetrics } from '../train/trainer.ts';
import { segmentGaps } from '../train/ssb.ts';

/** A job's counted phase as a line ("tokenizing: 12,800 of 53,847 examples", the weights' upload in
 * bytes), or null for what is not counted: before a large run's first step these take minutes. */
export function phaseText(p: ProgressInfo): string | null {
  if (!p.unit || !(p.total > 1)) return null;
  if (p.unit === 'bytes') return `${p.label}: ${formatBytes(p.done)} of ${formatBytes(p.total)}`;
  return `${p.label}: ${examplesDoneText(p)}`;
}
export class ProgressLine {
  private last = 0;
  private shown = false;
  constructor(private readonly quiet = false) {}

  /** `last`: the line's final state (a phase's "291 of 291"), kept on screen: on a terminal what
   * is written next starts a line of its own ("…291 of 291 examples6 steps of 2…" ran together). */
  update(text: string, force = false, last = false): void {
    if (this.quiet) return;
    const now = Date.now();
    if (process.stderr.isTTY) {
      process.stderr.write(`\r\x1b[2K${text}`);
      this.shown = true;
      if (last) this.done();
    } else if (force || now - this.last > 5000) {
      process.stderr.write(text + '\n');
      this.last = now;
    }
  }

  done(): void {
    if (this.shown && process.stderr.isTTY) process.stderr.write('\n');
    this.shown = false;
  }
}

/** A step's losses and α for a progress line. A batch without reasoning (or call) tokens has no
 * loss for that segment and uses no α (the trainer logs 0 for both): '—', not "cot 0.0000  α 0.000". */
export function stepLossText(m: Pick<StepMetrics, 'loss' | 'lossCot' | 'lossCall' | 'alpha' | 'cotTokens' | 'callTokens'>): string {
  const gaps: string[] = segmentGaps(m as unknown as Record<string, number>);
  const shown = (k: 'lossCot' | 'lossCall' | 'alpha', digits: number) => (gaps.includes(k) ? '—' : m[k].toFixed(digits));
  return `loss ${m.loss.toFixed(4)}  cot ${shown('lossCot', 4)}  call ${shown('lossCall', 4)}  α ${shown('alpha', 3)}`;
}
