// Pure helpers behind a new user's first hour: which adapter evaluation, HDR and the playground
// use by default, the compare view's config diff, the base-vs-adapter rows, the charts' smoothing,
// α axis and legend value, the CSV export and SFT's call share, a dropped image named as an image,
// HDR's stop reasons and counts in words, and the demo's settings.
import { describe, expect, it } from 'vitest';
import { latestEvalPerAdapter, latestTrainedRun, resolveAdapterRun } from '../../src/state/runStore.ts';
import { configDifferences, datasetIdentity } from '../../src/state/runDifferences.ts';
import type { DatasetRow } from '../../src/data/db.ts';
import { RunSeries, runSeriesCsv } from '../../src/state/runSeries.ts';
import { notADataset } from '../../src/data/fileKinds.ts';
import { nonDatasetMessage } from '../../src/state/fileKinds.ts';
import { evaluationNotice, hdrStopText, noRoundsText, plural } from '../../src/state/jobStore.ts';
import { readFileSync } from 'node:fs';
import { strToU8, zipSync } from 'fflate';
import { DEMO_HDR, DEMO_RUN_CONFIG } from '../../src/state/demoStore.ts';
import { hdrSettingsFromFlags } from '../../src/cli/commands/hdr.ts';
import { runConfigFromFlags, type RunConfigFlags } from '../../src/cli/runFlags.ts';
import { PANELS } from '../../src/ui/shell/Nav.tsx';
import { lastValue, smoothSeries, spanAtLeast } from '../../src/ui/dashboard/chartShape.ts';
import { DEFAULT_RUN_CONFIG, validateRunConfig, type RunConfig } from '../../src/train/config.ts';
import { SETTING_WORDS, type SettingKey } from '../../src/state/settingWords.ts';
import type { StoredRun } from '../../src/jobs/store/schema.ts';
import { DEFAULT_SPLIT } from '../../src/data/split.ts';

const run = (over: Record<string, unknown> = {}): StoredRun => ({ id: 'r1', datasetId: 'd', kind: 'train', status: 'done', createdAt: 0, updatedAt: 0, config: {}, ...over }) as StoredRun;

describe('the adapter a job uses by default', () => {
  const runs = [run({ id: 'new', lastStep: 0 }), run({ id: 'eval', kind: 'eval', lastStep: 3 }), run({ id: 'trained', lastStep: 30 }), run({ id: 'older', lastStep: 10 })];
  it('is the newest training run that has trained, until the user picks one', () => {
    expect(latestTrainedRun(runs)?.id).toBe('trained');
    expect(resolveAdapterRun(null, runs)).toBe('trained');
    expect(resolveAdapterRun('', runs)).toBe(''); // the base model, chosen on purpose
    expect(resolveAdapterRun('older', runs)).toBe('older');
    expect(resolveAdapterRun(null, [])).toBe('');
  });
});

describe('comparing runs', () => {
  const fp = (c: string) => `sha256:${c.repeat(64)}`;
  const stored = (id: string, name: string, fingerprint: string, seed = 1234) => ({ id, name, fingerprint, split: { seed, evalFraction: 0.1 } }) as DatasetRow;
  const datasets = [stored('d1', 'demo', fp('a')), stored('d2', 'bfcl', fp('b')), stored('d3', 'demo', fp('c')), stored('d4', 'demo', fp('a'), 7), stored('d5', 'demo', fp('a'))];
  const diff = (a: StoredRun, b: StoredRun) => configDifferences(a, b, (r) => datasetIdentity(r, datasets));

  it('lists only the settings that differ, flattened, with dataset and model', () => {
    const a = run({ id: 'a', datasetId: 'd1', modelRef: 'embedded:tiny-qwen3', config: { loss: 'fixed:0.5', lr: 0.001, lora: { rank: 8, targets: ['q', 'v'] } } });
    const b = run({ id: 'b', datasetId: 'd2', modelRef: 'embedded:tiny-qwen3', config: { loss: 'sft', lr: 0.001, lora: { rank: 4, targets: ['q', 'v'] } } });
    expect(diff(a, b)).toEqual([
      { setting: 'dataset', a: 'demo · aaaaaaaa', b: 'bfcl · bbbbbbbb' },
      { setting: 'loss', a: 'fixed:0.5', b: 'sft' },
      { setting: 'LoRA rank', a: '8', b: '4' },
    ]);
    expect(diff(a, a)).toEqual([]);
    // A run from before keepBest kept its last step, as one with it off does: no difference.
    expect(diff(a, { ...a, config: { ...a.config, keepBest: false } } as StoredRun)).toEqual([]);
    // Started from another run's adapter: the same settings, trained on from other weights.
    expect(diff(a, { ...a, startedFrom: { runId: 'g', name: 'general', step: 40 } } as StoredRun)).toEqual([{ setting: 'started from', a: '—', b: 'the adapter of “general” (step 40)' }]);
    expect(diff(a, { ...a, config: { ...a.config, keepBest: true } } as StoredRun)).toEqual([{ setting: 'keep the step with the lowest held-out loss', a: 'no', b: 'yes' }]);
    expect(diff(a, { ...a, config: { ...a.config, patience: 0 } } as StoredRun)).toEqual([]);
    expect(diff(a, { ...a, config: { ...a.config, keepBest: true, patience: 3 } } as StoredRun)).toEqual([{ setting: 'keep the step with the lowest held-out loss', a: 'no', b: 'yes' }, { setting: 'stop after N evaluations without a lower loss (0: never)', a: '0', b: '3' }]);
  });

  it('names every setting of a run in words, not by its key in the run config', () => {
    // The table listed `lora.rank`, `batchSize`, `evalEvery`, `balanceLr`, `alpha0`. Every key of a
    // run config with every optional setting given, each changed: a key added without words shows as itself.
    const full: RunConfig = { ...DEFAULT_RUN_CONFIG, keepBest: true, patience: 2, balanceRule: 'dwa', lora: { ...DEFAULT_RUN_CONFIG.lora, layers: [0, 1] } };
    const changed = (v: unknown): unknown => (typeof v === 'number' ? v + 1 : typeof v === 'boolean' ? !v : Array.isArray(v) ? [...v, 'x'] : typeof v === 'string' ? `${v}-other` : Object.fromEntries(Object.entries(v as object).map(([k, x]) => [k, changed(x)])));
    const rows = diff(run({ datasetId: 'd1', config: full }), run({ datasetId: 'd1', config: changed(full) }));
    const keys = Object.entries(full).flatMap(([k, v]) => (k === 'lora' ? Object.keys(v as object).map((l) => `lora.${l}`) : [k]));
    // The other side learns no α (its loss is not ssb): its balance settings show as "—", still a row each.
    expect(rows.map((r) => r.setting).sort()).toEqual(keys.map((k) => SETTING_WORDS[k as SettingKey]).sort());
    for (const r of rows) expect(r.setting, `"${r.setting}" is a code name`).not.toMatch(/^[a-z]+[A-Z.]|^[a-z]+\d$/);
  });

  it('tells datasets apart by content and split, not by name; the same examples imported twice are the same', () => {
    const on = (datasetId: string, over: Record<string, unknown> = {}) => run({ datasetId, config: { loss: 'sft' }, ...over });
    expect(diff(on('d1'), on('d3'))).toEqual([{ setting: 'dataset', a: 'demo · aaaaaaaa', b: 'demo · cccccccc' }]);
    expect(diff(on('d1'), on('d4'))).toEqual([{ setting: 'dataset', a: 'demo · aaaaaaaa (another split or copy)', b: 'demo · aaaaaaaa (another split or copy)' }]);
    expect(diff(on('d1'), on('d5'))).toEqual([]);
    // Read-only snapshots whose data is not stored here: their summaries tell them apart.
    const snap = (name: string, c: string) => on('gone', { datasetSummary: { name, fingerprint: fp(c), examples: 10 } });
    expect(diff(snap('x', 'a'), snap('y', 'b'))).toEqual([{ setting: 'dataset', a: 'x · aaaaaaaa (not stored here)', b: 'y · bbbbbbbb (not stored here)' }]);
    expect(diff(snap('x', 'a'), on('d1'))).toEqual([]);
    expect(diff(on('gone-1'), on('gone-2'))[0]).toEqual({ setting: 'dataset', a: 'not in this browser (deleted, or imported without its data; id gone-1)', b: 'not in this browser (deleted, or imported without its data; id gone-2)' });
  });

  it('says how many more or fewer examples a run trained on, on the same dataset, from what each recorded', () => {
    // The dataset row reads today's dataset: two runs on it showed "the same dataset" though the user
    // had included or left out examples (or HDR had added samples) between them.
    const on = (over: Record<string, unknown>) => run({ datasetId: 'd1', config: { loss: 'sft' }, lastStep: 5, ...over });
    const setup = (train: number) => ({ setup: { examples: { train, eval: 2, tooLong: 0 } } });
    expect(diff(on(setup(12)), on(setup(15)))).toEqual([{ setting: 'training examples', a: '12', b: '15 (3 more)' }]);
    expect(diff(on(setup(12)), on(setup(10)))).toEqual([{ setting: 'training examples', a: '12', b: '10 (2 fewer)' }]);
    expect(diff(on(setup(12)), on(setup(12)))).toEqual([]);
    // A run that trained before its examples were recorded: unknown, never "the same".
    expect(diff(on({}), on(setup(12)))).toEqual([{ setting: 'training examples', a: 'unknown (not recorded by this run)', b: '12' }]);
    expect(diff(on({}), on({}))).toEqual([{ setting: 'training examples', a: 'unknown (not recorded by this run)', b: 'unknown (not recorded by this run)' }]);
  });

  it('says when two runs trained on as many examples but not the same ones, from the digest each recorded', () => {
    // One example left out and another included between two runs keeps the count: the table said
    // nothing, as if both had trained on the same examples.
    const on = (digest: string | undefined, over: Record<string, unknown> = {}) =>
      run({ datasetId: 'd1', modelRef: 'embedded:tiny-qwen3', config: { loss: 'sft', seqLen: 320 }, lastStep: 5, setup: { examples: { train: 12, eval: 2, tooLong: 0, ...(digest ? { digest } : {}) } }, ...over });
    expect(diff(on('crc32:0000000a'), on('crc32:0000000b'))).toEqual([{ setting: 'training examples', a: '12', b: '12 (as many, but not the same examples)' }]);
    expect(diff(on('crc32:0000000a'), on('crc32:0000000a'))).toEqual([]);
    // A run recorded before the digest was kept cannot say: nothing is claimed either way.
    expect(diff(on(undefined), on('crc32:0000000b'))).toEqual([]);
    // The digest is of the tokens the run trained on: another model or sequence length tokenizes the
    // same examples otherwise, and that difference is its own row.
    expect(diff(on('crc32:0000000a'), on('crc32:0000000b', { modelRef: 'Qwen/Qwen3-0.6B' }))).toEqual([{ setting: 'model', a: 'embedded:tiny-qwen3', b: 'Qwen/Qwen3-0.6B' }]);
    expect(diff(on('crc32:0000000a'), on('crc32:0000000b', { config: { loss: 'sft', seqLen: 512 } }))).toEqual([{ setting: 'sequence length (tokens)', a: '320', b: '512' }]);
  });

  it('compares the balance settings runs train with: defaults for older rows, none when no α is learned', () => {
    const older = run({ datasetId: 'd1', config: { loss: 'ssb', lr: 0.001, alpha0: 0.7, alphaMin: 0.05, alphaMax: 0.95 } });
    const now = run({ datasetId: 'd1', config: { loss: 'ssb', lr: 0.001, alpha0: 0.7, alphaMin: 0.05, alphaMax: 0.95, balanceRule: 'grad', balanceLr: 0.001, balanceTemperature: 2, balanceWindow: 10 } });
    expect(diff(older, now)).toEqual([]);
    const uncertainty = run({ datasetId: 'd1', config: { ...now.config, balanceRule: 'uncertainty', balanceLr: 0.01 } });
    expect(diff(now, uncertainty)).toEqual([
      { setting: 'how α is learned', a: 'grad', b: 'uncertainty' },
      { setting: 'α’s learning rate (its log-variance step under uncertainty)', a: '0.001', b: '0.01' },
    ]);
    const sft = (over: Record<string, unknown>) => run({ datasetId: 'd1', config: { loss: 'sft', lr: 0.001, ...over } });
    expect(diff(sft({ balanceRule: 'grad', alpha0: 0.7 }), sft({ balanceRule: 'dwa' }))).toEqual([]);
  });

  it('does not list LoRA targets typed in another order as a difference (the adapter is the same)', () => {
    // `studio train --lora-targets v,q` stores them as typed; the Training form in module order.
    const on = (targets: string[]) => run({ datasetId: 'd1', config: { loss: 'sft', lora: { rank: 8, targets } } });
    expect(diff(on(['v', 'q']), on(['q', 'v']))).toEqual([]);
    expect(diff(on(['v', 'q']), on(['q', 'k']))).toEqual([{ setting: 'LoRA target modules', a: 'q, v', b: 'q, k' }]);
  });

  it('does not list one fixed weight written two ways as a difference', () => {
    // `studio train --loss fixed:0.70` keeps the text as typed; the Training form writes fixed:0.7.
    const on = (loss: string) => run({ datasetId: 'd1', config: { loss, lr: 0.001 } });
    expect(diff(on('fixed:0.70'), on('fixed:0.7'))).toEqual([]);
    expect(diff(on('fixed:.5'), on('fixed:0.7'))).toEqual([{ setting: 'loss', a: 'fixed:0.5', b: 'fixed:0.7' }]);
  });

  it('puts the base model first and keeps each adapter’s newest finished evaluation', () => {
    const evals = [
      { id: 'e6', config: { adapterRunId: 'r' }, summary: {}, status: 'done', stopped: true }, // stopped by the user part-way
      { id: 'e5', config: { adapterRunId: null }, summary: {}, status: 'failed' }, // failed part-way (or stopped, before stops were `done`)
      { id: 'e4', config: { adapterRunId: 'r' }, summary: {} },
      { id: 'e3', config: { adapterRunId: null }, summary: {} },
      { id: 'e2', config: { adapterRunId: 'r' }, summary: {} },
      { id: 'e1', config: { adapterRunId: null }, summary: {} },
      { id: 'e0', config: { adapterRunId: 'x' } }, // still running: no summary
    ];
    expect(latestEvalPerAdapter(evals).map((e) => e.id)).toEqual(['e3', 'e4']);
  });

  it('keeps the newest base-model evaluation of each model, not only the newest of any model', () => {
    // Qwen's base, then SmolLM's base, then a Qwen adapter: the comparison showed SmolLM's base
    // model as "base model (no adapter)" beside the Qwen adapter.
    const evals = [
      { id: 'adapter', config: { adapterRunId: 'r' }, summary: {}, modelRef: 'Qwen/Qwen3-0.6B' },
      { id: 'smol-base', config: { adapterRunId: null }, summary: {}, modelRef: 'HuggingFaceTB/SmolLM2-135M-Instruct' },
      { id: 'qwen-base', config: { adapterRunId: null }, summary: {}, modelRef: 'Qwen/Qwen3-0.6B' },
      { id: 'qwen-base-old', config: { adapterRunId: null }, summary: {}, modelRef: 'Qwen/Qwen3-0.6B' },
    ];
    expect(latestEvalPerAdapter(evals).map((e) => e.id)).toEqual(['smol-base', 'qwen-base', 'adapter']);
  });
});

describe('charts', () => {
  it('smooths like W&B (debiased EMA), keeps gaps, and leaves weight 0 raw', () => {
    expect(smoothSeries([1, 2, 3], 0)).toEqual([1, 2, 3]);
    const s = smoothSeries([4, null, 2], 0.5) as number[];
    expect(s[0]).toBeCloseTo(4); // debiased: the first point is itself
    expect(s[1]).toBeNull();
    expect(s[2]).toBeCloseTo((0.5 * 0.5 * 4 + 0.5 * 2) / (1 - 0.25)); // 2.667
  });

  it('gives α an axis at least 0.1 wide inside [0, 1], so 0.7000 → 0.7007 looks flat', () => {
    const [lo, hi] = spanAtLeast(0.7, 0.7007, 0.1, [0, 1]);
    expect(hi - lo).toBeCloseTo(0.1);
    expect(lo).toBeLessThan(0.7);
    expect(hi).toBeGreaterThan(0.7007);
    expect(spanAtLeast(0.01, 0.02, 0.1, [0, 1])).toEqual([0, 0.1]);
    const [wlo, whi] = spanAtLeast(0.2, 0.9, 0.1, [0, 1]); // a real move keeps its own range
    expect(wlo).toBeLessThan(0.2);
    expect(whi).toBeGreaterThan(0.9);
  });

  it('shows the latest value in the legend when the pointer is off the chart', () => {
    expect(lastValue([1, 2, null])).toBe(2);
    expect(lastValue([])).toBeNull();
  });

  it('exports a run’s metrics as CSV and knows plain SFT’s weight on the call', () => {
    const s = new RunSeries('r');
    s.setRows([
      { step: 1, values: { loss: 2, cotTokens: 30, callTokens: 10 } },
      { step: 2, values: { loss: 1.5, cotTokens: 50, callTokens: 10 } },
    ]);
    expect(s.sftCallShare()).toBeCloseTo(20 / 100);
    const csv = runSeriesCsv(s).split('\n');
    expect(csv[0].split(',').slice(0, 3)).toEqual(['step', 'loss', 'lossCot']);
    expect(csv[1].split(',').slice(0, 3)).toEqual(['1', '2', '']);
    expect(csv).toHaveLength(4); // header, two steps, final newline
    // Everything the trainer logs per step is a column (for pandas), drawn or not.
    expect(csv[0].split(',')).toEqual(expect.arrayContaining(['gradAlpha', 'epoch', 'tokens', 'millis', 'evalLossTokens']));
  });
});

describe('files that are not datasets', () => {
  it('names a PNG an image by its bytes, whatever its name, and leaves JSON alone', async () => {
    const png = new File([new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0])], 'data.jsonl');
    expect(await notADataset(png)).toBe('a PNG image');
    expect(await notADataset(new File(['{"messages": []}'], 'x.jsonl'))).toBeNull();
    expect(await notADataset(new File(['<svg/>'], 'chart.svg'))).toBe('an image');
    const text = await nonDatasetMessage([png]);
    expect(text).toMatch(/^data\.jsonl is a PNG image, not a dataset\. Drop a \.json, \.jsonl or \.parquet file/);
    expect(text).not.toMatch(/UTF-8|0x89/);
  });

  it('names model and adapter weights and a snapshot .zip, as `studio … --data` does', async () => {
    const zip = new File([zipSync({ 'run.json': strToU8('{}') })], 'export.jsonl');
    const weights = new File([new Uint8Array([2, 0, 0, 0, 0, 0, 0, 0, 0x7b, 0x7d])], 'adapter_model.safetensors');
    expect(await notADataset(zip)).toBe('a ZIP archive');
    expect(await notADataset(weights)).toBe('model weights');
    expect(await nonDatasetMessage([weights, zip])).toBe(
      'adapter_model.safetensors is model weights; export.jsonl is a ZIP archive, not a dataset. Drop a .json, .jsonl or .parquet file of examples (OpenAI, Hermes, ShareGPT, xLAM, Glaive, FunReason or BFCL), gzipped (.gz) or not, or a run snapshot (.zip). Nothing was imported.',
    );
  });
});

describe('words on screen', () => {
  it('says why HDR stopped and counts in the singular', () => {
    expect(hdrStopText('pool_stopped_shrinking')).toBe('the pool stopped shrinking');
    expect(hdrStopText('pool_empty')).toBe('every hard case was solved');
    // A run with no rounds: a code in words, and a row a closed page left "running" is not mining.
    expect(noRoundsText('done', 'aborted')).toBe('no rounds: cancelled');
    expect(noRoundsText('interrupted', undefined)).toBe('interrupted (the page was closed, or its GPU worker was ended, while it ran) before its first round');
    expect(noRoundsText('running', undefined)).toBe('mining hard cases…');
    // A cancelled evaluation says what it scored, never "0.0% correct" of nothing.
    const summary = (total: number, correct: number) => ({ total, correct, accuracy: total ? correct / total : 0 }) as Parameters<typeof evaluationNotice>[0]['summary'];
    expect(evaluationNotice({ summary: summary(6, 3), aborted: false, requested: 6 })).toBe('Evaluated 6 examples: 50.0% correct.');
    expect(evaluationNotice({ summary: summary(2, 0), aborted: true, requested: 6 })).toBe("Evaluation cancelled after 2 of 6 examples: 0.0% correct of those (not the dataset's accuracy).");
    expect(evaluationNotice({ summary: summary(0, 0), aborted: true, requested: 6 })).toBe('Evaluation cancelled before the first of 6 examples was scored.');
    // Examples too long for the model's context were not asked: the notice says so, and one where
    // every example was too long scored nothing (it said "Evaluated 0 examples: 0.0% correct.").
    const skipping = (total: number, correct: number, tooLong: number) => ({ ...summary(total, correct), tooLong });
    expect(evaluationNotice({ summary: skipping(8, 4, 2), aborted: false, requested: 10 }, 96)).toBe(
      "Evaluated 8 of 10 examples: 50.0% correct. 2 examples were not asked: their prompts and the answer's 96 tokens pass the model's context (not counted in the accuracy).",
    );
    expect(evaluationNotice({ summary: skipping(0, 0, 3), aborted: false, requested: 3 }, 96)).toBe(
      "No example was scored. 3 examples were not asked: their prompts and the answer's 96 tokens pass the model's context (not counted in the accuracy).",
    );
    expect(plural(1, 'round')).toBe('1 round');
    expect(plural(2, 'example')).toBe('2 examples');
  });
});

describe('the demo', () => {
  it('trains with settings that validate and balance α with a visible rate', () => {
    expect(() => validateRunConfig(DEMO_RUN_CONFIG)).not.toThrow();
    expect(DEMO_RUN_CONFIG.loss).toBe('ssb');
    expect(DEMO_RUN_CONFIG.steps).toBeLessThanOrEqual(40);
  });
});

describe('the README', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

  it('names every panel as the navigation does, in its order', () => {
    const studio = readme.slice(readme.indexOf('## The studio'), readme.indexOf('## Headless engine'));
    const named = [...studio.matchAll(/\*\*([^*]+)\*\*/g)].map((m) => m[1]);
    expect(named).toEqual(PANELS.map((p) => p.label));
  });

  it('gives the CLI line that trains the guided demo’s run, held-out loss included', () => {
    // The line after the guide's figures; the CLI splits as the studio does (seed 1234) without --split-seed.
    const line = /`studio train (--steps [^`]+)`/.exec(readme)![1].replace(/\s+/g, ' ');
    expect(line).not.toContain('--split-seed');
    expect(DEFAULT_SPLIT.seed).toBe(1234);
    const flags: Record<string, string | number> = {};
    for (const [, name, value] of line.matchAll(/--([\w-]+) (\S+)/g)) flags[name] = name === 'schedule' ? value : Number(value);
    // The checkpoint cadence changes no number the README quotes.
    expect({ ...runConfigFromFlags(flags as RunConfigFlags), checkpointEvery: 0 }).toEqual({ ...DEMO_RUN_CONFIG, checkpointEvery: 0 });
  });

  it('gives the CLI line that runs the guided demo’s HDR from that run', () => {
    // It said "with `studio hdr`" and no flags: HDR's defaults (3 samples, 10 rounds, 512 tokens) mine and sample otherwise.
    const line = /`studio hdr --adapter <[^>]+>\s([^`]+)`/.exec(readme)![1].replace(/\s+/g, ' ');
    const flags: Record<string, number> = {};
    for (const [, name, value] of line.matchAll(/--([\w-]+) (\S+)/g)) flags[name] = Number(value);
    expect(flags['mine-limit']).toBe(DEMO_HDR.mineLimit);
    expect(hdrSettingsFromFlags(flags, DEMO_HDR.settings.seed)).toEqual(DEMO_HDR.settings);
    // HDR retrains with the demo run's own settings, as the studio does.
    const retrain = runConfigFromFlags(flags as RunConfigFlags);
    expect([retrain.batchSize, retrain.seqLen, retrain.lr, retrain.balanceLr]).toEqual([DEMO_RUN_CONFIG.batchSize, DEMO_RUN_CONFIG.seqLen, DEMO_RUN_CONFIG.lr, DEMO_RUN_CONFIG.balanceLr]);
  });
});
