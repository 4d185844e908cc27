// `studio eval` and `studio hdr` with a user's flags (main() in this process, helpers/studioInProcess.ts), on the embedded tiny Qwen3
// model (real vocabulary and chat template) with a few examples and a handful of tokens, so the
// run stays short on SwiftShader. The untrained model answers nothing correctly; what these tests
// protect is the plumbing: predictions and summaries written and consistent, the round record and
// adapter written by hdr, that adapter loadable by eval, and one-line errors for bad flags.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { studioInProcess, type StudioResult } from '../helpers/studioInProcess.ts';
import { DEFAULT_RUN_CONFIG } from '../../src/train/config.ts';
import { importDatasetFiles } from '../../src/data/import-dataset.ts';

const MODEL = 'public/models/tiny-qwen3';
const DATA = 'tests/fixtures/data/openai-tools.jsonl';
const DEMO = 'tests/fixtures/data/recipe-demo.jsonl';

function studio(...args: string[]) {
  return studioInProcess([...args, '--quiet']);
}

describe('studio eval and studio hdr', () => {
  const dir = mkdtempSync(join(tmpdir(), 'studio-hdr-cli-'));

  it('eval writes one prediction per example and a summary that agrees with it', async () => {
    const preds = join(dir, 'preds.jsonl');
    const summaryPath = join(dir, 'summary.json');
    const r = await studio('eval', '--model', MODEL, '--data', DATA, '--split', 'all', '--limit', '3', '--max-tokens', '4', '--out', preds, '--summary', summaryPath);
    expect(r.code, r.err).toBe(0);
    const lines = readFileSync(preds, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.id)).toEqual(['oa-1', 'oa-2', 'oa-3']);
    for (const l of lines) {
      expect(typeof l.output).toBe('string');
      expect(l.generated_tokens).toBeLessThanOrEqual(4);
      expect(l.valid).toBe(l.error_type === undefined);
    }
    const summary = JSON.parse(readFileSync(summaryPath, 'utf8'));
    expect(summary.total).toBe(3);
    expect(summary.correct).toBe(lines.filter((l) => l.valid).length);
    const failures = Object.values(summary.failureRules as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(failures).toBe(3 - summary.correct);
    expect(Object.values(summary.byCategory as Record<string, { total: number }>).reduce((a, c) => a + c.total, 0)).toBe(3);
    expect(r.out).toContain(`accuracy ${(100 * summary.accuracy).toFixed(1)}% (${summary.correct}/3; 95% interval `);
  }, 300_000);

  it('hdr writes its rounds, pool and adapter, and eval loads that adapter', async () => {
    const out = join(dir, 'hdr');
    const r = await studio('hdr', '--model', MODEL, '--data', DATA, '--out', out, '--rounds', '1', '--samples', '1', '--max-tokens', '4', '--steps-per-round', '1', '--batch', '2', '--seq', '512', '--mine-limit', '2', '--eval-limit', '1');
    expect(r.code, r.err).toBe(0);
    const rounds = readFileSync(join(out, 'rounds.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const summary = JSON.parse(readFileSync(join(out, 'hdr.json'), 'utf8'));
    expect(summary.poolStart).toBeGreaterThan(0);
    expect(rounds).toHaveLength(1);
    expect(rounds[0]).toMatchObject({ round: 1, poolBefore: summary.poolStart, samples: summary.poolStart });
    expect(summary.poolEnd).toBe(rounds[0].poolAfter);
    expect(readFileSync(join(out, 'hard-cases.jsonl'), 'utf8').trim().split('\n').filter(Boolean)).toHaveLength(summary.poolEnd);
    expect(r.out).toMatch(/round 1: pool \d+ → \d+ {2}pass@k/);
    // Four tokens cut every answer off, and it says so in its own flag, as studio eval does.
    expect(r.err).toContain(`note: ${summary.poolStart} of ${summary.poolStart} answers stopped at the --max-tokens 4 limit`);
    expect(r.out).toContain(`round 1: ${rounds[0].samples} of ${rounds[0].samples} sampled answers stopped at the --max-tokens 4 limit`);
    for (const f of ['adapter_config.json', 'adapter_model.safetensors', 'mine-predictions.jsonl', 'hdr-examples.jsonl']) expect(existsSync(join(out, f)), f).toBe(true);

    const again = await studio('eval', '--model', MODEL, '--adapter', out, '--data', DATA, '--split', 'all', '--limit', '1', '--max-tokens', '2', '--out', join(dir, 'p2.jsonl'));
    expect(again.code, again.err).toBe(0);
    expect(again.out).toMatch(/accuracy \d+\.\d% \(\d\/1; 95% interval \d+–\d+%\)/);
  }, 300_000);

  // One training run (the split, schedule, batch, length and weight decay the tests below look for)
  // and one HDR run from it serve three tests: each of them was a CLI process compiling the
  // pipelines again, and the three HDR runs differed only in what the tests read from them.
  let fromRun: { run: string; out: string; hdr: StudioResult } | undefined;
  const hdrFromRun = async () => {
    if (fromRun) return fromRun;
    // recipe-demo's held-out side: demo-0032 and demo-0098 with seed 42, three others with 1234 (the studio's).
    const run = join(dir, 'split-1234');
    const t = await studio('train', '--model', MODEL, '--data', DEMO, '--out', run, '--split-seed', '1234', '--steps', '1', '--batch', '1', '--seq', '384', '--lr', '1e-3', '--schedule', 'constant', '--warmup', '0', '--weight-decay', '0.01', '--eval-every', '0');
    expect(t.code, t.err).toBe(0);
    const out = join(dir, 'hdr-from-run');
    const hdr = await studio('hdr', '--model', MODEL, '--data', DEMO, '--adapter', run, '--out', out, '--rounds', '1', '--samples', '1', '--max-tokens', '4', '--steps-per-round', '1', '--mine-limit', '1', '--eval-limit', '0', '--lr', '2e-3');
    expect(hdr.code, hdr.err).toBe(0);
    return (fromRun = { run, out, hdr });
  };

  it('hdr --eval-limit 0 skips the held-out evaluation, as the studio\'s "0 = skip" does', async () => {
    const { out, hdr } = await hdrFromRun();
    const rounds = readFileSync(join(out, 'rounds.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(rounds[0]).toMatchObject({ round: 1, evalAccuracyBefore: null, evalAccuracyAfter: null });
    expect(hdr.out).toContain('held-out accuracy not measured (--eval-limit 0)');
    const bad = await studio('hdr', '--model', MODEL, '--data', DATA, '--out', join(dir, 'hdr-bad-eval'), '--eval-limit', '-1');
    expect(bad.code).toBe(2);
    expect(bad.err.trim()).toBe('studio hdr: --eval-limit must be a whole number ≥ 0, got -1');
  }, 300_000);

  it('hdr from a training run retrains with that run\'s settings, as the studio\'s HDR does', async () => {
    const { out } = await hdrFromRun();
    const { config } = JSON.parse(readFileSync(join(out, 'hdr.json'), 'utf8'));
    // The run's own schedule, batch, sequence length and weight decay; a flag given (--lr) overrides.
    expect(config).toMatchObject({ schedule: 'constant', warmupSteps: 0, batchSize: 1, seqLen: 384, weightDecay: 0.01, lr: 2e-3, steps: 1 });
  }, 300_000);

  it('eval and hdr of a run folder keep the split it trained with, not --seed\'s', async () => {
    const { run, out } = await hdrFromRun();
    const preds = join(dir, 'split-preds.jsonl');
    const e = await studio('eval', '--model', MODEL, '--adapter', run, '--data', DEMO, '--max-tokens', '1', '--out', preds);
    expect(e.code, e.err).toBe(0);
    const ids = readFileSync(preds, 'utf8').trim().split('\n').map((l) => JSON.parse(l).id);
    expect(ids).toEqual(['demo-0018', 'demo-0073', 'demo-0083']);
    // Recorded, so an HDR run started from this one splits the same way too.
    expect(JSON.parse(readFileSync(join(out, 'hdr.json'), 'utf8'))).toMatchObject({ splitSeed: 1234, splitBy: 'question' });
  }, 300_000);

  it('bad options fail with one line naming them', async () => {
    const r = await studio('eval', '--model', MODEL, '--data', DATA, '--split', 'test', '--out', join(dir, 'x.jsonl'));
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/--split must be eval, train or all/);
    const h = await studio('hdr', '--model', MODEL, '--data', DATA, '--out', join(dir, 'y'), '--replay', '1');
    expect(h.code).toBe(2);
    expect(h.err.trim()).toBe('studio hdr: --replay must be in [0, 1), got 1');
    // Refused before the model loads (minutes for a large one), not after.
    const m = await studio('hdr', '--model', join(dir, 'no-model'), '--data', DATA, '--out', join(dir, 'z'), '--mine-limit', '0');
    expect(m.code).toBe(2);
    expect(m.err.trim()).toBe('studio hdr: --mine-limit must be a whole number ≥ 1, got 0');
  }, 60_000);

  it('hdr refuses what the data alone decide before the model loads', async () => {
    // A model folder that is not there is never reached: the data are read first (minutes saved for
    // a large model), as studio train and studio ablate do.
    const model = join(dir, 'no-model');
    const leaveOut = await studio('hdr', '--model', model, '--data', DATA, '--out', join(dir, 'hdr-leave-out'), '--leave-out', 'nope');
    expect(leaveOut.code).toBe(2);
    expect(leaveOut.err.trim().split('\n').at(-1)).toBe(`studio hdr: --leave-out: no example "nope" to leave out among the 4 examples imported from ${DATA}`);
    // Split seed 1234 (the default, the studio's) holds none of the four out: the message says that is why
    // there is no eval side to mine, and what to do, not only how many were imported.
    const noEval = await studio('hdr', '--model', model, '--data', DATA, '--out', join(dir, 'hdr-no-eval'), '--mine', 'eval');
    expect(noEval.code).toBe(1);
    expect(noEval.err.trim().split('\n').at(-1)).toBe(
      `studio hdr: no eval examples to mine hard cases from in ${DATA}: the split (split seed 1234, holding out 10%) held none of the 4 imported examples out; mine the training side with --mine train, or choose a --split-seed that holds some out`,
    );
    // Split seed 12 holds oa-1 out; left out, the eval side is empty for that reason, not the split's.
    const leftOut = await studio('hdr', '--model', model, '--data', DATA, '--out', join(dir, 'hdr-eval-left-out'), '--mine', 'eval', '--split-seed', '12', '--leave-out', 'oa-1');
    expect(leftOut.code).toBe(1);
    expect(leftOut.err.trim().split('\n').at(-1)).toBe(
      `studio hdr: no eval examples to mine hard cases from in ${DATA}: the 1 held-out example is left out (flagged by the quality check, or left out by you), so there is nothing to mine hard cases from: use it (--include-flagged, or fewer ids in --leave-out), mine the training side with --mine train, or change --split-seed`,
    );
    // A run folder that held out nothing (a held-out share of 0) holds out nothing here either, and
    // no --split-seed changes that: only --mine train is offered.
    const run = join(dir, 'run-held-out-nothing');
    mkdirSync(run);
    writeFileSync(join(run, 'run.json'), JSON.stringify({ config: DEFAULT_RUN_CONFIG, evalFraction: 0 }));
    const shareZero = await studio('hdr', '--model', model, '--data', DATA, '--adapter', run, '--out', join(dir, 'hdr-share-zero'), '--mine', 'eval');
    expect(shareZero.code).toBe(1);
    expect(shareZero.err.trim().split('\n').at(-1)).toBe(
      `studio hdr: no eval examples to mine hard cases from in ${DATA}: the --adapter run ${run} held none of its examples out (its held-out share is 0%), and this run holds out the same share; mine the training side with --mine train`,
    );
  }, 60_000);

  it('hdr --mine train with no training example to mine says why, as --mine eval does', async () => {
    const model = join(dir, 'no-model');
    // Split seed 12 holds oa-1 out; the other three, on the training side, are left out.
    const trainLeftOut = await studio('hdr', '--model', model, '--data', DATA, '--out', join(dir, 'hdr-train-left-out'), '--split-seed', '12', '--leave-out', 'oa-2,oa-3,oa-4');
    expect(trainLeftOut.code).toBe(1);
    expect(trainLeftOut.err.trim().split('\n').at(-1)).toBe(
      `studio hdr: no train examples to mine hard cases from in ${DATA}: the 3 training examples are all left out (flagged by the quality check, or left out by you), so there is nothing to mine hard cases from: use them (--include-flagged, or fewer ids in --leave-out), mine the held-out side with --mine eval, or change --split-seed`,
    );
    // Every example left out: the held-out side has none to offer either.
    const allLeftOut = await studio('hdr', '--model', model, '--data', DATA, '--out', join(dir, 'hdr-all-left-out'), '--leave-out', 'oa-1,oa-2,oa-3,oa-4');
    expect(allLeftOut.code).toBe(1);
    expect(allLeftOut.err.trim().split('\n').at(-1)).toBe(
      `studio hdr: no train examples to mine hard cases from in ${DATA}: the 4 training examples are all left out (flagged by the quality check, or left out by you), so there is nothing to mine hard cases from: use them (--include-flagged, or fewer ids in --leave-out), or change --split-seed`,
    );
    // One example, which split seed 12 holds out: the training side is empty by the split.
    const one = join(dir, 'one-example.jsonl');
    writeFileSync(one, readFileSync(DATA, 'utf8').split('\n')[0] + '\n');
    const allHeldOut = await studio('hdr', '--model', model, '--data', one, '--out', join(dir, 'hdr-all-held-out'), '--split-seed', '12');
    expect(allHeldOut.code).toBe(1);
    expect(allHeldOut.err.trim().split('\n').at(-1)).toBe(
      `studio hdr: no train examples to mine hard cases from in ${one}: the split (split seed 12, holding out 10%) held out all of the 1 imported example; mine the held-out side with --mine eval, or choose a --split-seed that keeps some for training`,
    );
    // Samples an earlier HDR run added (hdr-examples.jsonl) are never mined again (two of the three
    // are on the training side: each sample is on its question's side).
    const samples = join(dir, 'hdr-samples.jsonl');
    const examples = (await importDatasetFiles([{ name: 'demo.jsonl', blob: new Blob([readFileSync(DEMO, 'utf8')]) }])).examples.slice(0, 3);
    writeFileSync(samples, examples.map((e) => JSON.stringify({ ...e, id: `${e.id}#hdr1`, source: 'hdr', hdrRound: 1 })).join('\n') + '\n');
    const onlySamples = await studio('hdr', '--model', model, '--data', samples, '--out', join(dir, 'hdr-only-samples'));
    expect(onlySamples.code).toBe(1);
    expect(onlySamples.err.trim().split('\n').at(-1)).toBe(
      `studio hdr: no train examples to mine hard cases from in ${samples}: the 2 examples on its training side are all samples an earlier HDR run added, which are not mined again; give the dataset they were sampled from`,
    );
  }, 60_000);

  it('hdr on a file whose every record is bad says none was imported, as studio train does, not that the split held them out', async () => {
    const model = join(dir, 'no-model');
    const bad = join(dir, 'all-bad.jsonl');
    writeFileSync(bad, '{"foo": 1}\nnot json\n');
    for (const mine of ['train', 'eval']) {
      const r = await studio('hdr', '--model', model, '--data', bad, '--out', join(dir, `hdr-all-bad-${mine}`), '--mine', mine);
      expect(r.code).toBe(1);
      expect(r.err.trim().split('\n').at(-1)).toBe(`studio hdr: no ${mine} examples to mine hard cases from in ${bad} (0 imported, 0 failed the quality check)`);
    }
    const train = await studio('train', '--model', model, '--data', bad, '--out', join(dir, 'train-all-bad'));
    expect(train.err.trim().split('\n').at(-1)).toBe(`studio train: no trainable examples in ${bad} (0 imported, 0 failed the quality check)`);
  }, 60_000);
});
