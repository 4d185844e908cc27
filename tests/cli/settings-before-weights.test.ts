// studio train, hdr, ablate, eval, generate and export-onnx check their settings against the model's config.json and
// tokenizer before its weights are read or downloaded: a user of a 1.5 GB hub model was told a
// --seq past the model's context, or one no example fits (or an adapter for another model), only
// after the download. The
// model folders here have a valid config and tokenizer and weights that cannot load (missing or
// damaged), so the weights' error would come first if they were read first; the hub repo serves
// weights, and no request for them may come.
import { copyFileSync, mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { generateTinyModel, TINY_QWEN3_DEFAULT } from '../../src/model/tiny-model.ts';
import { exportPeftAdapter } from '../../src/model/peft.ts';
import { initLoraAdapter } from '../../src/model/lora.ts';
import { startHub, type Served } from '../model/hub-server.ts';

const EMBEDDED = 'public/models/tiny-qwen3';
const DATA = 'tests/fixtures/data/recipe-demo.jsonl';
/** The embedded model's max_position_embeddings is 4096. */
const PAST_CONTEXT = ['--seq', '8192'];
const SEQ_REFUSAL = "--seq must be at most the model's 4096-token context (max_position_embeddings), got 8192";

/** The embedded model's config and tokenizer, with weights that are missing or not safetensors. */
function modelWithBadWeights(weights: 'missing' | 'damaged'): string {
  const dir = mkdtempSync(join(tmpdir(), `studio-bad-weights-${weights}-`));
  for (const name of ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json']) copyFileSync(join(EMBEDDED, name), join(dir, name));
  if (weights === 'damaged') writeFileSync(join(dir, 'model.safetensors'), 'not a safetensors file');
  return dir;
}

/** A PEFT adapter of a narrower model of the family: its tensors' shapes are not the embedded model's. */
function narrowAdapter(): string {
  const narrow = generateTinyModel({ ...TINY_QWEN3_DEFAULT, hiddenSize: 32, intermediateSize: 64, numHeads: 2, numKvHeads: 1 }).spec;
  const settings = { rank: 2, alpha: 4, useRsLora: false, dropout: 0, targets: ['q' as const] };
  const peft = exportPeftAdapter(narrow, initLoraAdapter(narrow, settings, 1), 'narrow');
  const adapter = mkdtempSync(join(tmpdir(), 'studio-narrow-adapter-'));
  writeFileSync(join(adapter, 'adapter_config.json'), peft.adapterConfigJson);
  writeFileSync(join(adapter, 'adapter_model.safetensors'), peft.adapterSafetensors);
  return adapter;
}

async function studio(...args: string[]): Promise<{ code: number; errors: string }> {
  const errors: string[] = [];
  const [error, log] = [console.error, console.log];
  console.error = (m: string) => errors.push(m);
  console.log = () => undefined;
  try {
    const code = await main([...args, '--quiet']);
    return { code, errors: errors.join('\n') };
  } finally {
    [console.error, console.log] = [error, log];
  }
}

const out = (name: string) => join(mkdtempSync(join(tmpdir(), 'studio-settings-first-')), name);

describe('settings refused before the weights are read', () => {
  it('the model folder really cannot load its weights (so a refusal of the settings came first)', async () => {
    const r = await studio('train', '--model', modelWithBadWeights('missing'), '--data', DATA, '--out', out('run'), '--seq', '320', '--steps', '1');
    expect(r.code).toBe(1);
    expect(r.errors).toMatch(/required file model\.safetensors is missing/);
  });

  it('studio train refuses a --seq past the context without reading missing weights', async () => {
    const r = await studio('train', '--model', modelWithBadWeights('missing'), '--data', DATA, '--out', out('run'), ...PAST_CONTEXT);
    expect(r.errors).toBe(`studio train: ${SEQ_REFUSAL}`);
    expect(r.code).toBe(2);
  });

  // 11 of recipe-demo's 14 examples are on the training side (the studio's split seed, 1234), each far over 16 tokens.
  const NOTHING_FITS = 'no training examples fit the sequence length 16 (11 too long): train with a longer one, or check the dataset';

  it('studio train refuses a --seq no training example fits without reading damaged weights', async () => {
    const r = await studio('train', '--model', modelWithBadWeights('damaged'), '--data', DATA, '--out', out('run'), '--seq', '16');
    expect(r.errors.split('\n').at(-1)).toBe(`studio train: ${NOTHING_FITS}`);
    // Each skipped example is named first, as the run named them.
    expect(r.errors).toMatch(/^note: example "demo-0002": \d+ tokens even with earlier turns left out .*over the 16-token limit; skipped$/m);
    expect(r.code).toBe(1);
  });

  it('studio ablate refuses a --seq no training example fits before any arm, without reading missing weights', async () => {
    const r = await studio('ablate', '--model', modelWithBadWeights('missing'), '--data', DATA, '--out', out('ablation'), '--seq', '16');
    expect(r.errors.split('\n').at(-1)).toBe(`studio ablate: ${NOTHING_FITS}`);
    expect(r.code).toBe(1);
  });

  it('studio hdr refuses a --seq past the context without reading damaged weights', async () => {
    const r = await studio('hdr', '--model', modelWithBadWeights('damaged'), '--data', DATA, '--out', out('hdr'), ...PAST_CONTEXT);
    expect(r.errors).toBe(`studio hdr: ${SEQ_REFUSAL}`);
    expect(r.code).toBe(2);
  });

  it('studio ablate refuses a --seq past the context without reading missing weights', async () => {
    const r = await studio('ablate', '--model', modelWithBadWeights('missing'), '--data', DATA, '--out', out('ablation'), ...PAST_CONTEXT);
    expect(r.errors).toMatch(new RegExp(`^studio ablate: ${SEQ_REFUSAL.replace(/[()]/g, '\\$&')}$`, 'm'));
    expect(r.code).toBe(2);
  });

  it('studio eval refuses an adapter of another model without reading missing weights', async () => {
    const r = await studio('eval', '--model', modelWithBadWeights('missing'), '--adapter', narrowAdapter(), '--data', DATA, '--split', 'all', '--out', out('preds.jsonl'));
    expect(r.errors).toMatch(/^studio eval: .*adapter_model\.safetensors: tensor "[^"]+" has shape \[2, 32\], but r=2 on Qwen3ForCausalLM needs \[2, 64\]$/);
    expect(r.code).toBe(1);
  });

  it('studio generate refuses --max-tokens past the context without reading missing weights', async () => {
    const r = await studio('generate', '--model', modelWithBadWeights('missing'), '--prompt', 'hello', '--max-tokens', '5000');
    expect(r.errors).toMatch(/^studio generate: the prompt is \d+ tokens; with --max-tokens 5000 that passes the model's 4096-token context \(max_position_embeddings\)/);
    expect(r.code).toBe(2);
  });

  it('studio generate refuses an adapter of another model without reading damaged weights', async () => {
    const r = await studio('generate', '--model', modelWithBadWeights('damaged'), '--adapter', narrowAdapter(), '--prompt', 'hello');
    expect(r.errors).toMatch(/^studio generate: .*adapter_model\.safetensors: tensor "[^"]+" has shape \[2, 32\], but r=2 on Qwen3ForCausalLM needs \[2, 64\]$/);
    expect(r.code).toBe(1);
  });

  it('studio export-onnx refuses --steps past the context, and an adapter of another model, without reading missing weights', async () => {
    const steps = await studio('export-onnx', '--model', modelWithBadWeights('missing'), '--out', out('onnx'), '--steps', '5000');
    expect(steps.errors).toMatch(/^studio export-onnx: --steps 5000: a check prompt of \d+ tokens and 5000 compared tokens pass the model's 4096-token context \(max_position_embeddings\); lower --steps or shorten --prompt$/);
    expect(steps.code).toBe(2);
    const adapter = await studio('export-onnx', '--model', modelWithBadWeights('damaged'), '--adapter', narrowAdapter(), '--out', out('onnx'));
    expect(adapter.errors).toMatch(/^studio export-onnx: .*adapter_model\.safetensors: tensor "[^"]+" has shape \[2, 32\], but r=2 on Qwen3ForCausalLM needs \[2, 64\]$/);
    expect(adapter.code).toBe(1);
  });

  describe('a hub model', () => {
    let hub: Served;
    beforeAll(async () => {
      const root = mkdtempSync(join(tmpdir(), 'studio-hub-repo-'));
      mkdirSync(join(root, 'tiny'));
      for (const name of ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json', 'model.safetensors']) copyFileSync(join(EMBEDDED, name), join(root, 'tiny', name));
      hub = await startHub({ 'test-org/tiny': join(root, 'tiny') });
    });
    afterAll(() => new Promise<void>((done) => hub.server.close(() => done())));

    it('studio train refuses a --seq past the context before asking the hub for the weights', async () => {
      const cache = mkdtempSync(join(tmpdir(), 'studio-hub-cache-'));
      const r = await studio('train', '--model', 'test-org/tiny', '--hub-base', hub.base, '--cache', cache, '--data', DATA, '--out', out('run'), ...PAST_CONTEXT);
      expect(r.errors).toBe(`studio train: ${SEQ_REFUSAL}`);
      expect(r.code).toBe(2);
      // The config and tokenizer were fetched; the weights were not even sized.
      expect(hub.log.some((l) => l.includes('tokenizer.json'))).toBe(true);
      expect(hub.log.filter((l) => l.includes('.safetensors'))).toEqual([]);
    });
  });
});
