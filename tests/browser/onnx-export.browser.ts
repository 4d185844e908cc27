// The ONNX export in Chromium: merge on the browser's WebGPU device, run the export with
// onnxruntime-web on WASM and on its WebGPU execution provider, and load it through transformers.js
// from memory (the playground's path right after an export). Throws to fail.
import { loadTransformersCausalLM } from '../../src/export/transformersModel.ts';
import { exportOnnxModel } from '../../src/export/onnxExport.ts';
import { verifyOnnxExport, type ExportCheckReport } from '../../src/export/verifyExport.ts';
import { openEngineRunner } from '../../src/export/engineLogits.ts';
import { generateTinyModel, tinyTestOptions } from '../../src/model/tiny-model.ts';
import { memoryModelFiles } from '../../src/model/model-files.ts';
import { initLoraAdapter, type LoraAdapter } from '../../src/model/lora.ts';
import { seededRandom } from '../helpers/compare.ts';
import { formatDecodePeer, runDecodePeerBench, type DecodePeerOptions } from '../../src/bench/decodePeer.ts';
import { browserGpu } from './browser-gpu.ts';

const PROMPTS = [
  [1, 11, 40, 41, 20, 21],
  [1, 12, 7, 93, 5, 60, 61, 62, 30],
];

function tinyWithAdapter(): { files: ReturnType<typeof memoryModelFiles>; adapter: LoraAdapter; spec: ReturnType<typeof generateTinyModel>['spec'] } {
  const tiny = generateTinyModel(tinyTestOptions('qwen3'));
  const adapter = initLoraAdapter(tiny.spec, { rank: 4, alpha: 8, useRsLora: false, dropout: 0, targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] }, 3);
  // A trained-looking adapter: B = 0 would make the merge a no-op.
  const rand = seededRandom(5);
  for (const [k, t] of adapter.tensors) if (k.includes('lora_B')) for (let i = 0; i < t.length; i++) t[i] = (rand() * 2 - 1) * 0.3;
  return { files: memoryModelFiles(tiny.files, 'tiny-qwen3'), adapter, spec: tiny.spec };
}

function assertPassed(r: ExportCheckReport, what: string): void {
  const summary = `max diff ${r.maxAbsDiff} (tol ${r.tolerance}), kv ${r.kvCacheMaxAbsDiff}, greedy ${r.prompts.map((p) => `${p.engineTokens}|${p.onnxTokens}`).join(' ; ')}`;
  if (!r.passed) throw new Error(`${what}: export check failed: ${summary}`);
}

export const tests = {
  async 'ONNX export (fp32, merged LoRA) matches the engine on onnxruntime-web WASM in Chromium'() {
    const gpu = await browserGpu();
    const { files, adapter } = tinyWithAdapter();
    const exported = await exportOnnxModel(gpu, files, { dtype: 'fp32', adapter });
    assertPassed(await verifyOnnxExport(gpu, files, adapter, exported, { prompts: PROMPTS, steps: 5, executionProvider: 'wasm' }), 'wasm');
  },

  async 'ONNX export (fp16) matches the engine on the onnxruntime-web WebGPU execution provider'() {
    const gpu = await browserGpu();
    const { files, adapter } = tinyWithAdapter();
    const exported = await exportOnnxModel(gpu, files, { dtype: 'fp16', adapter });
    assertPassed(await verifyOnnxExport(gpu, files, adapter, exported, { prompts: PROMPTS, steps: 5, executionProvider: 'webgpu' }), 'webgpu');
  },

  async 'transformers.js loads the export from memory and generates the engine’s greedy tokens'() {
    const gpu = await browserGpu();
    const { files, adapter, spec } = tinyWithAdapter();
    const exported = await exportOnnxModel(gpu, files, { dtype: 'fp32', adapter });
    const lm = await loadTransformersCausalLM({ kind: 'memory', files: exported.files }, { dtype: 'fp32', executionProvider: 'wasm' });
    const got = await lm.greedy(PROMPTS[0], 8);
    await lm.dispose();
    const engine = await openEngineRunner(gpu, files, adapter, PROMPTS[0].length + 8);
    const want = await engine.greedy(PROMPTS[0], 8, spec.eosTokenIds);
    engine.release();
    if (want.length < 4) throw new Error(`engine stopped after ${want.length} tokens; the comparison needs a longer continuation`);
    if (got.join(',') !== want.join(',')) throw new Error(`transformers.js tokens [${got}] differ from the engine's [${want}]`);
  },

  async 'the decode bench runs ours and transformers.js alone and batched, on the same tokens'() {
    const gpu = await browserGpu();
    const { files, adapter } = tinyWithAdapter();
    // Two prompts of one length (a batch needs no padding); 4 tokens each, alone and together.
    const opts: DecodePeerOptions = { prompts: [PROMPTS[0], PROMPTS[1].slice(0, PROMPTS[0].length)], newTokens: 4, executionProviders: ['wasm'], reps: 1, batches: [1, 2] };
    const row = await runDecodePeerBench(gpu, files, adapter, opts);
    if (row.failed.length) throw new Error(`peer failed: ${row.failed.map((f) => f.error).join('; ')}`);
    if (row.batches.map((b) => b.batch).join() !== '1,2') throw new Error(`batches ${row.batches.map((b) => b.batch)}`);
    for (const b of row.batches) {
      if (b.ours.tokens.length !== 2 || b.ours.tokens.some((t) => t.length !== 4)) throw new Error(`B=${b.batch}: ours gave ${JSON.stringify(b.ours.tokens)}`);
      const peer = b.peers[0];
      if (!peer?.sameTokens) throw new Error(`B=${b.batch}: peer tokens ${JSON.stringify(peer?.tokens)} differ from ours ${JSON.stringify(b.ours.tokens)}`);
      if (!(b.ours.decodeTokensPerSecond > 0 && peer.decodeTokensPerSecond > 0)) throw new Error(`B=${b.batch}: rates ${b.ours.decodeTokensPerSecond} / ${peer.decodeTokensPerSecond}`);
    }
    // Batched, each row answers as it does alone.
    if (JSON.stringify(row.batches[1].ours.tokens) !== JSON.stringify(row.batches[0].ours.tokens)) throw new Error('a batched sequence differs from itself alone');
    const lines = formatDecodePeer(row, opts);
    if (!lines.some((l) => l.startsWith('greedy decode, B = 2, 2 prompts at once × 4 new tokens'))) throw new Error(`lines: ${lines.join(' | ')}`);
  },
};
