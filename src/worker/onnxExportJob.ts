// "Export ONNX" for a run: its adapter (from the newest checkpoint) merged into the loaded base model
// on the GPU, written as a transformers.js folder, then checked by running the export with
// onnxruntime-web against our engine on a few prompts. The check report is stored on the run row.
import type { StudioDb } from '../data/db.ts';
import type { Gpu } from '../gpu/index.ts';
import type { ModelSpec } from '../model/config.ts';
import type { ModelFiles } from '../model/model-files.ts';
import type { LoraAdapter } from '../model/lora.ts';
import { exportAndCheck, type ExportCheckReport, type OnnxExportDtype } from '../export/index.ts';
import type { ProgressInfo } from './protocol.ts';

/** Short requests in the domain the studio trains on; tokenized plainly (no chat template) for the check. */
export const ONNX_CHECK_PROMPTS = ['What is the weather in Oslo?', 'Convert 5 miles to kilometers.', 'Book a meeting tomorrow at 10.'];

export interface OnnxExportJob {
  gpu: Gpu;
  db: StudioDb;
  files: ModelFiles;
  spec: ModelSpec;
  encode: (text: string) => number[];
  progress: (p: ProgressInfo) => void;
}

export async function runOnnxExport(job: OnnxExportJob, runId: string, adapter: LoraAdapter, dtype: OnnxExportDtype): Promise<{ files: Array<[string, Uint8Array]>; report: ExportCheckReport | null }> {
  const { result, report } = await exportAndCheck(job.gpu, job.files, adapter, {
    dtype,
    prompts: ONNX_CHECK_PROMPTS.map(job.encode),
    steps: 6,
    eosTokenIds: job.spec.eosTokenIds,
    executionProvider: 'wasm',
    onProgress: (p) =>
      job.progress(
        p.stage === 'check'
          ? { label: 'checking the export with onnxruntime-web', done: 0, total: 1 }
          : { label: `writing the ONNX model${p.tensor ? ` (${p.tensor})` : ''}`, done: p.bytesDone, total: p.bytesTotal },
      ),
  });
  if (report) await job.db.runs.update(runId, { onnxExportCheck: report } as never);
  return { files: [...result.files], report };
}
