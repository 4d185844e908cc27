// The per-token loss strip: every target token of one held-out example, coloured by segment (CoT
// purple, call orange) with the colour's strength showing its loss, updated at each eval step and
// read back from the run row after a reload. Token text is rendered as text. The colours' message
// is also in words: segment markers for screen readers, and the highest-loss tokens with their loss.
import { Fragment, useEffect, useState } from 'react';
import { useRuns } from '../../state/runStore.ts';
import { onTokenLoss, type TokenLossStrip as Strip } from '../../state/tokenLossStream.ts';
import { useRunSeriesNumber } from '../../state/runSeries.ts';
import { CALL_SEGMENT_WORDS, SEGMENT_WORDS, segmentMarkerAt } from '../dataset/segmentMarkers.ts';
import { useNoHeldOutLoss } from './noHeldOutLoss.ts';

const SEGMENT = ['seg-prompt', 'seg-cot', 'seg-call'];

/** A segment's mean loss for the legend; "none" for an example without that segment. */
function meanText(values: number[]): string {
  return values.length ? (values.reduce((a, b) => a + b, 0) / values.length).toFixed(3) : 'none (no such tokens)';
}

/** The `n` tokens with the highest loss, highest first (ties: the earlier token first). */
export function highestLossTokens(strip: Pick<Strip, 'tokens' | 'nll' | 'segments'>, n = 5): Array<{ token: string; loss: number; segment: string }> {
  return strip.nll
    .map((loss, i) => ({ token: strip.tokens[i], loss, segment: SEGMENT_WORDS[strip.segments[i]] ?? 'prompt', i }))
    .sort((a, b) => b.loss - a.loss || a.i - b.i)
    .slice(0, n)
    .map(({ token, loss, segment }) => ({ token, loss, segment }));
}

/** Whether this example's call tokens hold more than calls (an empty reasoning block, a plain reply):
 * a "</think>" marked "(call)" among the highest losses reads as a mistake without the words. */
export function callTokensHoldMore(strip: Pick<Strip, 'tokens' | 'segments'>): boolean {
  const call = strip.tokens.filter((_, i) => strip.segments[i] === 2).join('');
  return call !== '' && (call.includes('<think>') || call.includes('</think>') || !call.includes('<tool_call>'));
}

/** `evalEvery`: the run's "Eval loss every" (0: it takes no eval steps, so it never gets a strip). */
export function TokenLossStrip({ runId, finished = false, evalEvery }: { runId: string; finished?: boolean; evalEvery?: number }) {
  // The stored strip (the runs list carries each run's row), replaced by live ones as they come.
  const stored = useRuns((s) => {
    const run = s.runs.find((r) => r.id === runId);
    return run?.kind === 'train' ? (run.tokenLoss ?? null) : null;
  });
  // A run that measures no held-out loss never gets a strip.
  const none = useNoHeldOutLoss(runId, evalEvery);
  const [live, setLive] = useState<{ runId: string; strip: Strip } | null>(null);
  useEffect(() => onTokenLoss(runId, (strip) => setLive({ runId, strip })), [runId]);
  const latest = live?.runId === runId ? live.strip : stored;
  // A strip of a step past the run's curves is of an attempt a resume is training again: the
  // adapter it shows is gone.
  const lastStep = useRunSeriesNumber(runId, (s) => (s.loaded ? (s.steps.at(-1) ?? 0) : null));
  const strip = latest && (lastStep === null || latest.step <= lastStep) ? latest : null;
  if (!strip) {
    return (
      <div className="chart note" data-testid="token-strip">
        <p className="muted">
          {none
            ? `No per-token loss for this run: ${none}.`
            : finished
              ? 'No per-token loss was kept for this run (it had no eval steps, or it came from a snapshot without them).'
              : 'Per-token loss of a held-out example appears here at the first eval step.'}
        </p>
      </div>
    );
  }
  // Scaled between this example's lowest and highest loss, so differences show even when every
  // token is near ln(vocab) (an untrained model) or near 0 (a converged one).
  const max = Math.max(...strip.nll);
  const min = Math.min(...strip.nll);
  const strength = (v: number) => 0.1 + (0.8 * (v - min)) / Math.max(1e-6, max - min);
  const cot = strip.nll.filter((_, i) => strip.segments[i] === 1);
  const call = strip.nll.filter((_, i) => strip.segments[i] === 2);
  return (
    <figure className="chart" data-testid="token-strip" data-step={strip.step} data-tokens={strip.tokens.length}>
      <figcaption>
        Per-token loss · example {strip.exampleId} · step {strip.step}
      </figcaption>
      <p className="legend small">
        <span className="seg-cot">CoT mean {meanText(cot)}</span> <span className="seg-call">call mean {meanText(call)}</span>
        <span className="muted"> · stronger colour = higher loss ({min.toFixed(2)} to {max.toFixed(2)})</span>
      </p>
      <p className="small" data-testid="token-strip-highest">
        Highest loss:{' '}
        {highestLossTokens(strip)
          .map((t) => `${JSON.stringify(t.token)} ${t.loss.toFixed(3)} (${t.segment})`)
          .join(' · ')}
      </p>
      {callTokensHoldMore(strip) && (
        <p className="small muted" data-testid="token-strip-call-words">
          The call tokens are {CALL_SEGMENT_WORDS}.
        </p>
      )}
      <pre className="tokens wrap strip">
        {strip.tokens.map((t, i) => {
          const marker = segmentMarkerAt(strip.segments, i);
          return (
            <Fragment key={i}>
              {marker && <span className="sr-only">{marker}</span>}
              <span className={SEGMENT[strip.segments[i]] ?? 'seg-prompt'} style={{ ['--loss' as string]: String(strength(strip.nll[i])) }} title={`${JSON.stringify(t)}: loss ${strip.nll[i].toFixed(3)}`}>
                {t}
              </span>
            </Fragment>
          );
        })}
      </pre>
    </figure>
  );
}
