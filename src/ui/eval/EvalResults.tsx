// Results of an evaluation run: accuracy overall, per category and per failed rule, and every
// failure with the model's output beside the expected calls (all shown as text).
import { useEffect, useState } from 'react';
import type { Example } from '../../data/example.ts';
import type { EvalRunRow } from '../../hdr/index.ts';
import { studioDb } from '../../state/db.ts';
import { runKind, useRuns } from '../../state/runStore.ts';
import { callText, visibleOutput } from '../dataset/exampleText.ts';
import { useRunRow } from './useRunRow.ts';

export function EvalResults() {
  const runs = useRuns((s) => s.runs).filter((r) => runKind(r) === 'eval');
  const [chosen, setChosen] = useState<string | null>(null);
  const runId = chosen && runs.some((r) => r.id === chosen) ? chosen : (runs[0]?.id ?? null);
  const row = useRunRow<EvalRunRow>(runId);
  if (runs.length === 0) return <p className="muted">No evaluation yet.</p>;
  return (
    <div className="stack" data-testid="eval-results">
      <div className="row">
        <h3>Evaluation results</h3>
        <div className="field inline">
          <label htmlFor="eval-run">Evaluation</label>
          <select id="eval-run" value={runId ?? ''} onChange={(e) => setChosen(e.target.value)}>
            {runs.map((r) => (
              <option key={r.id} value={r.id}>
                {r.name ?? r.id} · {new Date(r.createdAt).toLocaleString()}
              </option>
            ))}
          </select>
        </div>
      </div>
      {row?.summary && <EvalSummaryView row={row} />}
    </div>
  );
}

function EvalSummaryView({ row }: { row: EvalRunRow }) {
  const s = row.summary;
  const failures = row.predictions.filter((p) => !p.valid);
  return (
    <>
      <p>
        <strong data-testid="eval-accuracy">{(s.accuracy * 100).toFixed(1)}%</strong> correct ({s.correct} of {s.total}){row.message ? ` · ${row.message}` : ''}
      </p>
      <div className="grid2">
        <table className="rules">
          <caption>Per category</caption>
          <thead>
            <tr>
              <th scope="col">Category</th>
              <th scope="col">Correct</th>
              <th scope="col">Accuracy</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(s.byCategory).map(([cat, t]) => (
              <tr key={cat}>
                <td>{cat}</td>
                <td>
                  {t.correct} / {t.total}
                </td>
                <td>{(t.accuracy * 100).toFixed(1)}%</td>
              </tr>
            ))}
          </tbody>
        </table>
        <table className="rules">
          <caption>Failures per rule</caption>
          <tbody>
            {Object.keys(s.failureRules).length === 0 && (
              <tr>
                <td>none</td>
              </tr>
            )}
            {Object.entries(s.failureRules).map(([rule, n]) => (
              <tr key={rule}>
                <td>{rule}</td>
                <td>{n}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <details open={failures.length <= 10}>
        <summary>Failures ({failures.length})</summary>
        <ul className="plain">
          {failures.map((p) => (
            <FailureItem key={p.exampleId} datasetId={row.datasetId} prediction={p} />
          ))}
        </ul>
      </details>
    </>
  );
}

function FailureItem({ datasetId, prediction: p }: { datasetId: string; prediction: EvalRunRow['predictions'][number] }) {
  const [example, setExample] = useState<Example | null>(null);
  useEffect(() => {
    void studioDb()
      .examples.get([datasetId, p.exampleId])
      .then((r) => setExample(r?.example ?? null));
  }, [datasetId, p.exampleId]);
  return (
    <li className="detail">
      <div className="row spread">
        <strong>{p.exampleId}</strong>
        <span className="error">
          {p.errors[0]?.rule ?? 'failed'}: {p.errors[0]?.message ?? ''}
        </span>
      </div>
      <div className="grid2">
        <div>
          <h4>Model output ({p.generatedTokens} tokens, {p.finishReason})</h4>
          <pre className="wrap">{visibleOutput(p.output)}</pre>
        </div>
        <div>
          <h4>Expected</h4>
          <pre className="wrap seg-call-text">{example ? example.target.calls.map(callText).join('\n') || '(no call)' : 'the example is no longer in this browser'}</pre>
        </div>
      </div>
    </li>
  );
}
