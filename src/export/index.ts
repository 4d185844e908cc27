// Public face of the ONNX export: what the worker (UI button), the CLI and the playground call.
//   exportOnnxModel   merge the adapter on the GPU, write the transformers.js folder as a file map
//   verifyOnnxExport  run the export with onnxruntime-web and compare with our engine
//   exportAndCheck    both, with one progress callback (the worker's job for "Export ONNX")
//   loadTransformersCausalLM  the exported model through transformers.js (playground switch)
// transformersModel.ts is not re-exported here on purpose: importing it binds transformers.js to
// onnxruntime-web, which only the playground/tests should decide; import it directly.
import type { Gpu } from '../gpu/index.ts';
import type { ModelFiles } from '../model/model-files.ts';
import type { LoraAdapter } from '../model/lora.ts';
import { exportOnnxModel, type OnnxExportOptions, type OnnxExportProgress, type OnnxExportResult } from './onnxExport.ts';
import { checkFailure, verifyOnnxExport, type ExportCheckFailure, type ExportCheckReport, type VerifyOptions } from './verifyExport.ts';

export * from './onnxExport.ts';
export * from './verifyExport.ts';
export { openOrtDecoder, runDecoderStep, type OrtDecoder, type OrtExecutionProvider } from './onnxRuntime.ts';

export type ExportAndCheckProgress = OnnxExportProgress | { stage: 'check' };

export interface ExportAndCheckOptions extends Omit<OnnxExportOptions, 'onProgress' | 'adapter'>, Omit<VerifyOptions, 'prompts'> {
  /** Tokenized check prompts; none skips the check (the report is then null). */
  prompts: number[][];
  onProgress?: (p: ExportAndCheckProgress) => void;
}

/** Export, then check the export by running it; the report belongs with the run (Dexie `runs`).
 * A check that cannot run (onnxruntime-web cannot open the model: no such backend, a WebAssembly
 * heap too small for it; or our engine runs out of GPU memory) does not take the export away: its
 * files come back with `checkError`, which says the side that failed. */
export async function exportAndCheck(
  gpu: Gpu,
  source: ModelFiles,
  adapter: LoraAdapter | null,
  opts: ExportAndCheckOptions,
): Promise<{ result: OnnxExportResult; report: ExportCheckReport | null; checkError: ExportCheckFailure | null }> {
  const result = await exportOnnxModel(gpu, source, { dtype: opts.dtype, adapter, externalDataThresholdBytes: opts.externalDataThresholdBytes, onProgress: opts.onProgress, signal: opts.signal });
  if (opts.prompts.length === 0) return { result, report: null, checkError: null };
  opts.onProgress?.({ stage: 'check' });
  try {
    const report = await verifyOnnxExport(gpu, source, adapter, result, {
      prompts: opts.prompts, steps: opts.steps, executionProvider: opts.executionProvider, tolerance: opts.tolerance, eosTokenIds: opts.eosTokenIds, signal: opts.signal,
    });
    return { result, report, checkError: null };
  } catch (err) {
    // Cancelled is not a check that could not run: nothing is kept.
    if (opts.signal?.aborted) throw err;
    return { result, report: null, checkError: checkFailure(err) };
  }
}
