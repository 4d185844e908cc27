// An ablation's results as the worker stored them: accuracy per arm overall, by BFCL's aggregate
// and per category (live and non-live apart), how α moved, failures by rule, the arms' call loss,
// reasoning loss and α curves overlaid (colours as in the report's PNGs), which run is which, and
// the report as a download.
import { useMemo, useState } from 'react';
import { categoryWords, plural } from '../format.ts';
import { ablationVerdict, alphaCell, ARM_COLORS, BASE_MODEL, BASE_MODEL_NOTE, datasetChangedNote, failureRules, hasAskedInTraining, hasLaterSteps, hdrArmSameAs, hdrArmsNote, hdrArmText, LATER_STEPS_NOTE, laterStepsText, loraText, NOT_IN_TRAINING_NOTE, notAskedNote, notInTrainingText, reportCategories, scoredRows, skippedNote, tallyText, useJobs, vsSftIds, vsSftText } from '../../state/jobStore.ts';
import type { AblationRunRow } from '../../state/queries.ts';
import { effectiveStatus, useRuns } from '../../state/runStore.ts';
import { useDatasets } from '../../state/datasetStore.ts';
import type { AblationArmResult, AblationResult, BfclBucket, EvalSummary } from '../../worker/protocol.ts';
import { StaticChart, type StaticLine } from '../dashboard/StaticChart.tsx';
import { ALPHA_AXIS } from '../dashboard/RunCharts.tsx';
import { ruleWords } from '../../eval/ruleWords.ts';

const pct = (x: number | undefined | null) => (x === undefined || x === null ? '—' : `${(100 * x).toFixed(1)}%`);
const bucket = (b: BfclBucket | null | undefined) => pct(b?.accuracy);
const color = (i: number) => ARM_COLORS[i % ARM_COLORS.length];

export function AblationResults() {
  const runs = useRuns((s) => s.runs);
  const rows = runs.filter((r): r is AblationRunRow => r.kind === 'ablation');
  const [chosen, setChosen] = useState<string | null>(null);
  const download = useJobs((s) => s.downloadAblationReport);
  const row = rows.find((r) => r.id === chosen) ?? rows[0] ?? null;
  const active = useRuns((s) => s.active?.runId ?? null);
  const jobRows = useJobs((s) => s.rows);
  const trainingNow = useRuns((s) => s.trainingNow);
  const datasets = useDatasets((s) => s.datasets);
  if (!row) return <p className="muted">No ablation yet.</p>;
  // Said while its own HDR arm runs too: the samples it adds are not the data the other arms had.
  const dataChanged = row.result ? datasetChangedNote(row.result, datasets.find((d) => d.id === row.datasetId)) : null;
  const status = (r: AblationRunRow) => effectiveStatus(r, active, jobRows, trainingNow);
  // Its arms are still being trained (here or in another tab): the result kept so far has more to come.
  const underway = status(row) === 'running' || status(row) === 'elsewhere';
  return (
    <div className="stack" data-testid="ablation-results">
      <div className="row">
        <h3>Results</h3>
        <div className="field inline">
          <label htmlFor="abl-run">Ablation</label>
          <select id="abl-run" value={row.id} onChange={(e) => setChosen(e.target.value)}>
            {rows.map((r) => (
              <option key={r.id} value={r.id}>
                {r.name ?? r.id} · {status(r)} · {new Date(r.createdAt).toLocaleString()}
              </option>
            ))}
          </select>
        </div>
        <button disabled={!row.result} onClick={() => void download(row.id)} data-testid="download-ablation">
          Download the report (.zip)
        </button>
      </div>
      {row.message && <p className="muted">{row.message}</p>}
      {dataChanged && (
        <p className="alert notice" data-testid="ablation-data-changed">
          {dataChanged}
        </p>
      )}
      {row.result ? <AblationView result={row.result} underway={underway} deleted={(id) => !runs.some((r) => r.id === id)} /> : <p className="muted">The first arm has not finished yet.</p>}
    </div>
  );
}

/** A row's scores past its accuracy: BFCL's buckets, each category, and the later steps and
 * questions not asked in training where the table has those columns (the base model's row and the arms'). */
function ScoreCells({ summary, categories, laterSteps, unasked }: { summary: EvalSummary; categories: string[]; laterSteps: boolean; unasked: boolean }) {
  const b = summary.bfcl;
  return (
    <>
      <td>{bucket(b?.overall)}</td>
      <td>{bucket(b?.nonLive)}</td>
      <td>{bucket(b?.live)}</td>
      <td>{bucket(b?.hallucination)}</td>
      {categories.map((c) => {
        const t = summary.byCategory[c];
        return <td key={c}>{t ? tallyText(t) : '—'}</td>;
      })}
      {laterSteps && <td data-testid="ablation-later-steps">{laterStepsText({ summary })}</td>}
      {unasked && <td data-testid="ablation-not-in-training">{notInTrainingText({ summary })}</td>}
    </>
  );
}

/** `underway`: the ablation still runs; its result is kept with `stopped` set after every arm (so a
 * page closed mid-way leaves one that says so), which is not yet true. `deleted`: whether an arm's
 * run or evaluation (kept by id in the result) has been deleted since. */
function AblationView({ result, underway, deleted }: { result: AblationResult; underway: boolean; deleted: (runId: string) => boolean }) {
  // In the report's order (BFCL's categories first), so the panel and report.md read alike.
  const categories = useMemo(() => reportCategories(result), [result]);
  const rules = useMemo(() => failureRules(result), [result]);
  const laterSteps = hasLaterSteps(result);
  const unasked = hasAskedInTraining(result);
  const curves = useMemo(() => {
    const lines = (key: 'lossCall' | 'lossCot' | 'alpha', arms: Array<[AblationArmResult, number]>): StaticLine[] =>
      arms.map(([a, i]) => ({ label: a.id, color: () => color(i), steps: a.curve.map((p) => p.step), values: a.curve.map((p) => p[key]) }));
    const all = result.arms.map((a, i) => [a, i] as [AblationArmResult, number]);
    return { call: lines('lossCall', all), cot: lines('lossCot', all), alpha: lines('alpha', all.filter(([a]) => a.alpha0 !== null)) };
  }, [result]);
  const s = result.shared;
  const notAsked = notAskedNote(result);
  const more = hdrArmsNote(result);
  const skipped = skippedNote(result);
  const verdict = ablationVerdict(result);
  return (
    <>
      <p className="muted">
        {plural(result.arms.length, 'arm')} · {plural(s.steps, 'step')} each, seed {s.seed}, {loraText(s.lora)} · {plural(result.heldOut, 'held-out example')} per arm{result.base ? ' and the base model' : ''}, {s.decoding.temperature ? `temperature ${s.decoding.temperature}` : 'greedy'}, at most {s.decoding.maxNewTokens} new tokens
        {!result.stopped ? '' : underway ? ' · more arms to come' : ' · stopped before every arm finished'}
      </p>
      {more && <p className="muted">{more}</p>}
      {skipped && <p className="muted" data-testid="ablation-skipped">{skipped}</p>}
      {notAsked && <p className="muted">{notAsked}.</p>}
      {verdict && !underway && (
        <p data-testid="ablation-verdict">
          <strong>Verdict:</strong> {verdict}
        </p>
      )}
      {(result.failed ?? []).length > 0 && (
        <ul className="error" data-testid="ablation-failed-arms">
          {result.failed!.map((f) => (
            <li key={f.id}>
              {f.id} failed: {f.message}
            </li>
          ))}
        </ul>
      )}
      <div className="table-scroll">
        <table className="ablation-table" data-testid="ablation-table">
          <caption>Accuracy on the held-out examples</caption>
          <thead>
            <tr>
              <th scope="col">Arm</th>
              <th scope="col">Accuracy</th>
              {/* Beside the accuracy, not past the categories: at 1280 px it was scrolled out of sight. */}
              <th scope="col" className="wrap" title="Held-out examples right here that SFT gets wrong (+), wrong here that SFT gets right (−), the answers word for word SFT's, and p: how often so uneven a split would come by chance were the arm and SFT equally good (exact McNemar test; above 0.05 it could be chance)">
                Answers vs SFT
              </th>
              <th scope="col">α₀ → final α</th>
              <th scope="col" title="BFCL's single-turn buckets combined as the leaderboard does">BFCL overall</th>
              <th scope="col">Non-live AST</th>
              <th scope="col">Live AST</th>
              <th scope="col">Hallucination</th>
              {categories.map((c) => (
                <th key={c} scope="col" title={c}>
                  {categoryWords(c)}
                </th>
              ))}
              {laterSteps && (
                <th scope="col" title={LATER_STEPS_NOTE}>
                  Later steps
                </th>
              )}
              {unasked && (
                <th scope="col" title={NOT_IN_TRAINING_NOTE}>
                  Not asked in training
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {result.base && (
              <tr data-testid="ablation-base" title={BASE_MODEL_NOTE}>
                <th scope="row">
                  <span className="swatch" />
                  {BASE_MODEL}
                  <span className="muted arm-note">no adapter</span>
                </th>
                <td>{tallyText(result.base.summary)}</td>
                <td className="wrap">—</td>
                <td>—</td>
                <ScoreCells summary={result.base.summary} categories={categories} laterSteps={laterSteps} unasked={unasked} />
              </tr>
            )}
            {result.arms.map((a, i) => {
              const sameAs = hdrArmSameAs(a);
              return (
                <tr key={a.id} data-testid={`ablation-arm-${a.id}`} title={a.label}>
                  <th scope="row">
                    <span className="swatch" style={{ background: color(i) }} />
                    {a.id}
                    {sameAs && <span className="muted arm-note">same as {sameAs}</span>}
                  </th>
                  <td>{tallyText(a.summary)}</td>
                  <td className="wrap" title={a.vsSft ? vsSftIds(a.vsSft) || 'the same verdict on every example' : undefined}>{vsSftText(a)}</td>
                  <td>{alphaCell(a, result.shared)}</td>
                  <ScoreCells summary={a.summary} categories={categories} laterSteps={laterSteps} unasked={unasked} />
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {/* With nothing failed the table had a column of arm names under no rule. */}
      {rules.length === 0 ? (
        <p className="muted" data-testid="ablation-failures">
          Failures by rule: no failures, every arm's answers passed the checker.
        </p>
      ) : (
        <div className="table-scroll">
          <table className="ablation-table" data-testid="ablation-failures">
            <caption>Failures by rule</caption>
            <thead>
              <tr>
                <th scope="col">Arm</th>
                {rules.map((r) => (
                  <th key={r} scope="col" title={r}>
                    {ruleWords(r)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {scoredRows(result).map((a) => (
                <tr key={a.id}>
                  <th scope="row">{a.id}</th>
                  {rules.map((r) => (
                    <td key={r}>{a.summary.failureRules[r] ?? 0}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div className="charts">
        <StaticChart title="Call-token loss per arm" lines={curves.call} testId="ablation-chart-call" />
        <StaticChart title="Reasoning-token loss per arm" lines={curves.cot} testId="ablation-chart-cot" />
        <StaticChart title="α per arm (SFT has none)" lines={curves.alpha} testId="ablation-chart-alpha" yAxis={ALPHA_AXIS} />
      </div>
      <details>
        <summary>Which run is which</summary>
        <ul className="plain">
          {result.base && (
            <li>
              {BASE_MODEL}: no adapter — evaluation “{result.base.evalRun.name}”
              {deleted(result.base.evalRun.id) ? ' (deleted)' : ''}
            </li>
          )}
          {result.arms.map((a) => (
            <li key={a.id}>
              {a.id}: {a.label} — run “{a.run.name}” ({a.run.kind}{deleted(a.run.id) ? ', deleted' : ''}), evaluation “{a.evalRun.name}”
              {deleted(a.evalRun.id) ? ' (deleted)' : ''}
              {a.hdr ? ` · ${hdrArmText(a.hdr)}` : ''}
            </li>
          ))}
        </ul>
      </details>
    </>
  );
}
