// `studio eval` of held-out questions that training examples ask word for word (a split by question
// holds none out; an --adapter run from before, split example by example, does): each answer's line
// says so, a --resume counts the answers it read back apart as the first run did (it re-checked
// them and lost the mark, so the resumed summary counted them with the others), and `studio push
// --eval` states both accuracies on the card. main() in this process, the tiny model.
import { mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { studioInProcess } from '../helpers/studioInProcess.ts';
import { NARROW, tinyModelMap } from '../helpers/tinyEngine.ts';
import { exportPeftAdapter } from '../../src/model/peft.ts';
import { generateTinyModel } from '../../src/model/tiny-model.ts';
import { initLoraAdapter } from '../../src/model/lora.ts';
import { DEFAULT_RUN_CONFIG } from '../../src/train/config.ts';

function modelDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'studio-asked-model-'));
  for (const [name, data] of tinyModelMap()) writeFileSync(join(dir, name), data);
  return dir;
}

/** 30 demo examples, each twice under another id: a held-out one's twin is almost always trained on. */
function dataFile(): string {
  const lines = readFileSync('public/demo/demo-dataset.jsonl', 'utf8').trim().split('\n').slice(0, 30);
  const twins = lines.map((l) => {
    const o = JSON.parse(l) as { id: string };
    return JSON.stringify({ ...o, id: `${o.id}-twin` });
  });
  const path = join(mkdtempSync(join(tmpdir(), 'studio-asked-data-')), 'twice.jsonl');
  writeFileSync(path, [...lines, ...twins].join('\n'));
  return path;
}

/** An adapter folder of a run written before splits went by question: it split example by example
 * (its run.json's source records no splitBy), with seed 3, holding out 30%. */
function runFromBefore(): string {
  const dir = mkdtempSync(join(tmpdir(), 'studio-asked-before-'));
  const spec = generateTinyModel(NARROW).spec;
  const peft = exportPeftAdapter(spec, initLoraAdapter(spec, { rank: 2, alpha: 4, dropout: 0, useRsLora: false, targets: ['q'] }, 1), 'tiny');
  writeFileSync(join(dir, 'adapter_config.json'), peft.adapterConfigJson);
  writeFileSync(join(dir, 'adapter_model.safetensors'), peft.adapterSafetensors);
  writeFileSync(join(dir, 'run.json'), JSON.stringify({ config: DEFAULT_RUN_CONFIG, source: { splitSeed: 3, evalFraction: 0.3 } }));
  return dir;
}

const askedLine = (out: string) => out.split('\n').find((l) => l.includes('questions also asked in training'));

describe('studio eval of questions training also asks', () => {
  it('marks them in its lines, counts them apart after a --resume as before it, and the pushed card says both accuracies', async () => {
    const [model, data] = [modelDir(), dataFile()];
    // Split by question, a twin goes with its question: none held out is asked in training.
    const byQuestion = join(mkdtempSync(join(tmpdir(), 'studio-asked-by-question-')), 'answers.jsonl');
    const plain = await studioInProcess(['eval', '--model', model, '--data', data, '--out', byQuestion, '--max-tokens', '2', '--split-seed', '3', '--held-out', '30', '--quiet']);
    expect(plain.code, plain.err).toBe(0);
    expect(readFileSync(byQuestion, 'utf8').trim().split('\n').length).toBeGreaterThan(4);
    expect(readFileSync(byQuestion, 'utf8')).not.toContain('asked_in_training');
    expect(askedLine(plain.out)).toBeUndefined();

    const out = join(mkdtempSync(join(tmpdir(), 'studio-asked-out-')), 'answers.jsonl');
    const before = runFromBefore();
    const common = ['--model', model, '--adapter', before, '--data', data, '--out', out, '--max-tokens', '2', '--quiet'];
    const first = await studioInProcess(['eval', ...common]);
    expect(first.code, first.err).toBe(0);
    expect(first.err).toContain(`note: --adapter ${before}'s run split its examples one by one`);
    const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; asked_in_training?: boolean });
    const asked = lines.filter((l) => l.asked_in_training);
    expect(asked.length).toBeGreaterThan(0);
    // Only a question whose twin is on the training side is asked in training.
    const held = new Set(lines.map((l) => l.id.replace(/-twin$/, '')));
    for (const l of lines) expect(l.asked_in_training ?? false).toBe(lines.filter((o) => o.id.replace(/-twin$/, '') === l.id.replace(/-twin$/, '')).length === 1);
    expect(held.size).toBeLessThanOrEqual(lines.length);
    const said = askedLine(first.out);
    expect(said).toMatch(new RegExp(`questions also asked in training \\(the same conversation and tools, whose answer the model trained on\\) [\\d.]+% \\(\\d+/${asked.length}\\)`));

    // Cut to its first two answers, then resumed: the same summary, the marks read back kept.
    writeFileSync(out, `${readFileSync(out, 'utf8').trim().split('\n').slice(0, 2).join('\n')}\n`);
    const resumed = await studioInProcess(['eval', ...common, '--resume']);
    expect(resumed.code, resumed.err).toBe(0);
    expect(askedLine(resumed.out)).toBe(said);
    const again = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; asked_in_training?: boolean });
    expect(again.filter((l) => l.asked_in_training).map((l) => l.id).sort()).toEqual(asked.map((l) => l.id).sort());

    // The card of a push states the accuracy on the others too: these answers, taken as an
    // adapter's (the settings say which weights answered; the card reads the lines).
    const adapter = mkdtempSync(join(tmpdir(), 'studio-asked-adapter-'));
    const weights = join(adapter, 'adapter_model.safetensors');
    writeFileSync(weights, '');
    utimesSync(weights, new Date(0), new Date(0));
    const settingsPath = `${out}.settings.json`;
    writeFileSync(settingsPath, JSON.stringify({ ...JSON.parse(readFileSync(settingsPath, 'utf8')), '--adapter': resolve(adapter) }));
    const { pushedEvaluation } = await import('../../src/cli/pushEvaluation.ts');
    const tally = pushedEvaluation({ eval: out }, { kind: 'adapter', dir: adapter, weights });
    expect(tally?.askedInTraining).toEqual({ total: asked.length, correct: again.filter((l) => l.asked_in_training && (l as { valid?: boolean }).valid).length });
    expect(tally?.total).toBe(lines.length);
  });
});
