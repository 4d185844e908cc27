// "Merged" for a run: its adapter merged into the loaded model on the GPU and written as a Hugging
// Face folder (export/mergedExport.ts), which comes back as one .zip, zipped as the export hands its
// files on (a tensor at a time, the weights stored) and gathered as a Blob (gatheredBlob.ts): the
// folder is never whole in the worker's memory.
import type { LoraAdapter } from '../model/lora.ts';
import { parameterCount } from '../model/config.ts';
import { DTYPE_BYTES } from '../model/dtype.ts';
import { formatBytes } from '../model/memory-plan.ts';
import { ZipStream, ZIP_MAX_BYTES } from '../snapshot/zip.ts';
import { GatheredBlob } from './gatheredBlob.ts';
import { exportMergedModel, type MergedDtype, type MergedExportOptions, type MergedExportResult } from '../export/mergedExport.ts';
import type { JobContext } from '../jobs/context.ts';

export interface MergedExportInput {
  adapter: LoraAdapter;
  /** The folder's name in the .zip, and its model card's title. */
  folder: string;
  run: string;
  /** The base model's Hub id, for the card (none for a dropped folder or the embedded model). */
  baseModel?: string;
  /** The Hub dataset repos the run's examples came from, for the card. */
  datasets?: string[];
}

export interface MergedExportOutput {
  zip: Blob;
  files: string[];
  dtype: MergedDtype;
  weightBytes: number;
  weightFiles: number;
  merged: number;
}

export async function runMergedExport(ctx: JobContext, job: MergedExportInput): Promise<MergedExportOutput> {
  const { spec } = ctx.model;
  // Said before the merge, not by the zip writer after it.
  const weightBytes = parameterCount(spec) * DTYPE_BYTES[spec.dtype];
  if (weightBytes > ZIP_MAX_BYTES) {
    throw new Error(`its weights are ${formatBytes(weightBytes)}, more than a .zip download holds (4 GiB); export the run (Export: its .zip holds the PEFT adapter) and write the folder with studio export-merged --model <this model> --adapter <that .zip unpacked>`);
  }
  const gathered = new GatheredBlob();
  const zip = new ZipStream((part) => gathered.push(part), new Date());
  let entry: string | null = null;
  const result = await mergeInWorker(ctx, job.adapter, { title: job.folder, run: job.run, ...(job.baseModel ? { baseModel: job.baseModel } : {}), ...(job.datasets ? { datasets: job.datasets } : {}) }, (file, chunk) => {
    // A file's chunks come one after another: its entry ends where the next file starts.
    if (file !== entry) zip.entry(`${job.folder}/${file}`, file.endsWith('.safetensors') ? 0 : 6);
    entry = file;
    zip.push(chunk);
  });
  zip.end();
  return { zip: gathered.done('application/zip'), files: result.files.map((f) => f.name), dtype: result.dtype, weightBytes: result.weightBytes, weightFiles: result.weightFiles.length, merged: result.merged };
}

/** The loaded model's folder with `adapter` merged, handed to `write` a chunk at a time, with the
 * job's progress, stopped by the page's Cancel (cancelJob) before its next tensor: the Merged
 * export's .zip and the Hub push's files both come from here. */
export function mergeInWorker(ctx: JobContext, adapter: LoraAdapter, card: MergedExportOptions['card'], write: MergedExportOptions['write']): Promise<MergedExportResult> {
  return exportMergedModel(ctx.gpu, ctx.model.files, {
    adapter,
    write,
    card,
    signal: ctx.signal,
    onProgress: (p) => ctx.progress({ label: `merging the adapter into the weights (${p.tensorsDone} of ${p.tensorsTotal} tensors)`, done: p.bytesDone, total: p.bytesTotal }),
  });
}
