// "Export ONNX" for a run: its adapter merged into the loaded base model on the GPU, written as a
// transformers.js folder, then checked by running the export with onnxruntime-web against our
// engine on a few prompts. The check report is stored on the run row; a check that could not run
// comes back as `checkError` beside the files, naming the side that failed.
import type { StudioDb } from '../data/db.ts';
import type { LoraAdapter } from '../model/lora.ts';
import { exportAndCheck, onnxWeightBytes, type ExportCheckFailure, type ExportCheckReport, type OnnxExportDtype } from '../export/index.ts';
import { formatBytes } from '../model/memory-plan.ts';
import { ZIP_MAX_BYTES } from '../snapshot/zip.ts';
import type { JobContext } from '../jobs/context.ts';
import { updateRun } from '../jobs/store/dexie.ts';
import type { TrainRunRow } from '../jobs/store/schema.ts';

/** Short requests in the domain the studio trains on; tokenized plainly (no chat template) for the check. */
export const ONNX_CHECK_PROMPTS = ['What is the weather in Oslo?', 'Convert 5 miles to kilometers.', 'Book a meeting tomorrow at 10.'];

export interface OnnxExportInput {
  db: StudioDb;
  runId: string;
  adapter: LoraAdapter;
  dtype: OnnxExportDtype;
}

export async function runOnnxExport(ctx: JobContext, job: OnnxExportInput): Promise<{ files: Array<[string, Uint8Array]>; report: ExportCheckReport | null; checkError: ExportCheckFailure | null }> {
  const { tokenizer, files, spec } = ctx.model;
  // The export comes back as one .zip download: said before minutes of merging, not by writeZip after.
  const weightBytes = onnxWeightBytes(spec, job.dtype);
  if (weightBytes > ZIP_MAX_BYTES) {
    throw new Error(
      `its ${job.dtype} weights alone are ${formatBytes(weightBytes)}, more than a .zip download holds (4 GiB); export the run (Export: its .zip holds the PEFT adapter) and write the ONNX folder with studio export-onnx --model <this model> --adapter <that .zip unpacked> --dtype ${job.dtype}`,
    );
  }
  const { result, report, checkError } = await exportAndCheck(ctx.gpu, files, job.adapter, {
    dtype: job.dtype,
    prompts: ONNX_CHECK_PROMPTS.map((t) => tokenizer.encode(t)),
    steps: 6,
    eosTokenIds: spec.eosTokenIds,
    executionProvider: 'wasm',
    // The page's Cancel (cancelJob): the merge stops before its next tensor, the check before its next prompt.
    signal: ctx.signal,
    onProgress: (p) =>
      ctx.progress(
        p.stage === 'check'
          ? { label: 'checking the export with onnxruntime-web', done: 0, total: 1 }
          : { label: `writing the ONNX model${p.tensor ? ` (${p.tensor})` : ''}`, done: p.bytesDone, total: p.bytesTotal },
      ),
  });
  if (report) await updateRun<TrainRunRow>(job.db, job.runId, { onnxExportCheck: report });
  return { files: [...result.files], report, checkError };
}
