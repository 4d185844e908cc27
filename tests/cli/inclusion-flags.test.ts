// `studio train --include-flagged RULE --leave-out ID` with a user's flags (main() in this process): the examples flagged by
// that rule alone train, the ids left out do not, run.json records the choice, and --resume uses it
// (given again otherwise, refused before the model loads), as eval and hdr do from such a folder as
// --adapter. A rule or id that does not exist is named.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { studioInProcess } from '../helpers/studioInProcess.ts';
import { importDatasetFiles } from '../../src/data/import-dataset.ts';
import { generateTinyModel } from '../../src/model/tiny-model.ts';
import { NARROW, TOKENIZER_DIR } from '../helpers/tinyEngine.ts';
import { adapterRun } from '../../src/cli/localFiles.ts';
import { DEFAULT_RUN_CONFIG } from '../../src/train/config.ts';
import type { FileExamples } from '../../src/jobs/data.ts';

// One model folder for the file: the commands only read it, and each test wrote its own (the
// narrow weights generated and written, a third of a second each).
let modelFolder: string | undefined;
function modelDir(): string {
  return (modelFolder ??= writeModelDir());
}

function writeModelDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'studio-inclusion-model-'));
  for (const [name, data] of generateTinyModel(NARROW).files) writeFileSync(join(dir, name), data);
  for (const name of ['tokenizer.json', 'tokenizer_config.json']) copyFileSync(join(TOKENIZER_DIR, name), join(dir, name));
  return dir;
}

async function studio(...args: string[]) {
  const r = await studioInProcess(args);
  return { ...r, last: r.err.trim().split('\n').at(-1) };
}

/** Five demo examples with calls, two more calling a tool they do not declare (call_names_known_tool
 * only), one that also declares a tool with no valid name (a second rule), as the studio's JSON lines. */
async function dataFile(): Promise<string> {
  const demo = (await importDatasetFiles([{ name: 'demo.jsonl', blob: new Blob([readFileSync('public/demo/demo-dataset.jsonl')]) }])).examples.filter((e) => e.target.calls.length > 0);
  const unknownCall = (id: string) => ({ ...demo[0], id, target: { ...demo[0].target, calls: [{ name: 'not_declared', arguments: {} }] } });
  const twoRules = { ...unknownCall('two-rules'), tools: [...demo[0].tools, { name: 'not a name', parameters: { type: 'object', properties: {} } }] };
  const examples = [...demo.slice(1, 6), unknownCall('flagged-1'), unknownCall('flagged-2'), twoRules];
  const path = join(mkdtempSync(join(tmpdir(), 'studio-inclusion-data-')), 'data.jsonl');
  writeFileSync(path, examples.map((e) => JSON.stringify(e)).join('\n'));
  return path;
}

describe('studio train --include-flagged / --leave-out', () => {
  it('trains on the examples the rule alone flagged but those left out, and a resume keeps that set', { timeout: 600_000 }, async () => {
    const model = modelDir();
    const data = await dataFile();
    const left = (await importDatasetFiles([{ name: 'data.jsonl', blob: new Blob([readFileSync(data)]) }])).examples[1].id;
    const out = mkdtempSync(join(tmpdir(), 'studio-inclusion-out-'));
    // evalFraction is the usual 10% of 8: the split seed 3 holds none of these out (checked below).
    const common = ['--data', data, '--batch', '1', '--seq', '320', '--rank', '2', '--alpha', '4', '--eval-every', '0', '--split-seed', '3', '--quiet'];
    const first = await studio('train', '--model', model, '--out', out, '--steps', '1', '--checkpoint-every', '1', '--include-flagged', 'call_names_known_tool', '--leave-out', left, ...common);
    expect(first.code, first.err).toBe(0);
    // 5 passing − 1 left out + 2 flagged by the rule alone; "two-rules" breaks another rule too.
    expect(first.out).toContain('trained 1 step on 6 examples, holding out none (split seed 3), so studio eval has nothing to score');
    expect(first.err).toContain(`note: example "${left}": left out, as asked`);
    expect(first.err).toContain('note: example "two-rules": excluded, fails the quality check');
    expect(first.err).not.toContain('"flagged-1": excluded');
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    expect(run.source.inclusion).toEqual({ includeFlagged: ['call_names_known_tool'], leaveOut: [left] });

    // Another choice on resume is refused before the model loads (no model folder is reached).
    const other = await studio('train', '--model', join(out, 'no-model'), '--out', out, '--steps', '2', '--resume', '--include-flagged', 'tools_valid_schema', ...common);
    expect(other.code).toBe(2);
    expect(other.last).toBe(`studio train: --resume: ${out} was trained with --include-flagged call_names_known_tool --leave-out ${left}, not --include-flagged tools_valid_schema; a resumed run continues on its own examples: give the same, or neither (it keeps its own)`);
    // Without the flags it uses the recorded set: the same examples, so the checkpoint resumes.
    const resumed = await studio('train', '--model', model, '--out', out, '--steps', '2', '--resume', ...common);
    expect(resumed.code, resumed.err).toBe(0);
    expect(resumed.out).toContain('trained 2 steps on 6 examples');
  });

  // eval and hdr took an --adapter folder's choice of examples; train took neither a run's --leave-out
  // nor a snapshot's lines ("included"), so training on from a run went on over the examples it left out.
  it('with --adapter of a run folder or a snapshot, trains on the examples it chose, as eval and hdr do', { timeout: 600_000 }, async () => {
    const model = modelDir();
    const data = await dataFile();
    const examples = (await importDatasetFiles([{ name: 'data.jsonl', blob: new Blob([readFileSync(data)]) }])).examples;
    const left = examples[1].id;
    const run = mkdtempSync(join(tmpdir(), 'studio-inclusion-from-'));
    const common = ['--model', model, '--data', data, '--steps', '1', '--batch', '1', '--seq', '320', '--rank', '2', '--alpha', '4', '--eval-every', '0', '--split-seed', '3', '--quiet'];
    const first = await studio('train', '--out', run, '--leave-out', left, ...common);
    expect(first.code, first.err).toBe(0);
    expect(first.out).toContain('trained 1 step on 4 examples, holding out none (split seed 3), so studio eval has nothing to score');
    const on = await studio('train', '--adapter', run, '--out', join(run, 'on'), ...common);
    expect(on.code, on.err).toBe(0);
    expect(on.out).toContain('trained 1 step on 4 examples');
    expect(JSON.parse(readFileSync(join(run, 'on', 'run.json'), 'utf8')).source.inclusion).toEqual({ leaveOut: [left] });
    // The folder as an unzipped snapshot: its dataset.jsonl's lines leave out one more.
    const lines = readFileSync(data, 'utf8').split('\n').map((l) => JSON.parse(l));
    writeFileSync(join(run, 'dataset.jsonl'), lines.map((e) => JSON.stringify(e.id === examples[2].id ? { ...e, included: false } : e)).join('\n'));
    const snapshot = await studio('train', '--adapter', run, '--out', join(run, 'snapshot'), ...common);
    expect(snapshot.code, snapshot.err).toBe(0);
    expect(snapshot.out).toContain('trained 1 step on 3 examples');
    expect(snapshot.err).toContain(`note: --adapter ${run} is a studio snapshot`);
    // A run from the snapshot records its lines' choice (hdr.json's and run.json's inclusion cannot
    // hold it: a line's "included": true on a flagged example has no flag), so --adapter of its
    // folder, to train or eval, uses the snapshot's examples; it used the check's alone.
    const hdr = join(run, 'hdr');
    const mined = await studio('hdr', '--model', model, '--adapter', run, '--data', data, '--out', hdr, '--rounds', '1', '--samples', '1', '--steps-per-round', '1', '--mine-limit', '1', '--max-tokens', '4', '--eval-limit', '0', '--quiet');
    expect(mined.code, mined.err).toBe(0);
    const leftByLine = `note: example "${examples[2].id}": left out, as its line in ${join(run, 'dataset.jsonl')}`;
    expect(mined.err).toContain(leftByLine);
    for (const folder of [hdr, join(run, 'snapshot')]) {
      const noModel = ['--model', join(run, 'no-model'), '--adapter', folder, '--data', data, '--quiet'];
      const trainFrom = await studio('train', ...noModel, '--out', join(run, 'from', basename(folder)));
      expect(trainFrom.last).toContain('no-model');
      expect(trainFrom.err).toContain(leftByLine);
      const evalFrom = await studio('eval', ...noModel, '--split', 'train', '--out', join(run, `${basename(folder)}.jsonl`));
      expect(evalFrom.last).toContain('no-model');
      expect(evalFrom.err).toContain(leftByLine);
    }
    // A resume of the run from the snapshot reads its own record: the snapshot's file gone, the
    // files gave other examples than it trained on (refused before the model, which is not there).
    rmSync(join(run, 'dataset.jsonl'));
    const resumed = await studio('train', '--resume', '--out', join(run, 'snapshot'), '--model', join(run, 'no-model'), '--data', data, '--steps', '2', ...common.slice(6));
    expect(resumed.last).toContain('no-model');
    expect(resumed.err).toContain(leftByLine);
  });

  it('names a rule or an example id that does not exist', { timeout: 300_000 }, async () => {
    const data = await dataFile();
    const out = mkdtempSync(join(tmpdir(), 'studio-inclusion-bad-'));
    const rule = await studio('train', '--model', join(out, 'no-model'), '--data', data, '--out', join(out, 'a'), '--include-flagged', 'reasoning');
    expect(rule.code).toBe(2);
    expect(rule.last).toMatch(/^studio train: --include-flagged: no quality rule "reasoning" \(the rules are tools_valid_schema, call_names_known_tool, /);
    // Every command that reads datasets takes the flags, and names a bad rule before the model loads.
    for (const command of ['eval', 'hdr', 'ablate']) {
      const r = await studio(command, '--model', join(out, 'no-model'), '--data', data, '--out', join(out, `${command}-out`), '--include-flagged', 'nope');
      expect(r.last).toMatch(new RegExp(`^studio ${command}: --include-flagged: no quality rule "nope"`));
    }
    const id = await studio('eval', '--model', modelDir(), '--data', data, '--out', join(out, 'p.jsonl'), '--leave-out', 'nope,flagged-1', '--quiet');
    expect(id.code).toBe(2);
    expect(id.last).toBe(`studio eval: --leave-out: no example "nope" to leave out among the 8 examples imported from ${data}`);
  });

  it('a run folder given as --adapter to eval another dataset: the ids it left out are noted, not refused as a typed --leave-out', { timeout: 300_000 }, async () => {
    // `studio eval --adapter <run trained with --leave-out x> --data <other file>` was refused
    // '--leave-out: no example "x" to leave out', a flag the user never gave and could not take back.
    const data = await dataFile();
    const run = mkdtempSync(join(tmpdir(), 'studio-inclusion-run-'));
    writeFileSync(join(run, 'run.json'), JSON.stringify({ config: DEFAULT_RUN_CONFIG, source: { model: 'm', data: [], bfclPromptMode: false, includeFailing: false, splitSeed: 3, inclusion: { leaveOut: ['x'] } } }));
    const r = await studio('eval', '--model', join(run, 'no-model'), '--adapter', run, '--data', data, '--out', join(run, 'p.jsonl'), '--quiet');
    expect(r.err).not.toContain('studio eval: --leave-out');
    expect(r.err).toContain(`note: ${join(run, 'run.json')} leaves out "x" (the run's --leave-out), which none of the 8 examples imported is: nothing is left out for it`);
  });

  it('eval --split all leaves out what a snapshot\'s lines leave out, as it leaves out --leave-out\'s', { timeout: 300_000 }, async () => {
    // Lines the studio left out ("included": false) were scored by --split all, which left out only
    // the ids --leave-out named: the same choice, made in the studio, counted for nothing.
    const lines = readFileSync(await dataFile(), 'utf8').split('\n').slice(0, 5).map((l) => JSON.stringify({ ...JSON.parse(l), included: false }));
    const dir = mkdtempSync(join(tmpdir(), 'studio-inclusion-lines-'));
    writeFileSync(join(dir, 'dataset.jsonl'), lines.join('\n'));
    const r = await studio('eval', '--model', join(dir, 'no-model'), '--data', join(dir, 'dataset.jsonl'), '--split', 'all', '--out', join(dir, 'p.jsonl'), '--quiet');
    expect(r.last).toBe(`studio eval: no examples to evaluate in ${join(dir, 'dataset.jsonl')}: every one of the 5 imported examples is left out (5 imported, 0 failed the quality check, 5 left out by their lines ("included": false))`);
  });

  it('a run folder given as --adapter (to eval or hdr) brings the examples it chose, a training run\'s and an HDR run\'s', async () => {
    const inclusion = { includeFlagged: ['reasoning_as_promised'], leaveOut: ['x'] };
    const trained = mkdtempSync(join(tmpdir(), 'studio-inclusion-run-'));
    writeFileSync(join(trained, 'run.json'), JSON.stringify({ config: DEFAULT_RUN_CONFIG, source: { model: 'm', data: [], bfclPromptMode: false, includeFailing: false, splitSeed: 3, inclusion } }));
    expect(adapterRun(trained)).toMatchObject({ splitSeed: 3, inclusion });
    const hdr = mkdtempSync(join(tmpdir(), 'studio-inclusion-hdr-'));
    writeFileSync(join(hdr, 'hdr.json'), JSON.stringify({ config: DEFAULT_RUN_CONFIG, mine: 'train', splitSeed: 3, inclusion }));
    expect(adapterRun(hdr)).toMatchObject({ splitSeed: 3, inclusion });
    // A folder that chose none brings none.
    writeFileSync(join(trained, 'run.json'), JSON.stringify({ config: DEFAULT_RUN_CONFIG, source: { model: 'm', data: [], bfclPromptMode: false, includeFailing: false } }));
    expect(adapterRun(trained).inclusion).toBeUndefined();
    expect(adapterRun(trained).includeFailing).toBeUndefined();
    expect(adapterRun(trained).lineChoices).toBeUndefined();
  });

  it('a run folder trained with --include-failing, given as --adapter, brings the flagged examples it trained on', { timeout: 300_000 }, async () => {
    // eval and hdr left them out (their check's default), so hdr replayed and mined another set than
    // the run trained on, and eval scored another held-out side.
    const data = await dataFile();
    const run = mkdtempSync(join(tmpdir(), 'studio-inclusion-failing-'));
    writeFileSync(join(run, 'run.json'), JSON.stringify({ config: DEFAULT_RUN_CONFIG, source: { model: 'm', data: [], bfclPromptMode: false, includeFailing: true, splitSeed: 3 } }));
    expect(adapterRun(run).includeFailing).toBe(true);
    const hdr = mkdtempSync(join(tmpdir(), 'studio-inclusion-failing-hdr-'));
    writeFileSync(join(hdr, 'hdr.json'), JSON.stringify({ config: DEFAULT_RUN_CONFIG, mine: 'train', splitSeed: 3, includeFailing: true }));
    expect(adapterRun(hdr).includeFailing).toBe(true);
    const r = await studio('eval', '--model', join(run, 'no-model'), '--adapter', run, '--data', data, '--split', 'train', '--out', join(run, 'p.jsonl'), '--quiet');
    expect(r.err).not.toContain('excluded, fails the quality check');
    const h = await studio('hdr', '--model', join(run, 'no-model'), '--adapter', run, '--data', data, '--out', join(run, 'hdr'), '--quiet');
    expect(h.err).not.toContain('excluded, fails the quality check');
    // train too: continuing the run, it left them out (and read them before the model, which is not there).
    const t = await studio('train', '--model', join(run, 'no-model'), '--adapter', run, '--data', data, '--out', join(run, 'train'), '--quiet');
    expect(t.last).toContain('no-model');
    expect(t.err).not.toContain('excluded, fails the quality check');
    // --include-failing=false leaves them out, as the check does.
    expect((await studio('train', '--model', join(run, 'no-model'), '--adapter', run, '--data', data, '--out', join(run, 'train'), '--include-failing=false', '--quiet')).err).toContain('note: example "flagged-1": excluded, fails the quality check');
    // Without the run folder the check leaves them out, as before.
    expect((await studio('eval', '--model', join(run, 'no-model'), '--data', data, '--split', 'train', '--split-seed', '3', '--out', join(run, 'q.jsonl'), '--quiet')).err).toContain('note: example "flagged-1": excluded, fails the quality check');
  });

  // Inherited from the --adapter folder, --include-failing is recorded, and a resume given no flag
  // keeps it: it read the files without the flagged examples, refused as other data.
  it('train from a run folder trained with --include-failing trains on the flagged ones too, and resumes without the flag', { timeout: 600_000 }, async () => {
    const model = modelDir();
    const data = await dataFile();
    const run = mkdtempSync(join(tmpdir(), 'studio-inclusion-failing-train-'));
    const common = ['--model', model, '--data', data, '--batch', '1', '--seq', '320', '--rank', '2', '--alpha', '4', '--eval-every', '0', '--checkpoint-every', '1', '--split-seed', '3', '--quiet'];
    const first = await studio('train', '--out', run, '--steps', '1', '--include-failing', ...common);
    expect(first.code, first.err).toBe(0);
    // 5 passing and 3 flagged, but "two-rules" is longer than --seq 320; the split seed 3 holds none of these out.
    expect(first.out).toContain('trained 1 step on 7 examples (1 more skipped: the notes above), holding out none (split seed 3), so studio eval has nothing to score');
    const on = join(run, 'on');
    const next = await studio('train', '--adapter', run, '--out', on, '--steps', '1', ...common);
    expect(next.code, next.err).toBe(0);
    expect(next.out).toContain('trained 1 step on 7 examples');
    expect(JSON.parse(readFileSync(join(on, 'run.json'), 'utf8')).source.includeFailing).toBe(true);
    const resumed = await studio('train', '--out', on, '--steps', '2', '--resume', ...common);
    expect(resumed.code, resumed.err).toBe(0);
    expect(resumed.out).toContain('trained 2 steps on 7 examples');
  });

  it('eval with every held-out example left out says so, not that there is nothing to evaluate', { timeout: 300_000 }, async () => {
    // It said only "no examples to evaluate in … (split eval; 8 imported)", where ablate and the
    // page say the held-out examples are all left out and how to use them again.
    const data = await dataFile();
    const { dataExamples } = await import('../../src/cli/localFiles.ts');
    let seed = 1;
    let heldOut: string[] = [];
    for (; heldOut.length === 0; seed++) heldOut = (await dataExamples([data], { seed })).eval.map((e) => e.id);
    const dir = mkdtempSync(join(tmpdir(), 'studio-inclusion-held-'));
    const r = await studio('eval', '--model', join(dir, 'no-model'), '--data', data, '--split-seed', String(seed - 1), '--leave-out', heldOut.join(','), '--out', join(dir, 'p.jsonl'), '--quiet');
    // Those the check flags on that side count too.
    const n = (await dataExamples([data], { seed: seed - 1, inclusion: { leaveOut: heldOut } })).heldOutLeftOut;
    expect(n).toBeGreaterThanOrEqual(heldOut.length);
    expect(r.last).toBe(`studio eval: ${data}: the ${n} held-out example${n === 1 ? ' is' : 's are all'} left out (flagged by the quality check, or left out by you), so there is nothing to evaluate: use them (--include-failing, --include-flagged, or fewer ids in --leave-out), or change --split-seed`);
  });

  // `eval --split all --adapter <run folder>` on another file (a BFCL category) was refused with
  // "--leave-out: no example "x" to leave out", a flag the user never gave and could not take back,
  // after a note that it held out the run's 20% though --split all holds out nothing.
  it('eval --split all with a run folder as --adapter: its left-out ids another file lacks are no error, and no held-out share is said', { timeout: 300_000 }, async () => {
    const data = await dataFile();
    const run = mkdtempSync(join(tmpdir(), 'studio-inclusion-other-'));
    writeFileSync(join(run, 'run.json'), JSON.stringify({ config: DEFAULT_RUN_CONFIG, source: { model: 'm', data: ['mine.jsonl'], bfclPromptMode: false, includeFailing: false, splitSeed: 3, evalFraction: 0.2, inclusion: { leaveOut: ['x'] } } }));
    const r = await studio('eval', '--model', modelDir(), '--adapter', run, '--data', data, '--split', 'all', '--out', join(run, 'p.jsonl'), '--quiet');
    expect(r.err).not.toMatch(/held out 20%|studio eval: --leave-out/);
    // It went on to read the adapter (this folder has only run.json).
    expect(r.last).toBe(`studio eval: --adapter ${run}: no adapter_config.json`);
    // A typo in the flag itself is still named.
    expect((await studio('eval', '--model', modelDir(), '--adapter', run, '--data', data, '--split', 'all', '--out', join(run, 'p.jsonl'), '--leave-out', 'y', '--quiet')).last).toBe(`studio eval: --leave-out: no example "y" to leave out among the 8 examples imported from ${data}`);
  });
});

/** `trained` (the examples a run read, split with seed 3) as studio train records them in `run`'s
 * run.json, `source` giving its files and choices, then exported by studio recipe: how many examples
 * it trained on, how many rows the recipe wrote to train on, and the notes the recipe printed. */
async function recipeOfRun(run: string, trained: FileExamples, source: Record<string, unknown>): Promise<{ trainedOn: number; exported: number; said: unknown[] }> {
  const { fingerprintedExamples } = await import('../../src/jobs/data.ts');
  const { datasetFingerprint } = await import('../../src/data/fingerprint.ts');
  const { trainingSets, tokenizerFromModel } = await import('../../src/train/prepareData.ts');
  const { nodeDirectoryModelFiles } = await import('../../src/model/model-files-node.ts');
  const { default: recipeCommand } = await import('../../src/cli/commands/recipe.ts');
  const model = 'public/models/tiny-qwen3';
  const config = { ...DEFAULT_RUN_CONFIG, seqLen: 320 };
  const sets = await trainingSets(await tokenizerFromModel(nodeDirectoryModelFiles(model)), trained, config);
  const recorded = { model: resolve(model), bfclPromptMode: false, includeFailing: false, splitSeed: 3, fingerprint: await datasetFingerprint(fingerprintedExamples(trained)), ...source };
  writeFileSync(join(run, 'run.json'), JSON.stringify({ model, data: ['data.jsonl'], config, examples: { train: sets.train.length, eval: sets.held.length, tooLong: sets.tooLong.length }, status: 'done', source: recorded }));
  const notes = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  const printed = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  let said: unknown[] = [];
  try {
    expect(await recipeCommand.run(['--run', run, '--out', join(run, 'recipe')])).toBe(0);
  } finally {
    said = notes.mock.calls.map(([m]) => m);
    notes.mockRestore();
    printed.mockRestore();
  }
  return { trainedOn: sets.train.length, exported: readFileSync(join(run, 'recipe', 'data', 'train.jsonl'), 'utf8').trim().split('\n').length, said };
}

describe('a run trained with --leave-out, its data file cleaned of the example it left out', () => {
  // Taking the example out of the file is what a user does once it is left out; the files then give
  // the run's very examples (its fingerprint), but studio recipe refused them with '--leave-out: no
  // example "x" to leave out …', a flag recipe does not have and the user never gave it.
  it('studio train --resume goes on over it, noting that the id is in no example', { timeout: 600_000 }, async () => {
    // It was refused '--leave-out: no example "x" to leave out …' though the user gave no flag on
    // the resume and the files give the run's examples.
    const model = modelDir();
    const data = await dataFile();
    const lines = readFileSync(data, 'utf8').split('\n');
    const left = JSON.parse(lines[1]).id as string;
    const out = mkdtempSync(join(tmpdir(), 'studio-inclusion-clean-'));
    const common = ['--data', data, '--batch', '1', '--seq', '320', '--rank', '2', '--alpha', '4', '--eval-every', '0', '--split-seed', '3', '--quiet'];
    const first = await studio('train', '--model', model, '--out', out, '--steps', '1', '--checkpoint-every', '1', '--leave-out', left, ...common);
    expect(first.code, first.err).toBe(0);
    expect(first.out).toContain('trained 1 step on 4 examples');
    writeFileSync(data, lines.filter((_, i) => i !== 1).join('\n'));
    const resumed = await studio('train', '--model', model, '--out', out, '--steps', '2', '--resume', ...common);
    expect(resumed.code, resumed.err).toBe(0);
    expect(resumed.out).toContain('trained 2 steps on 4 examples');
    expect(resumed.err).toContain(`note: ${join(out, 'run.json')} leaves out "${left}" (the run's --leave-out), which none of the 7 examples imported is: nothing is left out for it`);
  });

  it('studio recipe exports it, noting that the id is in no example', { timeout: 300_000 }, async () => {
    const { dataExamples } = await import('../../src/cli/localFiles.ts');
    const data = await dataFile();
    const lines = readFileSync(data, 'utf8').split('\n');
    const left = JSON.parse(lines[1]).id as string;
    // What the run trained on: the whole file, that example left out (its run.json, as studio train writes it).
    const inclusion = { leaveOut: [left] };
    const trained = await dataExamples([data], { seed: 3, inclusion });
    const run = mkdtempSync(join(tmpdir(), 'studio-inclusion-recipe-'));
    const cleaned = join(run, 'data.jsonl');
    writeFileSync(cleaned, lines.filter((_, i) => i !== 1).join('\n'));
    const { trainedOn, exported, said } = await recipeOfRun(run, trained, { data: [cleaned], inclusion });
    expect(exported).toBe(trainedOn);
    expect(said).toContain(`note: ${join(run, 'run.json')} leaves out "${left}" (the run's --leave-out), which none of the 7 examples imported is: nothing is left out for it`);
  });
});

describe('a run trained from a snapshot, on the snapshot\'s choice of examples', () => {
  // The run's fingerprint is of the examples the snapshot's lines chose; studio recipe read the
  // files with the check alone and refused them as edited ("other examples than the run trained on").
  it('studio recipe exports it on the examples it trained on, from the choice its run.json records', { timeout: 300_000 }, async () => {
    const { dataExamples } = await import('../../src/cli/localFiles.ts');
    const data = await dataFile();
    const lines = readFileSync(data, 'utf8').split('\n').map((l) => JSON.parse(l));
    const run = mkdtempSync(join(tmpdir(), 'studio-inclusion-recipe-lines-'));
    // The snapshot it started from: its lines leave one passing example out and use a flagged one.
    const snapshot = join(run, 'snapshot');
    mkdirSync(snapshot);
    writeFileSync(join(snapshot, 'run.json'), JSON.stringify({ config: DEFAULT_RUN_CONFIG }));
    writeFileSync(join(snapshot, 'dataset.jsonl'), lines.map((e, i) => JSON.stringify(i === 1 ? { ...e, included: false } : e.id === 'flagged-1' ? { ...e, included: true } : e)).join('\n'));
    const trained = await dataExamples([data], { seed: 3, adapter: snapshot });
    expect(trained.lineChoices).toEqual({ from: join(snapshot, 'dataset.jsonl'), included: ['flagged-1'], leftOut: [lines[1].id] });
    // As studio train --adapter <snapshot> records it (less the start adapter, which the recipe
    // ships: it tells nothing of the examples); the snapshot is gone since.
    const recorded = { data: [data], lineChoices: trained.lineChoices };
    rmSync(snapshot, { recursive: true });
    const { trainedOn, exported } = await recipeOfRun(run, trained, recorded);
    expect(exported).toBe(trainedOn);
  });
});

describe('studio tokenize --include-flagged / --leave-out', () => {
  it('writes the examples studio train would train on with the same flags, and names an id that does not exist', { timeout: 300_000 }, async () => {
    const model = modelDir();
    const data = await dataFile();
    const left = (await importDatasetFiles([{ name: 'data.jsonl', blob: new Blob([readFileSync(data)]) }])).examples[1].id;
    const out = join(mkdtempSync(join(tmpdir(), 'studio-inclusion-tok-')), 'tokens.jsonl');
    const r = await studio('tokenize', '--model', model, '--data', data, '--out', out, '--include-flagged', 'call_names_known_tool', '--leave-out', left);
    expect(r.code, r.err).toBe(0);
    const ids = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l).id);
    // The two flagged by that rule alone are written, the one a second rule flags is not, nor the one left out.
    expect(ids).toContain('flagged-1');
    expect(ids).toContain('flagged-2');
    expect(ids).not.toContain('two-rules');
    expect(ids).not.toContain(left);
    expect(ids).toHaveLength(6);
    expect(r.out).toContain('1 left out by --leave-out');
    const typo = await studio('tokenize', '--model', model, '--data', data, '--out', out, '--leave-out', 'no-such-id', '--force');
    expect(typo.code).toBe(2);
    expect(typo.last).toBe(`studio tokenize: --leave-out: no example "no-such-id" to leave out among the 8 examples imported from ${data}; ${out} is unchanged`);
  });
});
