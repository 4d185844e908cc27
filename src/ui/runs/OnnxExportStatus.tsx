// Progress and outcome of "Export ONNX": the merge/write progress, then the check report (logits of
// the exported model on onnxruntime-web against our engine), or what went wrong.
import { describeReport, useOnnxExport } from '../../state/onnxExportStore.ts';
import { Alert } from '../shell/Alert.tsx';
import { ProgressBar } from '../shell/ProgressBar.tsx';

export function OnnxExportStatus() {
  const busy = useOnnxExport((s) => s.busy);
  const report = useOnnxExport((s) => s.report);
  const error = useOnnxExport((s) => s.error);
  const fp32Instead = useOnnxExport((s) => s.fp32Instead);
  const exportOnnx = useOnnxExport((s) => s.exportOnnx);
  return (
    <>
      {busy && <ProgressBar label={`ONNX export of ${busy.runName}: ${busy.label}`} done={busy.done} total={Math.max(1, busy.total)} testId="onnx-export-progress" />}
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
    </>
  );
}
