// The playground's second backend: the run's exported ONNX model run through transformers.js
// (`AutoModelForCausalLM.generate`, greedy) on onnxruntime-web, from the files the export left in
// the worker's memory. Same prompt rendering and the same call parser as our engine, so the two
// answers can be compared directly.
import type { Example } from '../data/example.ts';
import { renderPrompt } from '../data/render-prompt.ts';
import { parseGeneratedCalls } from '../eval/index.ts';
import { defaultStopTokenIds } from '../model/generate.ts';
import type { OnnxExportDtype } from '../export/onnxExport.ts';
import type { GenerateRequest, GenerateResult, GenerationContext } from './generationJobs.ts';

export interface HeldExport {
  files: Map<string, Uint8Array>;
  dtype: OnnxExportDtype;
}

export async function runGenerateOnnx(ctx: GenerationContext, req: GenerateRequest, held: HeldExport): Promise<GenerateResult> {
  if (!req.messages.some((m) => m.role === 'user' && m.content.trim())) throw new Error('type a question first');
  const example: Example = { id: 'playground', tools: req.tools, messages: req.messages, target: { calls: [] } };
  const prompt = renderPrompt(ctx.tokenizer, example).ids;
  ctx.progress({ label: 'loading the exported ONNX model with transformers.js', done: 0, total: 1 });
  // Imported here, not at the top: transformers.js must bind to onnxruntime-web (ortGlobal.ts,
  // the worker entry's first import) and only this backend needs it.
  const { loadTransformersCausalLM } = await import('../export/transformersModel.ts');
  const lm = await loadTransformersCausalLM({ kind: 'memory', files: held.files }, { dtype: held.dtype, executionProvider: 'wasm' });
  try {
    ctx.progress({ label: 'generating with transformers.js (greedy)', done: 0, total: 1 });
    const stops = new Set(await defaultStopTokenIds(ctx.files, ctx.spec));
    const out = await lm.greedy(prompt, req.maxNewTokens);
    const end = out.findIndex((id) => stops.has(id));
    const tokens = end >= 0 ? out.slice(0, end) : out;
    const text = tokens.length ? ctx.tokenizer.decode(tokens, { skip_special_tokens: false, clean_up_tokenization_spaces: false }) : '';
    ctx.emit({ type: 'generation', streamId: req.streamId, text });
    const parsed = parseGeneratedCalls(text);
    return { text, reasoning: parsed.reasoning, calls: parsed.calls, parseError: parsed.error?.message, finishReason: end >= 0 ? 'eos' : 'length', tokens: tokens.length };
  } finally {
    await lm.dispose();
  }
}
