// Renaming a training run carries the new name into the names the studio gave the runs derived
// from it (its evaluations, HDR from it) and leaves alone what the user named, other runs'
// evaluations, and the base model's.
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { StudioDb } from '../../src/data/db.ts';
import { createHdrRun, saveEvalRun } from '../../src/hdr/store.ts';
import { createTrainRun, DexieWorkspace, updateRunInfo } from '../../src/jobs/store/dexie.ts';
import { derivedRunName, renamedDerivedName, uniqueRunName } from '../../src/jobs/store/runNames.ts';
import { DEFAULT_HDR_SETTINGS } from '../../src/hdr/index.ts';
import { DEFAULT_RUN_CONFIG } from '../../src/train/config.ts';
import type { EvalReport } from '../../src/eval/index.ts';
import { uniqueAblationName } from '../../src/jobs/ablationConfig.ts';

describe('derived run names', () => {
  it('follow a rename only while they read as the studio wrote them', () => {
    expect(derivedRunName('eval', 'demo', 31)).toBe('eval of “demo” on 31 examples');
    expect(derivedRunName('eval', null, 8)).toBe('eval of the base model on 8 examples');
    expect(derivedRunName('hdr', 'demo')).toBe('HDR from “demo”');
    expect(renamedDerivedName('eval', 'eval of “demo” on 31 examples', 'demo', 'my run')).toBe('eval of “my run” on 31 examples');
    expect(renamedDerivedName('hdr', 'HDR from “demo”', 'demo', 'my run')).toBe('HDR from “my run”');
    // A name with quotes of its own, and one that only starts like the old name.
    expect(renamedDerivedName('eval', 'eval of “a “b”” on 2 examples', 'a “b”', 'c')).toBe('eval of “c” on 2 examples');
    expect(renamedDerivedName('eval', 'eval of “demo 2” on 31 examples', 'demo', 'x')).toBeNull();
    expect(renamedDerivedName('eval', 'my careful eval', 'demo', 'x')).toBeNull();
    expect(renamedDerivedName('hdr', 'HDR from “demo” (kept)', 'demo', 'x')).toBeNull();
    // A second HDR run of one source is told apart (" (2)"): the number stays with the new name.
    expect(renamedDerivedName('hdr', 'HDR from “demo” (2)', 'demo', 'my run')).toBe('HDR from “my run” (2)');
    expect(renamedDerivedName('hdr', 'HDR from “demo (2)”', 'demo', 'x')).toBeNull();
    expect(renamedDerivedName('hdr', 'HDR from “demo (2)”', 'demo (2)', 'x')).toBe('HDR from “x”');
    expect(renamedDerivedName('hdr', 'HDR from “demo” (2)', 'demo 2', 'x')).toBeNull();
    expect(renamedDerivedName('eval', undefined, 'demo', 'x')).toBeNull();
  });
});

const report = (n: number): EvalReport => ({ total: n, correct: 0, accuracy: 0, byCategory: {}, byRule: {}, predictions: [] }) as unknown as EvalReport;

describe('uniqueRunName', () => {
  it('tells a made-up name apart from the runs already named so', () => {
    expect(uniqueRunName('ssb r4 lr 0.001', ['other', undefined])).toBe('ssb r4 lr 0.001');
    expect(uniqueRunName('ssb r4 lr 0.001', ['ssb r4 lr 0.001'])).toBe('ssb r4 lr 0.001 (2)');
    expect(uniqueRunName('ssb r4 lr 0.001', ['ssb r4 lr 0.001', 'ssb r4 lr 0.001 (2)'])).toBe('ssb r4 lr 0.001 (3)');
  });
});

describe('updateRunInfo', () => {
  it('renames the run and the studio-named evaluations and HDR runs of its adapter, in one go', async () => {
    const db = new StudioDb(`run-names-${Date.now()}`, { indexedDB, IDBKeyRange });
    const on = { datasetId: 'd', modelRef: 'embedded:tiny-qwen3' };
    const run = await createTrainRun(db, { ...on, name: 'demo', config: DEFAULT_RUN_CONFIG });
    const other = await createTrainRun(db, { ...on, name: 'demo', config: DEFAULT_RUN_CONFIG });
    const evalConfig = (adapterRunId: string | null) => ({ adapterRunId, limit: 31, maxNewTokens: 96, lora: null });
    await saveEvalRun(db, { id: 'e1', ...on, name: derivedRunName('eval', 'demo', 31), config: evalConfig(run.id), report: report(31) });
    await saveEvalRun(db, { id: 'e2', ...on, name: 'before the fix', config: evalConfig(run.id), report: report(31) });
    await saveEvalRun(db, { id: 'e3', ...on, name: derivedRunName('eval', 'demo', 31), config: evalConfig(other.id), report: report(31) });
    await saveEvalRun(db, { id: 'e4', ...on, name: derivedRunName('eval', null, 31), config: evalConfig(null), report: report(31) });
    await createHdrRun(db, { id: 'h1', ...on, name: derivedRunName('hdr', 'demo'), settings: DEFAULT_HDR_SETTINGS, config: DEFAULT_RUN_CONFIG, fromRunId: run.id });
    await createHdrRun(db, { id: 'h2', ...on, name: derivedRunName('hdr', 'demo'), settings: DEFAULT_HDR_SETTINGS, config: DEFAULT_RUN_CONFIG });
    await createHdrRun(db, { id: 'h3', ...on, name: uniqueRunName(derivedRunName('hdr', 'demo'), [derivedRunName('hdr', 'demo')]), settings: DEFAULT_HDR_SETTINGS, config: DEFAULT_RUN_CONFIG, fromRunId: run.id });
    // The evaluation of the HDR run's adapter: named after the HDR run's name.
    await saveEvalRun(db, { id: 'e5', ...on, name: derivedRunName('eval', derivedRunName('hdr', 'demo'), 8), config: evalConfig('h1'), report: report(8) });

    await updateRunInfo(db, run.id, { name: 'my first run', tags: ['demo'] });
    const names = Object.fromEntries((await db.runs.toArray()).map((r) => [r.id, r.name]));
    expect(names[run.id]).toBe('my first run');
    expect((await db.runs.get(run.id))!.tags).toEqual(['demo']);
    expect(names.e1).toBe('eval of “my first run” on 31 examples');
    expect(names.h1).toBe('HDR from “my first run”');
    expect(names.h3).toBe('HDR from “my first run” (2)');
    expect(names.e5).toBe('eval of “HDR from “my first run”” on 8 examples');
    // The user's name, the same-named other run's evaluation, the base model's, and an HDR row
    // that does not say where it came from: unchanged.
    expect(names.e2).toBe('before the fix');
    expect(names.e3).toBe('eval of “demo” on 31 examples');
    expect(names.e4).toBe('eval of the base model on 31 examples');
    expect(names.h2).toBe('HDR from “demo”');

    // Tags or notes alone rename nothing.
    await updateRunInfo(db, run.id, { notes: 'lr 5e-4' });
    expect((await db.runs.get('e1'))!.name).toBe('eval of “my first run” on 31 examples');
    db.close();
  });
});

describe('renaming a run an ablation names', () => {
  // The ablation's table, "which run is which" and its downloaded report name each arm's run and
  // evaluation by the names kept in its result: a renamed arm is found there by its new name.
  it('carries the new name into the ablation’s result', async () => {
    const db = new StudioDb(`run-names-ablation-${Date.now()}`, { indexedDB, IDBKeyRange });
    const on = { datasetId: 'd', modelRef: 'embedded:tiny-qwen3' };
    const arm = await createTrainRun(db, { ...on, name: 'abl · ssb:grad', config: DEFAULT_RUN_CONFIG });
    const other = await createTrainRun(db, { ...on, name: 'abl · sft', config: DEFAULT_RUN_CONFIG });
    await saveEvalRun(db, { id: 'e1', ...on, name: 'abl · eval ssb:grad', config: { adapterRunId: arm.id, limit: 4, maxNewTokens: 8, lora: null }, report: report(4) });
    const armResult = (id: string, runId: string, name: string, evalId: string) => ({ id, label: id, loss: id, run: { id: runId, name, kind: 'train' }, evalRun: { id: evalId, name: `abl · eval ${id}` } });
    // The base model's evaluation too.
    await saveEvalRun(db, { id: 'e0', ...on, name: 'abl · eval base model', config: { adapterRunId: null, limit: 4, maxNewTokens: 8, lora: null }, report: report(4) });
    const result = { name: 'abl', base: { evalRun: { id: 'e0', name: 'abl · eval base model' } }, arms: [armResult('ssb:grad', arm.id, 'abl · ssb:grad', 'e1'), armResult('sft', other.id, 'abl · sft', 'e2')] };
    await db.runs.add({ id: 'abl-1', ...on, kind: 'ablation', status: 'done', createdAt: 1, updatedAt: 1, config: {}, name: 'abl', result } as never);

    await updateRunInfo(db, arm.id, { name: 'alpha learned, keep' });
    await updateRunInfo(db, 'e1', { name: 'the keeper’s eval' });
    await updateRunInfo(db, 'e0', { name: 'untrained' });
    const kept = ((await db.runs.get('abl-1')) as unknown as { result: typeof result }).result;
    expect(kept.arms.map((a) => [a.run.name, a.evalRun.name])).toEqual([
      ['alpha learned, keep', 'the keeper’s eval'],
      ['abl · sft', 'abl · eval sft'],
    ]);
    expect(kept.base.evalRun.name).toBe('untrained');
    db.close();
  });
});

describe('an arm renamed while its ablation still runs', () => {
  // The ablation keeps its result after every arm, from what it holds in memory: a name the user
  // gave an earlier arm meanwhile was written back to the old one.
  it('keeps the new name when the ablation saves its result again', async () => {
    const db = new StudioDb(`run-names-running-ablation-${Date.now()}`, { indexedDB, IDBKeyRange });
    const on = { datasetId: 'd', modelRef: 'embedded:tiny-qwen3' };
    const arm = await createTrainRun(db, { ...on, name: 'abl · sft', config: DEFAULT_RUN_CONFIG });
    const store = await new DexieWorkspace(db, on).createRun({ kind: 'ablation', name: 'abl', config: {} as never });
    const result = { name: 'abl', arms: [{ id: 'sft', run: { id: arm.id, name: 'abl · sft', kind: 'train' }, evalRun: { id: 'e-gone', name: 'abl · eval sft' } }] } as never;
    await store.saveAblation(result);
    await updateRunInfo(db, arm.id, { name: 'baseline' });
    await store.saveAblation(result); // the next arm finished
    const kept = ((await db.runs.get(store.id)) as unknown as { result: { arms: Array<{ run: { name: string }; evalRun: { name: string } }> } }).result;
    expect(kept.arms.map((a) => [a.run.name, a.evalRun.name])).toEqual([['baseline', 'abl · eval sft']]);
    db.close();
  });
});

describe('run details the user edits', () => {
  it('are refused over their limits in words, never cut short', async () => {
    const { runInfoPatch, runInfoProblem } = await import('../../src/jobs/store/runInfo.ts');
    expect(runInfoPatch({ name: '  kept  ', tags: [' a', 'a ', '', 'b'], notes: 'n' })).toEqual({ name: 'kept', tags: ['a', 'b'], notes: 'n' });
    expect(runInfoProblem({ name: '   ' })).toBe('a run needs a name; type one, or keep the old one');
    expect(runInfoProblem({ name: 'n'.repeat(201) })).toBe('the name has 201 characters; the limit is 200');
    expect(runInfoProblem({ tags: Array.from({ length: 21 }, (_, i) => `t${i}`) })).toBe('21 tags; the limit is 20');
    expect(runInfoProblem({ tags: ['t'.repeat(101)] })).toMatch(/has 101 characters; the limit is 100$/);
    expect(() => runInfoPatch({ notes: 'x'.repeat(12_000) })).toThrow('the notes have 12,000 characters; the limit is 10,000');
  });
});

describe('ablation names', () => {
  // Its arms' runs are named by it ("ablation · sft"): two ablations of one name had arms the runs
  // table could not tell apart.
  it('are told apart from another ablation’s and from the arms one left behind', () => {
    expect(uniqueAblationName('ablation', [])).toBe('ablation');
    expect(uniqueAblationName('ablation', ['ablation'])).toBe('ablation (2)');
    // The ablation's row was deleted, its arms' runs were kept.
    expect(uniqueAblationName('ablation', ['ablation · sft', 'ablation · eval sft'])).toBe('ablation (2)');
    expect(uniqueAblationName('ablation', ['ablation', 'ablation (2) · sft'])).toBe('ablation (3)');
    expect(uniqueAblationName('rules', ['ablation', 'ablation · sft'])).toBe('rules');
    // A name with the arms' separator in it is the user's, and taken as a whole.
    expect(uniqueAblationName('grad · lr', ['grad · lr'])).toBe('grad · lr (2)');
    expect(uniqueAblationName('grad · lr', ['grad · lr · ssb:grad'])).toBe('grad · lr (2)');
    expect(uniqueAblationName('grad', ['grad · lr · ssb:grad'])).toBe('grad');
  });
});
