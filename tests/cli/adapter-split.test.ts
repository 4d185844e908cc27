// `--adapter` of an unzipped studio snapshot whose dataset held out another share than the CLI's
// 10%: the CLI kept the snapshot's split seed but not its share, so `studio train` and `studio hdr`
// trained on or mined examples the studio had held out, and `studio eval` scored other examples.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { adapterEvalFraction, adapterRun, adapterSplitsByQuestion, dataExamples, recordedEvalFraction, recordedSplitBy } from '../../src/cli/localFiles.ts';
import { sideOf } from '../../src/data/split.ts';
import { DEFAULT_RUN_CONFIG } from '../../src/train/config.ts';
import { encodeDatasetJsonl } from '../../src/snapshot/dataset-jsonl.ts';

const DATA = 'public/demo/demo-dataset.jsonl';

/** A flag's fallback that must stay unread when the flag is given. */
const never = () => {
  throw new Error('read the fallback');
};

function snapshotFolder(split: { seed: number; evalFraction: number }): string {
  const dir = mkdtempSync(join(tmpdir(), 'snapshot-split-'));
  writeFileSync(join(dir, 'run.json'), JSON.stringify({ config: DEFAULT_RUN_CONFIG, dataset: { name: 'demo', fingerprint: 'sha256:x', examples: 9, split } }));
  return dir;
}

describe('--adapter of an unzipped studio snapshot', () => {
  afterEach(() => vi.restoreAllMocks());

  it('holds out the share its dataset held out, with its seed, and says so', async () => {
    const dir = snapshotFolder({ seed: 1234, evalFraction: 0.5 });
    const said = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(adapterRun(dir)).toMatchObject({ splitSeed: 1234, evalFraction: 0.5 });
      const evalFraction = adapterEvalFraction(dir);
      expect(evalFraction).toBe(0.5);
      expect(said).toHaveBeenCalledWith(`note: --adapter ${dir}'s run held out 50% of its examples, so this holds out 50% too, not the usual 10%`);
      // Its dataset split example by example (a snapshot from before splits went by question): so does this.
      expect(adapterSplitsByQuestion(dir)).toBe(false);
      expect(said).toHaveBeenCalledWith(`note: --adapter ${dir}'s run split its examples one by one (it was written before splits kept the examples asking the same question on one side), so this splits them so too`);
      const data = await dataExamples([DATA], { seed: 1234, evalFraction, byQuestion: false });
      const studioHeldOut = [...data.train, ...data.eval].filter((e) => sideOf(e, { seed: 1234, evalFraction: 0.5 }) === 'eval');
      expect(data.eval.map((e) => e.id).sort()).toEqual(studioHeldOut.map((e) => e.id).sort());
      expect(data.eval.length).toBeGreaterThan(data.train.length / 2); // about half, not a tenth
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('holds out the usual 10% without a word when its dataset did', () => {
    const dir = snapshotFolder({ seed: 1234, evalFraction: 0.1 });
    const said = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(adapterEvalFraction(dir)).toBe(0.1);
      expect(adapterEvalFraction(undefined)).toBe(0.1);
      expect(said).not.toHaveBeenCalled();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('splits by question where the --adapter folder’s run did, or records no run; one by one where its run did', () => {
    const said = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const dir = mkdtempSync(join(tmpdir(), 'run-split-by-'));
    try {
      expect(adapterSplitsByQuestion(undefined)).toBe(true);
      expect(adapterSplitsByQuestion(dir)).toBe(true); // a bare PEFT folder: no run to follow
      expect(recordedSplitBy(true)).toEqual({ splitBy: 'question' });
      expect(recordedSplitBy(false)).toEqual({});
      for (const [file, json] of [
        ['run.json', { config: DEFAULT_RUN_CONFIG, source: { splitSeed: 1234, ...recordedSplitBy(true) } }],
        ['hdr.json', { config: DEFAULT_RUN_CONFIG, splitSeed: 1234, ...recordedSplitBy(true) }],
        ['run.json', { config: DEFAULT_RUN_CONFIG, dataset: { name: 'demo', fingerprint: 'sha256:x', examples: 9, split: { seed: 1234, evalFraction: 0.1, by: 'question' } } }],
      ] as const) {
        writeFileSync(join(dir, file), JSON.stringify(json));
        expect(adapterSplitsByQuestion(dir), file).toBe(true);
        rmSync(join(dir, file));
      }
      expect(said).not.toHaveBeenCalled();
      writeFileSync(join(dir, 'run.json'), JSON.stringify({ config: DEFAULT_RUN_CONFIG, source: { splitSeed: 1234 } }));
      expect(adapterSplitsByQuestion(dir)).toBe(false);
      expect(said).toHaveBeenCalledTimes(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is kept by the run folders trained or mined from it, so --adapter of those holds out the same', () => {
    const dir = mkdtempSync(join(tmpdir(), 'run-split-'));
    try {
      expect(recordedEvalFraction(0.1)).toEqual({});
      // studio train writes it into run.json's source, studio hdr into hdr.json.
      writeFileSync(join(dir, 'run.json'), JSON.stringify({ config: DEFAULT_RUN_CONFIG, source: { splitSeed: 1234, ...recordedEvalFraction(0.5) } }));
      expect(adapterRun(dir)).toMatchObject({ splitSeed: 1234, evalFraction: 0.5 });
      rmSync(join(dir, 'run.json'));
      writeFileSync(join(dir, 'hdr.json'), JSON.stringify({ config: DEFAULT_RUN_CONFIG, splitSeed: 1234, ...recordedEvalFraction(0.5) }));
      expect(adapterRun(dir)).toMatchObject({ splitSeed: 1234, evalFraction: 0.5 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // The page records the user's include / leave-out choices per line of the snapshot's dataset.jsonl,
  // not in run.json: `studio eval` / `studio hdr --adapter <snapshot>` on the original file used an
  // example the user had left out on the page (scored or mined it) without a word.
  it('uses and leaves out the examples of the original file as the studio chose', async () => {
    const dir = snapshotFolder({ seed: 1234, evalFraction: 0.1 });
    const said = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const plain = await dataExamples([DATA], { seed: 1234 });
      const used = [...plain.train, ...plain.eval];
      const left = used[0].id;
      writeFileSync(join(dir, 'dataset.jsonl'), encodeDatasetJsonl(plain.all, new Map(plain.all.map((e) => [e.id, used.some((u) => u.id === e.id) && e.id !== left]))));
      said.mockClear();
      const data = await dataExamples([DATA], { seed: 1234, adapter: dir });
      expect([...data.train, ...data.eval].map((e) => e.id).sort()).toEqual(used.filter((e) => e.id !== left).map((e) => e.id).sort());
      expect(said).toHaveBeenCalledWith(`note: --adapter ${dir} is a studio snapshot: ${plain.all.length} of the ${plain.all.length} examples here are used or left out as the studio chose (its dataset.jsonl's "included")`);
      // The example's own line in DATA says nothing of it: the snapshot's line does.
      expect(said).toHaveBeenCalledWith(`note: example "${left}": left out, as its line in ${join(dir, 'dataset.jsonl')} says ("included": false: the studio's choice, as it passes the quality check)`);
      // --data that dataset.jsonl itself: its lines say it, with no word about the adapter.
      said.mockClear();
      const own = await dataExamples([join(dir, 'dataset.jsonl')], { seed: 1234, adapter: dir });
      expect(own.train.length + own.eval.length).toBe(used.length - 1);
      expect(said.mock.calls.flat().join('\n')).not.toContain('is a studio snapshot');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// The studio's "Split it again" holds out another share than 10%: the CLI could match its seed
// (--split-seed) but not its share, so a dataset downloaded from the studio was split otherwise.
describe('--held-out', () => {
  it('is the share held out in percent, from 1 to 50, and leaves the fallback unread when given', async () => {
    const { heldOutFrom } = await import('../../src/cli/runFlags.ts');
    expect(heldOutFrom({ 'held-out': 25 }, never)).toBe(0.25);
    expect(heldOutFrom({}, () => 0.3)).toBe(0.3);
    expect(() => heldOutFrom({ 'held-out': 60 }, never)).toThrow('--held-out must be from 1% to 50%, got 60%');
    expect(() => heldOutFrom({ 'held-out': 0.5 }, never)).toThrow('--held-out must be from 1% to 50%, got 0.5%');
  });

  it('holds out what the studio holds out with that share and seed, refused out of range before any work', async () => {
    const data = await dataExamples([DATA], { seed: 1234, evalFraction: 0.25 });
    expect(data.eval.map((e) => e.id).sort()).toEqual([...data.train, ...data.eval].filter((e) => sideOf(e, { seed: 1234, evalFraction: 0.25, by: 'question' }) === 'eval').map((e) => e.id).sort());
    const { studioInProcess } = await import('../helpers/studioInProcess.ts');
    for (const command of ['train', 'eval', 'hdr', 'ablate']) {
      const out = mkdtempSync(join(tmpdir(), 'held-out-'));
      try {
        const r = await studioInProcess([command, '--model', 'public/models/tiny-qwen3', '--data', DATA, '--out', command === 'eval' ? join(out, 'answers.jsonl') : out, '--held-out', '75', '--quiet']);
        expect([r.code, r.err.trim().split('\n').at(-1)]).toEqual([2, `studio ${command}: --held-out must be from 1% to 50%, got 75%`]);
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    }
  });

  it('is refused on a resumed run that held out another share', async () => {
    const out = mkdtempSync(join(tmpdir(), 'held-out-resume-'));
    try {
      writeFileSync(join(out, 'run.json'), JSON.stringify({ model: 'public/models/tiny-qwen3', data: ['demo-dataset.jsonl'], status: 'paused', lastStep: 1, config: DEFAULT_RUN_CONFIG, source: { splitSeed: 1234 } }));
      // Refused before the checkpoint is read: its bytes are never looked at.
      writeFileSync(join(out, 'checkpoint.safetensors'), '');
      const { studioInProcess } = await import('../helpers/studioInProcess.ts');
      const r = await studioInProcess(['train', '--resume', '--model', 'public/models/tiny-qwen3', '--data', DATA, '--out', out, '--held-out', '20', '--quiet']);
      expect([r.code, r.err]).toEqual([2, expect.stringContaining(`--held-out 20: ${out} holds out 10% of its examples, and a resumed run keeps its split; drop --held-out, or start a new run`)]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

// A split one by one on the command line: the base model evaluated beside an adapter from a run
// folder written before splits went by question, on the examples that run held out.
describe('--split-by', () => {
  it('is question or example, the fallback unread when given', async () => {
    const { splitByFrom } = await import('../../src/cli/runFlags.ts');
    expect(splitByFrom({ 'split-by': 'question' }, never)).toBe(true);
    expect(splitByFrom({ 'split-by': 'example' }, never)).toBe(false);
    expect(splitByFrom({}, () => false)).toBe(false);
    expect(() => splitByFrom({ 'split-by': 'answer' }, never)).toThrow('--split-by must be question or example, got answer');
  });

  it('holds out with the base model what an --adapter run from before held out, and is refused out of range or on a resumed run of the other kind, before any work', async () => {
    const said = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const dir = snapshotFolder({ seed: 1234, evalFraction: 0.1 });
    try {
      const { studioInProcess } = await import('../helpers/studioInProcess.ts');
      const evaluated = async (...flags: string[]) => {
        const out = join(mkdtempSync(join(tmpdir(), 'split-by-')), 'answers.jsonl');
        const r = await studioInProcess(['eval', '--model', 'public/models/tiny-qwen3', '--data', DATA, '--out', out, '--split-seed', '1234', '--max-tokens', '1', '--limit', '200', '--quiet', ...flags]);
        expect(r.code, r.err).toBe(0);
        return readFileSync(out, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { id: string }).id).sort();
      };
      const oneByOne = await evaluated('--split-by', 'example');
      const data = await dataExamples([DATA], { seed: 1234, byQuestion: adapterSplitsByQuestion(dir) });
      expect(oneByOne).toEqual(data.eval.map((e) => e.id).sort());
      expect(await evaluated()).not.toEqual(oneByOne);
      for (const command of ['train', 'eval', 'hdr', 'ablate']) {
        const out = mkdtempSync(join(tmpdir(), 'split-by-bad-'));
        const r = await studioInProcess([command, '--model', 'public/models/tiny-qwen3', '--data', DATA, '--out', command === 'eval' ? join(out, 'answers.jsonl') : out, '--split-by', 'answer', '--quiet']);
        expect([r.code, r.err.trim().split('\n').at(-1)]).toEqual([2, `studio ${command}: --split-by must be question or example, got answer`]);
      }
      const resumed = mkdtempSync(join(tmpdir(), 'split-by-resume-'));
      writeFileSync(join(resumed, 'run.json'), JSON.stringify({ model: 'public/models/tiny-qwen3', data: ['demo-dataset.jsonl'], status: 'paused', lastStep: 1, config: DEFAULT_RUN_CONFIG, source: { splitSeed: 1234, splitBy: 'question' } }));
      writeFileSync(join(resumed, 'checkpoint.safetensors'), '');
      const r = await studioInProcess(['train', '--resume', '--model', 'public/models/tiny-qwen3', '--data', DATA, '--out', resumed, '--split-by', 'example', '--quiet']);
      expect([r.code, r.err]).toEqual([2, expect.stringContaining(`--split-by example: ${resumed} split its examples by question, and a resumed run keeps its split; drop --split-by, or start a new run`)]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      said.mockRestore();
    }
  });
});
