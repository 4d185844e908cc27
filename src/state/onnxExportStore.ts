// The "Export ONNX" action: asks the worker to merge the run's adapter and write a transformers.js
// folder, downloads it as one .zip, and keeps the check report (also stored on the run row) to show.
import { create } from 'zustand';
import type { ExportCheckReport } from '../worker/protocol.ts';
import { engineClient } from './engine.ts';
import { formatBytesShort } from './formatBytesShort.ts';
import { downloadBytes } from './download.ts';

interface OnnxExportState {
  busy: { runId: string; label: string; done: number; total: number } | null;
  report: { runId: string; report: ExportCheckReport | null; fileName: string; bytes: number } | null;
  error: string | null;
  exportOnnx(runId: string, runName: string, dtype: 'fp32' | 'fp16'): Promise<void>;
}


export const useOnnxExport = create<OnnxExportState>((set, get) => ({
  busy: null,
  report: null,
  error: null,
  async exportOnnx(runId, runName, dtype) {
    if (get().busy) return;
    set({ busy: { runId, label: 'starting', done: 0, total: 1 }, error: null });
    try {
      const { zip, report } = await engineClient().request('exportOnnx', { runId, dtype }, (p) => set({ busy: { runId, label: p.label, done: p.done, total: p.total } }));
      const fileName = `${runName.replace(/[^\w.-]+/g, '-').slice(0, 60) || 'run'}-onnx-${dtype}.zip`;
      downloadBytes(zip, fileName);
      set({ report: { runId, report, fileName, bytes: zip.byteLength } });
    } catch (err) {
      set({ error: `Could not export ${runName} to ONNX: ${(err as Error).message}. Load the run's model in the Model panel and make sure the run has a checkpoint.` });
    } finally {
      set({ busy: null });
    }
  },
}));

export function describeReport(r: { report: ExportCheckReport | null; fileName: string; bytes: number }): string {
  const size = formatBytesShort(r.bytes);
  if (!r.report) return `Saved ${r.fileName} (${size}); the export was not checked.`;
  const x = r.report;
  return `Saved ${r.fileName} (${size}). Check on onnxruntime-web (${x.executionProvider}, ${x.dtype}): max |logit difference| ${x.maxAbsDiff.toExponential(1)} (tolerance ${x.tolerance.toExponential(1)}), KV-cache step ${x.kvCacheMaxAbsDiff.toExponential(1)}, greedy tokens ${x.greedyEqual ? 'equal' : 'differ'}: ${x.passed ? 'passed' : 'FAILED'}.`;
}
