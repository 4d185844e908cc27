// `studio ablate` with a user's flags (main() in this process), on the embedded model (public/models/tiny-qwen3) and fixture
// files in five formats: every arm (sft, fixed:α₀, each SSB rule, SSB + HDR) trains on the same
// split and is evaluated on the same held-out examples; the report folder holds report.md,
// results.csv, the curves as PNG and ablation.json; every arm is an ordinary run folder; α is
// logged at every step of every arm, and the learned rules move it by more than 0.02 from α₀ where
// the segment losses differ; the HDR arm continues its SSB arm's α. Bad flags fail before any GPU
// work with one line naming the flag. Kept small (2 steps, 2 held-out examples, 2 new tokens):
// it proves the job runs end to end, not that any arm is better.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { studioInProcess } from '../helpers/studioInProcess.ts';
import { mcnemarExactP, pValueText } from '../../src/eval/pairedTest.ts';
import { ablationVerdict } from '../../src/jobs/ablationReport.ts';

const D = 'tests/fixtures/data';
const DATA = ['openai-tools.jsonl', 'hermes-text.jsonl', 'xlam.json', 'funreason.jsonl', 'sharegpt.json'].map((f) => join(D, f)).join(',');

function studio(...args: string[]) {
  return studioInProcess(args);
}

const lines = (path: string) => readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l));

const byArm = (result: { arms: Array<{ id: string; run: { id: string } }> }, id: string) => result.arms.find((a) => a.id === id)!;

describe('studio ablate', () => {
  it('runs every arm on one split, evaluates them alike and writes the report folder', { timeout: 600_000 }, async () => {
    const out = mkdtempSync(join(tmpdir(), 'studio-ablate-'));
    // Seed 17 puts four of the fixtures' fourteen examples on the held-out side (two are evaluated).
    // DWA compares windows of one step, so two steps are enough for it to move α. Four examples a
    // step, so that both steps hold reasoning: the xLAM and Hermes records have none, and a step
    // without reasoning tokens leaves α where it is (DWA needs both segments in both windows).
    const r = await studio(
      'ablate', '--model', 'public/models/tiny-qwen3', '--data', DATA, '--out', out, '--name', 'fixtures', '--seed', '17', '--split-seed', '17', '--steps', '2', '--batch', '4',
      '--rank', '2', '--alpha', '4', '--lr', '1e-2', '--eval-limit', '2', '--max-tokens', '2', '--gen-batch', '2', '--balance-window', '1',
      '--hdr-rounds', '1', '--hdr-samples', '1', '--hdr-steps', '1', '--hdr-mine', '1', '--quiet',
    );
    expect(r.code, r.err).toBe(0);
    const arms = ['sft', 'fixed:0.7', 'ssb:grad', 'ssb:uncertainty', 'ssb:dwa', 'ssb:uncertainty+hdr'];
    const result = JSON.parse(readFileSync(join(out, 'ablation.json'), 'utf8'));
    expect(result.arms.map((a: { id: string }) => a.id)).toEqual(arms);
    expect(result.stopped).toBe(false);
    expect(result.heldOut).toBe(2);
    // Two held-out examples cannot tell any two arms apart: said before the arms train, under --quiet too.
    expect(r.err).toContain('note: With 2 held-out examples no difference between arms can be told from chance: even all of them going one way gives p = 0.50. Evaluate at least 6.');

    // The report: a table row per arm, BFCL's aggregate, failures by rule; one CSV row per arm; PNG charts.
    const report = readFileSync(join(out, 'report.md'), 'utf8');
    for (const id of arms) expect(report).toContain(`| ${id} | `);
    expect(report).toMatch(/\| arm \| accuracy \| BFCL overall \| non-live AST \| live AST \| hallucination \|/);
    expect(report).toContain('## Failures by rule');
    // The verdict (best arm; which differ from SFT beyond chance) printed and in the report.
    const verdict = ablationVerdict(result)!;
    expect(verdict).toMatch(/^(Highest accuracy: |Every arm answered all 2 held-out examples (right|wrong).*: the test is at its (ceiling|floor))/);
    expect(r.out).toContain(verdict);
    expect(report).toContain(`**Verdict**: ${verdict}`);
    const csv = readFileSync(join(out, 'results.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toMatch(/^arm,loss,examples,correct,accuracy,bfcl_overall,/);
    expect(csv.slice(1).map((l) => l.split(',')[0])).toEqual(['base model', ...arms]);
    // The base model answered the same two examples with no adapter, in an evaluation folder of its own.
    expect(result.base.summary.total).toBe(2);
    expect(report).toContain('| base model | ');
    expect(JSON.parse(readFileSync(join(out, 'runs', result.base.evalRun.id, 'summary.json'), 'utf8')).adapter).toBeNull();
    const baseIds = lines(join(out, 'runs', result.base.evalRun.id, 'predictions.jsonl')).map((p) => p.id);
    for (const png of ['loss-call.png', 'loss-cot.png', 'alpha.png']) {
      const bytes = readFileSync(join(out, png));
      expect([...bytes.subarray(0, 8)], png).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
      expect(bytes.readUInt32BE(16), `${png} width`).toBe(900);
    }

    // Every arm is a run folder; every step of every arm logged α; all answered the same examples.
    const heldOutIds = new Set<string>();
    for (const arm of result.arms) {
      const runDir = join(out, 'runs', arm.run.id);
      expect(existsSync(join(runDir, 'adapter_model.safetensors')), arm.id).toBe(true);
      if (arm.run.kind === 'train') {
        const steps = lines(join(runDir, 'metrics.jsonl')).filter((m) => m.kind === 'train');
        expect(steps.map((m) => m.step), arm.id).toEqual([1, 2]);
        for (const m of steps) expect(Number.isFinite(m.alpha), `${arm.id} step ${m.step}`).toBe(true);
        const run = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8'));
        expect(run.config.steps).toBe(2);
        // Where its data is and how it was split, as studio train writes it: the arm can be exported.
        expect(run.source, arm.id).toMatchObject({ data: DATA.split(',').map((p) => resolve(p)), splitSeed: 17, splitBy: 'question', fingerprint: expect.any(String) });
      }
      // The evaluation's summary names the adapter it evaluated: this arm's run folder.
      expect(JSON.parse(readFileSync(join(out, 'runs', arm.evalRun.id, 'summary.json'), 'utf8')).adapter, arm.id).toBe(join(out, 'runs', arm.run.id));
      const predictions = lines(join(out, 'runs', arm.evalRun.id, 'predictions.jsonl'));
      expect(predictions).toHaveLength(2);
      for (const p of predictions) heldOutIds.add(p.id);
    }
    expect(heldOutIds.size).toBe(2);
    expect(new Set([...heldOutIds, ...baseIds]).size).toBe(2);
    // Each arm's answers beside SFT's, as their predictions files have them; SFT is beside none.
    const answersOf = (arm: { evalRun: { id: string } }) => new Map(lines(join(out, 'runs', arm.evalRun.id, 'predictions.jsonl')).map((p) => [p.id as string, p as { output: string; valid: boolean }]));
    const sftArm = result.arms.find((a: { id: string }) => a.id === 'sft');
    const sft = answersOf(sftArm);
    expect(sftArm.vsSft).toBeUndefined();
    for (const arm of result.arms.filter((a: { id: string }) => a.id !== 'sft')) {
      const mine = answersOf(arm);
      const ids = [...mine.keys()];
      expect(arm.vsSft, arm.id).toEqual({
        shared: 2,
        same: ids.filter((id) => mine.get(id)!.output === sft.get(id)!.output).length,
        nowRight: ids.filter((id) => mine.get(id)!.valid && !sft.get(id)!.valid),
        nowWrong: ids.filter((id) => !mine.get(id)!.valid && sft.get(id)!.valid),
        // Every arm answers the same examples with the same labels.
        relabeled: [],
      });
      const flipped = arm.vsSft.nowRight.length + arm.vsSft.nowWrong.length;
      const p = flipped ? `; ${pValueText(mcnemarExactP(arm.vsSft.nowRight.length, arm.vsSft.nowWrong.length))}` : '';
      expect(report).toContain(`| +${arm.vsSft.nowRight.length} −${arm.vsSft.nowWrong.length} (${arm.vsSft.same} of 2 the same${p}) |`);
    }
    expect(csv[0]).toContain(',right_where_sft_wrong,wrong_where_sft_right,same_answers_as_sft,p_vs_sft,run,eval_run');
    // An arm's folder exports as a recipe with no --data: run.json says where the data is and its split.
    const recipe = await studio('recipe', '--run', join(out, 'runs', byArm(result, 'ssb:grad').run.id), '--out', join(out, 'recipe'));
    expect(recipe.code, recipe.err).toBe(0);
    expect(existsSync(join(out, 'recipe', 'train.py'))).toBe(true);

    // The learned rules move α by more than 0.02 where the segment losses differ; grad, at its
    // rate, moves it toward the segment with the lower loss (here the call).
    const byId = Object.fromEntries(result.arms.map((a: { id: string }) => [a.id, a]));
    for (const id of ['ssb:uncertainty', 'ssb:dwa']) {
      const arm = byId[id];
      expect(arm.curve.some((p: { lossCot: number; lossCall: number }) => p.lossCot > 0 && Math.abs(p.lossCot - p.lossCall) > 0.1), id).toBe(true);
      expect(Math.abs(arm.finalAlpha - 0.7), `${id}: α ${arm.finalAlpha}`).toBeGreaterThan(0.02);
    }
    expect(byId['ssb:grad'].curve[0].lossCall).toBeLessThan(byId['ssb:grad'].curve[0].lossCot);
    expect(byId['ssb:grad'].finalAlpha).toBeLessThan(0.7);
    expect(byId['fixed:0.7'].finalAlpha).toBe(0.7);

    // SSB + HDR: an HDR run that started from the uncertainty arm's adapter and α.
    const hdr = byId['ssb:uncertainty+hdr'];
    expect(hdr.run.kind).toBe('hdr');
    expect(JSON.parse(readFileSync(join(out, 'runs', hdr.run.id, 'hdr.json'), 'utf8')).rounds).toBe(1);
    expect(hdr.curve.slice(0, 2)).toEqual(byId['ssb:uncertainty'].curve);
    if (hdr.hdr.added === 0) expect(hdr.finalAlpha).toBeCloseTo(byId['ssb:uncertainty'].finalAlpha, 12);
  });

  it('refuses bad flags with one line naming them, before any GPU work', async () => {
    const out = mkdtempSync(join(tmpdir(), 'studio-ablate-bad-'));
    const base = ['ablate', '--model', 'public/models/tiny-qwen3', '--data', DATA, '--out', out];
    const rules = await studio(...base, '--rules', 'grad,focal');
    expect(rules.code).toBe(2);
    expect(rules.err.trim()).toBe('studio ablate: --rules: unknown rule "focal" (use grad, uncertainty, dwa)');
    const hdr = await studio(...base, '--rules', 'grad', '--hdr-rule', 'dwa');
    expect(hdr.code).toBe(2);
    expect(hdr.err).toContain('the HDR arm starts from the ssb:dwa arm, which is not among the rules (grad)');
    // Decided by the data alone: refused before the model loads (a model folder that is not there is never reached).
    const noEval = await studio('ablate', '--model', join(out, 'no-model'), '--data', DATA, '--out', out, '--seed', '5'); // seed 5 holds none of the fourteen out
    expect(noEval.code).toBe(1);
    expect(noEval.err).toMatch(/no held-out examples .*: the split put all \d+ on the train side/);
  });

  it('says the held-out examples are all left out, not that the split held none out', async () => {
    const { dataExamples } = await import('../../src/cli/localFiles.ts');
    // Seed 17 holds four of the fourteen out (the run above): --leave-out takes them all.
    const heldOut = (await dataExamples(DATA.split(','), { seed: 17 })).eval.map((e) => e.id);
    expect(heldOut.length).toBe(4);
    const out = mkdtempSync(join(tmpdir(), 'studio-ablate-left-out-'));
    // Decided by the data alone: refused before the model loads (a model folder that is not there is never reached).
    const r = await studio('ablate', '--model', join(out, 'no-model'), '--data', DATA, '--out', out, '--split-seed', '17', '--leave-out', heldOut.join(','), '--quiet');
    expect(r.code).toBe(1);
    expect(r.err).toContain(`studio ablate: ${DATA.split(',').join(', ')}: the 4 held-out examples are all left out (flagged by the quality check, or left out by you), so there is nothing to evaluate the arms on: use them (--include-flagged, or fewer ids in --leave-out), or change --split-seed`);
    expect(r.err).not.toContain('on the train side');
  });

  it('refuses an HDR arm with nothing to mine before the model loads, not after the other arms trained', async () => {
    const { dataExamples } = await import('../../src/cli/localFiles.ts');
    const out = mkdtempSync(join(tmpdir(), 'studio-ablate-samples-'));
    // The training side holds only samples an earlier HDR run added (they stay on it, and are never
    // mined again); one example of the fixtures, none of whose samples is among them, is held out.
    const samples = join(out, 'hdr-samples.jsonl');
    const examples = (await dataExamples([join(D, 'openai-tools.jsonl')], { seed: 1, evalFraction: 0 })).train;
    writeFileSync(samples, examples.slice(1, 4).map((e) => JSON.stringify({ ...e, id: `${e.id}#hdr1`, source: 'hdr', hdrRound: 1 })).join('\n') + '\n');
    const one = join(out, 'one.jsonl');
    writeFileSync(one, readFileSync(join(D, 'openai-tools.jsonl'), 'utf8').split('\n')[0] + '\n');
    let seed = 1;
    while ((await dataExamples([one], { seed })).eval.length === 0) seed++;
    const r = await studio('ablate', '--model', join(out, 'no-model'), '--data', `${samples},${one}`, '--out', join(out, 'abl'), '--split-seed', String(seed), '--rules', 'grad', '--hdr-rule', 'grad', '--quiet');
    expect(r.code).toBe(1);
    expect(r.err.trim().split('\n').at(-1)).toBe(
      `studio ablate: ${samples}, ${one}: the ssb:grad+hdr arm has nothing to mine: the 3 training examples are all samples an earlier HDR run added, which are not mined again; give --hdr-rule none to run it without that arm, or on the dataset they were sampled from`,
    );
  });
});
