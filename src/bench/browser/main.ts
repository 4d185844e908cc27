// transformers.js must find onnxruntime-web before its module is evaluated (src/export/ortGlobal.ts).
import '../../export/ortGlobal.ts';
// The browser page of `npm run bench:browser` (scripts/bench-browser.mjs): the embedded model with a
// small random adapter, our decode against transformers.js on the studio's ONNX export, in this
// page's WebGPU (SwiftShader in headless Chromium). Results go to window.__bench for the runner.
import { acquireGpu } from '../../gpu/context.ts';
import { createGpu } from '../../gpu/index.ts';
import { memoryModelFiles } from '../../model/model-files.ts';
import { openModel } from '../../model/checkpoint.ts';
import { initLoraAdapter } from '../../model/lora.ts';
import { seededUniform } from '../../model/random.ts';
import { decodePeerAgrees, formatDecodePeer, runDecodePeerBench, type DecodePeerOptions } from '../decodePeer.ts';

const EMBEDDED = ['config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'];
const params = new URLSearchParams(location.search);
const state: { done: boolean; lines: string[]; row?: unknown; agrees?: boolean; error?: string } = { done: false, lines: [] };
(window as unknown as { __bench: typeof state }).__bench = state;
const log = document.getElementById('log')!;

async function main(): Promise<void> {
  const files = new Map<string, Uint8Array>();
  for (const name of EMBEDDED) {
    const res = await fetch(`/models/tiny-qwen3/${name}`);
    if (!res.ok) throw new Error(`public/models/tiny-qwen3/${name}: HTTP ${res.status} (npm run build or npm start generates it)`);
    files.set(name, new Uint8Array(await res.arrayBuffer()));
  }
  const model = memoryModelFiles(files, 'embedded:tiny-qwen3');
  const { spec, checkpoint } = await openModel(model);
  await checkpoint.close();
  // A trained-looking adapter (PEFT's B = 0 would make the merged export equal the base model).
  const adapter = initLoraAdapter(spec, { rank: 8, alpha: 16, useRsLora: false, dropout: 0, targets: ['q', 'k', 'v', 'o'] }, 7);
  const rand = seededUniform(8);
  for (const [k, t] of adapter.tensors) if (k.includes('lora_B')) for (let i = 0; i < t.length; i++) t[i] = (rand() * 2 - 1) * 0.05;
  const promptRand = seededUniform(9);
  const promptTokens = Number(params.get('prompt') ?? 32);
  const batches = (params.get('batch') ?? '1,16').split(',').map(Number);
  const opts: DecodePeerOptions = {
    // Ordinary text-token ids of the Qwen vocabulary (below the special tokens at 151,643).
    prompts: Array.from({ length: Math.max(Number(params.get('prompts') ?? 3), ...batches) }, () => Array.from({ length: promptTokens }, () => 100 + Math.floor(promptRand() * 150_000))),
    batches,
    newTokens: Number(params.get('tokens') ?? 32),
    executionProviders: (params.get('ep') ?? 'wasm').split(',') as DecodePeerOptions['executionProviders'],
    reps: Number(params.get('reps') ?? 3),
  };
  const gpu = createGpu(await acquireGpu(navigator.gpu));
  const row = await runDecodePeerBench(gpu, model, adapter, opts);
  state.row = row;
  state.agrees = decodePeerAgrees(row);
  state.lines = [`adapter: ${gpu.ctx.adapter.description || gpu.ctx.adapter.vendor}${gpu.ctx.adapter.isSoftware ? ' (software)' : ''}; model: embedded tiny Qwen3 (vocab ${spec.vocabSize}) + LoRA r8 on q,k,v,o`, ...formatDecodePeer(row, opts)];
  log.textContent = state.lines.join('\n');
}

main()
  .catch((err) => {
    state.error = String((err as Error)?.stack ?? err);
  })
  .finally(() => {
    state.done = true;
  });
