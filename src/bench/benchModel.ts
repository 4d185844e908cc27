// Random models for the benchmark: the shape and magnitudes of a real checkpoint in the hub layout,
// built in seconds (the tiny-model generator's per-element Gaussians take minutes at 0.5B). Values
// are uniform with the configured std, written as bf16 bits straight into the safetensors bytes from
// one random block tiled over each tensor; norms are 1, biases 0. Speed cases only: never a test
// fixture (model/tiny-model.ts is the reproducible one). Built once per shape in a process.
import { specToConfigJson, weightManifest } from '../model/config.ts';
import { encodeSafetensors, type TensorToWrite } from '../model/safetensors.ts';
import { tinyModelSpec, type TinyModelFiles, type TinyModelOptions } from '../model/tiny-model.ts';

const BLOCK = 1 << 20; // distinct values per tensor pattern

function uniformBf16Block(std: number, seed: number): Uint16Array {
  const out = new Uint16Array(BLOCK);
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  const a = std * Math.sqrt(3); // U(-a, a) has standard deviation std
  let s = seed >>> 0 || 1;
  for (let i = 0; i < BLOCK; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    f[0] = ((s >>> 0) / 4294967296 * 2 - 1) * a;
    out[i] = u[0] >>> 16;
  }
  return out;
}

function filled(count: number, block: Uint16Array, offset: number): Uint8Array {
  const halves = new Uint16Array(count);
  for (let at = 0; at < count; at += BLOCK) {
    const n = Math.min(BLOCK, count - at);
    // A different starting point per tensor so no two weights are identical.
    const start = offset % (BLOCK - n + 1);
    halves.set(block.subarray(start, start + n), at);
  }
  return new Uint8Array(halves.buffer);
}

const cache = new Map<string, TinyModelFiles>();

export function benchModel(o: TinyModelOptions): TinyModelFiles {
  const key = JSON.stringify(o);
  const hit = cache.get(key);
  if (hit) return hit;
  const spec = tinyModelSpec(o);
  const block = uniformBf16Block(o.initStd, o.seed);
  const one = 0x3f80; // bf16 1.0
  const tensors: TensorToWrite[] = weightManifest(spec).map((w, i) => {
    const count = w.shape.reduce((x, y) => x * y, 1);
    let data: Uint8Array;
    if (w.name.endsWith('norm.weight')) data = new Uint8Array(new Uint16Array(count).fill(one).buffer);
    else if (w.name.endsWith('.bias')) data = new Uint8Array(count * 2);
    else data = filled(count, block, i * 7919);
    return { name: w.name, dtype: 'BF16', shape: w.shape, data };
  });
  const files = new Map<string, string | Uint8Array>();
  files.set('config.json', JSON.stringify(specToConfigJson(spec, { initializer_range: o.initStd })) + '\n');
  files.set('model.safetensors', encodeSafetensors(tensors, { format: 'pt' }));
  const model = { spec, files };
  cache.set(key, model);
  return model;
}
