// An ablation's folder as the --out of studio train, hdr or ablate: it holds a run.json of its own
// (no training config) beside ablation.json, and was refused as "a run (run.json); continue it with
// --resume", which then failed on a checkpoint an ablation never has.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { studioInProcess } from '../helpers/studioInProcess.ts';

const MODEL = 'public/models/tiny-qwen3';
const DATA = 'tests/fixtures/data/openai-tools.jsonl';

describe('an ablation folder as --out', () => {
  it('is named an ablation by train (with or without --resume), hdr and ablate', async () => {
    const out = mkdtempSync(join(tmpdir(), 'studio-ablation-out-'));
    // What studio ablate leaves: its run.json (status, no config), ablation.json and the arms' runs.
    writeFileSync(join(out, 'run.json'), JSON.stringify({ model: MODEL, data: ['openai-tools.jsonl'], status: 'done', lastStep: 3 }));
    writeFileSync(join(out, 'ablation.json'), '{}');
    mkdirSync(join(out, 'runs'));
    const said = `--out ${out} holds an ablation (ablation.json), not a run; choose another folder (its arms' run folders are in ${join(out, 'runs')})`;
    for (const args of [['train', '--steps', '1'], ['train', '--steps', '1', '--resume'], ['hdr'], ['ablate', '--steps', '1']]) {
      const r = await studioInProcess([...args, '--model', MODEL, '--data', DATA, '--out', out, '--quiet']);
      expect([r.code, r.err.trim().split('\n').at(-1)]).toEqual([2, `studio ${args[0]}: ${said}`]);
    }
  });
});
