// A CLI run folder is what `--resume` continues from after the process died. A checkpoint written
// in place and cut by a kill replaced the last good one with half a file (nothing to resume); a
// metrics.jsonl line cut mid-append made every resume fail with a bare SyntaxError.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_RUN_CONFIG } from '../../src/train/config.ts';
import { decodeCheckpoint, encodeCheckpoint } from '../../src/train/checkpointFile.ts';
import type { TrainerState } from '../../src/train/trainer.ts';
import type { Prediction } from '../../src/eval/index.ts';

// writeFileSync stands for a disk that fails (or a process killed) part-way through one file.
const failing = vi.hoisted(() => ({ path: null as string | null }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  return {
    ...fs,
    writeFileSync: (path: string, data: string | Uint8Array) => {
      if (failing.path && String(path).startsWith(failing.path)) {
        fs.writeFileSync(path, typeof data === 'string' ? data.slice(0, 10) : data.subarray(0, 10));
        throw new Error('ENOSPC: no space left on device, write');
      }
      return fs.writeFileSync(path, data);
    },
  };
});

const { CHECKPOINT_FILE, METRICS_FILE, RunFolderStore, readPredictionLines } = await import('../../src/jobs/store/folder.ts');
const { summarizePredictions } = await import('../../src/eval/index.ts');

const state = (step: number): TrainerState => ({ step, cursor: { epoch: 0, index: step }, balance: { rule: 'grad', theta: { value: 0.8, m: 0, v: 0, step } }, loraParams: new Float32Array(4).fill(step), adamM: new Float32Array(4), adamV: new Float32Array(4) });

function runFolder() {
  const dir = mkdtempSync(join(tmpdir(), 'run-folder-'));
  writeFileSync(join(dir, 'run.json'), JSON.stringify({ model: 'tiny', data: ['d.jsonl'], config: DEFAULT_RUN_CONFIG }) + '\n');
  return { dir, store: new RunFolderStore(dir, { model: 'tiny', data: ['d.jsonl'] }) };
}

describe('a CLI run folder after a write that did not finish', () => {
  it('keeps the last whole checkpoint when writing the next one fails part-way', async () => {
    const { dir, store } = runFolder();
    await store.saveCheckpoint(state(40));
    failing.path = join(dir, CHECKPOINT_FILE);
    await expect(store.saveCheckpoint(state(50))).rejects.toThrow(/ENOSPC/);
    failing.path = null;
    const path = join(dir, CHECKPOINT_FILE);
    expect((await decodeCheckpoint(new Uint8Array(readFileSync(path)), path)).state.step).toBe(40);
    expect((await store.openHistory(true))?.step).toBe(40);
    await store.saveCheckpoint(state(50));
    expect((await decodeCheckpoint(new Uint8Array(readFileSync(path)), path)).state.step).toBe(50);
    expect(existsSync(`${path}.partial`)).toBe(false);
  });

  it('resumes past a metrics line the process was killed while appending, and names a broken earlier one', async () => {
    const { dir, store } = runFolder();
    writeFileSync(join(dir, CHECKPOINT_FILE), encodeCheckpoint(state(2)));
    const line = (step: number) => JSON.stringify({ kind: 'step', step, loss: 1 });
    writeFileSync(join(dir, METRICS_FILE), `${line(1)}\n${line(2)}\n${line(3)}\n{"kind":"step","st`);
    expect((await store.openHistory(true))?.step).toBe(2);
    expect(readFileSync(join(dir, METRICS_FILE), 'utf8')).toBe(`${line(1)}\n${line(2)}\n`);

    writeFileSync(join(dir, METRICS_FILE), `${line(1)}\n{"kind":"st\n${line(2)}\n`);
    await expect(store.openHistory(true)).rejects.toThrow(`${join(dir, METRICS_FILE)} line 2 is not JSON; remove that line to resume`);
  });

  it('keeps the answers a resumed evaluation had when writing its predictions fails part-way', async () => {
    // studio eval --resume rewrites predictions.jsonl whole, the earlier answers with the new ones:
    // a write cut there left a file --resume could not read, and the earlier answers were gone.
    const dir = mkdtempSync(join(tmpdir(), 'eval-folder-'));
    const predictions = join(dir, 'predictions.jsonl');
    const summary = join(dir, 'summary.json');
    const answer = (id: string): Prediction => ({ exampleId: id, category: 'simple', output: `[f(x=${id.length})]`, valid: true, errors: [], finishReason: 'eos', generatedTokens: 4 });
    const earlier = [answer('a'), answer('bb')];
    const store = RunFolderStore.forEvaluation({ predictions, summary, earlier: { predictions: [], order: ['a', 'bb'] } }, { model: 'tiny', data: ['d.jsonl'] });
    await store.saveEvaluation({ ...summarizePredictions(earlier), predictions: earlier, aborted: false });
    const resumed = RunFolderStore.forEvaluation({ predictions, summary, earlier: { predictions: earlier, order: ['a', 'bb', 'ccc'] } }, { model: 'tiny', data: ['d.jsonl'] });
    failing.path = dir;
    await expect(resumed.saveEvaluation({ ...summarizePredictions([answer('ccc')]), predictions: [answer('ccc')], aborted: false })).rejects.toThrow(/ENOSPC/);
    failing.path = null;
    expect(readPredictionLines(predictions).map((p) => p.id)).toEqual(['a', 'bb']);
    expect(JSON.parse(readFileSync(summary, 'utf8'))).toMatchObject({ total: 2 });
  });

  it('resumes past a token-loss.json an earlier version cut while writing it in place (resume read it and failed with a bare SyntaxError)', async () => {
    const { dir, store } = runFolder();
    writeFileSync(join(dir, CHECKPOINT_FILE), encodeCheckpoint(state(2)));
    writeFileSync(join(dir, 'token-loss.json'), '{"step":3,"exampleId":"a","tok');
    expect((await store.openHistory(true))?.step).toBe(2);
    // The strip shows no adapter that is kept: it goes.
    expect(existsSync(join(dir, 'token-loss.json'))).toBe(false);
  });
});


describe('a training run folder resumed past its adapter files', () => {
  // `studio hdr --adapter` took α from the checkpoint (the resumed run's later step) and the LoRA
  // from the adapter files (the step the run first finished at): a model no run ever trained.
  const at = (step: number): TrainerState => ({ ...state(step), balance: { rule: 'grad', theta: { value: step / 10, m: 0, v: 0, step } } });
  const files = async () => ({ configJson: '{}', weights: new Uint8Array(0) });

  it("gives the balance state of the adapter files' step, kept with them", async () => {
    const { store } = runFolder();
    await store.saveCheckpoint(at(3));
    await store.saveAdapter(3, files, at(3).balance);
    await store.saveCheckpoint(at(5));
    expect(await store.readBalance()).toEqual(at(3).balance);
  });

  it("gives the checkpoint's only while it holds the adapter files' step (folders that kept no balance.json)", async () => {
    const { store } = runFolder();
    await store.saveCheckpoint(at(3));
    await store.saveAdapter(3, files);
    expect(await store.readBalance()).toEqual(at(3).balance);
    await store.saveCheckpoint(at(5));
    expect(await store.readBalance()).toBeNull();
  });
});

describe('the texts a CLI run folder keeps besides its predictions', () => {
  it('say them in the command’s words (--max-tokens, --mine-limit), as its predictions and its errors do', async () => {
    const { inCommandWords } = await import('../../src/cli/command.ts');
    const hdr = (await import('../../src/cli/commands/hdr.ts')).default;
    const dir = mkdtempSync(join(tmpdir(), 'run-folder-words-'));
    const store = new RunFolderStore(dir, { model: 'tiny', data: ['d.jsonl'], errorWords: (m) => inCommandWords(m, hdr) });
    // HDR's refusal to retrain, as jobs/hdr.ts words it for the studio's form.
    const why = 'HDR cannot retrain on this GPU at sequence length 900: too big. Lower Max new tokens (96) or Examples to mine (40 mined; fewer can leave the longest prompt out)';
    const pool = await store.hdrPool({} as never, DEFAULT_RUN_CONFIG);
    await pool.finish({ settings: {} as never, config: DEFAULT_RUN_CONFIG, stopReason: why, failed: true, rounds: 0, poolStart: 0, poolEnd: 0, added: 0 });
    await store.setStatus('failed', { message: why });
    for (const file of ['hdr.json', 'run.json']) {
      const text = readFileSync(join(dir, file), 'utf8');
      expect(text, file).toContain('Lower --max-tokens (96) or --mine-limit (40 mined');
      expect(text, file).not.toContain('Max new tokens');
    }
    // studio ablate's report names an arm that failed so, with its reason.
    const ablate = (await import('../../src/cli/commands/ablate.ts')).default;
    const report = new RunFolderStore(dir, { model: 'tiny', data: ['d.jsonl'], errorWords: (m) => inCommandWords(m, ablate) });
    const shared = { steps: 1, seed: 1, batchSize: 1, seqLen: 64, lr: 1e-4, lora: DEFAULT_RUN_CONFIG.lora, alpha0: 0.5, alphaMin: 0, alphaMax: 1, decoding: { maxNewTokens: 96, temperature: 0 } };
    await report.saveAblation({ name: 'a', arms: [], heldOut: 0, shared: shared as never, stopped: false, skipped: 0, failed: [{ id: 'ssb+hdr', message: why }] });
    for (const file of ['report.md', 'ablation.json']) {
      const text = readFileSync(join(dir, file), 'utf8');
      expect(text, file).toContain('Lower --max-tokens (96) or --mine-limit (40 mined');
      expect(text, file).not.toContain('Max new tokens');
    }
  });
});
