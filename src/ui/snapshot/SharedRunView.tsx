// A shared run, opened from a link: the summary and curves decoded (and validated) from the URL
// fragment, shown read-only. Nothing is uploaded or stored: the worker and the database are never
// started on this page. All text from the link is rendered as text.
import { useMemo } from 'react';
import type { Theme } from '../App.tsx';
import { decodeShareLink, type ShareSummary } from '../../snapshot/share-link.ts';
import { StaticChart, type StaticLine } from '../dashboard/StaticChart.tsx';
import { ALPHA_AXIS, evalTotalLabel } from '../dashboard/RunCharts.tsx';
import type { ChartColors } from '../dashboard/chartTheme.ts';
import { categoryWords, formatMetric } from '../format.ts';
import { hdrStatusText, recordedTotalsText, roundCancelledText, runChangesText } from '../../hdr/stopReason.ts';
import { answerChangesText } from '../../eval/pairedTest.ts';
import { askedText, byStepText } from '../../eval/summaryNotes.ts';
import { accuracyIntervalText } from '../../eval/accuracyInterval.ts';
import { splitText } from '../../data/split.ts';
import { datasetText } from '../../snapshot/trained-on.ts';
import { modelRefWords } from '../../model/model-ref.ts';

function line(s: ShareSummary, key: keyof ShareSummary['curves'], label: string, color: (c: ChartColors) => string): StaticLine[] {
  const c = s.curves[key];
  return c ? [{ label, color, steps: c.steps, values: c.values }] : [];
}

/** `ssb:grad (α from 0.7, within [0.05, 0.95])`; older links carry only the loss. */
function lossText(c: ShareSummary['config']): string {
  if (c.loss !== 'ssb' || c.balanceRule === undefined) return c.loss;
  const bounds = c.alphaMin !== undefined && c.alphaMax !== undefined ? `, within [${c.alphaMin}, ${c.alphaMax}]` : '';
  return `ssb:${c.balanceRule} (α from ${c.alpha0}${bounds})`;
}

function evaluationText(e: NonNullable<ShareSummary['evaluation']>): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const where = `${e.examples} ${e.split === 'eval' || e.split === undefined ? 'held-out ' : ''}example${e.examples === 1 ? '' : 's'}${e.step !== undefined ? ` at step ${e.step}` : ''}`;
  const categories = Object.entries(e.byCategory ?? {});
  const by = categories.length > 1 ? ` (${categories.map(([k, v]) => `${categoryWords(k)} ${pct(v)}`).join(', ')})` : '';
  // The link carries the accuracy and the count; the correct answers are their product.
  const interval = accuracyIntervalText(Math.round(e.astAccuracy * e.examples), e.examples);
  const byStep = e.byStep && `; ${byStepText({ first: tally(e.byStep.first), afterCalls: tally(e.byStep.afterCalls) })}`;
  const asked = e.asked && `; ${askedText({ inTraining: tally(e.asked.inTraining), notInTraining: tally(e.asked.notInTraining) })}`;
  // Beside the base model on the same examples, where the sharer evaluated it: what training changed.
  const score = e.base ? `base model ${pct(e.base.astAccuracy)} → trained ${pct(e.astAccuracy)}` : pct(e.astAccuracy);
  const range = interval && (e.base ? `, the trained model’s ${interval}` : `, ${interval}`);
  return `${score} of calls correct by the AST checker on ${e.base ? 'the same ' : ''}${where}${range}${by}${byStep ?? ''}${asked ?? ''}`;
}

const tally = (t: { total: number; correct: number }) => ({ ...t, accuracy: t.total > 0 ? t.correct / t.total : 0 });

/** "74% → 81% (3 fixed, 1 broken, p = 0.63: could be chance)", as the studio's HDR table has it. */
function roundAccuracyText(r: ShareSummary['hdrRounds'][number]): string {
  // A round with no held-out example to evaluate read "— → —", as the studio's table says it.
  if (r.evalAccuracyBefore == null && r.evalAccuracyAfter == null) return 'not measured';
  const pct = (v: number | null | undefined) => (typeof v === 'number' ? `${(v * 100).toFixed(0)}%` : '—');
  return `${pct(r.evalAccuracyBefore)} → ${pct(r.evalAccuracyAfter)}${r.evalChanges ? ` (${answerChangesText(r.evalChanges.fixed, r.evalChanges.broken)})` : ''}`;
}

/** "running at step 12 of 50"; an HDR run's in its own rounds, as the studio counts them (its steps
 * are those of the training run it continued). */
function statusText(s: ShareSummary): string {
  if (!s.hdrRun) return `${s.status} at step ${s.lastStep ?? '—'} of ${s.config.steps}`;
  return hdrStatusText(s.status, { ...s.hdrRun, lastRound: s.hdrRun.rounds > 0 ? s.hdrRounds.at(-1) : undefined });
}

/** A headline figure: its key (the test id), label and value. */
type Figure = [key: string, label: string, value: number | undefined];

export function SharedRunView({ fragment, theme }: { fragment: string; theme: Theme }) {
  const decoded = useMemo(() => {
    try {
      return { summary: decodeShareLink(fragment), error: null };
    } catch (err) {
      return { summary: null, error: (err as Error).message };
    }
  }, [fragment]);
  if (!decoded.summary) {
    return (
      <section className="panel" data-testid="shared-run-error">
        <h2>Shared run</h2>
        <p className="error" role="alert">
          This share link cannot be shown: {decoded.error}. Ask for a new link (Runs panel → Share link); the link may have been cut off when it was pasted.
        </p>
        <p>
          <a href={location.pathname}>Open the studio instead</a>
        </p>
      </section>
    );
  }
  const s = decoded.summary;
  const h = s.headline;
  // Plain SFT has no balance weight: its logged α is the reasoning tokens' share of the batch (the
  // dashboard does not call it α either).
  const sft = s.config.loss === 'sft';
  // Links made before rounds carried their held-out accuracy have no column for it.
  const roundsHeldOut = s.hdrRounds.some((r) => r.evalAccuracyBefore !== undefined);
  // Over the HDR run's own rounds (the last of hdrRounds; earlier ones came with the run it continued).
  const overRun = s.hdrRun && s.hdrRun.rounds > 0 ? runChangesText(s.hdrRounds.slice(-s.hdrRun.rounds)) : '';
  // The held-out number is the dashboard's: the loss per token. The α-weighted eval loss falls when
  // α moves, so its best is no figure of the model; links made before carry only that one.
  const heldOut: Figure[] =
    h.finalEvalLossTokens !== undefined
      ? [['finalEvalLossTokens', 'held-out loss per token', h.finalEvalLossTokens]]
      : [['bestEvalLoss', h.bestEvalStep !== undefined ? `best eval loss (step ${h.bestEvalStep})` : 'best eval loss', h.bestEvalLoss]];
  const headline: Figure[] = [
    ['finalLoss', 'loss', h.finalLoss],
    ['finalLossCot', 'CoT loss', h.finalLossCot],
    ['finalLossCall', 'call loss', h.finalLossCall],
    ...(sft ? [] : [['finalAlpha', 'α', h.finalAlpha] satisfies Figure]),
    ...heldOut,
  ];
  return (
    <section className="panel" aria-labelledby="shared-title" data-testid="shared-run">
      <div className="row spread">
        <h2 id="shared-title">Shared run: {s.name}</h2>
        <span className="chip">read-only · from a link, nothing stored</span>
      </div>
      <dl className="facts">
        <dt>Model</dt>
        <dd>{modelRefWords(s.modelRef)}</dd>
        <dt>Dataset</dt>
        <dd>
          <span data-testid="shared-dataset">{datasetText(s.dataset)}</span>
          {s.dataset.edited ? ` · ${s.dataset.edited === 1 ? '1 expected answer' : `${s.dataset.edited} expected answers`} edited by the sharer, not the dataset’s own` : ''}
          {s.dataset.split && (
            <span data-testid="shared-split">
              {' '}
              · {splitText(s.dataset.split)}
              {s.dataset.split.by === 'question' ? ', each question with all its examples' : ': a held-out example may ask what a training example asks'}
            </span>
          )}
        </dd>
        {s.startedFrom && (
          <>
            <dt>Started from</dt>
            <dd data-testid="shared-started-from">
              the adapter of “{s.startedFrom.name}” ({s.startedFrom.hdr ? `HDR, round ${s.startedFrom.step}` : `step ${s.startedFrom.step}`}), not a new one
            </dd>
          </>
        )}
        <dt>Status</dt>
        <dd>{statusText(s)}</dd>
        <dt>Config</dt>
        <dd>
          loss {lossText(s.config)} · lr {s.config.lr} ({s.config.schedule}) · LoRA r{s.config.rank} α{s.config.alpha} on {s.config.targets.join(',')} · batch {s.config.batchSize}×{s.config.gradAccum} · seq {s.config.seqLen} · seed{' '}
          {s.config.seed}
        </dd>
        {s.evaluation && (
          <>
            <dt>Evaluation</dt>
            <dd data-testid="shared-evaluation">{evaluationText(s.evaluation)}</dd>
          </>
        )}
        {h.meanTokensPerSecond !== undefined && (
          <>
            <dt>Throughput</dt>
            <dd>{Math.round(h.meanTokensPerSecond).toLocaleString('en-US')} tokens/s on average, on the sharer’s GPU</dd>
          </>
        )}
      </dl>
      <dl className="headline" data-testid="shared-headline">
        {headline.map(([key, label, v]) => (
          <div key={key}>
            <dt>{label}</dt>
            <dd data-testid={`shared-${key}`}>{formatMetric(v)}</dd>
          </div>
        ))}
      </dl>
      <div className="charts" key={theme}>
        <StaticChart title="Loss: total, reasoning (CoT) and call" testId="shared-chart-loss" lines={[...line(s, 'loss', 'total loss', (c) => c.text), ...line(s, 'lossCot', 'CoT loss', (c) => c.cot), ...line(s, 'lossCall', 'call loss', (c) => c.call)]} />
        {sft ? (
          <StaticChart title="Reasoning tokens’ share of the batch (plain SFT has no α)" testId="shared-chart-alpha" lines={line(s, 'alpha', 'reasoning token share', (c) => c.accent)} />
        ) : (
          <StaticChart title={s.config.loss === 'ssb' ? 'Balance weight α (SSB, learned)' : 'Balance weight α (fixed)'} testId="shared-chart-alpha" lines={line(s, 'alpha', 'α', (c) => c.accent)} yAxis={ALPHA_AXIS} />
        )}
        <StaticChart title="Eval loss (held-out)" testId="shared-chart-eval" lines={[...line(s, 'evalLoss', evalTotalLabel(s.config.loss), (c) => c.text), ...line(s, 'evalLossTokens', 'eval per token (moves only when the model does)', (c) => c.accent), ...line(s, 'evalLossCot', 'eval CoT', (c) => c.cot), ...line(s, 'evalLossCall', 'eval call', (c) => c.call)]} />
        <StaticChart title="Learning rate" lines={line(s, 'lr', 'learning rate', (c) => c.accent)} />
        <StaticChart title="Gradient norm (before clipping)" testId="shared-chart-gradnorm" lines={line(s, 'gradNorm', 'grad norm', (c) => c.bad)} />
        <StaticChart title="Throughput (tokens/s)" testId="shared-chart-tps" lines={line(s, 'tokensPerSecond', 'tokens/s', (c) => c.ok)} />
      </div>
      {s.hdrRounds.length > 0 && (
        <table className="rules">
          <caption>HDR rounds</caption>
          <thead>
            <tr>
              <th scope="col">Round</th>
              <th scope="col">Pool</th>
              <th scope="col">Sampled</th>
              <th scope="col">Pass rate</th>
              <th scope="col">Accepted</th>
              {roundsHeldOut && <th scope="col">Held-out accuracy before → after</th>}
            </tr>
          </thead>
          <tbody>
            {s.hdrRounds.map((r) => (
              <tr key={r.round}>
                <td>{r.round}</td>
                <td>{r.poolSize}</td>
                <td>{r.sampled ?? '—'}</td>
                <td>{(r.passRate * 100).toFixed(0)}%</td>
                <td>{r.accepted}</td>
                {roundsHeldOut && <td data-testid="shared-hdr-round-accuracy">{roundAccuracyText(r)}</td>}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {s.hdrRounds.map((r) => {
        // Said as the studio's HDR panel says it: the row alone reads as a finished round.
        const text = roundCancelledText({ ...r, training: r.trainingSteps === undefined ? null : { steps: r.trainingSteps } });
        return text && <p key={`cancelled-${r.round}`} className="muted">{text[0].toUpperCase() + text.slice(1)}.</p>;
      })}
      {s.hdrTotals && <p data-testid="shared-hdr-totals">{recordedTotalsText(s.hdrTotals)}.</p>}
      {overRun && <p data-testid="shared-hdr-run-changes">{overRun}</p>}
      <p className="muted">
        This page shows only what the link carries (curves downsampled to fit a URL). <a href={location.pathname}>Open the studio</a> to train your own.
      </p>
    </section>
  );
}
