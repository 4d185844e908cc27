// Actions on one run: show it on the dashboard, resume it, copy a share link, delete; and, unfolded
// under its row, its exports (a snapshot, an ONNX model, a GGUF file, a merged folder, a
// transformers + PEFT recipe, the Hub), each saying what it makes. An action that is off says why in
// visible words its button points to (aria-describedby), and keeps the focus (KeepFocusButton).
import { useState } from 'react';
import type { StoredRun } from '../../state/queries.ts';
import { canResume, effectiveStatus, hasAdapter as hasAdapterToUse, resumeVerb, runKind, useRuns } from '../../state/runStore.ts';
import { useSnapshots } from '../../state/snapshotStore.ts';
import { useOnnxExport } from '../../state/onnxExportStore.ts';
import { useJobs, useResumeHeld } from '../../state/jobStore.ts';
import { useRestartHeld } from '../../state/restartHeld.ts';
import { KeepFocusButton } from '../shell/KeepFocusButton.tsx';
import { focusPanelHeading, useFocusReturn } from '../shell/focusReturn.ts';

export const deleteRunButtonId = (runId: string) => `delete-run-${runId}`;

// What deleting a run takes with it, by kind: an evaluation has no metrics or checkpoints, and an
// ablation's arms are runs of their own that stay.
const DELETED_WITH: Record<StoredRun['kind'], string> = {
  train: 'its metrics and checkpoints',
  eval: 'its results and answers',
  hdr: 'its rounds and adapter (the samples it added stay in the dataset)',
  ablation: 'its comparison (its arms’ runs stay)',
};

/** The confirming Delete button's label: which run, and what goes with it. */
export function reallyDeleteLabel(run: StoredRun): string {
  return `Really delete ${run.name ?? run.id}, ${DELETED_WITH[run.kind]}`;
}

/** What a run's actions and its exports each need to know: whether they apply, and why one is off
 * (the reasons are shown once, in the run's action row; the exports point to them). */
function useRunActionState(run: StoredRun) {
  const active = useRuns((s) => s.active);
  const busy = useSnapshots((s) => s.busy);
  const onnxBusy = useOnnxExport((s) => s.busy);
  const jobRows = useJobs((s) => s.rows);
  const trainingNow = useRuns((s) => s.trainingNow);
  const hasAdapter = useRuns((s) => s.adapterRuns.has(run.id));
  const adapterRuns = useRuns((s) => s.adapterRuns);
  const status = effectiveStatus(run, active?.runId ?? null, jobRows, trainingNow);
  const train = runKind(run) === 'train';
  // An HDR run that continued a training run travels as that run with HDR's rounds and adapter.
  const startRun = useRuns((s) => (run.kind === 'hdr' && run.fromRunId ? s.runs.find((r) => r.id === run.fromRunId) : undefined));
  const snapshottable = train || startRun?.kind === 'train';
  const name = run.name ?? run.id;
  const resumable = canResume(run, active?.runId ?? null, jobRows, trainingNow);
  // Only a run with a checkpoint resumes: one without starts again from step 0.
  const checkpointStep = useRuns((s) => s.checkpointSteps.get(run.id));
  const verb = resumeVerb(run, checkpointStep);
  const resumeHeld = useResumeHeld();
  // Its worker (this tab's, or another tab's for 'elsewhere') is writing it: what is read now would
  // be a step behind, and deleting it would pull it from under that worker.
  const written = status === 'running' || status === 'elsewhere';
  const writtenWhy = status === 'elsewhere' ? 'It trains in another tab of the studio; wait until it ends there' : 'It is being written now; wait until its job ends';
  // Why the model exports (ONNX, GGUF, merged) are off, besides the run being written (a running export
  // shows itself where it runs). They merge the newest checkpoint's adapter on the GPU a training
  // run holds.
  const onnxWhy = written
    ? null
    : !run.lastStep
      ? 'The model exports (ONNX, GGUF, merged) need a trained step'
      : !hasAdapter
        ? 'The model exports (ONNX, GGUF, merged) need a saved checkpoint, and this run has none'
        : active
          ? 'The model exports (ONNX, GGUF, merged) wait for the run that is training; export it once that ends'
          : null;
  // This tab's job or another tab's run holding the GPU holds the export as it holds Resume (the
  // worker would refuse either): one reason beside both.
  const onnxHeld = train && !written && !onnxWhy && !onnxBusy ? resumeHeld : null;
  // An ended HDR run's adapter (its last round's) is the model HDR made: GGUF and merged take it as
  // they take a training run's, once no run trains.
  const hdrAdapter = run.kind === 'hdr' && !written && hasAdapterToUse(run, adapterRuns, status);
  const ggufWhy = hdrAdapter ? (active ? 'GGUF and merged wait for the run that is training; export it once that ends' : null) : onnxWhy;
  const ggufHeld = (train || hdrAdapter) && !written && !ggufWhy && !onnxBusy ? resumeHeld : null;
  const gpuHeldWhy = resumable || onnxHeld || ggufHeld ? resumeHeld : null;
  // GGUF, Merged and Hub merge the same adapter: off together, for the same reason.
  const mergedOff = !!onnxBusy || written || !!ggufWhy || !!ggufHeld;
  const anyExport = snapshottable || train || hdrAdapter;
  const whyId = { written: `run-why-${run.id}`, onnx: `run-onnx-why-${run.id}`, gpuHeld: `run-gpu-why-${run.id}`, restart: `run-restart-why-${run.id}` };
  const mergedWhyId = written ? whyId.written : ggufWhy ? whyId.onnx : ggufHeld ? whyId.gpuHeld : null;
  return { active, busy, onnxBusy, name, train, snapshottable, hdrAdapter, written, writtenWhy, resumable, checkpointStep, verb, resumeHeld, onnxWhy, onnxHeld, ggufWhy, gpuHeldWhy, mergedOff, anyExport, whyId, mergedWhyId };
}

export const runExportsId = (runId: string) => `run-exports-${runId}`;

/** The row's own actions: Open, Resume, Share link, the fold of its exports, Delete, and why any is off. */
export function RunActions({ run, onOpenDashboard, exportsOpen = false, onToggleExports }: { run: StoredRun; onOpenDashboard: () => void; exportsOpen?: boolean; onToggleExports?: () => void }) {
  const { selectRun, resumeRun, deleteRun } = useRuns();
  const copyShareLink = useSnapshots((s) => s.copyShareLink);
  const [confirming, setConfirming] = useState(false);
  const { busy, name, train, snapshottable, hdrAdapter, written, writtenWhy, resumable, checkpointStep, verb, resumeHeld, onnxWhy, ggufWhy, gpuHeldWhy, anyExport, whyId } = useRunActionState(run);
  // Without a checkpoint it starts again from step 0 with its own settings: held where they fit nothing.
  // Counted only for a row that offers the start: every other row of the table asks the worker nothing.
  const restartHeld = useRestartHeld(run, resumable && checkpointStep === undefined);
  // "Keep" closes the confirmation: back to Delete.
  useFocusReturn(confirming ? run.id : null, deleteRunButtonId);
  return (
    <div className="row actions">
      {train && (
        <button
          aria-label={`Show ${name} on the dashboard`}
          onClick={() => {
            selectRun(run.id);
            onOpenDashboard();
          }}
        >
          Open
        </button>
      )}
      {resumable && (
        <KeepFocusButton
          aria-label={verb === 'Resume' ? `Resume ${name} from step ${checkpointStep}` : verb === 'Start again' ? `Start ${name} again from step 0` : `Start ${name} from step 0`}
          data-testid="runs-resume"
          disabled={!!resumeHeld || !!restartHeld}
          reasonId={resumeHeld ? whyId.gpuHeld : restartHeld ? whyId.restart : null}
          onClick={() => {
            onOpenDashboard();
            void resumeRun(run.id);
          }}
        >
          {verb}
        </KeepFocusButton>
      )}
      {snapshottable && (
        <KeepFocusButton aria-label={`Copy a share link for ${name}`} disabled={!!busy} onClick={() => void copyShareLink(run.id)} data-testid="copy-share-link">
          Share link
        </KeepFocusButton>
      )}
      {confirming ? (
        <>
          <button
            className="danger"
            onClick={(e) => {
              // Its row goes with the run: the panel's heading takes the focus first.
              focusPanelHeading(e.currentTarget.closest('.panel'));
              void deleteRun(run.id);
            }}
            aria-label={reallyDeleteLabel(run)}
          >
            Really delete
          </button>
          {/* The safe choice has the focus when asked (Delete, just pressed, is gone). */}
          <button onClick={() => setConfirming(false)} autoFocus>
            Keep
          </button>
        </>
      ) : (
        <KeepFocusButton id={deleteRunButtonId(run.id)} aria-label={`Delete ${name}`} disabled={written} reasonId={written ? whyId.written : null} onClick={() => setConfirming(true)}>
          Delete
        </KeepFocusButton>
      )}
      {anyExport && onToggleExports && (
        // The exports and the Hub, each with what it makes, open in a row of their own under this one:
        // folded, the row shows what most visits need. Last in the row, so Tab goes from it into the exports.
        <button className="link small" aria-expanded={exportsOpen} aria-controls={exportsOpen ? runExportsId(run.id) : undefined} aria-label={`Export or push ${name}`} onClick={onToggleExports} data-testid="run-exports-toggle">
          Export or push {exportsOpen ? '▴' : '▾'}
        </button>
      )}
      {written && (
        <span className="small muted" id={whyId.written}>
          {writtenWhy}.
        </span>
      )}
      {gpuHeldWhy && (
        <span className="small muted" id={whyId.gpuHeld}>
          {gpuHeldWhy}
        </span>
      )}
      {resumable && !resumeHeld && restartHeld && (
        <span className="small muted" id={whyId.restart}>
          {restartHeld}
        </span>
      )}
      {((train && onnxWhy) || (hdrAdapter && ggufWhy)) && (
        <span className="small muted" id={whyId.onnx}>
          {train ? onnxWhy : ggufWhy}.
        </span>
      )}
    </div>
  );
}

/** A run's exports and its Hub push, each with what it makes, under its row once unfolded. The
 * reasons an export is off are its row's (`RunActions`), which these buttons point to. */
export function RunExports({ run }: { run: StoredRun }) {
  const { exportSnapshot } = useSnapshots();
  const { exportRecipe, recipeBusy } = useRuns();
  const exportOnnx = useOnnxExport((s) => s.exportOnnx);
  const exportGguf = useOnnxExport((s) => s.exportGguf);
  const exportMerged = useOnnxExport((s) => s.exportMerged);
  const openPushForm = useOnnxExport((s) => s.openPushForm);
  const { busy, onnxBusy, name, train, snapshottable, hdrAdapter, written, onnxWhy, onnxHeld, mergedOff, anyExport, whyId, mergedWhyId } = useRunActionState(run);
  if (!anyExport) return null;
  return (
    <div className="run-exports" id={runExportsId(run.id)} role="group" aria-label={`Exports of ${name}`}>
      <ul>
        {snapshottable && (
          <li>
            <KeepFocusButton aria-label={`Export ${name} as a snapshot .zip`} disabled={!!busy || written} reasonId={written ? whyId.written : null} onClick={() => void exportSnapshot(run.id, false)} data-testid="export-snapshot">
              Snapshot
            </KeepFocusButton>
            <span className="small muted">the run’s settings, curves and adapter (.zip), to open in a studio elsewhere</span>
          </li>
        )}
        {snapshottable && (
          <li>
            <KeepFocusButton aria-label={`Export ${name} with its dataset`} disabled={!!busy || written} reasonId={written ? whyId.written : null} onClick={() => void exportSnapshot(run.id, true)}>
              Snapshot + data
            </KeepFocusButton>
            <span className="small muted">the same snapshot with its dataset, so it can be trained on or evaluated again there</span>
          </li>
        )}
        {train && (
          <li>
            <KeepFocusButton
              aria-label={`Export ${name} as an ONNX model for transformers.js (fp16 weights), checked against this engine`}
              disabled={!!onnxBusy || written || !!onnxWhy || !!onnxHeld}
              reasonId={written ? whyId.written : onnxWhy ? whyId.onnx : onnxHeld ? whyId.gpuHeld : null}
              onClick={() => void exportOnnx(run.id, name, 'fp16')}
              data-testid="export-onnx"
            >
              ONNX
            </KeepFocusButton>
            <span className="small muted">for transformers.js in a browser or Node (fp16 weights), checked against this engine</span>
          </li>
        )}
        {(train || hdrAdapter) && (
          <li>
            <KeepFocusButton
              aria-label={`Export ${name} as one GGUF file for llama.cpp, Ollama and LM Studio (Q8_0 weights, the ${hdrAdapter ? 'last HDR round’s ' : ''}adapter merged)`}
              disabled={mergedOff}
              reasonId={mergedWhyId}
              onClick={() => void exportGguf(run.id, name, 'q8_0')}
              data-testid="export-gguf"
            >
              GGUF
            </KeepFocusButton>
            <span className="small muted">one file for llama.cpp, Ollama and LM Studio (Q8_0 weights; its notice offers the other types)</span>
          </li>
        )}
        {(train || hdrAdapter) && (
          <li>
            <KeepFocusButton
              aria-label={`Export ${name} as a Hugging Face model folder (.zip): safetensors with the ${hdrAdapter ? 'last HDR round’s ' : ''}adapter merged, for transformers, vLLM and MLX without PEFT`}
              disabled={mergedOff}
              reasonId={mergedWhyId}
              onClick={() => void exportMerged(run.id, name)}
              data-testid="export-merged"
            >
              Merged
            </KeepFocusButton>
            <span className="small muted">a safetensors folder (.zip) with the adapter merged, for transformers, vLLM and MLX without PEFT</span>
          </li>
        )}
        {(train || hdrAdapter) && (
          <li>
            <KeepFocusButton
              aria-label={`Push ${name} to the Hugging Face Hub: the ${hdrAdapter ? 'last HDR round’s ' : ''}adapter with a model card, or the model with it merged`}
              disabled={mergedOff}
              reasonId={mergedWhyId}
              onClick={() => openPushForm({ runId: run.id, runName: name, hdr: !!hdrAdapter })}
              data-testid="push-hub"
            >
              Hub
            </KeepFocusButton>
            <span className="small muted">the adapter with a model card, or the merged model, to a repo of yours</span>
          </li>
        )}
        {train && (
          <li>
            <KeepFocusButton
              aria-label={`Export ${name} as a recipe that trains the same run with transformers + PEFT on one GPU or a cluster (.zip)`}
              disabled={!!recipeBusy || written}
              reasonId={written ? whyId.written : null}
              onClick={() => void exportRecipe(run.id)}
              data-testid="export-recipe"
            >
              {recipeBusy === run.id ? 'Exporting…' : 'Recipe'}
            </KeepFocusButton>
            <span className="small muted">a script that trains this run again with transformers + PEFT on a GPU or a cluster</span>
          </li>
        )}
      </ul>
    </div>
  );
}
