// A flagged example the user includes from the Dataset panel is trained on: the job reads the
// dataset's included training examples (storedExamples), so the worker request's change reaches the
// next run, and leaving it out again takes it back out (a run paused over it then cannot resume
// until it is included again, as the toggle warns). The examples one rule alone flagged, included at
// once, train too: the same ones `studio train --include-flagged` picks from the same examples.
import { readFileSync } from 'node:fs';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { StudioDb } from '../../src/data/db.ts';
import { importDatasetFiles } from '../../src/data/import-dataset.ts';
import { saveDataset } from '../../src/data/dataset-store.ts';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../../src/train/config.ts';
import { createTrainRun, DexieRunStore, storedExamples } from '../../src/jobs/store/dexie.ts';
import { dataRequests } from '../../src/worker/dataRequests.ts';
import { tinyEngine } from '../helpers/tinyEngine.ts';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataExamples } from '../../src/cli/localFiles.ts';

describe('a flagged example included from the page', () => {
  it('is trained on by the next run', { timeout: 300_000 }, async () => {
    const engine = await tinyEngine();
    const imported = await importDatasetFiles([{ name: 'demo.jsonl', blob: new Blob([readFileSync('public/demo/demo-dataset.jsonl')]) }]);
    const [a, b, c] = imported.examples.filter((e) => e.target.calls.length > 0);
    // Its call names a tool the example does not declare: the quality check leaves it out.
    const flagged = { ...c, id: 'flagged', target: { ...c.target, calls: [{ name: 'not_declared', arguments: {} }] } };
    const db = new StudioDb(`train-included-${Date.now()}`, { indexedDB, IDBKeyRange });
    const dataset = await saveDataset(db, { name: 'demo', examples: [a, b, flagged], files: [], split: { seed: 1, evalFraction: 0 } });
    const handlers = dataRequests({ db: () => db, model: () => null, appBaseUrl: () => 'http://localhost/', datasetInUse: () => null });
    const config: RunConfig = { ...DEFAULT_RUN_CONFIG, steps: 1, batchSize: 3, seqLen: 320, evalEvery: 0, evalExamples: 0, lora: { ...DEFAULT_RUN_CONFIG.lora, rank: 2, alpha: 4 } };
    const train = async (name: string) => {
      const run = await createTrainRun(db, { datasetId: dataset.id, modelRef: 'tiny', name, config });
      const examples = await storedExamples(db, dataset.id);
      return { runId: run.id, ids: examples.train.map((e) => e.id), outcome: await engine.train({ store: new DexieRunStore(db, run.id), config, examples, resume: false }) };
    };

    const before = await train('left out');
    expect(before.ids).toEqual([a.id, b.id]);
    expect(before.outcome).toMatchObject({ status: 'done', trainExamples: 2 });

    await handlers.setExampleIncluded({ datasetId: dataset.id, exampleId: 'flagged', included: true }, () => undefined);
    // Included after the run's own examples, it is left to a new run as HDR's samples are; the run
    // said it was one of HDR's samples.
    await db.runs.update(before.runId, { status: 'paused' });
    const messages: Array<string | undefined> = [];
    const resumedBefore = await engine.train({ store: new DexieRunStore(db, before.runId), config: { ...config, steps: 2 }, examples: await storedExamples(db, dataset.id), resume: true, events: { onStatus: (_s, _step, m) => messages.push(m) } });
    expect(resumedBefore).toMatchObject({ status: 'done', step: 2, trainExamples: 2 });
    expect(messages).toContain("1 example added to or included in the dataset since this run's checkpoint, after its own, is not part of it: it goes on over its own 2; a new run trains on it");
    const after = await train('included');
    expect(after.ids).toEqual([a.id, b.id, 'flagged']);
    expect(after.outcome).toMatchObject({ status: 'done', step: 1, trainExamples: 3 });

    await handlers.setExampleIncluded({ datasetId: dataset.id, exampleId: 'flagged', included: false }, () => undefined);
    expect((await storedExamples(db, dataset.id)).train.map((e) => e.id)).toEqual([a.id, b.id]);

    // What the toggle warns of: the run paused over the three cannot resume over two, and resumes
    // once the example is included again.
    await db.runs.update(after.runId, { status: 'paused' });
    const resume = async () => engine.train({ store: new DexieRunStore(db, after.runId), config: { ...config, steps: 2 }, examples: await storedExamples(db, dataset.id), resume: true });
    await expect(resume()).rejects.toThrow(/3 training examples, but the training set now has 2/);
    await handlers.setExampleIncluded({ datasetId: dataset.id, exampleId: 'flagged', included: true }, () => undefined);
    expect(await resume()).toMatchObject({ status: 'done', step: 2, trainExamples: 3 });
    db.close();
  });
});

describe('the examples one rule alone flagged, included at once from the quality report', () => {
  it('are trained on by the next run, the same examples studio train --include-flagged takes from the same file', { timeout: 300_000 }, async () => {
    const engine = await tinyEngine();
    const imported = await importDatasetFiles([{ name: 'demo.jsonl', blob: new Blob([readFileSync('public/demo/demo-dataset.jsonl')]) }]);
    const [a, b, c] = imported.examples.filter((e) => e.target.calls.length > 0);
    // Calls a tool the example does not declare (call_names_known_tool only)…
    const unknownCall = (id: string) => ({ ...c, id, target: { ...c.target, calls: [{ name: 'not_declared', arguments: {} }] } });
    // …and one that also declares a tool with no valid name (tools_valid_schema too): not vouched for.
    const twoRules = { ...unknownCall('two-rules'), tools: [...c.tools, { name: 'not a name', parameters: { type: 'object', properties: {} } }] };
    const examples = [a, unknownCall('flagged-1'), b, twoRules, unknownCall('flagged-2')];
    const split = { seed: 1, evalFraction: 0 };
    const db = new StudioDb(`train-included-many-${Date.now()}`, { indexedDB, IDBKeyRange });
    const dataset = await saveDataset(db, { name: 'demo', examples, files: [], split });
    const handlers = dataRequests({ db: () => db, model: () => null, appBaseUrl: () => 'http://localhost/', datasetInUse: () => null });

    expect(await handlers.setExamplesIncluded({ datasetId: dataset.id, selection: { flaggedOnlyBy: 'call_names_known_tool' }, included: true, expect: 2 }, () => undefined)).toEqual({ changed: 2 });
    const stored = await storedExamples(db, dataset.id);
    expect(stored.train.map((e) => e.id)).toEqual([a.id, 'flagged-1', b.id, 'flagged-2']);

    // The CLI, from a file of the same examples: the same rule name picks the same ones.
    const dir = mkdtempSync(join(tmpdir(), 'include-flagged-'));
    writeFileSync(join(dir, 'data.jsonl'), examples.map((e) => JSON.stringify(e)).join('\n'));
    const cli = await dataExamples([join(dir, 'data.jsonl')], { seed: split.seed, evalFraction: split.evalFraction, inclusion: { includeFlagged: ['call_names_known_tool'] } });
    expect(cli.train.map((e) => e.id)).toEqual(stored.train.map((e) => e.id));

    const config: RunConfig = { ...DEFAULT_RUN_CONFIG, steps: 1, batchSize: 4, seqLen: 320, evalEvery: 0, evalExamples: 0, lora: { ...DEFAULT_RUN_CONFIG.lora, rank: 2, alpha: 4 } };
    const run = await createTrainRun(db, { datasetId: dataset.id, modelRef: 'tiny', name: 'flagged included', config });
    expect(await engine.train({ store: new DexieRunStore(db, run.id), config, examples: stored, resume: false })).toMatchObject({ status: 'done', step: 1, trainExamples: 4 });

    // Left out again at once: the next run trains on the two that pass.
    await handlers.setExamplesIncluded({ datasetId: dataset.id, selection: { flaggedOnlyBy: 'call_names_known_tool' }, included: false, expect: 2 }, () => undefined);
    expect((await storedExamples(db, dataset.id)).train.map((e) => e.id)).toEqual([a.id, b.id]);
    db.close();
  });
});

