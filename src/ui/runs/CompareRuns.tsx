// Two runs' curves on the same axes: total, CoT and call loss, and α (run A solid, run B dashed),
// a table of the settings they differ in (W&B's config diff), and their newest evaluations' answers
// side by side (which examples one gets right and the other wrong).
import { useDatasets } from '../../state/datasetStore.ts';
import { newestAdapterEval, useRuns } from '../../state/runStore.ts';
import { useEvalPredictions } from '../../state/datasetViews.ts';
import type { EvalRunRow } from '../../state/queries.ts';
import { AnswerComparisonText } from '../eval/AnswerComparisonText.tsx';
import { configDifferences, datasetIdentity } from '../../state/runDifferences.ts';
import { MetricChart, type ChartLine } from '../dashboard/MetricChart.tsx';
import { ALPHA_AXIS } from '../dashboard/RunCharts.tsx';

export function CompareRuns({ runIds }: { runIds: [string, string] }) {
  const runs = useRuns((s) => s.runs);
  const name = (id: string) => runs.find((r) => r.id === id)?.name ?? id;
  const datasets = useDatasets((s) => s.datasets);
  const [a, b] = runIds;
  const runA = runs.find((r) => r.id === a);
  const runB = runs.find((r) => r.id === b);
  const diff = runA && runB ? configDifferences(runA, runB, (r) => datasetIdentity(r, datasets)) : [];
  const pair = (key: ChartLine['key'], label: string, color: ChartLine['color']): ChartLine[] => [
    { runId: a, key, label: `${label} · ${name(a)}`, color },
    { runId: b, key, label: `${label} · ${name(b)}`, color, dash: [6, 4] },
  ];
  // Plain SFT has no balance weight: its "α" is the reasoning tokens' share of the batch.
  const isSft = (id: string) => (runs.find((r) => r.id === id)?.config as { loss?: string } | undefined)?.loss === 'sft';
  const alphaLines = pair('alpha', 'α', (c) => c.accent).map((l) => (isSft(l.runId) ? { ...l, label: `reasoning token share (SFT has no α) · ${name(l.runId)}` } : l));
  return (
    <div className="stack" data-testid="compare-runs">
      <h3>
        Compare: {name(a)} (solid) vs {name(b)} (dashed)
      </h3>
      <div className="tablewrap">
        <table className="rules" data-testid="compare-config">
          <caption>{diff.length ? 'Settings that differ' : 'Both runs have the same settings, dataset and model'}</caption>
          {diff.length > 0 && (
            <thead>
              <tr>
                <th scope="col">Setting</th>
                <th scope="col">{name(a)}</th>
                <th scope="col">{name(b)}</th>
              </tr>
            </thead>
          )}
          <tbody>
            {diff.map((d) => (
              <tr key={d.setting}>
                <td>{d.setting}</td>
                <td>{d.a}</td>
                <td>{d.b}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <CompareAnswers a={newestAdapterEval(runs, a)} b={newestAdapterEval(runs, b)} nameA={name(a)} nameB={name(b)} />
      <div className="charts">
        <MetricChart title="CoT and call loss" lines={[...pair('lossCot', 'CoT', (c) => c.cot), ...pair('lossCall', 'call', (c) => c.call)]} testId="compare-loss" height={260} />
        <MetricChart title="Balance weight α" lines={alphaLines} testId="compare-alpha" height={260} options={ALPHA_AXIS} />
        <MetricChart title="Total loss" lines={pair('loss', 'total', (c) => c.text)} />
        <MetricChart title="Eval loss" lines={pair('evalLoss', 'eval', (c) => c.ok).map((l) => ({ ...l, spanGaps: true }))} />
      </div>
    </div>
  );
}

/** The two runs' newest evaluations of their adapters, answer by answer (A's answers "here"). */
function CompareAnswers({ a, b, nameA, nameB }: { a: EvalRunRow | null; b: EvalRunRow | null; nameA: string; nameB: string }) {
  if (!a || !b) return <p className="muted" data-testid="compare-answers-none">Evaluate both runs’ adapters (Evaluation panel) to set their answers side by side.</p>;
  if (a.datasetId !== b.datasetId) return <p className="muted" data-testid="compare-answers-none">Their newest evaluations are of different datasets, so their answers are not to the same questions.</p>;
  const score = (r: EvalRunRow) => `${r.summary.correct} of ${r.summary.total} correct`;
  return (
    <div className="stack" data-testid="compare-answers">
      <p className="muted">
        Answers of their newest evaluations: {nameA} {score(a)}, {nameB} {score(b)}; “here” is {nameA}.
      </p>
      <AnswersOf evalId={a.id} otherId={b.id} there={nameB} />
    </div>
  );
}

function AnswersOf({ evalId, otherId, there }: { evalId: string; otherId: string; there: string }) {
  const answers = useEvalPredictions(evalId);
  return <AnswerComparisonText answers={answers.value ?? null} error={answers.error ?? null} otherId={otherId} there={there} />;
}
