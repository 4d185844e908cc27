// Test fixtures for snapshots: a tiny Qwen3 spec (vocab 97), a trained-looking adapter whose B
// tensors are non-zero, the matching trainer checkpoint bytes, a small dataset, and run.json content
// with a metric history of any length. Real objects throughout (no mocks): the same encoders the
// engine uses produce the checkpoint and the adapter.
import type { Example } from '../../src/data/example.ts';
import { datasetFingerprint } from '../../src/data/fingerprint.ts';
import { loraLayout } from '../../src/model/deviceLora.ts';
import { initLoraAdapter, type LoraAdapter } from '../../src/model/lora.ts';
import { tinyModelSpec, tinyTestOptions } from '../../src/model/tiny-model.ts';
import { encodeCheckpoint } from '../../src/train/checkpointFile.ts';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../../src/train/config.ts';
import { specSummary, type MetricPoint, type RunJson } from '../../src/snapshot/run-json.ts';
import type { SnapshotInput } from '../../src/snapshot/snapshot-file.ts';

export const spec = tinyModelSpec(tinyTestOptions('qwen3')); // hidden 64, 2 layers, q 64, kv 32, mlp 128
export const config: RunConfig = { ...DEFAULT_RUN_CONFIG, steps: 50, lora: { rank: 4, alpha: 8, useRsLora: false, dropout: 0, targets: ['q', 'v', 'down'] } };

/** An adapter as after training: A from PEFT init, B filled with small deterministic values. */
export function trainedAdapter(): LoraAdapter {
  const adapter = initLoraAdapter(spec, config.lora, 3);
  let k = 0;
  for (const [key, values] of adapter.tensors) {
    if (key.endsWith('lora_B.weight')) for (let i = 0; i < values.length; i++) values[i] = Math.sin(++k) * 0.01;
  }
  return adapter;
}

/** checkpointFile.ts bytes holding exactly `adapter` in the engine's flat layout. */
/** `trainSet`: the training set's count and digest, as checkpoints keep them since they were kept. */
export function checkpointFor(adapter: LoraAdapter, step = 40, trainSet: { trainExamples: number; trainDigest: string } | Record<string, never> = {}): Uint8Array {
  const layout = loraLayout(spec, config.lora);
  const loraParams = new Float32Array(layout.size);
  for (const slot of layout.order) loraParams.set(adapter.tensors.get(slot.key)!, slot.offset);
  const adamM = loraParams.map((v) => v * 0.1);
  const adamV = loraParams.map((v) => v * v);
  return encodeCheckpoint({ step, cursor: { epoch: 1, index: 3 }, ...trainSet, balance: { rule: 'grad', theta: { value: 0.84, m: 0.01, v: 0.0001, step } }, loraParams, adamM, adamV });
}

export function examples(n = 5): Example[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `ex-${i}`,
    tools: [{ name: 'add', description: 'Adds numbers', parameters: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] } }],
    messages: [{ role: 'user' as const, content: `add ${i} and 1` }],
    target: { reasoning: 'The user wants add.', calls: [{ name: 'add', arguments: { a: i, b: 1 } }] },
    source: 'openai' as const,
  }));
}

export function metricHistory(steps: number): MetricPoint[] {
  return Array.from({ length: steps }, (_, i) => {
    const step = i + 1;
    const t = step / steps;
    return {
      step,
      epoch: Math.floor(t * 3),
      loss: 2.5 * Math.exp(-3 * t) + 0.2 + 0.05 * Math.sin(step * 1.7),
      lossCot: 2.0 * Math.exp(-2 * t) + 0.3 + 0.04 * Math.cos(step * 0.9),
      lossCall: 3.0 * Math.exp(-4 * t) + 0.1 + 0.06 * Math.sin(step * 2.3),
      alpha: 0.7 - 0.3 * t,
      gradAlpha: 0.1 * Math.sin(step),
      lr: 2e-4 * 0.5 * (1 + Math.cos(Math.PI * t)),
      gradNorm: 1 + 0.3 * Math.sin(step * 0.37),
      tokensPerSecond: 1500 + 100 * Math.sin(step * 0.11),
      cotTokens: 350,
      callTokens: 30,
      tokens: 1024,
      millis: 640,
    };
  });
}

export async function runJson(steps = 50, dataset = examples()): Promise<Omit<RunJson, 'schema' | 'exportedAt'> & { exportedAt: number }> {
  return {
    exportedAt: 1_764_000_000_000,
    run: { id: 'run-1', name: 'tiny ssb run', createdAt: 1_763_900_000_000, status: 'done', lastStep: steps },
    config: { ...config, steps },
    model: { ref: 'embedded:tiny-qwen3', spec: specSummary(spec) },
    dataset: { name: 'adds', fingerprint: await datasetFingerprint(dataset), examples: dataset.length, train: dataset.length - 1, eval: 1, split: { seed: 1234, evalFraction: 0.1 } },
    metrics: metricHistory(steps),
    evalMetrics: Array.from({ length: Math.floor(steps / 10) }, (_, i) => ({ step: (i + 1) * 10, evalLoss: 1.5 - i * 0.01, evalLossCot: 1.2, evalLossCall: 1.9 })),
    hdrRounds: [
      { round: 1, poolSize: 40, sampled: 120, passRate: 0.25, accepted: 30, step: 30 },
      { round: 2, poolSize: 10, sampled: 30, passRate: 0.4, accepted: 12, step: 40 },
    ],
    evaluation: { step: 40, split: 'eval', examples: 20, astAccuracy: 0.85, parseRate: 0.95, byCategory: { simple: 0.9, parallel: 0.7 } },
  };
}

export async function fullInput(): Promise<SnapshotInput> {
  const adapter = trainedAdapter();
  return { run: await runJson(), adapter: { spec, adapter }, checkpoint: checkpointFor(adapter), dataset: examples() };
}
