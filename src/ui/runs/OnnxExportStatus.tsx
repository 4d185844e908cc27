// Progress and outcome of a model export: the merge/write progress; for ONNX then the check report
// (logits of the exported model on onnxruntime-web against our engine), for GGUF what the file is
// and how to run it, with the other weight types a click away; or what went wrong.
import { describeGguf, describeReport, useOnnxExport, type GgufType } from '../../state/onnxExportStore.ts';
import { Alert } from '../shell/Alert.tsx';
import { ProgressBar } from '../shell/ProgressBar.tsx';

/** The GGUF weight types offered after one is saved, with what each is for. Q4_K_M is what Ollama
 * and LM Studio download by default: 4-bit blocks, about 60% of Q8_0's size; written by llama.cpp's
 * own rules and rounding, on the CPU (minutes for a model of half a billion weights). */
const OTHER_TYPES: Record<GgufType, Array<[GgufType, string]>> = {
  q8_0: [['q4_k_m', 'about 60% of the size, what Ollama and LM Studio download by default'], ['f16', 'twice the size, closer to the trained model'], ['f32', 'four times the size, the trained model exactly']],
  q4_k_m: [['q8_0', 'closer to the trained model, about 1.6 times the size'], ['f16', 'about 3 times the size'], ['f32', 'the trained model exactly, about 6 times the size']],
  f16: [['q8_0', 'half the size'], ['q4_k_m', 'about a third of the size'], ['f32', 'twice the size, the trained model exactly']],
  f32: [['q8_0', 'a quarter of the size'], ['q4_k_m', 'about a sixth of the size'], ['f16', 'half the size']],
};

export function OnnxExportStatus() {
  const busy = useOnnxExport((s) => s.busy);
  const report = useOnnxExport((s) => s.report);
  const error = useOnnxExport((s) => s.error);
  const fp32Instead = useOnnxExport((s) => s.fp32Instead);
  const exportOnnx = useOnnxExport((s) => s.exportOnnx);
  const gguf = useOnnxExport((s) => s.gguf);
  const exportGguf = useOnnxExport((s) => s.exportGguf);
  const exportGgufAdapter = useOnnxExport((s) => s.exportGgufAdapter);
  const cancelGguf = useOnnxExport((s) => s.cancelGguf);
  const ggufCancelled = useOnnxExport((s) => s.ggufCancelled);
  return (
    <>
      {busy && <ProgressBar label={`${busy.kind} export of ${busy.runName}: ${busy.label}`} done={busy.done} total={Math.max(1, busy.total)} testId="onnx-export-progress" />}
      {busy?.cancellable && (
        <button type="button" onClick={() => void cancelGguf()} aria-label={`Cancel the GGUF export of ${busy.runName} (nothing is saved)`} data-testid="gguf-export-cancel">
          Cancel
        </button>
      )}
      {ggufCancelled && !busy && (
        <Alert kind="notice" message={`The GGUF export of ${ggufCancelled} was cancelled; nothing was saved.`} onDismiss={() => useOnnxExport.setState({ ggufCancelled: null })} testId="gguf-export-cancelled" />
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
      {gguf && !busy && (
        <Alert
          kind="notice"
          message={describeGguf(gguf)}
          onDismiss={() => useOnnxExport.setState({ gguf: null })}
          testId="gguf-export-saved"
          action={
            gguf.kind === 'adapter' ? (
              <button aria-label={`Export ${gguf.runName} as one GGUF file with the adapter merged (Q8_0 weights)`} onClick={() => void exportGguf(gguf.runId, gguf.runName, 'q8_0')}>
                The whole model
              </button>
            ) : (
              <>
                {OTHER_TYPES[gguf.type].map(([type, why]) => (
                  <button key={type} aria-label={`Export ${gguf.runName} as GGUF with ${type.toUpperCase()} weights (${why})`} onClick={() => void exportGguf(gguf.runId, gguf.runName, type)}>
                    Export in {type.toUpperCase()}
                  </button>
                ))}
                <button aria-label={`Export ${gguf.runName}'s LoRA adapter alone as a GGUF adapter file (for llama.cpp's --lora or Ollama's ADAPTER over the same base model)`} onClick={() => void exportGgufAdapter(gguf.runId, gguf.runName)}>
                  The adapter alone
                </button>
              </>
            )
          }
        />
      )}
    </>
  );
}
