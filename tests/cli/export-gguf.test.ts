// `studio export-gguf` as a user runs it: a studio training run's folder as the adapter, one GGUF
// out, checked in llama.cpp; and the refusals that keep an existing file and never leave half of one.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { studioInProcess } from '../helpers/studioInProcess.ts';
import { tinyModelMap } from '../helpers/tinyEngine.ts';
import type { GgufCheckReport } from '../../src/export/ggufCheck.ts';

function modelDir(root: string): string {
  const dir = join(root, 'model');
  mkdirSync(dir);
  for (const [name, data] of tinyModelMap()) writeFileSync(join(dir, name), data);
  return dir;
}

describe('studio export-gguf', () => {
  it('merges a trained run\'s adapter into one GGUF that llama.cpp runs as the engine does', { timeout: 180_000 }, async () => {
    const root = mkdtempSync(join(tmpdir(), 'studio-gguf-'));
    const model = modelDir(root);
    const run = join(root, 'run');
    const trained = await studioInProcess(['train', '--model', model, '--data', 'public/demo/demo-dataset.jsonl', '--out', run, '--steps', '2', '--batch', '1', '--seq', '320', '--rank', '2', '--eval-every', '0', '--quiet']);
    expect(trained.code, trained.err).toBe(0);
    const out = join(root, 'tiny.gguf');

    const r = await studioInProcess(['export-gguf', '--model', model, '--adapter', run, '--out', out, '--type', 'f32', '--tokens', '12', '--json']);
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out.trim().split('\n').at(-1)!) as GgufCheckReport;
    expect(report).toMatchObject({ type: 'f32', tokenizerEqual: true, topDisagreements: 0, passed: true });
    expect(report.texts).toHaveLength(3);
    expect(report.maxGapDiff).toBeLessThan(1e-4);
    expect(readFileSync(out).subarray(0, 4).toString()).toBe('GGUF');
    expect(readdirSync(root).sort()).toEqual(['model', 'run', 'tiny.gguf']);

    // Without --force the file stays as it is; with it, a Q8_0 file replaces it (its matrices a quarter of f32's).
    const f32Bytes = statSync(out).size;
    const again = await studioInProcess(['export-gguf', '--model', model, '--out', out]);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/--out .*tiny\.gguf exists; pass --force to replace it/);
    expect(statSync(out).size).toBe(f32Bytes);
    const q8 = await studioInProcess(['export-gguf', '--model', model, '--adapter', run, '--out', out, '--force', '--no-check', '--quiet']);
    expect(q8.code, q8.err).toBe(0);
    expect(q8.out).toMatch(/exported .*tiny\.gguf: [\d.]+ MiB, 24 tensors as q8_0, LoRA merged, llama\.cpp pre-tokenizer qwen2/);
    expect(statSync(out).size / f32Bytes).toBeGreaterThan(0.25);
    expect(statSync(out).size / f32Bytes).toBeLessThan(0.5); // the tokenizer's 2.5 MB is in both

    // Q4_K_M: llama-quantize's mix. The embedded model's rows of 64 are not whole 256-value
    // K-quant blocks, so it falls back as llama-quantize does (tests/export/gguf-kquant.test.ts
    // compares the bytes with llama.cpp's).
    const q4 = await studioInProcess(['export-gguf', '--model', model, '--adapter', run, '--out', join(root, 'tiny-q4.gguf'), '--type', 'q4_k_m', '--no-check', '--quiet']);
    expect(q4.code, q4.err).toBe(0);
    expect(q4.out).toMatch(/exported .*tiny-q4\.gguf: [\d.]+ MiB, 24 tensors as q4_k_m \(12 Q5_0, 3 Q8_0, 9 F32\), LoRA merged/);
    // Why, in the words the Runs panel says it beside its buttons (this tiny model's rows are 32 and 64 long).
    expect(q4.out).toMatch(/\nThis model's weights cannot be stored as Q6_K or Q4_K \(their rows are 32 or 64 values long, not a multiple of 256\), so they are stored as Q8_0 and Q5_0: the file is (about as large as Q8_0's|\d+% smaller than Q8_0's)\.\n/);
    expect(statSync(join(root, 'tiny-q4.gguf')).size).toBeLessThan(statSync(out).size);
    rmSync(join(root, 'tiny-q4.gguf'));

    // The adapter alone: a small file of its tensors, which llama.cpp applies over the base model.
    const lora = join(root, 'run-lora.gguf');
    const alone = await studioInProcess(['export-gguf', '--model', model, '--adapter', run, '--adapter-only', '--out', lora, '--no-check']);
    expect(alone.code, alone.err).toBe(0);
    expect(alone.out).toMatch(/exported .*run-lora\.gguf: [\d.]+ MiB, the LoRA adapter alone \(\d+ tensors, f32, alpha [\d.]+ for rank 2\)/);
    expect(statSync(lora).size).toBeLessThan(statSync(out).size / 10);
  });

  it('refuses a folder as --out, a missing folder, and a type it does not write, before any work', async () => {
    const root = mkdtempSync(join(tmpdir(), 'studio-gguf-bad-'));
    const cases: Array<[string[], RegExp]> = [
      [['--out', root], /--out .* is a folder; give the file to write, such as .*model\.gguf/],
      [['--out', join(root, 'nowhere', 'x.gguf')], /the folder .*nowhere does not exist/],
      [['--out', join(root, 'x.gguf'), '--type', 'q4_k'], /--type must be one of q8_0, q6_k, q5_k_m, q4_k_m, f16, f32, got q4_k/],
      [['--out', join(root, 'x.gguf'), '--adapter-only'], /--adapter-only writes the adapter alone: give it with --adapter/],
      [['--out', join(root, 'x.gguf'), '--tokens', '5000'], /--tokens 5000 is past the model's 4096-token context \(max_position_embeddings\)/],
      [['--out', join(root, 'x.gguf'), '--adapter-only', '--adapter', root, '--type', 'f16'], /--adapter-only writes the adapter as trained \(f32\); --type is for the whole model/],
    ];
    for (const [args, message] of cases) {
      const r = await studioInProcess(['export-gguf', '--model', 'public/models/tiny-qwen3', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toMatch(message);
    }
    expect(existsSync(join(root, 'x.gguf'))).toBe(false);
  });
});
