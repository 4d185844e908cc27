// The tiny models whose K-quant exports (Q4_K_M, Q5_K_M, Q6_K) tests/export/gguf-kquant.test.ts
// compares with llama.cpp's own llama-quantize, and (run as a script) the writer of those goldens:
// each model written with the real Qwen3 tokenizer, exported as F32 GGUF by `studio export-gguf`,
// then quantized by scripts/gguf-kquant-golden.py through node-llama-cpp's libllama.
//   npx tsx scripts/gguf-kquant-models.ts      (needs python3 with numpy and gguf)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { tinyTestOptions, type TinyModelOptions } from '../src/model/tiny-model.ts';
import { writeTinyModel } from './gen-tiny-model.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Qwen3 (tied) with rows of 256 and 512 values: every matrix K-quantized, 8 layers so the
 * layers given Q6_K differ from the rest. Llama (untied) with rows of 64 but for ffn_down's 512:
 * Q4_K falls back to Q5_0, Q5_K to Q5_1 and the output's Q6_K to Q8_0, as for Qwen2.5-0.5B's rows
 * of 896. */
export const KQUANT_MODELS: Record<string, TinyModelOptions> = {
  'qwen3-k': tinyTestOptions('qwen3', { vocabSize: 151_936, hiddenSize: 256, intermediateSize: 512, numLayers: 8, numHeads: 2, numKvHeads: 1, headDim: 128, initStd: 0.05 }),
  'llama-fallback': tinyTestOptions('llama', { vocabSize: 151_936, intermediateSize: 512, numLayers: 3, initStd: 0.05 }),
};

export const KQUANT_TYPES = ['q4_k_m', 'q5_k_m', 'q6_k'] as const;

export const kquantGoldenPath = (type: (typeof KQUANT_TYPES)[number], name: string) => join(repoRoot, 'tests', 'fixtures', 'gguf', `${type}-${name}.json`);

/** With an importance matrix: the fallback model's Q4_K_M (Q4_K, Q6_K and Q5_0 weighted, Q8_0 not),
 * the matrix collected by `studio export-gguf --imatrix-data` over the demo dataset's examples. */
export const IMATRIX_MODEL = 'llama-fallback';
export const imatrixFixturePath = join(repoRoot, 'tests', 'fixtures', 'gguf', `${IMATRIX_MODEL}.imatrix.gguf`);
export const imatrixGoldenPath = join(repoRoot, 'tests', 'fixtures', 'gguf', `q4_k_m-imatrix-${IMATRIX_MODEL}.json`);

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const dir = mkdtempSync(join(tmpdir(), 'kquant-golden-'));
  try {
    for (const [name, options] of Object.entries(KQUANT_MODELS)) {
      const model = join(dir, name);
      await writeTinyModel(model, options);
      const f32 = join(dir, `${name}-f32.gguf`);
      execFileSync('node', [join(repoRoot, 'bin', 'studio.mjs'), 'export-gguf', '--model', model, '--out', f32, '--type', 'f32', '--no-check', '--quiet'], { stdio: 'inherit' });
      for (const type of KQUANT_TYPES) execFileSync(process.env.PYTHON ?? 'python3', [join(repoRoot, 'scripts', 'gguf-kquant-golden.py'), '--model', f32, kquantGoldenPath(type, name), type], { stdio: 'inherit' });
      if (name !== IMATRIX_MODEL) continue;
      execFileSync('node', [
        join(repoRoot, 'bin', 'studio.mjs'), 'export-gguf', '--model', model, '--out', join(dir, `${name}-q4_k_m.gguf`), '--type', 'q4_k_m', '--no-check', '--quiet', '--force',
        '--imatrix-data', join(repoRoot, 'public', 'demo', 'demo-dataset.jsonl'), '--imatrix-examples', '24', '--save-imatrix', imatrixFixturePath,
      ], { stdio: 'inherit' });
      execFileSync(process.env.PYTHON ?? 'python3', [join(repoRoot, 'scripts', 'gguf-kquant-golden.py'), '--model', f32, imatrixGoldenPath, 'q4_k_m', imatrixFixturePath], { stdio: 'inherit' });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
