// The chart grid of one run. Line colours follow the token segments: CoT purple, call orange.
// α is charted for the losses that weigh the two segments (SSB and a fixed weight), on an axis at
// least 0.1 wide so a move in the fourth decimal looks like what it is, with a note relating it to
// plain SFT's weight on the call for this data. A plain-SFT run has no α: the note says why.
import { useChartPrefs } from '../../state/chartPrefs.ts';
import { downloadRunCsv, runSeries, useRunSeriesNumber } from '../../state/runSeries.ts';
import { MetricChart, type ChartLine } from './MetricChart.tsx';
import { TokenLossStrip } from './TokenLossStrip.tsx';
import { useNoHeldOutLoss } from './noHeldOutLoss.ts';
import { alphaStory, type AlphaFacts, NOTHING_TO_BALANCE, nothingToBalance } from './alphaStory.ts';
import { alphaPath, BALANCE_DEFAULTS } from '../../worker/protocol.ts';
import { CALL_SEGMENT_WORDS } from '../dataset/segmentMarkers.ts';

/** α's bounds, where a run's config does not say them (the defaults every run had before). */
type AlphaBounds = { alphaMin: number; alphaMax: number };

/** The held-out total's legend, by the run's loss rule: it is the run's own loss, weighing the
 * segments as its training does (under SSB it also falls when α moves, not only when the model does). */
export function evalTotalLabel(loss: string): string {
  if (loss === 'sft') return 'eval total (the run’s loss: the plain token mean)';
  if (loss === 'ssb') return 'eval total (the run’s loss: α-weighted, α learned)';
  return `eval total (the run’s loss: weighted by the fixed α${loss.startsWith('fixed:') ? ` = ${loss.slice('fixed:'.length)}` : ''})`;
}

export function runChartLines(runId: string, loss: string) {
  const line = (key: ChartLine['key'], label: string, color: ChartLine['color'], extra: Partial<ChartLine> = {}): ChartLine => ({ runId, key, label, color, ...extra });
  return {
    losses: [line('loss', 'total loss', (c) => c.text), line('lossCot', 'CoT loss', (c) => c.cot), line('lossCall', 'call loss', (c) => c.call)],
    alpha: [line('alpha', 'α (weight on CoT)', (c) => c.accent)],
    evalLoss: [
      line('evalLoss', evalTotalLabel(loss), (c) => c.text, { spanGaps: true }),
      line('evalLossTokens', 'eval per token (moves only when the model does)', (c) => c.accent, { spanGaps: true }),
      line('evalLossCot', 'eval CoT', (c) => c.cot, { spanGaps: true }),
      line('evalLossCall', 'eval call', (c) => c.call, { spanGaps: true }),
    ],
    lr: [line('lr', 'learning rate', (c) => c.accent)],
    gradNorm: [line('gradNorm', 'grad norm', (c) => c.bad)],
    tokensPerSecond: [line('tokensPerSecond', 'tokens/s', (c) => c.ok)],
  };
}

/** α's axis: at least 0.1 wide, inside [0, 1]. */
export const ALPHA_AXIS = { yMinSpan: 0.1, yBounds: [0, 1] as [number, number] };

const pct = (v: number | null) => (v === null ? '…' : `${(v * 100).toFixed(1)}%`);

export function AlphaNote({ runId, loss, rule = 'grad', bounds = BALANCE_DEFAULTS }: { runId: string; loss: string; rule?: AlphaFacts['rule']; bounds?: AlphaBounds }) {
  const share = useRunSeriesNumber(runId, (s) => s.sftCallShare());
  const last = useRunSeriesNumber(runId, (s) => s.last('alpha'));
  // Re-read at each new step: a swing is in the whole series, not in its ends.
  useRunSeriesNumber(runId, (s) => s.length);
  const path = alphaPath(runSeries(runId).values.alpha, bounds);
  const meanCot = useRunSeriesNumber(runId, (s) => s.segmentLossMean('cot'));
  const meanCall = useRunSeriesNumber(runId, (s) => s.segmentLossMean('call'));
  if (loss === 'sft') {
    return (
      <p className="note small" data-testid="alpha-note">
        Plain SFT has no balance weight: every target token counts alike, so the call gets its share of the target tokens, <strong>{pct(share)}</strong> on the batches of this run. SSB or a fixed weight set that share
        themselves.
      </p>
    );
  }
  if (loss === 'ssb' && nothingToBalance(share)) {
    return (
      <p className="note small" data-testid="alpha-note">
        {NOTHING_TO_BALANCE}
      </p>
    );
  }
  const story = loss === 'ssb' && path ? alphaStory({ rule, path, sftCallShare: share, meanCot, meanCall }) : null;
  return (
    <div className="small muted" data-testid="alpha-note">
      {story?.lead && (
        <p data-testid="alpha-lead">
          <strong>{story.lead}</strong>
          {story.leadWhy && ` ${story.leadWhy}`}
        </p>
      )}
      <p>
        α weighs the reasoning (CoT) loss and 1 − α the call loss.
        {/* Said in the lead already, where SSB gave the call less than plain SFT would. */}
        {!story?.lead && ` Plain SFT would give the call ${pct(share)} of the weight on this run's batches (its share of the target tokens); here the call gets ${last === null ? '…' : `${((1 - last) * 100).toFixed(1)}%`}.`}
        {story && ` ${story.moved}`}
      </p>
      {story?.rest.map((sentence) => (
        <p key={sentence.slice(0, 24)}>{sentence}</p>
      ))}
    </div>
  );
}

export function ChartToolbar({ runId, name }: { runId: string; name: string }) {
  const { smoothing, logScale, setSmoothing, setLogScale } = useChartPrefs();
  // Before the stored steps are read the series holds none: the file would be a header alone.
  const loaded = useRunSeriesNumber(runId, (s) => (s.loaded ? 1 : 0)) === 1;
  return (
    <div className="row charttools" data-testid="chart-tools">
      <label className="field inline" htmlFor="chart-smoothing">
        Smoothing
        <input id="chart-smoothing" type="range" min={0} max={0.95} step={0.05} value={smoothing} onChange={(e) => setSmoothing(Number(e.target.value))} />
        <span className="small">{smoothing.toFixed(2)}</span>
      </label>
      <label className="check">
        <input type="checkbox" checked={logScale} onChange={(e) => setLogScale(e.target.checked)} /> Log scale (losses)
      </label>
      <button data-testid="download-csv" disabled={!loaded} onClick={() => downloadRunCsv(runId, name)}>
        {loaded ? 'Download CSV' : 'Download CSV (reading the steps…)'}
      </button>
    </div>
  );
}

/** keptStep: the step whose adapter a finished keepBest run kept, where it is not its last (keptBestStep). */
export function RunCharts({ runId, loss = 'ssb', rule, alphaBounds, finished = false, evalEvery, keptStep = null }: { runId: string; loss?: string; rule?: AlphaFacts['rule']; alphaBounds?: AlphaBounds; finished?: boolean; evalEvery?: number; keptStep?: number | null }) {
  const l = runChartLines(runId, loss);
  const noHeldOutLoss = useNoHeldOutLoss(runId, evalEvery);
  const { smoothing, logScale } = useChartPrefs();
  const lossOptions = { smoothing, logY: logScale };
  runSeries(runId); // starts loading the stored metrics before the first chart mounts
  return (
    <div className="charts">
      <MetricChart
        title="Loss: total, reasoning (CoT) and call"
        lines={l.losses}
        testId="chart-loss"
        height={260}
        options={lossOptions}
        note={
          <p className="note small muted" data-testid="call-segment-note">
            The call loss is over {CALL_SEGMENT_WORDS}.
          </p>
        }
      />
      {loss === 'sft' ? (
        <figure className="chart">
          <figcaption>Balance weight α</figcaption>
          <AlphaNote runId={runId} loss={loss} />
        </figure>
      ) : (
        <MetricChart title={loss === 'ssb' ? 'Balance weight α (SSB, learned)' : 'Balance weight α (fixed)'} lines={l.alpha} testId="chart-alpha" height={260} options={ALPHA_AXIS} note={<AlphaNote runId={runId} loss={loss} rule={rule} bounds={alphaBounds} />} />
      )}
      <MetricChart
        title="Eval loss (held-out)"
        lines={l.evalLoss}
        testId="chart-eval"
        options={lossOptions}
        mark={keptStep === null ? undefined : { key: 'evalLossTokens', step: keptStep, label: `kept adapter (step ${keptStep})`, color: (c) => c.ok }}
        note={
          (noHeldOutLoss && <p className="note small muted">{`No held-out loss for this run: ${noHeldOutLoss}.`}</p>) ||
          (keptStep !== null && (
            <p className="note small muted" data-testid="kept-step-note">
              {`The ring marks step ${keptStep}: its held-out loss per token was the run’s lowest, so the run keeps that step’s adapter, not its last step’s.`}
            </p>
          ))
        }
      />
      <MetricChart title="Learning rate" lines={l.lr} testId="chart-lr" />
      <MetricChart title="Gradient norm (before clipping)" lines={l.gradNorm} testId="chart-gradnorm" options={{ smoothing }} />
      <MetricChart title="Throughput" lines={l.tokensPerSecond} testId="chart-tps" yLabel="tokens/s" options={{ smoothing }} />
      <TokenLossStrip runId={runId} finished={finished} evalEvery={evalEvery} />
    </div>
  );
}
