// The runs table: name (with tags and notes, editable), kind, dataset, status, steps, last losses
// and α (an evaluation shows its accuracy instead), model, and the actions per run.
import { Fragment, useState } from 'react';
import { datasetLabel, useDatasets } from '../../state/datasetStore.ts';
import type { StoredRun } from '../../state/queries.ts';
import { effectiveStatus, ggufEvalText, keptBestStep, runStatusText, useRuns } from '../../state/runStore.ts';
import { hdrStopText, useJobs } from '../../state/jobStore.ts';
import { RunActions, RunExports } from './RunActions.tsx';
import { formatMetric } from '../format.ts';
import { modelRefWords, RUN_JSON_LIMITS, runInfoProblem } from '../../worker/protocol.ts';
import { KeepFocusButton } from '../shell/KeepFocusButton.tsx';
import { dialogKeys } from '../shell/dialogKeys.ts';
import { useFocusReturn } from '../shell/focusReturn.ts';

/** An evaluation's score for its row. Nothing scored is said with its cause: every example too
 * long for the model's context (such examples are not in the total), a failure, or a stop. One the
 * user stopped (`stopped`: status `done`, named by what it scored) says so beside its score, or it
 * reads as a finished evaluation of fewer examples. */
export function evalScoreText(summary: { total: number; correct: number; accuracy: number; tooLong?: number }, status: string, message?: string, stopped = false): string {
  const tooLong = summary.tooLong ?? 0;
  const left = tooLong ? ` · ${tooLong} too long for the model, not asked` : '';
  const stop = stopped && message ? ` · ${message}` : '';
  if (summary.total > 0) return `${(summary.accuracy * 100).toFixed(1)}% correct (${summary.correct} of ${summary.total})${stop}${left}`;
  if (status === 'done' && tooLong) return `nothing scored: all ${tooLong} examples too long for the model, not asked`;
  // A stopped evaluation says so in its message (rows kept before a stop was `done` are `failed`).
  if (status === 'failed' && message?.startsWith('failed')) return `nothing scored (failed)${left}`;
  return `nothing scored (cancelled)${left}`;
}

export const editRunButtonId = (runId: string) => `edit-run-${runId}`;

export function RunInfoEditor({ run, onDone }: { run: StoredRun; onDone: () => void }) {
  const save = useRuns((s) => s.updateRunInfo);
  const [name, setName] = useState(run.name ?? run.id);
  const [tags, setTags] = useState((run.tags ?? []).join(', '));
  const [notes, setNotes] = useState(run.notes ?? '');
  const problem = runInfoProblem({ name, tags: tags.split(','), notes });
  const problemId = `run-info-problem-${run.id}`;
  return (
    // Escape cancels, like Cancel.
    <form
      className="stack runinfo"
      data-testid="run-info-editor"
      onKeyDown={dialogKeys(onDone)}
      onSubmit={(e) => {
        e.preventDefault();
        if (problem) return;
        void save(run.id, { name, tags: tags.split(','), notes }).then((ok) => ok && onDone());
      }}
    >
      <label>
        {/* The editor replaces the edit button that had the focus: its first field takes it. */}
        Name <input value={name} onChange={(e) => setName(e.target.value)} autoFocus />
      </label>
      <label>
        Tags (comma-separated) <input value={tags} onChange={(e) => setTags(e.target.value)} placeholder="baseline, lr sweep" />
      </label>
      <label>
        Notes{' '}
        <span className="muted">
          ({notes.length.toLocaleString('en-US')} of {RUN_JSON_LIMITS.notesChars.toLocaleString('en-US')} characters)
        </span>
        <textarea rows={2} value={notes} onChange={(e) => setNotes(e.target.value)} aria-invalid={problem !== null} aria-describedby={problem ? problemId : undefined} />
      </label>
      {problem && (
        <span className="field-problem" id={problemId} data-testid="field-problem">
          {problem[0].toUpperCase() + problem.slice(1)}.
        </span>
      )}
      <div className="row">
        <KeepFocusButton className="primary" type="submit" disabled={problem !== null} reasonId={problemId}>
          Save
        </KeepFocusButton>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}

export function RunsTable({ compare, onToggleCompare, onOpenDashboard }: { compare: string[]; onToggleCompare: (id: string) => void; onOpenDashboard: () => void }) {
  const runs = useRuns((s) => s.runs);
  const active = useRuns((s) => s.active?.runId ?? null);
  const jobRows = useJobs((s) => s.rows);
  // Rows this page's worker was writing when the browser ended it: interrupted by that, not by a
  // closed page, though the rows read the same.
  const crashedRows = useJobs((s) => s.crashedRows);
  const trainingNow = useRuns((s) => s.trainingNow);
  const last = useRuns((s) => s.lastMetrics);
  const checkpointSteps = useRuns((s) => s.checkpointSteps);
  const datasets = useDatasets((s) => s.datasets);
  const [editing, setEditing] = useState<string | null>(null);
  // The run whose exports are unfolded under its row (one at a time: the table stays a list of runs).
  const [exportsOf, setExportsOf] = useState<string | null>(null);
  // Saved or cancelled: back to the run's edit button.
  useFocusReturn(editing, editRunButtonId);
  const datasetName = (id: string) => {
    const d = datasets.find((x) => x.id === id);
    return d ? datasetLabel(d, datasets) : id ? 'deleted' : '—';
  };
  if (runs.length === 0) return <p className="muted">No runs yet. Train one, or drop a snapshot (.zip) on the page to open it.</p>;
  return (
    <div className="tablewrap">
      <table className="runs" data-testid="runs-table">
        <thead>
          <tr>
            <th scope="col">
              <span className="sr-only">Compare</span>
            </th>
            <th scope="col">Run</th>
            <th scope="col">Kind</th>
            <th scope="col">Dataset</th>
            <th scope="col">Status</th>
            <th scope="col">Step</th>
            <th scope="col">Loss</th>
            <th scope="col">CoT</th>
            <th scope="col">Call</th>
            <th scope="col">α</th>
            <th scope="col">Model</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((r) => {
            const m = last.get(r.id) ?? {};
            const kind = r.kind;
            const status = effectiveStatus(r, active, jobRows, trainingNow);
            const steps = r.kind === 'train' ? r.config.steps : r.kind === 'hdr' ? r.settings.maxRounds : undefined;
            return (
              <Fragment key={r.id}>
                <tr data-testid={`run-row-${r.id}`}>
                  <td>{kind === 'train' && <input type="checkbox" aria-label={`Compare ${r.name ?? r.id}`} checked={compare.includes(r.id)} onChange={() => onToggleCompare(r.id)} />}</td>
                  <td>
                    {editing === r.id ? (
                      <RunInfoEditor run={r} onDone={() => setEditing(null)} />
                    ) : (
                      <>
                        {r.name ?? r.id}
                        {r.readOnly && <span className="chip">read-only</span>}
                        {(r.tags ?? []).map((t) => (
                          <span key={t} className="chip tag">
                            {t}
                          </span>
                        ))}
                        <button id={editRunButtonId(r.id)} className="link small after-text" aria-label={`Rename, tag or annotate ${r.name ?? r.id}`} onClick={() => setEditing(r.id)}>
                          edit
                        </button>
                        {r.notes && <div className="small notes">{r.notes}</div>}
                        <div className="muted small">{new Date(r.createdAt).toLocaleString()}</div>
                      </>
                    )}
                  </td>
                  <td>{kind === 'train' ? 'training' : kind === 'eval' ? 'evaluation' : kind === 'ablation' ? 'ablation' : 'HDR'}</td>
                  <td className="small">{datasetName(r.datasetId)}</td>
                  {/* An HDR run's stored stop code in words; none yet (running, or cut off by a closed page): no tooltip. */}
                  <td className={`status-${status}`} title={r.kind === 'hdr' && r.message ? hdrStopText(r.message) : r.message}>
                    {runStatusText(status, crashedRows.has(r.id))}
                  </td>
                  {r.kind === 'ablation' ? (
                    <td colSpan={5}>
                      {r.result ? `${r.result.arms.length} arms evaluated on ${r.result.heldOut} held-out examples` : 'no arm finished yet'} · results in the Ablation panel
                    </td>
                  ) : r.kind === 'eval' ? (
                    <td colSpan={5}>
                      {r.summary ? evalScoreText(r.summary, r.status, r.message, r.stopped) : '—'}
                      {r.config.gguf ? ` · ${ggufEvalText(r.config.gguf, null)}` : r.config.adapterRunId === null ? ' · base model' : ''}
                    </td>
                  ) : (
                    <>
                      <td>
                        {/* An HDR run's last step is its last round's number, which continues the dataset's earlier runs: count its rounds. */}
                        {r.kind === 'hdr' ? r.rounds.length : (r.lastStep ?? 0)}
                        {steps ? ` / ${steps}` : ''}
                        {r.kind === 'hdr' ? ' rounds' : ''}
                        {/* A run that kept its best step: the step its adapter is from. */}
                        {keptBestStep(r, checkpointSteps) !== null && <div className="small muted">kept step {keptBestStep(r, checkpointSteps)}</div>}
                      </td>
                      <td>{formatMetric(m.loss)}</td>
                      <td>{formatMetric(m.lossCot)}</td>
                      <td>{formatMetric(m.lossCall)}</td>
                      <td>{r.kind === 'train' && r.config.loss === 'sft' ? '—' : formatMetric(m.alpha, 3)}</td>
                    </>
                  )}
                  <td className="small">{r.modelRef ? modelRefWords(r.modelRef) : '—'}</td>
                  <td>
                    <RunActions run={r} onOpenDashboard={onOpenDashboard} exportsOpen={exportsOf === r.id} onToggleExports={() => setExportsOf(exportsOf === r.id ? null : r.id)} />
                  </td>
                </tr>
                {exportsOf === r.id && (
                  <tr className="run-exports-row">
                    <td colSpan={12}>
                      <RunExports run={r} />
                    </td>
                  </tr>
                )}
              </Fragment>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
