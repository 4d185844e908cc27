// `studio train` ended with "holding out N … for the held-out loss and studio eval", N the whole
// held-out side of the split, while the held-out loss is measured on at most --eval-examples of them
// (the first that fit), and on none with --eval-every 0. The job says how many the loss was on, and
// the CLI's closing line says what the held-out examples served.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importDatasetFiles } from '../../src/data/import-dataset.ts';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../../src/train/config.ts';
import { RunFolderWorkspace } from '../../src/jobs/store/folder.ts';
import { heldOutWords } from '../../src/cli/commands/train.ts';
import { tinyEngine } from '../helpers/tinyEngine.ts';

const CONFIG: RunConfig = { ...DEFAULT_RUN_CONFIG, steps: 1, batchSize: 1, seqLen: 320, warmupSteps: 0, evalEvery: 1, evalExamples: 2, checkpointEvery: 0, lora: { ...DEFAULT_RUN_CONFIG.lora, rank: 2, alpha: 4 } };

describe('the held-out examples a training run measured its loss on', () => {
  it('are --eval-examples of the held-out side, or none with --eval-every 0', { timeout: 300_000 }, async () => {
    const engine = await tinyEngine();
    const demo = (await importDatasetFiles([{ name: 'demo.jsonl', blob: new Blob([readFileSync('public/demo/demo-dataset.jsonl')]) }])).examples;
    const examples = { train: demo.slice(0, 2), eval: demo.slice(2, 7) };
    const folders = new RunFolderWorkspace(mkdtempSync(join(tmpdir(), 'held-out-count-')), { model: 'tiny', data: ['demo.jsonl'] });

    const measured = await folders.createRun({ kind: 'train', name: 'measured', config: CONFIG });
    const outcome = await engine.train({ store: measured, config: CONFIG, examples, resume: false });
    expect(outcome).toMatchObject({ status: 'done', heldOutLossExamples: 2 });
    // The same count the run folder records as its held-out set.
    expect(JSON.parse(readFileSync(join(measured.dir, 'run.json'), 'utf8')).examples.eval).toBe(2);

    const unmeasured = await folders.createRun({ kind: 'train', name: 'unmeasured', config: CONFIG });
    expect(await engine.train({ store: unmeasured, config: { ...CONFIG, evalEvery: 0 }, examples, resume: false })).toMatchObject({ status: 'done', heldOutLossExamples: 0 });
  });

  it('are said in the CLI\'s closing line as what the held-out side served', () => {
    expect(heldOutWords(5, 1234, 5)).toBe('holding out 5 (split seed 1234) for the held-out loss and studio eval');
    expect(heldOutWords(50, 42, 16)).toBe('holding out 50 (split seed 42) for studio eval, the held-out loss on 16 of them');
    expect(heldOutWords(0, 3, 0)).toBe('holding out none (split seed 3), so studio eval has nothing to score: another --split-seed or a larger --held-out holds some out');
    expect(heldOutWords(5, 1234, 0)).toBe('holding out 5 (split seed 1234) for studio eval');
  });
});
