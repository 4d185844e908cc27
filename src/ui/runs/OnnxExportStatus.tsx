// Progress and outcome of "Export ONNX": the merge/write progress, then the check report (logits of
// the exported model on onnxruntime-web against our engine), or what went wrong.
import { describeReport, useOnnxExport } from '../../state/onnxExportStore.ts';
import { Alert } from '../shell/Alert.tsx';
import { ProgressBar } from '../shell/ProgressBar.tsx';

export function OnnxExportStatus() {
  const busy = useOnnxExport((s) => s.busy);
  const report = useOnnxExport((s) => s.report);
  const error = useOnnxExport((s) => s.error);
  return (
    <>
      {busy && <ProgressBar label={`ONNX export of ${busy.runName}: ${busy.label}`} done={busy.done} total={Math.max(1, busy.total)} testId="onnx-export-progress" />}
      {error && <Alert message={error} onDismiss={() => useOnnxExport.setState({ error: null })} testId="onnx-export-error" />}
      {report && !busy && (
        <Alert kind={report.checkError || (report.report && !report.report.passed) ? 'error' : 'notice'} message={describeReport(report)} onDismiss={() => useOnnxExport.setState({ report: null })} testId="onnx-export-report" />
      )}
    </>
  );
}
