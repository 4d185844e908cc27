// The runs table the page reads: a run's resume step is its newest checkpoint with trainer state, so
// a snapshot imported with its adapter only offers no "resume from step N" (a resume there starts
// again at step 0 and replaces the stored curve).
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { studioDb } from '../../src/state/db.ts';
import { evalPredictions, runMetrics, runsTable } from '../../src/state/queries.ts';
import { runSeries } from '../../src/state/runSeries.ts';
import { curveOf } from '../../src/state/demoStore.ts';
import { DEFAULT_RUN_CONFIG } from '../../src/train/config.ts';
import { DEFAULT_HDR_SETTINGS } from '../../src/hdr/settings.ts';
import { createElement } from 'react';
import { useRuns } from '../../src/state/runStore.ts';
import { useDatasets } from '../../src/state/datasetStore.ts';
import { RunsTable } from '../../src/ui/runs/RunsTable.tsx';
import { RunExports } from '../../src/ui/runs/RunActions.tsx';
import type { StepMetrics } from '../../src/worker/protocol.ts';
import { renderNow } from '../helpers/render.ts';

describe('the runs table', () => {
  it('offers the newest trainer checkpoint to resume from, not an imported adapter-only one', async () => {
    const db = studioDb();
    const run = (id: string, extra: Record<string, unknown> = {}) => ({ id, datasetId: 'd', kind: 'train', status: 'done', createdAt: 1, updatedAt: 1, config: DEFAULT_RUN_CONFIG, lastStep: 20, ...extra });
    await db.runs.bulkPut([run('trained'), run('imported-full', { importedFrom: { runId: 'x', exportedAt: 1, mode: 'resume' } }), run('imported-adapter', { importedFrom: { runId: 'y', exportedAt: 1, mode: 'read-only' }, readOnly: true })] as never);
    await db.checkpoints.bulkPut([
      { runId: 'trained', step: 20, createdAt: 1, blobs: {} },
      { runId: 'imported-full', step: 20, createdAt: 1, blobs: {}, meta: { importedFrom: 'x', adapterOnly: false } },
      { runId: 'imported-adapter', step: 20, createdAt: 1, blobs: {}, meta: { importedFrom: 'y', adapterOnly: true } },
    ]);
    await db.runs.put(run('failed-early', { status: 'failed', lastStep: 7 }) as never);
    const { checkpointSteps, adapterRuns } = await runsTable();
    expect([...checkpointSteps].sort()).toEqual([['imported-full', 20], ['trained', 20]]);
    // The adapter-only one still holds an adapter to export (ONNX); a run that failed before its first checkpoint has none.
    expect([...adapterRuns].sort()).toEqual(['imported-adapter', 'imported-full', 'trained']);
  });

  it('reads an evaluation without its answers, and its answers apart when they are shown', async () => {
    const db = studioDb();
    const answer = { exampleId: 'a', category: 'simple', output: 'x', valid: false, errors: [], finishReason: 'eos' as const, generatedTokens: 1 };
    await db.runs.put({ id: 'eval-x', datasetId: 'd', kind: 'eval', status: 'done', createdAt: 1, updatedAt: 1, config: { adapterRunId: null, limit: 1, maxNewTokens: 8, lora: null }, summary: { total: 1 } } as never);
    await db.predictions.put({ runId: 'eval-x', predictions: [answer] });
    const { runs } = await runsTable();
    expect(runs.find((r) => r.id === 'eval-x')).not.toHaveProperty('predictions');
    expect(await evalPredictions('eval-x')).toEqual([answer]);
    expect(await evalPredictions('no-such-run')).toEqual([]);
  });

  it('gives a run’s metrics with the held-out loss before its first step as a step-0 row', async () => {
    const db = studioDb();
    const baseline = { step: 0, evalLoss: 0.29, evalLossCot: 0.1, evalLossCall: 0.85, evalLossTokens: 0.45 };
    await db.runs.put({ id: 'with-baseline', datasetId: 'd', kind: 'train', status: 'done', createdAt: 1, updatedAt: 1, config: DEFAULT_RUN_CONFIG, setup: { baseline } } as never);
    await db.metrics.put({ runId: 'with-baseline', step: 1, values: { loss: 2, evalLoss: 0.2 } });
    const rows = await runMetrics('with-baseline');
    expect(rows.map((r) => r.step)).toEqual([0, 1]);
    expect(rows[0].values).toEqual({ evalLoss: 0.29, evalLossCot: 0.1, evalLossCall: 0.85, evalLossTokens: 0.45 });
    expect((await runMetrics('trained')).map((r) => r.step)).toEqual([]);
  });

  it('the guide’s first-steps loss is over the first steps trained, not the step-0 row before them', async () => {
    const db = studioDb();
    const baseline = { step: 0, evalLoss: 0.29, evalLossCot: 0.1, evalLossCall: 0.85, evalLossTokens: 0.45 };
    const row = { id: 'guide-run', datasetId: 'd', kind: 'train', status: 'done', createdAt: 1, updatedAt: 1, config: DEFAULT_RUN_CONFIG, setup: { baseline } };
    await db.runs.put(row as never);
    // Steps 1–10: per-token loss 1, 2, …, 10 on both segments.
    await db.metrics.bulkPut(Array.from({ length: 10 }, (_, i) => ({ runId: 'guide-run', step: i + 1, values: { loss: i + 1, lossCot: i + 1, lossCall: i + 1, alpha: 0.7, cotTokens: 10, callTokens: 5 } })));
    const series = runSeries('guide-run');
    for (let i = 0; i < 100 && !series.loaded; i++) await new Promise((r) => setTimeout(r, 5));
    expect(series.steps[0]).toBe(0);
    const curve = curveOf(row as never);
    expect(curve?.firstLoss).toBeCloseTo(3); // steps 1–5
    expect(curve?.lastLoss).toBeCloseTo(8); // steps 6–10
  });
});

describe('the runs table’s newest losses and α', () => {
  // A step whose batch held no reasoning tokens logs lossCot 0 and α 0 (all weight on the call):
  // the table said "CoT 0.000, α 0.00" for a run whose α was 0.69.
  const step = (s: number, cotTokens: number, extra: Record<string, number> = {}) => ({ runId: 'mixed', step: s, values: { loss: 1 / s, lossCot: cotTokens ? 2 / s : 0, lossCall: 3 / s, alpha: cotTokens ? 0.7 - s / 100 : 0, cotTokens, callTokens: 20, ...extra } });

  it('keeps the newest CoT loss and α of a step that had reasoning tokens', async () => {
    const db = studioDb();
    await db.runs.put({ id: 'mixed', datasetId: 'd', kind: 'train', status: 'done', createdAt: 1, updatedAt: 1, config: DEFAULT_RUN_CONFIG, lastStep: 3 } as never);
    await db.metrics.bulkPut([step(1, 40), step(2, 30), step(3, 0)]);
    const m = (await runsTable()).lastMetrics.get('mixed')!;
    expect(m.loss).toBeCloseTo(1 / 3); // the newest step's own
    expect(m.lossCall).toBeCloseTo(1);
    expect(m.lossCot).toBeCloseTo(1); // step 2's, not step 3's 0
    expect(m.alpha).toBeCloseTo(0.68);
  });

  it('has no CoT loss or α for a run none of whose steps had reasoning', async () => {
    const db = studioDb();
    await db.runs.put({ id: 'no-cot', datasetId: 'd', kind: 'train', status: 'done', createdAt: 1, updatedAt: 1, config: DEFAULT_RUN_CONFIG, lastStep: 2 } as never);
    await db.metrics.bulkPut([{ ...step(1, 0), runId: 'no-cot' }, { ...step(2, 0), runId: 'no-cot' }]);
    const m = (await runsTable()).lastMetrics.get('no-cot')!;
    expect(m.lossCall).toBeCloseTo(1.5);
    expect(m).not.toHaveProperty('lossCot');
    expect(m).not.toHaveProperty('alpha');
  });

  it('follows live steps the same way', () => {
    const values = (s: number, cot: number) => step(s, cot).values as unknown as StepMetrics;
    useRuns.setState({ lastMetrics: new Map() });
    useRuns.getState().noteMetric('live', values(1, 40));
    useRuns.getState().noteMetric('live', values(2, 0));
    const m = useRuns.getState().lastMetrics.get('live')!;
    expect(m.loss).toBeCloseTo(0.5);
    expect(m.lossCot).toBeCloseTo(2);
    expect(m.alpha).toBeCloseTo(0.69);
    useRuns.setState({ runs: [{ id: 'live', name: 'live', datasetId: 'd', kind: 'train', status: 'done', createdAt: 1, updatedAt: 1, config: { ...DEFAULT_RUN_CONFIG, loss: 'ssb' }, lastStep: 2 } as never] });
    const html = renderNow(createElement(RunsTable, { compare: [], onToggleCompare: () => undefined, onOpenDashboard: () => undefined }));
    const cells = [...html.matchAll(/<td>([^<]*)<\/td>/g)].map((c) => c[1]);
    expect(cells).toContain('0.690'); // α
    expect(cells).toContain('2.000'); // CoT loss
    expect(cells).not.toContain('0.000');
  });

  it('names each run’s model as a user does: the embedded one in words, not by its reference', () => {
    const run = (id: string, modelRef: string) => ({ id, name: id, datasetId: 'd', kind: 'train', status: 'done', createdAt: 1, updatedAt: 1, config: DEFAULT_RUN_CONFIG, lastStep: 2, modelRef });
    useRuns.setState({ runs: [run('a', 'embedded:tiny-qwen3'), run('b', 'Qwen/Qwen3-0.6B'), run('c', 'local:my-qwen')] as never });
    const html = renderNow(createElement(RunsTable, { compare: [], onToggleCompare: () => undefined, onOpenDashboard: () => undefined }));
    const models = [...html.matchAll(/<td class="small">([^<]*)<\/td>/g)].map((c) => c[1]).filter((t) => /Qwen|dropped/.test(t));
    expect(models).toEqual(['the embedded tiny Qwen3', 'Qwen/Qwen3-0.6B', 'my-qwen (a dropped model)']);
  });

  it('says which step a run that kept its best step kept, beside the steps it trained', () => {
    const kept = { id: 'k', name: 'kept', datasetId: 'd', kind: 'train', status: 'done', createdAt: 1, updatedAt: 1, config: { ...DEFAULT_RUN_CONFIG, keepBest: true }, lastStep: 30 };
    useRuns.setState({ runs: [kept, { ...kept, id: 'last', name: 'last' }, { ...kept, id: 'plain', config: DEFAULT_RUN_CONFIG }] as never, checkpointSteps: new Map([['k', 20], ['last', 30], ['plain', 20]]) });
    const html = renderNow(createElement(RunsTable, { compare: [], onToggleCompare: () => undefined, onOpenDashboard: () => undefined }));
    // Only the run whose kept step is not its last says one (a run without keepBest resumes from its checkpoint instead).
    expect([...html.matchAll(/kept step (\d+)/g)].map((m) => m[1])).toEqual(['20']);
  });

  it('folds a run’s exports under one “Export or push”, each saying what it makes, and leaves Open, Share link and Delete in the row', () => {
    const trained = { id: 't', name: 'trained', datasetId: 'd', kind: 'train', status: 'done', createdAt: 1, updatedAt: 1, config: DEFAULT_RUN_CONFIG, lastStep: 2 };
    const evaluation = { id: 'e', name: 'an eval', datasetId: 'd', kind: 'eval', status: 'done', createdAt: 2, updatedAt: 2, config: { adapterRunId: null, limit: 1, maxNewTokens: 8, lora: null }, summary: { total: 1, correct: 1, accuracy: 1 } };
    useRuns.setState({ runs: [trained, evaluation] as never, adapterRuns: new Set(['t']), checkpointSteps: new Map([['t', 2]]) });
    const html = renderNow(createElement(RunsTable, { compare: [], onToggleCompare: () => undefined, onOpenDashboard: () => undefined }));
    const row = (id: string) => html.slice(html.indexOf(`data-testid="run-row-${id}"`)).split('</tr>')[0];
    // Folded: the row offers the fold and its own actions, no export.
    expect(row('t')).toContain('<button class="link small" aria-expanded="false" aria-label="Export or push trained" data-testid="run-exports-toggle">Export or push ▾</button>');
    expect(html).not.toMatch(/data-testid="(export-|push-hub)/);
    for (const action of ['Show trained on the dashboard', 'Copy a share link for trained', 'Delete trained']) expect(row('t')).toContain(`aria-label="${action}"`);
    // Unfolded: every export, each with its words.
    const folded = renderNow(createElement(RunExports, { run: trained as never }));
    expect(folded).toMatch(/^<div class="run-exports" id="run-exports-t" role="group" aria-label="Exports of trained">/);
    expect([...folded.matchAll(/data-testid="(export-[a-z]+|push-hub)"/g)].map((m) => m[1])).toEqual(['export-snapshot', 'export-onnx', 'export-gguf', 'export-merged', 'push-hub', 'export-recipe']);
    const words = [...folded.matchAll(/<span class="small muted">([^<]+)<\/span>/g)].map((m) => m[1]);
    expect(words).toHaveLength(7);
    expect(words.find((w) => w.includes('llama.cpp'))).toMatch(/Ollama and LM Studio/);
    expect(words.find((w) => w.includes('PEFT on a GPU'))).toMatch(/^a script that trains this run again/);
    // An evaluation has nothing to export: no fold at all.
    expect(row('e')).not.toContain('Export or push');
    expect(row('e')).toContain('aria-label="Delete an eval"');
    expect(renderNow(createElement(RunExports, { run: evaluation as never }))).toBe('');
    useRuns.setState({ runs: [], adapterRuns: new Set(), checkpointSteps: new Map() });
  });

  it('names a run\'s dataset apart from another of the same name, as the dataset list does', () => {
    useDatasets.setState({ datasets: [{ id: 'd', name: 'train.jsonl', fingerprint: 'sha256:ab9876543210' }, { id: 'e', name: 'train.jsonl', fingerprint: 'sha256:cd0123456789' }, { id: 'f', name: 'glaive', fingerprint: 'sha256:ee' }] as never });
    useRuns.setState({ runs: [{ id: 'r1', name: 'one', datasetId: 'e', kind: 'train', status: 'done', createdAt: 1, updatedAt: 1, config: DEFAULT_RUN_CONFIG, lastStep: 2 }, { id: 'r2', name: 'two', datasetId: 'f', kind: 'train', status: 'done', createdAt: 2, updatedAt: 2, config: DEFAULT_RUN_CONFIG, lastStep: 2 }] as never });
    const html = renderNow(createElement(RunsTable, { compare: [], onToggleCompare: () => undefined, onOpenDashboard: () => undefined }));
    expect(html).toContain('<td class="small">train.jsonl · cd012345</td>');
    expect(html).toContain('<td class="small">glaive</td>');
    useDatasets.setState({ datasets: [] });
  });
});

describe('the dashboard’s run after the runs are read', () => {
  // With no run chosen (a first visit, or the chosen one deleted) the newest row was taken, whatever
  // its kind: after an ablation or a base evaluation the dashboard showed an evaluation as a training
  // run (empty charts, "SSB" α, its picker on another run).
  it('is the newest training run, not a newer evaluation, HDR or ablation row', async () => {
    const db = studioDb();
    await db.runs.clear();
    const row = (id: string, kind: string, createdAt: number, extra: Record<string, unknown> = {}) => ({ id, datasetId: 'd', kind, status: 'done', createdAt, updatedAt: createdAt, config: DEFAULT_RUN_CONFIG, ...extra });
    await db.runs.bulkPut([row('older-train', 'train', 10), row('newest-train', 'train', 20), row('abl', 'ablation', 30), row('eval-1', 'eval', 40, { config: { adapterRunId: 'newest-train', limit: 4, maxNewTokens: 8, lora: null } })] as never);
    useRuns.setState({ selectedRunId: null });
    await useRuns.getState().refreshRuns();
    expect(useRuns.getState().selectedRunId).toBe('newest-train');
    // A chosen training run stays chosen; one that is gone gives way to the newest training run.
    useRuns.setState({ selectedRunId: 'older-train' });
    await useRuns.getState().refreshRuns();
    expect(useRuns.getState().selectedRunId).toBe('older-train');
    useRuns.setState({ selectedRunId: 'deleted' });
    await useRuns.getState().refreshRuns();
    expect(useRuns.getState().selectedRunId).toBe('newest-train');
    // Only evaluations: nothing to show.
    await db.runs.bulkDelete(['older-train', 'newest-train']);
    await useRuns.getState().refreshRuns();
    expect(useRuns.getState().selectedRunId).toBeNull();
  });
});

describe('the chart of a run a job trains', () => {
  // An ablation's arms send no live steps: a chart opened while an arm trained kept the steps read
  // then, for as long as the page stayed open (the series is cached), while the runs table moved on.
  it('follows the rows the job writes, each time the runs are read again', async () => {
    const db = studioDb();
    const row = { id: 'arm-1', datasetId: 'd', kind: 'train', status: 'running', createdAt: 50, updatedAt: 50, config: DEFAULT_RUN_CONFIG, lastStep: 2 };
    await db.runs.put(row as never);
    await db.metrics.bulkPut([1, 2].map((step) => ({ runId: 'arm-1', step, values: { loss: 3 - step / 10, lossCot: 1, lossCall: 2, alpha: 0.7, cotTokens: 10, callTokens: 5 } })));
    const series = runSeries('arm-1');
    for (let i = 0; i < 100 && !series.loaded; i++) await new Promise((r) => setTimeout(r, 5));
    expect(series.steps).toEqual([1, 2]);
    let redraws = 0;
    series.subscribe(() => redraws++);
    await db.metrics.bulkPut([3, 4].map((step) => ({ runId: 'arm-1', step, values: { loss: 3 - step / 10, lossCot: 1, lossCall: 2, alpha: 0.7, cotTokens: 10, callTokens: 5 } })));
    useRuns.setState({ active: null });
    await useRuns.getState().refreshRuns();
    expect(series.steps).toEqual([1, 2, 3, 4]);
    expect(series.values.loss[3]).toBeCloseTo(2.6);
    expect(redraws).toBe(1);
    // Nothing new: no redraw.
    await useRuns.getState().refreshRuns();
    expect(redraws).toBe(1);
  });
});

describe('an evaluation’s row', () => {
  // An evaluation whose every example was too long for the model's context scored none of them (they
  // are not in the total) and finished: its row said "nothing scored (cancelled)".
  it('says why nothing was scored, and how many examples were too long to ask', async () => {
    const { evalScoreText } = await import('../../src/ui/runs/RunsTable.tsx');
    const s = (total: number, correct: number, tooLong?: number) => ({ total, correct, accuracy: total ? correct / total : 0, ...(tooLong !== undefined ? { tooLong } : {}) });
    expect(evalScoreText(s(0, 0, 3), 'done')).toBe('nothing scored: all 3 examples too long for the model, not asked');
    expect(evalScoreText(s(4, 3, 2), 'done')).toBe('75.0% correct (3 of 4) · 2 too long for the model, not asked');
    expect(evalScoreText(s(4, 3), 'done')).toBe('75.0% correct (3 of 4)');
    expect(evalScoreText(s(0, 0), 'failed', 'stopped before every example was evaluated')).toBe('nothing scored (cancelled)');
    expect(evalScoreText(s(0, 0), 'failed', 'failed after 0 answers: the GPU was lost')).toBe('nothing scored (failed)');
  });

  // A stopped evaluation is stored `done` (it was `failed`) and named by what it scored: its row read
  // "done · 75.0% correct (3 of 4)", as a finished evaluation of 4 examples would.
  it('says an evaluation the user stopped was stopped', async () => {
    const { evalScoreText } = await import('../../src/ui/runs/RunsTable.tsx');
    const summary = { total: 4, correct: 3, accuracy: 0.75 };
    expect(evalScoreText(summary, 'done', 'stopped before every example was evaluated', true)).toBe('75.0% correct (3 of 4) · stopped before every example was evaluated');
    expect(evalScoreText(summary, 'done')).toBe('75.0% correct (3 of 4)');
  });

  it('counts an HDR run\'s rounds done against its round limit, not the number of its last round', () => {
    // A second HDR run on a dataset numbers its rounds after the first's (4, 5, …): after one of
    // its 2 allowed rounds the table said "4 / 2 rounds".
    const round = (n: number) => ({ round: n, poolBefore: 3, poolAfter: 2, samples: 9, passAtK: 1 / 3, gatePassed: 1, accepted: 1, duplicates: 0, rejectedByRule: {}, solved: ['a'], evalAccuracyBefore: null, evalAccuracyAfter: null, training: null, replayed: 0, millis: 1 });
    useRuns.setState({ runs: [{ id: 'hdr-2', name: 'HDR again', datasetId: 'd', kind: 'hdr', status: 'running', createdAt: 1, updatedAt: 1, config: DEFAULT_RUN_CONFIG, settings: { ...DEFAULT_HDR_SETTINGS, maxRounds: 2 }, rounds: [round(4)], lastStep: 4 }] as never });
    const html = renderNow(createElement(RunsTable, { compare: [], onToggleCompare: () => undefined, onOpenDashboard: () => undefined })).replace(/<!-- -->/g, '');
    expect(html).toContain('<td>1 / 2 rounds</td>');
    // Its status says why it stopped in words, as the HDR panel does, not the stored code.
    useRuns.setState({ runs: [{ id: 'hdr-2', name: 'HDR again', datasetId: 'd', kind: 'hdr', status: 'done', message: 'pool_stopped_shrinking', stopReason: 'pool_stopped_shrinking', createdAt: 1, updatedAt: 1, config: DEFAULT_RUN_CONFIG, settings: DEFAULT_HDR_SETTINGS, rounds: [round(4)], lastStep: 4 }] as never });
    const done = renderNow(createElement(RunsTable, { compare: [], onToggleCompare: () => undefined, onOpenDashboard: () => undefined }));
    expect(done).toContain('title="the pool stopped shrinking"');
  });

  it('gives an HDR run with no stop reason yet no tooltip, not "not stopped yet" beside "interrupted"', () => {
    // A row left running by a closed page shows "interrupted"; hovering it said "not stopped yet".
    useRuns.setState({ runs: [{ id: 'hdr-3', name: 'HDR cut off', datasetId: 'd', kind: 'hdr', status: 'running', createdAt: 1, updatedAt: 1, config: DEFAULT_RUN_CONFIG, settings: DEFAULT_HDR_SETTINGS, rounds: [], lastStep: 0 }] as never });
    const html = renderNow(createElement(RunsTable, { compare: [], onToggleCompare: () => undefined, onOpenDashboard: () => undefined }));
    expect(html).toContain('>interrupted<');
    expect(html).not.toContain('not stopped yet');
  });
});

describe('the hard cases the HDR panel lists', () => {
  it('mark those whose question the dataset holds out now (split again since they were mined)', async () => {
    const { hardCases } = await import('../../src/state/queries.ts');
    const { resplitDataset, saveDataset } = await import('../../src/data/dataset-store.ts');
    const { saveHardCases } = await import('../../src/hdr/store.ts');
    const { splitOf } = await import('../../src/data/split.ts');
    const db = studioDb();
    const ex = (id: string) => ({ id, tools: [], messages: [{ role: 'user' as const, content: `q ${id}` }], target: { calls: [] } });
    // A seed and share that hold `a` out and keep `b` (the conversation's id decides the side).
    const seed = Array.from({ length: 200 }, (_, s) => s).find((s) => splitOf('a', { seed: s, evalFraction: 0.5 }) === 'eval' && splitOf('b', { seed: s, evalFraction: 0.5 }) === 'train')!;
    const d = await saveDataset(db, { name: 'cases', examples: [ex('a'), ex('b')], split: { seed: 1, evalFraction: 0.01 } });
    await saveHardCases(db, d.id, 0, [{ example: ex('a'), failedOutputs: ['x'], round: 0, status: 'open' }, { example: ex('b'), failedOutputs: ['y'], round: 0, status: 'open' }], 1);
    expect((await hardCases(d.id)).map((c) => [c.exampleId, c.heldOut ?? false])).toEqual([['a', false], ['b', false]]);
    await resplitDataset(db, d.id, { seed, evalFraction: 0.5 });
    expect((await hardCases(d.id)).map((c) => [c.exampleId, c.heldOut ?? false])).toEqual([['a', true], ['b', false]]);
  });
});
