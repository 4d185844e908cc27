// The playground's second backend: the run's exported ONNX model run through transformers.js
// (`AutoModelForCausalLM.generate`, greedy) on onnxruntime-web, from the files the export left in
// the worker's memory. Same prompt rendering and the same call parser as our engine, so the two
// answers can be compared directly. Greedy only: a request's temperature and seed do not apply, so
// its answer carries no seed (the page shows it as greedy, not as a sample). The text streams as it
// is generated, and Cancel stops it after the token under way.
import { stableText } from '../eval/index.ts';
import type { OnnxExportDtype } from '../export/onnxExport.ts';
import type { JobContext } from '../jobs/context.ts';
import { releaseAfter } from '../model/releaseAfter.ts';
import { playgroundPrompt, playgroundResult, type GenerateRequest, type GenerateResult, type PromptBound } from './playground.ts';
import type { WorkerEvent } from './protocol.ts';

const STREAM_EVERY_MS = 150;

/** The exported graph's attention holds every score of the prompt at once (heads × tokens² floats:
 * 940 MB for Qwen2.5-0.5B at 4,096 tokens) in a WebAssembly heap of at most 4 GiB. */
export const ONNX_PLAYGROUND_BOUND: PromptBound = { tokens: 4096, what: 'the ONNX backend reads at once (its attention holds every score of the question in memory; our engine reads longer ones)' };

export interface HeldExport {
  files: Map<string, Uint8Array>;
  dtype: OnnxExportDtype;
}

export async function runGenerateOnnx(ctx: JobContext, req: GenerateRequest & { held: HeldExport; emit: (e: WorkerEvent) => void }): Promise<GenerateResult> {
  const prompt = playgroundPrompt(ctx, req, ONNX_PLAYGROUND_BOUND);
  ctx.progress({ label: 'loading the exported ONNX model with transformers.js', done: 0, total: 1 });
  // Imported here, not at the top: transformers.js must bind to onnxruntime-web (ortGlobal.ts,
  // the worker entry's first import) and only this backend needs it.
  const { loadTransformersCausalLM } = await import('../export/transformersModel.ts');
  const lm = await loadTransformersCausalLM({ kind: 'memory', files: req.held.files }, { dtype: req.held.dtype, executionProvider: 'wasm' });
  // A runtime that aborted mid-answer may fail its dispose too: the abort is what the page shows.
  return releaseAfter(async () => {
    ctx.progress({ label: 'generating with transformers.js (greedy)', done: 0, total: 1 });
    const stops = new Set(ctx.model.stopTokenIds);
    const decode = (ids: number[]) => (ids.length ? ctx.model.tokenizer.decode(ids, { skip_special_tokens: false, clean_up_tokenization_spaces: false }) : '');
    const t0 = performance.now();
    let firstTokenMillis: number | undefined;
    let lastEmit = 0;
    // Streamed as our engine streams (a few times a second), and Cancel stops it after the token under way.
    const out = await lm.greedy(prompt, req.maxNewTokens, {
      signal: ctx.signal,
      onTokens: (ids) => {
        firstTokenMillis ??= performance.now() - t0;
        const now = performance.now();
        if (now - lastEmit < STREAM_EVERY_MS) return;
        lastEmit = now;
        req.emit({ type: 'generation', streamId: req.streamId, text: stableText(decode, ids.filter((id) => !stops.has(id))) });
        ctx.progress({ label: 'generating with transformers.js (greedy)', done: ids.length, total: req.maxNewTokens });
      },
    });
    const millis = performance.now() - t0;
    const end = out.findIndex((id) => stops.has(id));
    const tokens = end >= 0 ? out.slice(0, end) : out;
    const text = decode(tokens);
    req.emit({ type: 'generation', streamId: req.streamId, text });
    const finish = end >= 0 ? 'eos' : ctx.signal.aborted ? 'aborted' : 'length';
    return playgroundResult(text, finish, tokens.length, { millis, firstTokenMillis }, req.tools, req.expectation);
  }, () => lm.dispose());
}
