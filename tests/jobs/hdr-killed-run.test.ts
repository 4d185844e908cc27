// An HDR run folder whose process was killed mid-run (SIGKILL, a crash, the power): hdr.json used to
// be written only when the run finished, so such a folder had rounds.jsonl and a retrained adapter
// but no summary of the rounds it finished, while the browser's row keeps its totals as the rounds go.
// Protects: hdr.json is written (whole, through a temp file) as the run starts, after mining and after
// every change to the pool, the samples or the rounds, saying the run was running; and what reads a
// run folder's hdr.json (--adapter) takes one from a run that did not finish.
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { Example } from '../../src/data/example.ts';
import type { EvalReport } from '../../src/eval/index.ts';
import { DEFAULT_HDR_SETTINGS, runHdrRounds, type HdrEngine, type HdrRoundReport, type HdrSettings } from '../../src/hdr/index.ts';
import { HDR_FILES, RunFolderWorkspace } from '../../src/jobs/store/folder.ts';
import { adapterRun, readAdapter } from '../../src/cli/localFiles.ts';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../../src/train/config.ts';
import { generateTinyModel, TINY_QWEN3_DEFAULT } from '../../src/model/tiny-model.ts';
import { initLoraAdapter } from '../../src/model/lora.ts';
import { exportPeftAdapter } from '../../src/model/peft.ts';

const tools = [{ name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] } }];
const example = (id: string): Example => ({ id, tools, messages: [{ role: 'user', content: `find ${id}` }], target: { reasoning: 'lookup it', calls: [{ name: 'lookup', arguments: { q: id } }] }, source: 'openai' });
const right = (id: string) => `<think>use lookup for ${id}</think><tool_call>{"name":"lookup","arguments":{"q":"${id}"}}</tool_call>`;

/** Answers case "a" right and case "b" wrong (prompt id 1 is a's), and retrains without complaint. */
const engine: HdrEngine = {
  generate: async (prompts) => prompts.map((p) => ({ tokens: Array.from(p[0] === 1 ? right('a') : 'no idea', (ch) => ch.charCodeAt(0)), finishReason: 'eos' as const })),
  encodePrompt: (e) => [e.id === 'a' ? 1 : 2],
  decode: (ids) => String.fromCharCode(...ids),
  train: async (batch) => ({ steps: 1, examples: batch.length, lossFirst: 1, lossLast: 1, skipped: [] }),
};

const { spec } = generateTinyModel({ ...TINY_QWEN3_DEFAULT, hiddenSize: 32, intermediateSize: 64, numHeads: 2, numKvHeads: 1, headDim: 16 });
const CONFIG: RunConfig = { ...DEFAULT_RUN_CONFIG, steps: 1, batchSize: 1, seqLen: 320, lora: { ...DEFAULT_RUN_CONFIG.lora, rank: 2, alpha: 4 } };

describe('an HDR run folder whose process was killed', () => {
  it('keeps in hdr.json the rounds it finished, with their totals, and says it was running', async () => {
    const settings: HdrSettings = { ...DEFAULT_HDR_SETTINGS, maxRounds: 1, samplesPerCase: 1 };
    const root = mkdtempSync(join(tmpdir(), 'hdr-killed-'));
    const store = await new RunFolderWorkspace(root, { model: 'tiny', data: ['demo.jsonl'], adapter: null, summary: { mine: 'train' } }).createRun({ kind: 'hdr', name: 'hdr', settings, config: CONFIG });
    const summary = () => JSON.parse(readFileSync(join(store.dir, HDR_FILES.summary), 'utf8'));

    const pool = await store.hdrPool(settings, CONFIG);
    // Killed before it mined: the folder says what ran, and no pool it never had.
    expect(summary()).toMatchObject({ model: 'tiny', mine: 'train', config: CONFIG, settings, status: 'running', rounds: 0 });
    expect(summary()).not.toHaveProperty('poolStart');

    const mined = ['a', 'b'].map((id) => ({ example: example(id), failedOutputs: ['wrong'], round: 0, status: 'open' as const }));
    await pool.saveMined({ total: 2, correct: 0, predictions: [] } as unknown as EvalReport, mined);
    expect(summary()).toMatchObject({ status: 'running', rounds: 0, poolStart: 2, poolEnd: 2, added: 0 });

    // Round 1 solves "a" and retrains; then the process dies: nothing calls finish.
    const result = await runHdrRounds({ pool: mined, evalSet: [], replayPool: [], engine, settings, hooks: pool.hooks });
    expect(result.rounds).toHaveLength(1);
    const file = summary();
    expect(file).toMatchObject({ status: 'running', rounds: 1, poolStart: 2, poolEnd: 1, added: 1 });
    expect(file).not.toHaveProperty('stopReason');
    // Its figures are those of the round it finished (rounds.jsonl) and the files beside it.
    const round = JSON.parse(readFileSync(join(store.dir, HDR_FILES.rounds), 'utf8').trim());
    expect([round.poolBefore, round.poolAfter, round.accepted]).toEqual([file.poolStart, file.poolEnd, file.added]);
    // Written whole: no half-written temp file is left beside it.
    expect(readdirSync(store.dir).filter((f) => f.endsWith('.partial'))).toEqual([]);

    // --adapter of the folder retrains and splits with the run's settings, as for a finished run.
    expect(adapterRun(store.dir)).toMatchObject({ config: CONFIG, file: join(store.dir, HDR_FILES.summary) });
  });

  it('finishing rewrites it with the stop reason and the run done', async () => {
    const settings: HdrSettings = { ...DEFAULT_HDR_SETTINGS, maxRounds: 1, samplesPerCase: 1 };
    const store = await new RunFolderWorkspace(mkdtempSync(join(tmpdir(), 'hdr-finished-')), { model: 'tiny', data: ['demo.jsonl'], adapter: null }).createRun({ kind: 'hdr', name: 'hdr', settings, config: CONFIG });
    const pool = await store.hdrPool(settings, CONFIG);
    await pool.finish({ settings, config: CONFIG, stopReason: 'round_limit', failed: false, rounds: 1, poolStart: 2, poolEnd: 1, added: 1 });
    expect(JSON.parse(readFileSync(join(store.dir, HDR_FILES.summary), 'utf8'))).toMatchObject({ status: 'done', stopReason: 'round_limit', rounds: 1, poolStart: 2, poolEnd: 1, added: 1 });
  });

  // --adapter of a run killed before it finished a round: there is no adapter, and the message said
  // only that adapter_config.json was missing, as of a folder that is no run at all.
  it('given as --adapter before it finished a round, is named as such', async () => {
    const settings: HdrSettings = { ...DEFAULT_HDR_SETTINGS, maxRounds: 1 };
    const store = await new RunFolderWorkspace(mkdtempSync(join(tmpdir(), 'hdr-killed-early-')), { model: 'tiny', data: ['demo.jsonl'], adapter: null }).createRun({ kind: 'hdr', name: 'hdr', settings, config: CONFIG });
    await store.hdrPool(settings, CONFIG);
    expect(existsSync(join(store.dir, HDR_FILES.summary))).toBe(true);
    await expect(readAdapter(spec, store.dir, 'tiny')).rejects.toThrow(`--adapter ${store.dir}: no adapter_config.json; it is an HDR run that finished no round (its hdr.json says it was still running: cut off, or still at work), so it has no adapter yet`);
  });

  // After a round it has the adapter of that round (kept with every round): usable, but not the
  // run's end, which the user is told.
  it('given as --adapter after a finished round, gives that round\'s adapter and says the run did not end', async () => {
    const settings: HdrSettings = { ...DEFAULT_HDR_SETTINGS, maxRounds: 1, samplesPerCase: 1 };
    const store = await new RunFolderWorkspace(mkdtempSync(join(tmpdir(), 'hdr-killed-round-')), { model: 'tiny', data: ['demo.jsonl'], adapter: null }).createRun({ kind: 'hdr', name: 'hdr', settings, config: CONFIG });
    const pool = await store.hdrPool(settings, CONFIG);
    await pool.hooks.onRound?.({ round: 1 } as HdrRoundReport);
    const peft = exportPeftAdapter(spec, initLoraAdapter(spec, CONFIG.lora, 1), 'tiny');
    await store.saveAdapter(1, async () => ({ configJson: peft.adapterConfigJson, weights: peft.adapterSafetensors }));
    const notes = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect((await readAdapter(spec, store.dir, 'tiny'))?.settings.rank).toBe(2);
      expect(notes.mock.calls.map((c) => c[0])).toContain(`note: --adapter ${store.dir} is an HDR run that did not end (its hdr.json says it was still running: cut off, or still at work); its adapter is that of round 1, the last it finished`);
    } finally {
      notes.mockRestore();
    }
  });
});
