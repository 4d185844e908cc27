// HDR runs: per round the pool before/after, samples, pass@k, gate passes and accepted examples,
// eval accuracy before/after; and the dataset's hard cases (every run's), each openable with its
// failed outputs.
import { useState } from 'react';
import { exampleRow, useDatasetStampOf, useHardCases } from '../../state/datasetViews.ts';
import type { ExampleRow, HardCaseRow, HdrRunRow } from '../../state/queries.ts';
import { effectiveStatus, useRuns } from '../../state/runStore.ts';
import { hdrStopText, hdrTotalsText, interruptedWhy, noRoundsText, plural, roundAccuracyText, roundNotes, useJobs } from '../../state/jobStore.ts';
import { ExampleDetail } from '../dataset/ExampleDetail.tsx';
import { visibleOutput } from '../dataset/exampleText.ts';
import { answerChangesText } from '../../eval/pairedTest.ts';
import { runChangesText } from '../../hdr/stopReason.ts';

const pct = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${(v * 100).toFixed(0)}%`);

export function HdrResults({ datasetId }: { datasetId: string | null }) {
  const runs = useRuns((s) => s.runs).filter((r): r is HdrRunRow => r.kind === 'hdr' && (datasetId === null || r.datasetId === datasetId));
  const [chosen, setChosen] = useState<string | null>(null);
  const row = runs.find((r) => r.id === chosen) ?? runs[0] ?? null;
  const runId = row?.id ?? null;
  const active = useRuns((s) => s.active?.runId ?? null);
  const jobRows = useJobs((s) => s.rows);
  const trainingNow = useRuns((s) => s.trainingNow);
  // Interrupted by this page's worker dying, which the page saw, or by what an earlier page left.
  const workerEnded = useJobs((s) => runId !== null && s.crashedRows.has(runId));
  // The pool and the samples added, as hdr.json and the CLI's last line say them.
  const totals = row && hdrTotalsText(row);
  const overRun = row ? runChangesText(row.rounds) : '';
  // The round whose adapter the run keeps (its newest checkpoint row; the earlier rounds' are not kept).
  const adapterRound = useRuns((s) => (runId === null ? undefined : s.checkpointSteps.get(runId)));
  // A row left "running" by a closed page is interrupted, as the Runs panel says.
  const status = (r: HdrRunRow) => effectiveStatus(r, active, jobRows, trainingNow);
  return (
    <div className="stack" data-testid="hdr-results">
      {runs.length > 0 && (
        <div className="row">
          <h3>HDR rounds</h3>
          <div className="field inline">
            <label htmlFor="hdr-run">HDR run</label>
            <select id="hdr-run" value={runId ?? ''} onChange={(e) => setChosen(e.target.value)}>
              {runs.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.name ?? r.id} · {status(r)}
                </option>
              ))}
            </select>
          </div>
        </div>
      )}
      {row && (
        <div className="tablewrap">
          <table className="runs">
            <thead>
              <tr>
                <th scope="col">Round</th>
                <th scope="col">Pool before → after</th>
                <th scope="col">Samples</th>
                <th scope="col">pass@k</th>
                <th scope="col">Gate passed</th>
                <th scope="col">Accepted</th>
                <th scope="col">Duplicates</th>
                <th scope="col" title="Held-out accuracy before the round's retraining and after it (“not measured” when the run had no held-out example to evaluate: its Eval examples was 0, or the dataset holds none out); below, the held-out answers that turned right (fixed) and wrong (broken) between the two, and whether that split could be chance (exact McNemar test)">
                  Held-out accuracy before → after
                </th>
              </tr>
            </thead>
            <tbody>
              {row.rounds.length === 0 && (
                <tr>
                  <td colSpan={8}>{noRoundsText(status(row), row.message, row.mined, workerEnded)}</td>
                </tr>
              )}
              {row.rounds.map((r) => (
                <tr key={r.round}>
                  <td>{r.round}</td>
                  <td>
                    {r.poolBefore} → {r.poolAfter}
                  </td>
                  <td>{r.samples}</td>
                  <td>{pct(r.passAtK)}</td>
                  <td>{r.gatePassed}</td>
                  <td>{r.accepted}</td>
                  <td>{r.duplicates}</td>
                  <td>
                    {r.evalAccuracyBefore == null && r.evalAccuracyAfter == null ? <span className="muted">{roundAccuracyText(r, pct)}</span> : roundAccuracyText(r, pct)}
                    {r.evalChanges && (
                      <span className="muted" data-testid="hdr-round-changes">
                        <br />
                        {answerChangesText(r.evalChanges.fixed, r.evalChanges.broken)}
                      </span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {row.mined?.notes?.map((n) => (
            <p key={`mined-${n}`} className="muted">
              Mining: {n}.
            </p>
          ))}
          {row.rounds.flatMap((r) =>
            roundNotes(r, `Max new tokens ${row.settings.maxNewTokens}`).flatMap((text, i) => (text ? [<p key={`${i}-${r.round}`} className="muted">{text[0].toUpperCase() + text.slice(1)}.</p>] : [])),
          )}
          {totals && <p data-testid="hdr-totals">{totals}.</p>}
          {overRun && <p data-testid="hdr-run-changes">{overRun}</p>}
          {adapterRound !== undefined && (
            <p className="muted" data-testid="hdr-adapter-kept">
              {adapterKeptText(row, adapterRound)}
            </p>
          )}
          {status(row) === 'interrupted' && row.rounds.length > 0 && <p className="muted">Interrupted ({interruptedWhy(workerEnded)}) after round {row.rounds.at(-1)!.round}.</p>}
          {row.message && row.status !== 'running' && <p className="muted">Stopped: {hdrStopText(row.message)}.</p>}
        </div>
      )}
      {datasetId && <HardCases datasetId={datasetId} />}
    </div>
  );
}

function HardCases({ datasetId }: { datasetId: string }) {
  // Re-read when a job writes (HDR mines and solves cases) and when the dataset changes: an edited
  // expected answer can solve an open case.
  const runsStamp = useRuns((s) => s.runs.map((r) => r.updatedAt).join());
  const cases = useHardCases(datasetId, `${runsStamp}|${useDatasetStampOf(datasetId)}`);
  const [open, setOpen] = useState<{ row: ExampleRow; hard: HardCaseRow } | null>(null);
  if (cases === null) return null;
  if (cases.length === 0) return <p className="muted">No hard cases in this dataset yet (HDR mines them from failed answers).</p>;
  // Open cases whose question the dataset holds out now: sampled and trained on, they would train
  // the held-out question.
  const waiting = cases.filter((c) => c.status === 'open' && c.heldOut).length;
  const openCase = async (hard: HardCaseRow) => {
    const row = await exampleRow(datasetId, hard.exampleId);
    if (row) setOpen({ row, hard });
  };
  return (
    <div className="stack">
      <h3>
        Hard cases ({cases.filter((c) => c.status === 'open' && !c.heldOut).length} open of {cases.length}
        {waiting > 0 && `; ${waiting} more held out now, which HDR leaves`})
      </h3>
      {/* The list is the dataset's, not the chosen run's: without this, an open case beside a run that found none read as a contradiction. */}
      <p className="muted" data-testid="hard-cases-scope">
        The dataset’s hard cases, from every HDR run on it: the next HDR run asks the open ones again, beside the examples it mines.
      </p>
      <ul className="plain">
        {cases.map((c) => (
          <li key={c.id} className="row">
            <button className="link" onClick={() => void openCase(c)} aria-label={`Open hard case ${c.exampleId}`}>
              {c.exampleId}
            </button>
            <span className="muted">
              {/* An open case's round is the last it failed in (0: when mined); a solved one's, the round that solved it. */}
              {c.status} · {c.status === 'open' ? (c.round === 0 ? 'failed when mined' : `last failed in round ${c.round}`) : c.round === 0 ? 'before any round' : `round ${c.round}`} · {plural(c.failedOutputs.length, 'failed output')}
              {c.heldOut && c.status === 'open' && ' · held out now (the dataset was split again): HDR leaves it, as its samples would train a held-out question'}
            </span>
          </li>
        ))}
      </ul>
      {open && (
        <>
          <h4>Failed outputs of {open.hard.exampleId}</h4>
          {open.hard.failedOutputs.map((o, i) => (
            <pre key={i} className="wrap">
              {visibleOutput(o)}
            </pre>
          ))}
          <ExampleDetail row={open.row} onClose={() => setOpen(null)} />
        </>
      )}
    </div>
  );
}

/** Which adapter an HDR run keeps, in words: a run that ended before any round keeps the one it
 * started from (its row is step 0), and a round a cancel cut short in its retraining holds only
 * the steps it took (roundCancelledText says the same in the round's line). */
export function adapterKeptText(row: HdrRunRow, round: number): string {
  const use = 'which evaluation, export and HDR from this run use';
  // A round that accepted nothing did not retrain: its adapter is the one before it.
  const retrained = row.rounds.filter((x) => x.round <= round && (x.training?.steps ?? 0) > 0).at(-1)?.round ?? 0;
  if (retrained === 0) return row.fromRunId ? `Kept with this run: the adapter it started from (no round retrained it), ${use}.` : `Kept with this run: an adapter that changes nothing (it started from the base model, and no round retrained it), ${use}.`;
  const r = row.rounds.find((x) => x.round === retrained);
  const what = r?.cancelledIn === 'retraining' ? `the adapter of round ${retrained}, cut short by the cancel after ${plural(r.training?.steps ?? 0, 'step')} of its retraining` : `the adapter after round ${retrained}`;
  const idle = retrained < round ? ` (${round - retrained === 1 ? `round ${round}` : `rounds ${retrained + 1}–${round}`} retrained nothing)` : '';
  // Only rounds that retrained made adapters of their own to drop.
  const dropped = row.rounds.some((x) => x.round < retrained && (x.training?.steps ?? 0) > 0);
  return `Kept with this run: ${what}${idle}, ${use}${dropped ? '; the earlier rounds’ adapters are not kept' : ''}.`;
}
