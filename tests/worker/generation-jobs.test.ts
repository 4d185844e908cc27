// The worker's generation requests in-thread on Dawn: an evaluation stores an eval run with every
// prediction, the playground streams `generation` events and returns parsed calls, jobs refuse to
// run beside each other, and a training run's adapter is what an evaluation loads.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { EXAMPLE_SPLIT, splitOf } from '../../src/data/split.ts';
import { StudioDb } from '../../src/data/db.ts';
import { saveDataset } from '../../src/data/dataset-store.ts';
import { importDatasetFiles } from '../../src/data/import-dataset.ts';
import { generateTinyModel } from '../../src/model/tiny-model.ts';
import { NARROW, tinyModelFiles, tinyModelMap } from '../helpers/tinyEngine.ts';
import { unzipSync } from 'fflate';
import { weightManifest } from '../../src/model/config.ts';
import { streamTensors } from '../../src/model/safetensors.ts';
import { nodeGpu } from '../../src/gpu/nodeGpu.ts';
import { StudioEngine } from '../../src/worker/engine.ts';
import { DexieRunStore, storedExamples } from '../../src/jobs/store/dexie.ts';
import { evaluationSample } from '../../src/jobs/data.ts';
import type { WorkerEvent } from '../../src/worker/protocol.ts';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../../src/train/config.ts';
import type { EvalRunRow } from '../../src/hdr/index.ts';
import type { Example } from '../../src/data/example.ts';
import { playgroundResult } from '../../src/worker/playground.ts';
import { checkPrediction } from '../../src/eval/index.ts';
import { oneTensorGguf } from '../helpers/ggufHeader.ts';
import { readImportanceMatrix } from '../../src/export/importanceMatrix.ts';
import { readGgufHeader } from '../../src/export/ggufReadBack.ts';
import { isSourceKey, readGgufSources } from '../../src/export/ggufSources.ts';
import { accuracyIntervalText } from '../../src/eval/accuracyInterval.ts';
import { blobSource, memorySource } from '../../src/model/byte-source.ts';
import { startFakeHubWrites } from '../helpers/fakeHubWrites.mjs';



// Training on SwiftShader takes minutes when the CPU is shared: a long timeout, as the ONNX job test has.
describe('worker engine: generation jobs', () => {
  it('evaluates with a run adapter, streams a playground answer, and keeps jobs exclusive', { timeout: 600_000 }, async () => {
    const db = new StudioDb(`gen-jobs-${Date.now()}`, { indexedDB, IDBKeyRange });
    const imported = await importDatasetFiles([{ name: 'demo.jsonl', blob: new Blob([readFileSync('public/demo/demo-dataset.jsonl')]) }]);
    // With a held-out question asked again on the training side (another id, the same conversation and
    // tools): a dataset split example by example, as those stored before splits went by question.
    const first60 = imported.examples.slice(0, 60);
    const heldOutQuestion = evaluationSample(first60.filter((e) => splitOf(e.id, EXAMPLE_SPLIT) === 'eval'), 4)[0];
    const twinId = Array.from({ length: 50 }, (_, i) => `twin-${i}`).find((id) => splitOf(id, EXAMPLE_SPLIT) === 'train')!;
    const dataset = await saveDataset(db, { name: 'demo', examples: [...first60, { ...heldOutQuestion, id: twinId }], files: imported.files, split: EXAMPLE_SPLIT });
    const events: WorkerEvent[] = [];
    const engine = new StudioEngine(await nodeGpu(), (e) => events.push(e), db);
    await engine.handlers.loadModel({ source: { kind: 'files', files: tinyModelFiles(), label: 'tiny' } }, () => undefined);

    // A one-step run leaves a checkpoint whose adapter the evaluation loads.
    const config: RunConfig = { ...DEFAULT_RUN_CONFIG, steps: 1, batchSize: 1, seqLen: 320, evalEvery: 1, evalExamples: 1, checkpointEvery: 1, warmupSteps: 0, lora: { ...DEFAULT_RUN_CONFIG.lora, rank: 2, alpha: 4 } };
    await db.runs.put({ id: 'run-1', datasetId: dataset.id, kind: 'train', status: 'created', createdAt: 1, updatedAt: 1, config, name: 'one step' });
    expect(await engine.handlers.startRun({ runId: 'run-1', resume: false }, () => undefined)).toMatchObject({ status: 'done', step: 1 });
    // The eval step also measured the per-token loss strip of a held-out example.
    const strip = events.find((e) => e.type === 'run-token-loss');
    expect(strip).toBeDefined();
    const s = (strip as Extract<WorkerEvent, { type: 'run-token-loss' }>).strip;
    expect(s.step).toBe(1);
    expect(s.tokens.length).toBeGreaterThan(5);
    expect(s.tokens).toHaveLength(s.nll.length);
    expect(new Set(s.segments)).toEqual(new Set([1, 2]));
    // A random tiny model: every token's NLL is near ln(vocab) ≈ 11.9, never NaN or 0.
    expect(s.nll.every((x) => x > 5 && x < 20)).toBe(true);
    expect(((await db.runs.get('run-1')) as { tokenLoss?: unknown }).tokenLoss).toEqual(s);
    const { spec } = generateTinyModel(NARROW);
    const adapter = await new DexieRunStore(db, 'run-1').readAdapter(spec);
    expect(adapter.settings.rank).toBe(2);
    expect([...adapter.tensors.values()].some((t) => t.some((x) => x !== 0))).toBe(true);

    const progress: number[] = [];
    const evaluated = await engine.handlers.evaluate({ datasetId: dataset.id, runId: 'run-1', limit: 4, maxNewTokens: 4, batchSize: 2 }, (p) => progress.push(p.done));
    expect(evaluated.summary.total).toBe(4);
    expect(progress.at(-1)).toBe(4);
    const row = (await db.runs.get(evaluated.evalRunId)) as EvalRunRow;
    expect(row.kind).toBe('eval');
    const answers = (await db.predictions.get(evaluated.evalRunId))!.predictions;
    expect(answers).toHaveLength(4);
    // The limit takes each category in its share, not the first examples of the held-out side.
    const heldOut = (await storedExamples(db, dataset.id)).eval;
    expect(answers.map((p) => p.exampleId).sort()).toEqual(evaluationSample(heldOut, 4).map((e) => e.id).sort());
    expect(evaluationSample(heldOut, 4)).not.toEqual(heldOut.slice(0, 4));
    expect(answers.every((p) => p.generatedTokens > 0 && p.generatedTokens <= 4)).toBe(true);
    // A held-out question the training side also asks (the demo data repeats some word for word) is marked, and counted apart.
    const stored = await storedExamples(db, dataset.id);
    const { promptKey } = await import('../../src/data/prompt-key.ts');
    const trainedAsks = new Set(stored.train.map(promptKey));
    const asked = evaluationSample(heldOut, 4).filter((e) => trainedAsks.has(promptKey(e))).map((e) => e.id);
    expect(answers.filter((p) => p.askedInTraining).map((p) => p.exampleId).sort()).toEqual(asked.sort());
    expect(asked).toEqual([heldOutQuestion.id]);
    expect(evaluated.summary.asked?.inTraining.total).toBe(1);
    // The job's buffers are gone, and with them every bind group that bound them.
    expect((await engine.device()).recorder.cachedBindGroups).toBe(0);

    // The run's GGUF export evaluated: its F32 weights (the adapter merged in) answer as the
    // adapter did, the adapter not applied a second time; the row says which file answered.
    const { file: f32 } = await engine.handlers.exportGguf({ runId: 'run-1', type: 'f32' }, () => undefined);
    const fromFile = await engine.handlers.evaluate({ datasetId: dataset.id, runId: 'run-1', limit: 4, maxNewTokens: 4, batchSize: 2, gguf: { file: f32, fileName: 'one-step-f32.gguf' } }, () => undefined);
    const fileRow = (await db.runs.get(fromFile.evalRunId)) as EvalRunRow;
    expect(fileRow).toMatchObject({ name: 'eval of “one-step-f32.gguf” on 4 examples', config: { adapterRunId: 'run-1', lora: null, gguf: { fileName: 'one-step-f32.gguf', bytes: f32.size, fileType: 'F32' } } });
    const fileAnswers = (await db.predictions.get(fromFile.evalRunId))!.predictions;
    expect(fileAnswers.map((p) => [p.exampleId, p.output])).toEqual(answers.map((p) => [p.exampleId, p.output]));
    // Q4_K_M rounded with an importance matrix of the run's training examples: the file names the
    // matrix (quantize.imatrix.*), which comes back as llama-imatrix's file. (Its Check it over the
    // held-out conversations runs in the e2e demo.)
    const labels = new Set<string>();
    const q4 = await engine.handlers.exportGguf({ runId: 'run-1', type: 'q4_k_m', importance: true }, (p) => labels.add(p.label));
    expect(labels).toContain('running the model over the examples for the importance matrix');
    const trainSide = (await storedExamples(db, dataset.id)).train.length;
    expect(q4.importance).toMatchObject({ fileName: 'one-step.imatrix.gguf', datasetName: 'demo' });
    expect(q4.importance!.examples).toBeGreaterThan(trainSide / 2);
    expect(q4.importance!.examples).toBeLessThanOrEqual(trainSide);
    const matrix = await readImportanceMatrix(blobSource(q4.importance!.file, 'one-step.imatrix.gguf'));
    expect(matrix.entries.size).toBe(7 * spec.numLayers);
    expect(matrix.datasets).toEqual([`demo: ${q4.importance!.examples} training examples`]);
    const q4Header = await readGgufHeader(blobSource(q4.file, 'q4.gguf'), ['quantize.imatrix.file', 'quantize.imatrix.entries_count']);
    expect(Object.fromEntries(q4Header.values)).toEqual({ 'quantize.imatrix.file': 'one-step.imatrix.gguf', 'quantize.imatrix.entries_count': 7 * spec.numLayers });
    // The same run in another K-quant rounds with the same matrix, not collected again: the model is
    // not run over the examples a second time, and the file's matrix is byte for byte the first's.
    const q5Labels = new Set<string>();
    const q5 = await engine.handlers.exportGguf({ runId: 'run-1', type: 'q5_k_m', importance: true }, (p) => q5Labels.add(p.label));
    expect([...q5Labels].filter((l) => l.includes('importance matrix'))).toEqual([]);
    expect(q5.importance).toMatchObject({ examples: q4.importance!.examples, tokens: q4.importance!.tokens });
    expect(Buffer.from(await q5.importance!.file.arrayBuffer()).equals(Buffer.from(await q4.importance!.file.arrayBuffer()))).toBe(true);
    expect(q5).not.toHaveProperty('collected');
    // The run's model as a Hugging Face folder, zipped under the run's name: the model's own files
    // beside it, every adapted weight changed and every other tensor the model's bytes.
    const mergeLabels = new Set<string>();
    const merged = await engine.handlers.exportMerged({ runId: 'run-1' }, (p) => mergeLabels.add(p.label));
    expect(merged).toMatchObject({ folder: 'one-step-merged', merged: 7 * spec.numLayers, weightFiles: 1, adapterStep: 1, runStep: 1 });
    expect([...mergeLabels].at(-1)).toBe(`merging the adapter into the weights (${weightManifest(spec).length} of ${weightManifest(spec).length} tensors)`);
    const unzipped = unzipSync(new Uint8Array(await merged.zip.arrayBuffer()));
    expect(Object.keys(unzipped).sort()).toEqual(['README.md', 'config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'].map((n) => `one-step-merged/${n}`));
    const modelMap = tinyModelMap();
    expect(new TextDecoder().decode(unzipped['one-step-merged/config.json'])).toBe(modelMap.get('config.json'));
    const before = new Map<string, Uint8Array>();
    for await (const t of streamTensors(memorySource(modelMap.get('model.safetensors') as Uint8Array, 'model.safetensors'))) before.set(t.name, t.bytes);
    let changed = 0;
    for await (const t of streamTensors(memorySource(unzipped['one-step-merged/model.safetensors'], 'merged'))) {
      const same = Buffer.from(t.bytes).equals(Buffer.from(before.get(t.name)!));
      if (/\.(q|k|v|o|gate|up|down)_proj\.weight$/.test(t.name)) changed += same ? 0 : 1;
      else expect(same, t.name).toBe(true);
    }
    expect(changed).toBe(7 * spec.numLayers);
    expect(new TextDecoder().decode(unzipped['one-step-merged/README.md'])).toContain('the LoRA adapter of the BalanceSFT Studio run "one step" merged into its weights');

    // Pushed to a Hub: the same merged folder file for file (its card naming the repo), and the
    // adapter as exportAdapter writes it with a model card; a token that may not write is refused by name.
    const { hub, close } = await startFakeHubWrites({ users: { hf_w: { name: 'ada' }, hf_r: { name: 'ada', role: 'read' } } });
    try {
      const pushLabels = new Set<string>();
      const pushedMerged = await engine.handlers.pushToHub({ runId: 'run-1', what: 'merged', repo: 'one-step-merged', token: 'hf_w', private: false, baseUrl: hub.base }, (p) => pushLabels.add(p.label.replace(/\(.*\)/, '')));
      expect(pushedMerged).toMatchObject({ repo: 'ada/one-step-merged', created: true, adapterStep: 1, runStep: 1 });
      expect([...pushLabels]).toEqual(expect.arrayContaining(['merging the adapter into the weights ', 'checking the token and the repo', 'hashing model.safetensors', 'committing']));
      for (const [name, bytes] of Object.entries(unzipped)) {
        const file = name.replace('one-step-merged/', '');
        if (file === 'README.md') expect(hub.file('ada/one-step-merged', file).toString()).toContain('AutoModelForCausalLM.from_pretrained("ada/one-step-merged")');
        else expect(hub.file('ada/one-step-merged', file).equals(Buffer.from(bytes)), file).toBe(true);
      }
      // Its dataset pushed to (or imported from) a Hub dataset repo: the cards link it from now on.
      await db.datasets.update(dataset.id, { hubRepo: 'ada/demo-calls' });
      // A GGUF export records it from now on, as convert_hf_to_gguf.py records a card's datasets
      // (studio push of the file reads it back for its card).
      const adapterGguf = await engine.handlers.exportGgufAdapter({ runId: 'run-1' }, () => undefined);
      expect(readGgufSources((await readGgufHeader(blobSource(adapterGguf.file, 'one-step-lora.gguf'), isSourceKey)).values)).toEqual({ datasets: ['ada/demo-calls'] });
      expect(hub.file('ada/one-step-merged', 'README.md').toString()).not.toContain('datasets:');
      const pushedAdapter = await engine.handlers.pushToHub({ runId: 'run-1', what: 'adapter', repo: 'ada/one-step', token: 'hf_w', private: true, baseUrl: hub.base }, () => undefined);
      expect(pushedAdapter.files.map((f) => [f.path, f.lfs])).toEqual([['adapter_config.json', false], ['adapter_model.safetensors', true], ['README.md', false]]);
      const own = await engine.handlers.exportAdapter({ runId: 'run-1' }, () => undefined);
      expect(hub.file('ada/one-step', 'adapter_model.safetensors').equals(Buffer.from(own.weights))).toBe(true);
      expect(hub.file('ada/one-step', 'adapter_config.json').toString()).toBe(own.configJson);
      const card = hub.file('ada/one-step', 'README.md').toString();
      expect(card).toMatch(/# one-step\n\nA LoRA adapter, trained for function calling with BalanceSFT Studio \(run "one step"[\s\S]*- The weights of step 1 of 1;[\s\S]*- Dataset: demo \(on the Hub: \[ada\/demo-calls\]\(https:\/\/huggingface\.co\/datasets\/ada\/demo-calls\)\)\./);
      expect(card).toContain('\ndatasets:\n- ada/demo-calls\n');
      // Its evaluation above (not the GGUF file's), with no base-model evaluation to set beside it.
      const { correct, total } = evaluated.summary;
      // One held-out question is asked in training too (the twin above): the card counts it apart.
      const twin = evaluated.summary.asked!.inTraining;
      const rest = evaluated.summary.asked!.notInTraining;
      expect(twin.total).toBe(1);
      const others = `${((100 * rest.correct) / rest.total).toFixed(1)}% (${rest.correct} of ${rest.total}) on the others`;
      expect(card).toContain(`## Evaluation\n\n${((100 * correct) / total).toFixed(1)}% of the calls correct (${correct} of ${total} held-out examples, ${accuracyIntervalText(correct, total)}; answers of up to 4 tokens) by the studio's AST checker, which checks calls as BFCL's does. 1 of those questions is asked word for word by a training example too (the same conversation and tools), so its answer comes from what the weights were trained on: ${twin.correct} of 1 correct there, and ${others}.\n`);
      // The GGUF file the page saved, named as Ollama's hf.co/<repo>:F32 finds it, with a card that says so.
      const pushedGguf = await engine.handlers.pushToHub({ runId: 'run-1', what: 'gguf', gguf: { file: f32, type: 'f32' }, repo: 'one-step-gguf', token: 'hf_w', private: false, baseUrl: hub.base }, () => undefined);
      expect(pushedGguf.files.map((f) => [f.path, f.bytes, f.lfs])).toEqual([['one-step-gguf-F32.gguf', f32.size, true], ['README.md', expect.any(Number), false]]);
      expect(hub.file('ada/one-step-gguf', 'one-step-gguf-F32.gguf').equals(Buffer.from(await f32.arrayBuffer()))).toBe(true);
      expect(hub.file('ada/one-step-gguf', 'README.md').toString()).toContain('ollama run hf.co/ada/one-step-gguf:F32\nllama-server -hf ada/one-step-gguf:F32 --jinja');
      expect(hub.file('ada/one-step-gguf', 'README.md').toString()).toContain('Its adapter was trained on [ada/demo-calls](https://huggingface.co/datasets/ada/demo-calls).');
      // The file's own evaluation above (its F32 weights answered as the adapter did, so no answer
      // changed its verdict), beside the adapter's.
      const f = fileRow.summary;
      const pctOf = (s: { correct: number; total: number }) => `${((100 * s.correct) / s.total).toFixed(1)}%`;
      const fileTwin = f.asked!.inTraining;
      const fileRest = f.asked!.notInTraining;
      expect(hub.file('ada/one-step-gguf', 'README.md').toString()).toContain(`## Evaluation\n\n${pctOf(f)} of the calls correct (${f.correct} of 4 held-out examples, ${accuracyIntervalText(f.correct, 4)}; answers of up to 4 tokens) with this file's weights as llama.cpp reads them, by the studio's AST checker, which checks calls as BFCL's does, against ${pctOf(evaluated.summary)} (${evaluated.summary.correct} of 4) for the run's adapter. 1 of those questions is asked word for word by a training example too (the same conversation and tools), so its answer comes from what the weights were trained on: ${fileTwin.correct} of 1 correct there, and ${pctOf(fileRest)} (${fileRest.correct} of ${fileRest.total}) on the others.\n`);
      await expect(engine.handlers.pushToHub({ runId: 'run-1', what: 'adapter', repo: 'ada/x', token: 'hf_r', private: true, baseUrl: hub.base }, () => undefined)).rejects.toThrow(/may only read; pushing needs a write token/);
    } finally {
      await close();
    }

    // A file whose run was deleted since is evaluated as the user's own file, tied to no run.
    const orphan = await engine.handlers.evaluate({ datasetId: dataset.id, runId: 'deleted-run', limit: 1, maxNewTokens: 2, batchSize: 1, gguf: { file: f32, fileName: 'one-step-f32.gguf' } }, () => undefined);
    expect((await db.runs.get(orphan.evalRunId)) as EvalRunRow).toMatchObject({ config: { adapterRunId: null, gguf: { fileName: 'one-step-f32.gguf' } } });

    // A file that is not this model's, or no GGUF, is refused by name before any row is written.
    const rowsNow = await db.runs.count();
    for (const [bytes, said] of [
      [new Uint8Array(64), /^not-gguf\.bin is not a GGUF file$/],
      [new Uint8Array(await f32.slice(0, 24).arrayBuffer()), /^short\.gguf: its header ends early \(at byte 24\)$/],
      [oneTensorGguf(0, 'token_embd.weight', [1000, 32]), /^other\.gguf: token_embd\.weight is \[1000,32\], the model's model\.embed_tokens\.weight is \[151936,32\]: it is not a GGUF file of the loaded model, local:tiny$/],
    ] as const) {
      const name = said.source.includes('not-gguf') ? 'not-gguf.bin' : said.source.includes('short') ? 'short.gguf' : 'other.gguf';
      await expect(engine.handlers.evaluate({ datasetId: dataset.id, limit: 1, maxNewTokens: 2, batchSize: 1, gguf: { file: new Blob([bytes]), fileName: name } }, () => undefined)).rejects.toThrow(said);
    }
    expect(await db.runs.count()).toBe(rowsNow);

    // Cancelled after its first answer: says so, and is named by what it scored.
    // While it runs, its dataset cannot be deleted under it.
    let deleting: Promise<string> | null = null;
    const cancelled = await engine.handlers.evaluate({ datasetId: dataset.id, limit: 4, maxNewTokens: 2, batchSize: 1 }, (p) => {
      // After its first answer (the weights' upload before it counts bytes).
      if (!p.label.startsWith('evaluating') || p.done < 1 || deleting) return;
      deleting = engine.handlers.deleteDataset({ datasetId: dataset.id, confirmToken: 'any' }, () => undefined).then(() => 'deleted', (err: Error) => err.message);
      void engine.handlers.cancelJob({}, () => undefined);
    });
    expect(await deleting).toBe('a job is working on this dataset (training, evaluating or HDR); delete it once that ends, or cancel it first');
    expect(cancelled).toMatchObject({ aborted: true, requested: 4 });
    expect(cancelled.summary.total).toBeGreaterThanOrEqual(1);
    expect(cancelled.summary.total).toBeLessThan(4);
    expect((await db.runs.get(cancelled.evalRunId))?.name).toBe(`eval of the base model on ${cancelled.summary.total} examples`);

    // A Cancel pressed at once, while the request still reads its examples and adapter, stops it.
    const early = engine.handlers.evaluate({ datasetId: dataset.id, runId: 'run-1', limit: 4, maxNewTokens: 2, batchSize: 1 }, () => undefined);
    await engine.handlers.cancelJob({}, () => undefined);
    const earlyResult = await early;
    expect(earlyResult).toMatchObject({ aborted: true, requested: 4, summary: { total: 0 } });
    expect(await db.runs.get(earlyResult.evalRunId)).toBeUndefined();
    const earlyAnswer = engine.handlers.generate({ streamId: 's0', runId: 'run-1', tools: [], messages: [{ role: 'user', content: 'hi' }], maxNewTokens: 8, temperature: 0 }, () => undefined);
    await engine.handlers.cancelJob({}, () => undefined);
    expect((await earlyAnswer).finishReason).toBe('aborted');

    // Two jobs at once: the second is refused with a message naming the first, and leaves no row.
    const rowsBefore = await db.runs.count();
    const answering = engine.handlers.generate(
      { streamId: 's1', tools: imported.examples[0].tools, messages: [{ role: 'user', content: 'Weather in Paris?' }], maxNewTokens: 6, temperature: 0 },
      () => undefined,
    );
    await expect(engine.handlers.evaluate({ datasetId: dataset.id, limit: 1, maxNewTokens: 2, batchSize: 1 }, () => undefined)).rejects.toThrow(/a playground answer is running/);
    expect(await db.runs.count()).toBe(rowsBefore);
    const answer = await answering;
    expect(answer.tokens).toBeGreaterThan(0);
    expect(Array.isArray(answer.calls)).toBe(true);
    const streamed = events.filter((e) => e.type === 'generation' && e.streamId === 's1');
    expect(streamed.length).toBeGreaterThan(0);
    expect((streamed.at(-1) as { text: string }).text).toBe(answer.text);

    // A question past what the model reads at once is refused before any GPU work, saying why
    // (it used to answer nonsense after minutes on "loading the model").
    const long = 'Please find the weather in Paris. '.repeat(600);
    await expect(
      engine.handlers.generate({ streamId: 's2', tools: imported.examples[0].tools, messages: [{ role: 'user', content: long }], maxNewTokens: 64, temperature: 0 }, () => undefined),
    ).rejects.toThrow(/^the question with its \d+ tools is \d+ tokens; with 64 new tokens that is over the 4096 tokens the model reads at once: shorten the question/);

    // A dataset another tab deleted: no run is made on it.
    for (const work of [
      () => engine.handlers.evaluate({ datasetId: 'gone', limit: 1, maxNewTokens: 2, batchSize: 1 }, () => undefined),
      () => engine.handlers.createRun({ datasetId: 'gone', config }, () => undefined),
    ]) {
      await expect(work()).rejects.toThrow('the dataset is not in the studio any more (deleted, perhaps in another tab)');
    }
    expect(await db.runs.count()).toBe(rowsBefore);
  });

  it('a playground answer to a dataset example is checked as the evaluation checks it', () => {
    const example: Example = {
      id: 'demo-9',
      tools: [{ name: 'get_weather', description: 'Weather now', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }],
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      target: { reasoning: 'weather', calls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] },
    };
    const answer = (city: string) => `<think>\nweather\n</think>\n\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "${city}"}}\n</tool_call>`;
    const timing = { millis: 10 };
    const tools = example.tools;
    expect(playgroundResult(answer('Paris'), 'eos', 9, timing, tools, example).check).toEqual({ exampleId: 'demo-9', correct: true, why: undefined });
    const wrong = playgroundResult(answer('Lyon'), 'eos', 9, timing, tools, example).check!;
    expect(wrong.correct).toBe(false);
    expect(wrong.why).toMatch(/Lyon|value/i);
    expect(playgroundResult('It is sunny.', 'eos', 4, timing, tools, example).check).toMatchObject({ correct: false, why: expect.stringMatching(/No function call found/) });
    expect(playgroundResult(answer('Paris'), 'eos', 9, timing, tools).check).toBeUndefined();
    // An unclosed call says why the answer ended there: the limit, or the model itself.
    const open = '<think>\nweather\n</think>\n\n<tool_call>\n{"name": "get_weather"';
    expect(playgroundResult(open, 'length', 9, timing, tools).parseError).toBe('<tool_call> number 1 is never closed by </tool_call> (the answer reached the Max new tokens limit first)');
    expect(playgroundResult(open, 'eos', 9, timing, tools, example).check!.why).toMatch(/never closed by <\/tool_call> \(the model ended its answer without closing it\)$/);
  });

  it('a held-out question that wants no call, cut off by the token limit, is judged as the evaluation judges it (not yet declined)', () => {
    const example: Example = {
      id: 'demo-irr',
      tools: [{ name: 'get_weather', description: 'Weather now', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }],
      messages: [{ role: 'user', content: 'Tell me a joke.' }],
      target: { reasoning: 'no tool fits', calls: [] },
    };
    // The playground's default of 96 new tokens cuts a ~350-token reasoning short.
    const cut = '<think>\nThe user wants a joke. None of the tools';
    const checked = playgroundResult(cut, 'length', 96, { millis: 10 }, example.tools, example).check!;
    const evaluated = checkPrediction(example, cut, 'length', 96);
    expect(evaluated.valid).toBe(false);
    expect(checked).toEqual({ exampleId: 'demo-irr', correct: false, why: evaluated.errors[0].message });
    expect(checked.why).toMatch(/Max new tokens limit \(96 tokens\)/);
    // Ended by the model itself, declining is right.
    expect(playgroundResult('It has no tool for jokes.', 'eos', 8, { millis: 10 }, example.tools, example).check).toEqual({ exampleId: 'demo-irr', correct: true, why: undefined });
  });

  it('a call the token limit cut off mid-argument says so, in Python or JSON syntax as in a <tool_call>', () => {
    const example: Example = {
      id: 'fr-3',
      tools: [{ name: 'get_weather', description: 'Weather now', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }],
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      target: { reasoning: 'weather', calls: [{ name: 'get_weather', arguments: { city: 'Paris' } }], callSyntax: 'python' },
    };
    const limit = '(the answer reached the Max new tokens limit first)';
    for (const cut of ['<think>\nweather\n</think>\n\n[get_weather(city="Par', '<think>\nweather\n</think>\n\n{"name": "get_weather", "arguments": {"city": "Pa']) {
      const r = playgroundResult(cut, 'length', 96, { millis: 1 }, example.tools, example);
      expect(r.parseError).toMatch(/^(Python-call syntax|JSON): .+ \(the answer reached the Max new tokens limit first\)$/);
      expect(r.check!.why!.endsWith(limit)).toBe(true);
      expect(checkPrediction(example, cut, 'length', 96).errors[0].message.endsWith(limit)).toBe(true);
      // Ended by the model, the same text is plain bad syntax: no hint.
      expect(playgroundResult(cut, 'eos', 20, { millis: 1 }, example.tools).parseError).not.toContain('limit');
    }
    // A wrong value in an answer cut off after its call is not a decoding failure: no hint.
    const wrong = checkPrediction(example, '<think>\nweather\n</think>\n\n[get_weather(city="Lyon")]', 'length', 96);
    expect(wrong.errors[0].message).not.toContain('limit');
  });

  it('names a called function that was not among the tools offered with the question', () => {
    const weather = { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } };
    const calc = { name: 'calculate', parameters: { type: 'object', properties: { expression: { type: 'string' } } } };
    const text = '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Oslo"}}\n</tool_call>';
    expect(playgroundResult(text, 'eos', 9, { millis: 1 }, [calc]).notOffered).toEqual(['get_weather']);
    expect(playgroundResult(text, 'eos', 9, { millis: 1 }, [calc, weather]).notOffered).toBeUndefined();
  });
});
