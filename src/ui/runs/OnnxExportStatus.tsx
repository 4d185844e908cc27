// Progress and outcome of a model export: the merge/write progress; for ONNX then the check report
// (logits of the exported model on onnxruntime-web against our engine), for GGUF what the file is
// and how to run it, with the other weight types a click away; or what went wrong.
import { describeGguf, describeMerged, describePushed, describeReport, ggufAlternatives, useOnnxExport } from '../../state/onnxExportStore.ts';
import { HubPushForm } from './HubPushForm.tsx';
import { useJobs } from '../../state/jobStore.ts';
import { Alert } from '../shell/Alert.tsx';
import { ProgressBar } from '../shell/ProgressBar.tsx';

/** An export job in words, while it runs and once cancelled. */
function jobTitle(kind: NonNullable<ReturnType<typeof useOnnxExport.getState>['busy']>['kind'], runName: string): string {
  if (kind === 'GGUF check') return `GGUF check of ${runName}`;
  if (kind === 'Hub push') return `push of ${runName} to the Hub`;
  return `${kind === 'Merged model' ? 'merged-model' : kind} export of ${runName}`;
}

/** `onOpenEval`: opens the Evaluation panel, where a saved GGUF's "Evaluate it" leads. */
export function OnnxExportStatus({ onOpenEval }: { onOpenEval: () => void }) {
  const busy = useOnnxExport((s) => s.busy);
  const report = useOnnxExport((s) => s.report);
  const error = useOnnxExport((s) => s.error);
  const fp32Instead = useOnnxExport((s) => s.fp32Instead);
  const exportOnnx = useOnnxExport((s) => s.exportOnnx);
  const gguf = useOnnxExport((s) => s.gguf);
  const merged = useOnnxExport((s) => s.merged);
  const pushed = useOnnxExport((s) => s.pushed);
  const pushForm = useOnnxExport((s) => s.pushForm);
  const openPushForm = useOnnxExport((s) => s.openPushForm);
  const exportGguf = useOnnxExport((s) => s.exportGguf);
  const exportGgufAdapter = useOnnxExport((s) => s.exportGgufAdapter);
  const cancelExport = useOnnxExport((s) => s.cancelExport);
  const cancelled = useOnnxExport((s) => s.cancelled);
  const checkGguf = useOnnxExport((s) => s.checkGguf);
  const ggufImportance = useOnnxExport((s) => s.ggufImportance);
  const setGgufImportance = useOnnxExport((s) => s.setGgufImportance);
  const saveImportanceMatrix = useOnnxExport((s) => s.saveImportanceMatrix);
  const chooseEvalGguf = useJobs((s) => s.chooseEvalGguf);
  const evaluateGguf = (file: Blob, g: NonNullable<typeof gguf>) => {
    void chooseEvalGguf({ file, fileName: g.fileName, runId: g.runId, runName: g.runName });
    onOpenEval();
  };
  const title = busy && jobTitle(busy.kind, busy.runName);
  const cancelledTitle = cancelled && jobTitle(cancelled.kind, cancelled.runName);
  return (
    <>
      {busy && <ProgressBar label={`${title}: ${busy.label}`} done={busy.done} total={Math.max(1, busy.total)} testId="onnx-export-progress" />}
      {busy?.cancellable && (
        <button type="button" onClick={() => void cancelExport()} aria-label={`Cancel the ${title} (${busy.kind === 'GGUF check' ? 'the file stays saved' : busy.kind === 'Hub push' ? 'nothing is committed' : 'nothing is saved'})`} data-testid="export-cancel">
          Cancel
        </button>
      )}
      {cancelled && !busy && (
        <Alert kind="notice" message={`The ${cancelledTitle} was cancelled; nothing was ${cancelled.kind === 'Hub push' ? 'committed' : 'saved'}.`} onDismiss={() => useOnnxExport.setState({ cancelled: null })} testId="export-cancelled" />
      )}
      {error && (
        <Alert
          message={error}
          onDismiss={() => useOnnxExport.setState({ error: null, fp32Instead: null })}
          testId="onnx-export-error"
          action={
            fp32Instead && (
              <button aria-label={`Export ${fp32Instead.runName} as ONNX with fp32 weights (twice the size of fp16)`} disabled={!!busy} onClick={() => void exportOnnx(fp32Instead.runId, fp32Instead.runName, 'fp32')} data-testid="onnx-export-fp32">
                Export in fp32
              </button>
            )
          }
        />
      )}
      {report && !busy && (
        <Alert kind={report.checkError || (report.report && !report.report.passed) ? 'error' : 'notice'} message={describeReport(report)} onDismiss={() => useOnnxExport.setState({ report: null })} testId="onnx-export-report" />
      )}
      {merged && !busy && <Alert kind="notice" message={describeMerged(merged)} onDismiss={() => useOnnxExport.setState({ merged: null })} testId="merged-export-saved" />}
      {pushed && !busy && (
        <Alert
          kind="notice"
          message={describePushed(pushed)}
          onDismiss={() => useOnnxExport.setState({ pushed: null })}
          testId="hub-pushed"
          action={
            <a href={pushed.repoUrl} target="_blank" rel="noreferrer">
              Open {pushed.repo} on the Hub
            </a>
          }
        />
      )}
      {pushForm && <HubPushForm key={`${pushForm.runId}:${pushForm.what ?? ''}`} form={pushForm} />}
      {gguf && !busy && (
        <Alert
          kind={gguf.check && !gguf.check.passed ? 'error' : 'notice'}
          message={describeGguf(gguf)}
          onDismiss={() => useOnnxExport.setState({ gguf: null })}
          testId="gguf-export-saved"
          action={
            gguf.kind === 'adapter' ? (
              <button aria-label={`Export ${gguf.runName} as one GGUF file with the adapter merged (Q8_0 weights)`} onClick={() => void exportGguf(gguf.runId, gguf.runName, 'q8_0')}>
                The whole model
              </button>
            ) : (
              <span className="alert-actions">
                {gguf.file && !gguf.check && (
                  <button aria-label={`Check ${gguf.fileName}: run its weights, read back as llama.cpp reads them, in this engine against the trained model`} onClick={() => void checkGguf()} data-testid="gguf-check">
                    Check it
                  </button>
                )}
                {gguf.file && (
                  <button aria-label={`Push ${gguf.fileName} to the Hugging Face Hub, where Ollama and llama.cpp run it by the repo's name`} onClick={() => openPushForm({ runId: gguf.runId, runName: gguf.runName, hdr: false, what: 'gguf' })} data-testid="gguf-push">
                    Push to the Hub
                  </button>
                )}
                {gguf.file && (
                  <button aria-label={`Evaluate ${gguf.fileName}: its weights answer the held-out examples of the run's dataset (Evaluation panel), beside the trained adapter's accuracy`} onClick={() => evaluateGguf(gguf.file!, gguf)} data-testid="gguf-evaluate">
                    Evaluate it
                  </button>
                )}
                {gguf.importance && (
                  <button aria-label={`Save the importance matrix ${gguf.fileName} was rounded with, as llama-imatrix's file (${gguf.importance.fileName}), for llama-quantize --imatrix`} onClick={() => saveImportanceMatrix()} data-testid="gguf-imatrix-save">
                    The importance matrix
                  </button>
                )}
                <label title="Round Q6_K, Q5_K_M and Q4_K_M as llama-quantize --imatrix does, weighing each weight by how strongly the run's training conversations use it (the model runs over up to 256 of them on the GPU first)">
                  <input type="checkbox" checked={ggufImportance} onChange={(e) => setGgufImportance(e.target.checked)} data-testid="gguf-importance" /> K-quants with an importance matrix of the training examples
                </label>
                {ggufAlternatives(gguf).map(({ type, size, use, note }) => {
                  const button = (
                    <button key={type} aria-label={`Export ${gguf.runName} as GGUF with ${type.toUpperCase()} weights (${size ? `${size}, ` : ''}${use})`} aria-describedby={note ? `gguf-fallback-${type}` : undefined} onClick={() => void exportGguf(gguf.runId, gguf.runName, type)}>
                      Export in {type.toUpperCase()}
                      {size && ` (${size})`}
                    </button>
                  );
                  // Why its size is not what the type saves elsewhere, under its button.
                  return note ? (
                    <span key={type} className="with-note">
                      {button}
                      <small className="muted" id={`gguf-fallback-${type}`} data-testid={`gguf-fallback-${type}`}>
                        {note}
                      </small>
                    </span>
                  ) : (
                    button
                  );
                })}
                <button aria-label={`Export ${gguf.runName}'s LoRA adapter alone as a GGUF adapter file (for llama.cpp's --lora or Ollama's ADAPTER over the same base model)`} onClick={() => void exportGgufAdapter(gguf.runId, gguf.runName)}>
                  The adapter alone
                </button>
              </span>
            )
          }
        />
      )}
    </>
  );
}
