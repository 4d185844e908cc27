// "Merged" for a run: its adapter merged into the loaded model on the GPU and written as a Hugging
// Face folder (export/mergedExport.ts), which comes back as one .zip: a Blob of the zip's parts,
// the weights stored as the export handed them on, tensor by tensor, never copied into another array.
import type { LoraAdapter } from '../model/lora.ts';
import { weightManifest } from '../model/config.ts';
import { DTYPE_BYTES } from '../model/dtype.ts';
import { elementCount } from '../model/safetensors.ts';
import { formatBytes } from '../model/memory-plan.ts';
import { writeZipParts, ZIP_MAX_BYTES } from '../snapshot/zip.ts';
import { exportMergedModel, type MergedDtype } from '../export/mergedExport.ts';
import type { JobContext } from '../jobs/context.ts';

export interface MergedExportInput {
  adapter: LoraAdapter;
  /** The folder's name in the .zip, and its model card's title. */
  folder: string;
  run: string;
  /** The base model's Hub id, for the card (none for a dropped folder or the embedded model). */
  baseModel?: string;
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
  const { spec, files: source } = ctx.model;
  // Said before the merge, not by the zip writer after it.
  const weightBytes = weightManifest(spec).reduce((n, w) => n + elementCount(w.shape) * DTYPE_BYTES[spec.dtype], 0);
  if (weightBytes > ZIP_MAX_BYTES) {
    throw new Error(`its weights are ${formatBytes(weightBytes)}, more than a .zip download holds (4 GiB); export the run (Export: its .zip holds the PEFT adapter) and write the folder with studio export-merged --model <this model> --adapter <that .zip unpacked>`);
  }
  // Each file's chunks as the export hands them on: the zip stores them as they are (no copy).
  const chunks = new Map<string, Uint8Array[]>();
  const result = await exportMergedModel(ctx.gpu, source, {
    adapter: job.adapter,
    write: (file, chunk) => {
      const known = chunks.get(file);
      if (known) known.push(chunk);
      else chunks.set(file, [chunk]);
    },
    card: { title: job.folder, run: job.run, ...(job.baseModel ? { baseModel: job.baseModel } : {}) },
    // The page's Cancel (cancelJob): the merge stops before its next tensor.
    signal: ctx.signal,
    onProgress: (p) => ctx.progress({ label: `merging the adapter into the weights (${p.tensorsDone} of ${p.tensorsTotal} tensors)`, done: p.bytesDone, total: p.bytesTotal }),
  });
  const entries = [...chunks].map(([name, data]) => ({ name: `${job.folder}/${name}`, data, level: name.endsWith('.safetensors') ? (0 as const) : (6 as const) }));
  const zip = new Blob(writeZipParts(entries, new Date()) as BlobPart[], { type: 'application/zip' });
  return { zip, files: result.files.map((f) => f.name), dtype: result.dtype, weightBytes: result.weightBytes, weightFiles: result.weightFiles.length, merged: result.merged };
}
