// Runs kept before the jobs layer still open in both stores (no GPU needed): a version-2 database
// whose training run has no `kind` upgrades and resumes from its checkpoint with the metric rows
// past it dropped, its adapter derived from that checkpoint; a run folder as `studio train` wrote
// it (run.json without status, metrics.jsonl, checkpoint.safetensors, the PEFT adapter) resumes the
// same way, gives back its adapter, and keeps its file formats when written again. Both hold a
// checkpoint as it was written before balance rules (the grad rule's θ as `theta`, no `balance`,
// no checksum), which resumes as the grad rule with that θ. Rows older versions left for runs and
// datasets that are gone are swept.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Dexie from 'dexie';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { declareSchema, StudioDb } from '../../src/data/db.ts';
import { generateTinyModel, TINY_QWEN3_DEFAULT } from '../../src/model/tiny-model.ts';
import { loraLayout } from '../../src/model/deviceLora.ts';
import { initLoraAdapter, type LoraSettings } from '../../src/model/lora.ts';
import { exportPeftAdapter, ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE } from '../../src/model/peft.ts';
import { encodeSafetensors } from '../../src/model/safetensors.ts';
import { DEFAULT_RUN_CONFIG } from '../../src/train/config.ts';
import type { TrainerState } from '../../src/train/trainer.ts';
import { DexieRunStore, readRun, removeOrphanRows } from '../../src/jobs/store/dexie.ts';
import { CHECKPOINT_FILE, METRICS_FILE, RunFolderStore } from '../../src/jobs/store/folder.ts';

const { spec } = generateTinyModel({ ...TINY_QWEN3_DEFAULT, hiddenSize: 32, intermediateSize: 64, numHeads: 2, numKvHeads: 1, headDim: 16 });
const lora: LoraSettings = { ...DEFAULT_RUN_CONFIG.lora, rank: 2, alpha: 4 };
const config = { ...DEFAULT_RUN_CONFIG, steps: 4, lora };

/** A trainer state at step 2 whose LoRA parameters count up (so the adapter read back is checkable). */
function stateAtStep2(): TrainerState {
  const n = loraLayout(spec, lora).size;
  return { step: 2, cursor: { epoch: 0, index: 2 }, balance: { rule: 'grad', theta: { value: 0.8, m: 0.01, v: 0.001, step: 2 } }, loraParams: Float32Array.from({ length: n }, (_, i) => i / n), adamM: new Float32Array(n), adamV: new Float32Array(n) };
}

/** The checkpoint format before balance rules and checksums: θ alone under "theta". */
function olderCheckpoint(s: TrainerState): Uint8Array {
  const f32 = (a: Float32Array) => new Uint8Array(a.buffer.slice(0));
  const theta = s.balance.rule === 'grad' ? s.balance.theta : null;
  return encodeSafetensors(
    [['lora.params', s.loraParams], ['adam.m', s.adamM], ['adam.v', s.adamV]].map(([name, a]) => ({ name: name as string, dtype: 'F32' as const, shape: [(a as Float32Array).length], data: f32(a as Float32Array) })),
    { format: 'balancesft-checkpoint', step: String(s.step), cursor: JSON.stringify(s.cursor), theta: JSON.stringify(theta) },
  );
}

const metric = (step: number) => ({ step, loss: 3 - step / 10, lossCot: 3, lossCall: 2, alpha: 0.7 });

describe('older runs in the run stores', () => {
  it('a version-2 database: the run upgrades to a typed training row and resumes from its checkpoint', async () => {
    const name = `older-dexie-${Date.now()}`;
    const v2 = new Dexie(name, { indexedDB, IDBKeyRange });
    declareSchema(v2, 2);
    await v2.table('runs').add({ id: 'old-run', datasetId: 'd', status: 'paused', createdAt: 1, updatedAt: 1, config, name: 'before v3', lastStep: 4 });
    await v2.table('metrics').bulkAdd([1, 2, 3, 4].map((step) => ({ runId: 'old-run', step, values: metric(step) })));
    const bytes = olderCheckpoint(stateAtStep2());
    await v2.table('checkpoints').add({ runId: 'old-run', step: 2, createdAt: 1, blobs: { checkpoint: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) } });
    v2.close();

    const db = new StudioDb(name, { indexedDB, IDBKeyRange });
    expect(await readRun(db, 'old-run')).toMatchObject({ kind: 'train', config: { steps: 4, lora: { rank: 2 } } });
    const store = new DexieRunStore(db, 'old-run');
    const state = await store.openHistory(true);
    expect(state?.step).toBe(2);
    expect(state?.balance).toMatchObject({ rule: 'grad', theta: { value: expect.closeTo(0.8, 6) } });
    expect((await db.metrics.where('runId').equals('old-run').sortBy('step')).map((r) => r.step)).toEqual([1, 2]);
    const adapter = await store.readAdapter(spec);
    expect(adapter.settings).toEqual(lora);
    expect([...adapter.tensors.values()].flatMap((t) => [...t]).sort((a, b) => a - b).at(-1)).toBeGreaterThan(0.99);
    db.close();
  });

  it('a run resumed before its first checkpoint starts its history again instead of keeping the dead attempt’s rows', async () => {
    const db = new StudioDb(`no-checkpoint-${Date.now()}`, { indexedDB, IDBKeyRange });
    await db.runs.add({ id: 'r', datasetId: 'd', kind: 'train', status: 'paused', createdAt: 1, updatedAt: 1, config, name: 'no checkpoint yet', lastStep: 3 });
    await db.metrics.bulkAdd([1, 2, 3].map((step) => ({ runId: 'r', step, values: metric(step) })));
    await db.metrics.add({ runId: 'other', step: 1, values: metric(1) });
    expect(await new DexieRunStore(db, 'r').openHistory(true)).toBeNull();
    expect(await db.metrics.where('runId').equals('r').count()).toBe(0);
    expect(await db.metrics.where('runId').equals('other').count()).toBe(1);
    db.close();
  });

  it('removes metrics, checkpoints and predictions of runs that are gone and hard cases and token counts of datasets that are gone, and nothing else', async () => {
    const db = new StudioDb(`orphans-${Date.now()}`, { indexedDB, IDBKeyRange });
    await db.runs.add({ id: 'live', datasetId: 'd', kind: 'train', status: 'running', createdAt: 1, updatedAt: 1, config, name: 'live' });
    await db.datasets.add({ id: 'd', name: 'd', createdAt: 1, exampleCount: 0, fingerprint: 'x', split: { seed: 1, evalFraction: 0.1 } } as never);
    await db.metrics.bulkAdd([1, 2].flatMap((step) => ['live', 'gone'].map((runId) => ({ runId, step, values: metric(step) }))));
    await db.checkpoints.bulkAdd(['live', 'gone'].map((runId) => ({ runId, step: 2, createdAt: 1, blobs: {} })));
    await db.hardCases.bulkAdd(['d', 'deleted'].map((datasetId) => ({ id: `${datasetId}:a`, datasetId, exampleId: 'a', round: 0, failedOutputs: [], status: 'open', createdAt: 1 }) as never));
    await db.tokenizerCounts.bulkAdd(['d', 'deleted'].map((datasetId) => ({ datasetId, tokenizer: 't', ids: ['a'], counts: new Int32Array(5), countedAt: 1 })));
    await db.predictions.bulkAdd(['live', 'gone'].map((runId) => ({ runId, predictions: [] })));
    expect(await removeOrphanRows(db)).toEqual({ metrics: 2, checkpoints: 1, hardCases: 1, tokenCounts: 1, predictions: 1 });
    expect(await db.predictions.toCollection().primaryKeys()).toEqual(['live']);
    expect(await db.tokenizerCounts.toCollection().primaryKeys()).toEqual([['d', 't']]);
    expect((await db.metrics.toArray()).map((r) => r.runId)).toEqual(['live', 'live']);
    expect((await db.checkpoints.toArray()).map((r) => r.runId)).toEqual(['live']);
    expect((await db.hardCases.toArray()).map((r) => r.datasetId)).toEqual(['d']);
    db.close();
  });

  it('a run folder as studio train wrote it: resumes, gives back its adapter, and keeps its formats', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'older-folder-'));
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ model: 'tiny', data: ['demo.jsonl'], config, examples: { train: 10, eval: 1 } }, null, 2) + '\n');
    const lines = [1, 2, 3].flatMap((step) => [JSON.stringify({ kind: 'train', ...metric(step) }), ...(step === 2 ? [JSON.stringify({ kind: 'eval', step, evalLoss: 2.5, evalLossCot: 2.6, evalLossCall: 2.4 })] : [])]);
    writeFileSync(join(dir, METRICS_FILE), lines.join('\n') + '\n');
    writeFileSync(join(dir, CHECKPOINT_FILE), olderCheckpoint(stateAtStep2()));
    const peft = exportPeftAdapter(spec, initLoraAdapter(spec, lora, 7), 'tiny');
    writeFileSync(join(dir, ADAPTER_CONFIG_FILE), peft.adapterConfigJson);
    writeFileSync(join(dir, ADAPTER_WEIGHTS_FILE), peft.adapterSafetensors);

    const store = new RunFolderStore(dir, { model: 'tiny', data: ['demo.jsonl'] });
    expect(store.hasCheckpoint()).toBe(true);
    const resumed = await store.openHistory(true);
    expect(resumed?.step).toBe(2);
    expect(resumed?.balance).toEqual({ rule: 'grad', theta: { value: 0.8, m: 0.01, v: 0.001, step: 2 } });
    const kept = readFileSync(join(dir, METRICS_FILE), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(kept.map((l) => `${l.kind}:${l.step}`)).toEqual(['train:1', 'train:2', 'eval:2']);
    expect((await store.readAdapter(spec)).settings).toEqual(lora);

    // Written again: the same line formats, and run.json with its keys in their old order.
    await store.addMetric({ ...metric(3), epoch: 0, gradAlpha: 1, lr: 1e-3, gradNorm: 1, tokensPerSecond: 10, cotTokens: 5, callTokens: 3, tokens: 8, millis: 1 });
    expect(JSON.parse(readFileSync(join(dir, METRICS_FILE), 'utf8').trim().split('\n').at(-1)!)).toMatchObject({ kind: 'train', step: 3, loss: 2.7 });
    await store.recordSetup({ config, examples: { train: 10, eval: 1, tooLong: 0 }, memory: { weights: 1, lora: 2, activations: 3 }, gpuAdapter: { vendor: 'v', architecture: 'a', device: 'd', description: 'x', isSoftware: true, subgroupMinSize: 0, subgroupMaxSize: 0, subgroupMatrixConfigs: [] } });
    await store.setStatus('done', { lastStep: 4 });
    expect(Object.keys(JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')))).toEqual(['model', 'data', 'config', 'examples', 'memory', 'adapter', 'status', 'lastStep']);
  });
});
