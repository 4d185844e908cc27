// The CLI on bad input, as a user types it: flags parsed strictly (no value taken from the next
// option, no prototype names, no 0x numbers, switches that say no), outputs checked before any
// work and never written over an input, a folder where a file belongs named as such. Each of these
// once destroyed a dataset, printed a stack trace or ran with nonsense.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { studioInProcess } from '../helpers/studioInProcess.ts';
import { HelpRequested, parseFlags } from '../../src/cli/args.ts';
import { inFlagWords, runConfigFromFlags } from '../../src/cli/runFlags.ts';
import { adapterBalanceNote, checkRunFolder, pausedUntrained } from '../../src/cli/localFiles.ts';
import { DEFAULT_RUN_CONFIG } from '../../src/train/config.ts';
import { strToU8, zipSync } from 'fflate';

async function studio(...args: string[]) {
  const r = await studioInProcess(args);
  return { ...r, err: r.err.trim() };
}

const SPEC = { prompt: 'string', steps: 'number', json: 'boolean', data: 'strings' } as const;
const fails = (argv: string[], message: string | RegExp) => expect(() => parseFlags(argv, SPEC)).toThrow(message);

describe('parseFlags', () => {
  it('reads values, switches and lists as before', async () => {
    expect(parseFlags(['--prompt', 'hi there', '--steps=3', '--json', '--data', 'a.jsonl,b.jsonl', '--data', 'c.jsonl'], SPEC)).toEqual({ _: [], prompt: 'hi there', steps: 3, json: true, data: ['a.jsonl', 'b.jsonl', 'c.jsonl'] });
    expect(parseFlags(['--steps', '-2', '--json=no', '--prompt=--steps'], SPEC)).toEqual({ _: [], steps: -2, json: false, prompt: '--steps' });
    expect(parseFlags(['--steps', '1e3', '--json=TRUE'], SPEC)).toMatchObject({ steps: 1000, json: true });
  });

  it('never takes the next option as a value', async () => {
    fails(['--prompt', '--steps', '1'], 'option --prompt needs a value (found the option --steps; write --prompt=--steps if that is the value)');
    fails(['--steps'], 'option --steps needs a value');
  });

  it('refuses names from Object.prototype, words outside options, and switches given other words', async () => {
    for (const name of ['constructor', '__proto__', 'hasOwnProperty', 'toString']) fails([`--${name}`, 'x'], `unknown option --${name}`);
    fails(['--prompt', 'hi', 'world'], 'unexpected argument "world" (every value follows its option; quote a value with spaces: --prompt "a b")');
    expect(parseFlags(['model-dir'], SPEC, { positionals: true })._).toEqual(['model-dir']);
    fails(['--json=maybe'], 'option --json is a switch: give it alone, or --json=true / --json=false, not "maybe"');
  });

  it('refuses numbers people do not write, empty values and empty lists', async () => {
    for (const v of ['0x10', '0b1', '', ' ', '1,5', 'NaN', 'Infinity']) fails([`--steps=${v}`], `option --steps expects a number, got "${v}"`);
    fails(['--prompt='], 'option --prompt needs a value, got an empty one');
    fails(['--data', ','], 'option --data needs at least one value, got ","');
  });

  it('refuses an option given twice, where the second value would silently win; a list adds up', async () => {
    fails(['--prompt', 'a', '--prompt', 'b'], 'option --prompt is given twice; give it once');
    fails(['--steps=1', '--steps', '2'], 'option --steps is given twice; give it once');
    fails(['--json', '--json=false'], 'option --json is given twice; give it once');
    expect(parseFlags(['--data', 'a', '--data', 'b'], SPEC).data).toEqual(['a', 'b']);
  });

  it('reads a list written with spaces after its commas as the names between them', async () => {
    expect(parseFlags(['--data', 'a.jsonl, b.jsonl ,c.jsonl'], SPEC).data).toEqual(['a.jsonl', 'b.jsonl', 'c.jsonl']);
  });

  it('keeps the commas of a repeatable text (export-onnx --prompt), where a list of names splits on them', async () => {
    const texts = { prompt: 'texts' } as const;
    expect(parseFlags(['--prompt', 'Book a table for two, at 7pm, please', '--prompt=Hi'], texts).prompt).toEqual(['Book a table for two, at 7pm, please', 'Hi']);
    expect(() => parseFlags(['--prompt', ' '], texts)).toThrow('option --prompt needs a value, got an empty one');
  });

  it('asks for help only where --help or -h stands as an option', async () => {
    expect(() => parseFlags(['--steps', '1', '-h'], SPEC)).toThrow(HelpRequested);
    expect(parseFlags(['--prompt', '-h'], SPEC).prompt).toBe('-h');
  });

  it('says the config’s names as the flags that set them', async () => {
    expect(inFlagWords('run config: need 0 ≤ alphaMin < alpha0 < alphaMax ≤ 1, got 0.05, 2, 0.95')).toBe('need 0 ≤ --alpha-min < --alpha0 < --alpha-max ≤ 1, got 0.05, 2, 0.95');
    expect(inFlagWords('run config: LoRA alpha must be a positive number, got -3')).toBe('--alpha must be a positive number, got -3');
    expect(inFlagWords('HDR settings: batchSize must be a whole number ≥ 1, got 0', { batchSize: '--gen-batch' })).toBe('--gen-batch must be a whole number ≥ 1, got 0');
  });
});

describe('runConfigFromFlags', () => {
  it('refuses two balance rules (--loss ssb:<r> and another --rule), where --rule silently won', async () => {
    expect(() => runConfigFromFlags({ loss: 'ssb:dwa', rule: 'uncertainty' })).toThrow('--loss ssb:dwa and --rule uncertainty name two balance rules; give one of them');
    expect(runConfigFromFlags({ loss: 'ssb:dwa', rule: 'dwa' })).toMatchObject({ loss: 'ssb', balanceRule: 'dwa' });
  });

  it('refuses every flag of α\'s rule with a loss that has no learned α, where it was ignored', async () => {
    for (const [flag, value] of [['alpha0', 0.5], ['alpha-min', 0.1], ['alpha-max', 0.9], ['balance-temperature', 0.5], ['balance-window', 3]] as const) {
      expect(() => runConfigFromFlags({ loss: 'sft', [flag]: value }), flag).toThrow(`--${flag} sets how SSB learns α; it does nothing with --loss sft`);
      expect(() => runConfigFromFlags({ loss: 'fixed:0.3', [flag]: value }), flag).toThrow(`--${flag} sets how SSB learns α; it does nothing with --loss fixed:0.3`);
    }
    expect(runConfigFromFlags({ loss: 'ssb', alpha0: 0.5, 'balance-window': 3 })).toMatchObject({ alpha0: 0.5, balanceWindow: 3 });
  });

  it('says a loss HDR took from its --adapter run is that run\'s, not a --loss the user never gave', async () => {
    const sftRun = { ...DEFAULT_RUN_CONFIG, loss: 'sft' };
    expect(() => runConfigFromFlags({ rule: 'dwa' }, sftRun)).toThrow('--rule sets how SSB learns α; it does nothing with the sft loss of the --adapter run (--loss ssb to learn α)');
    expect(() => runConfigFromFlags({ loss: 'sft', rule: 'dwa' }, sftRun)).toThrow('--rule sets how SSB learns α; it does nothing with --loss sft');
    expect(runConfigFromFlags({ loss: 'ssb', rule: 'dwa' }, sftRun)).toMatchObject({ loss: 'ssb', balanceRule: 'dwa' });
  });
});

describe('studio on bad input (before any GPU work)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'studio-bad-input-'));
  const data = join(dir, 'data.jsonl');
  copyFileSync('public/demo/demo-dataset.jsonl', data);
  const original = readFileSync(data, 'utf8');
  const model = 'public/models/tiny-qwen3';

  it('export-gguf names its own data flags in a missing or folder data file’s error, not --data', async () => {
    const out = join(dir, 'x.gguf');
    const missing = await studio('export-gguf', '--model', model, '--out', out, '--check-data', join(dir, 'none.jsonl'));
    expect(missing.err).toBe(`studio export-gguf: --check-data ${join(dir, 'none.jsonl')}: no such file`);
    const folder = await studio('export-gguf', '--model', model, '--out', out, '--type', 'q4_k_m', '--imatrix-data', dir);
    expect(folder.err).toBe(`studio export-gguf: --imatrix-data ${dir} is a folder; give the dataset files in it (several: --imatrix-data a.jsonl,b.jsonl)`);
    expect(existsSync(out)).toBe(false);
  });

  it('never writes an output over an input, and checks outputs before the work', async () => {
    const tok = await studio('tokenize', '--model', model, '--data', data, '--out', data);
    expect(tok.code).toBe(2);
    expect(tok.err).toBe(`studio tokenize: --out ${data} is also the --data file; writing it would destroy it: choose another --out`);
    const ev = await studio('eval', '--model', model, '--data', data, '--out', data, '--limit', '1');
    expect(ev.code).toBe(2);
    expect(ev.err).toContain('is also the --data file');
    const summary = await studio('eval', '--model', model, '--data', data, '--out', join(dir, 'p.jsonl'), '--summary', join(dir, 'p.jsonl'));
    expect(summary.err).toBe(`studio eval: --summary ${join(dir, 'p.jsonl')} is also the --out file; writing it would destroy it: choose another --summary`);
    expect(readFileSync(data, 'utf8')).toBe(original);
    expect((await studio('eval', '--model', model, '--data', data, '--out', dir)).err).toBe(`studio eval: --out ${dir} is a folder; give a file path`);
    expect((await studio('eval', '--model', model, '--data', data, '--out', join(dir, 'no', 'p.jsonl'))).err).toBe(`studio eval: --out ${join(dir, 'no', 'p.jsonl')}: the folder ${join(dir, 'no')} does not exist`);
    expect((await studio('tokenize', '--model', model, '--data', data, '--out', dir)).err).toBe(`studio tokenize: --out ${dir} is a folder; give a file path`);
  });

  it('eval and tokenize keep an --out that is there already, unless --force (eval: or --resume, which goes on from it)', async () => {
    // Both replaced it without a word: an earlier evaluation's answers, hours of generation, and
    // what its --resume would have gone on from.
    const out = join(dir, 'earlier.jsonl');
    writeFileSync(out, 'earlier answers\n');
    const ev = await studio('eval', '--model', model, '--data', data, '--out', out, '--limit', '1');
    expect([ev.code, ev.err]).toEqual([2, `studio eval: --out ${out} exists; pass --resume to go on from the answers it holds, or --force to replace it`]);
    const tok = await studio('tokenize', '--model', model, '--data', data, '--out', out);
    expect([tok.code, tok.err]).toEqual([2, `studio tokenize: --out ${out} exists; pass --force to replace it`]);
    expect((await studio('eval', '--model', model, '--data', data, '--out', out, '--resume', '--force')).err).toBe('studio eval: --resume goes on from the answers --out holds, and --force replaces them: give one of them');
    expect(readFileSync(out, 'utf8')).toBe('earlier answers\n');
    // Another evaluation's --summary is kept too (it was rewritten on every run).
    const summary = join(dir, 'earlier-summary.json');
    writeFileSync(summary, '{}');
    const sum = await studio('eval', '--model', model, '--data', data, '--out', join(dir, 'new.jsonl'), '--summary', summary, '--limit', '1');
    expect([sum.code, sum.err]).toEqual([2, `studio eval: --summary ${summary} exists; pass --resume with the --out it summarises, or --force to replace it`]);
    // With --force they go on, to the model here, which is not there.
    const missing = join(dir, 'no-model');
    expect((await studio('eval', '--model', missing, '--data', data, '--out', out, '--force')).err).toContain(`--model ${missing}`);
    const forced = await studio('tokenize', '--model', model, '--data', data, '--out', out, '--force');
    expect(forced.code, forced.err).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('"input_ids"');
  });

  it('a failed tokenize leaves an earlier output as it was', async () => {
    const out = join(dir, 'tokens.jsonl');
    writeFileSync(out, 'earlier output\n');
    const r = await studio('tokenize', '--model', model, '--data', data, '--out', out, '--max-len', '5', '--force');
    expect(r.code).toBe(1);
    expect(r.err.split('\n').at(-1)).toBe(`studio tokenize: no example was written (320 longer than --max-len 5); ${out} is unchanged`);
    // Each note names the example once, where it is (it said `id "demo-0000": example "demo-0000": …`).
    expect(r.err).toMatch(/^too long: .*, id "demo-0000": \d+ tokens even with earlier turns left out/m);
    expect(r.err).not.toMatch(/id "[^"]+": example "/);
    expect(readFileSync(out, 'utf8')).toBe('earlier output\n');
  });

  it('names a folder given as a dataset, a file given as a run folder, and a run folder that is in use', async () => {
    mkdirSync(join(dir, 'folder'));
    expect((await studio('train', '--model', model, '--data', join(dir, 'folder'), '--out', join(dir, 'run'))).err).toBe(`studio train: --data ${join(dir, 'folder')} is a folder; give the dataset files in it (several: --data a.jsonl,b.jsonl)`);
    expect((await studio('tokenize', '--model', model, '--data', join(dir, 'folder'), '--out', join(dir, 't.jsonl'))).err).toContain('is a folder; give the dataset files in it');
    const run = join(dir, 'hdr-run');
    mkdirSync(run);
    writeFileSync(join(run, 'run.json'), '{}');
    expect((await studio('hdr', '--model', model, '--data', data, '--adapter', run, '--out', run)).err).toBe(`studio hdr: --out ${run} is the --adapter folder; the run would overwrite the adapter it starts from: choose another --out`);
    expect((await studio('hdr', '--model', model, '--data', data, '--out', run)).err).toBe(`studio hdr: --out ${run} already holds a run (run.json); choose another folder`);
    expect((await studio('train', '--model', model, '--data', data, '--out', data)).err).toBe(`studio train: --out ${data} is a file; give a folder for the run`);
    // A finished HDR run has no run.json: training or another HDR run there emptied its rounds and replaced its adapter.
    const hdrDone = join(dir, 'hdr-done');
    mkdirSync(hdrDone);
    writeFileSync(join(hdrDone, 'hdr.json'), '{}');
    writeFileSync(join(hdrDone, 'rounds.jsonl'), '{"round": 1}\n');
    expect((await studio('train', '--model', model, '--data', data, '--out', hdrDone)).err).toBe(`studio train: --out ${hdrDone} already holds an HDR run (hdr.json); choose another folder`);
    expect((await studio('hdr', '--model', model, '--data', data, '--out', hdrDone)).err).toBe(`studio hdr: --out ${hdrDone} already holds an HDR run (hdr.json); choose another folder`);
    expect(readFileSync(join(hdrDone, 'rounds.jsonl'), 'utf8')).toBe('{"round": 1}\n');
  });

  it('names a file that is not a dataset as the page does (model or adapter weights, a snapshot .zip, an image), not by a parse error on every line', async () => {
    // Each read as records before: "note: model.safetensors, line 20, record 20: not valid UTF-8 …"
    // hundreds of times, then "no trainable examples".
    const adapter = join(dir, 'adapter_model.safetensors');
    writeFileSync(adapter, Buffer.concat([Buffer.from([2, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('{}')]));
    const snapshot = join(dir, 'run-step20.zip');
    writeFileSync(snapshot, zipSync({ 'run.json': strToU8('{}') }));
    const picture = join(dir, 'examples.jsonl');
    writeFileSync(picture, new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]));
    const kinds: Array<[string, string]> = [[join(model, 'model.safetensors'), 'model weights'], [adapter, 'model weights'], [snapshot, 'a ZIP archive'], [picture, 'a PNG image']];
    const give = 'not a dataset; give a .json, .jsonl or .parquet file of examples (OpenAI, Hermes, ShareGPT, xLAM, Glaive, FunReason or BFCL), gzipped (.gz) or not';
    for (const [path, kind] of kinds) {
      const r = await studio('train', '--model', model, '--data', `${data},${path}`, '--out', join(dir, 'not-data-run'));
      expect([r.code, r.err], path).toEqual([2, `studio train: --data ${path} is ${kind}, ${give}`]);
    }
    expect(existsSync(join(dir, 'not-data-run'))).toBe(false);
    expect((await studio('eval', '--model', model, '--data', snapshot, '--limit', '1', '--out', join(dir, 'preds.jsonl'))).err).toBe(`studio eval: --data ${snapshot} is a ZIP archive, ${give}`);
    expect((await studio('tokenize', '--model', model, '--data', adapter, '--out', join(dir, 't.jsonl'))).err).toBe(`studio tokenize: --data ${adapter} is model weights, ${give}`);
  });

  it('resumes a run no shorter than it has trained, and lets a run that failed before its first step start again', async () => {
    const run = join(dir, 'trained-5');
    mkdirSync(run);
    writeFileSync(join(run, 'run.json'), JSON.stringify({ status: 'paused', lastStep: 5 }));
    writeFileSync(join(run, 'checkpoint.safetensors'), 'a checkpoint');
    const paused = await studio('eval', '--model', model, '--data', data, '--adapter', run, '--out', join(dir, 'e.jsonl'));
    expect(paused.err).toBe(`studio eval: --adapter ${run}: no adapter_config.json; it is a training run paused at step 5: resume it (studio train … --out ${run} --resume --steps 5 writes its adapter as it is now)`);
    expect(paused.code).toBe(2);
    expect((await studio('train', '--model', model, '--data', data, '--out', run, '--resume', '--steps', '3')).err).toBe(`studio train: --resume: ${run} has trained 5 steps already, more than --steps 3; give --steps 5 (writes the adapter as it is now) or more`);
    const failed = join(dir, 'failed-at-start');
    mkdirSync(failed);
    writeFileSync(join(failed, 'run.json'), JSON.stringify({ status: 'failed', lastStep: 0 }));
    expect(pausedUntrained(failed)).toBe(true);
    expect(() => checkRunFolder(failed, { resume: false })).not.toThrow();
    writeFileSync(join(failed, 'metrics.jsonl'), '{"step": 1}\n');
    expect(() => checkRunFolder(failed, { resume: false })).toThrow('already holds a run (run.json); continue it with --resume');
  });

  it('resumes an --epochs run past step 100 with its own command (it was held to the --steps 100 it never gave)', async () => {
    const run = join(dir, 'epochs-150');
    mkdirSync(run);
    writeFileSync(join(run, 'run.json'), JSON.stringify({ status: 'paused', lastStep: 150 }));
    writeFileSync(join(run, 'checkpoint.safetensors'), 'a checkpoint');
    // Past the settings, the resume goes on to the checkpoint this folder only pretends to have.
    const r = await studio('train', '--model', model, '--data', data, '--out', run, '--resume', '--epochs', '3', '--batch', '1', '--seq', '320', '--quiet');
    expect(r.err).not.toContain('more than --steps');
    expect(r.err).toContain(join(run, 'checkpoint.safetensors'));
  });

  it('export-onnx: never into the model it reads, nor over an earlier export without --force', async () => {
    expect((await studio('export-onnx', '--model', model, '--out', model)).err).toBe(`studio export-onnx: --out ${model} is the --model folder; the export would write over it: choose another --out`);
    expect((await studio('export-onnx', '--model', model, '--out', data)).err).toBe(`studio export-onnx: --out ${data} is a file; give a folder for the export`);
    const tooLong = join(dir, 'export-too-long');
    expect((await studio('export-onnx', '--model', model, '--out', tooLong, '--steps', '100000')).err).toMatch(/^studio export-onnx: --steps 100000: a check prompt of \d+ tokens and 100000 compared tokens pass the model's 4096-token context \(max_position_embeddings\); lower --steps or shorten --prompt$/);
    // A long --prompt alone is named as given: it once read "--steps 8:", a flag never given.
    const longPrompt = 'word '.repeat(5000);
    expect((await studio('export-onnx', '--model', model, '--out', tooLong, '--prompt', longPrompt)).err).toMatch(/^studio export-onnx: --prompt: a check prompt of \d+ tokens and 8 compared tokens \(--steps, default 8\) pass the model's 4096-token context \(max_position_embeddings\); shorten --prompt$/);
    expect((await studio('export-onnx', '--model', model, '--out', tooLong, '--prompt', 'word '.repeat(4090), '--steps', '20')).err).toMatch(/^studio export-onnx: --prompt and --steps 20: a check prompt of \d+ tokens and 20 compared tokens pass .*; lower --steps or shorten --prompt$/);
    expect(existsSync(tooLong)).toBe(false);
    const earlier = join(dir, 'export');
    mkdirSync(join(earlier, 'onnx'), { recursive: true });
    writeFileSync(join(earlier, 'onnx', 'model.onnx'), 'an earlier export');
    writeFileSync(join(earlier, 'export_check.json'), '{"passed": true}');
    expect((await studio('export-onnx', '--model', model, '--out', earlier)).err).toBe(`studio export-onnx: --out ${earlier} already holds an export (onnx, export_check.json); choose another folder, or pass --force to replace it`);
    expect(readFileSync(join(earlier, 'onnx', 'model.onnx'), 'utf8')).toBe('an earlier export');
    // --force replaces it only once the new export is ready: a bad input leaves it whole.
    const missing = join(dir, 'no-such-adapter');
    expect((await studio('export-onnx', '--model', model, '--adapter', missing, '--out', earlier, '--force')).err).toMatch(/^studio export-onnx: --adapter .*no-such-adapter/);
    expect(readFileSync(join(earlier, 'onnx', 'model.onnx'), 'utf8')).toBe('an earlier export');
    expect(readFileSync(join(earlier, 'export_check.json'), 'utf8')).toBe('{"passed": true}');
  });

  it('export-onnx: never over another model\'s config and tokenizer without --force', async () => {
    const other = join(dir, 'other-model');
    mkdirSync(other);
    writeFileSync(join(other, 'config.json'), '{"max_position_embeddings": 999}');
    writeFileSync(join(other, 'tokenizer.json'), '{}');
    expect((await studio('export-onnx', '--model', model, '--out', other, '--no-check')).err).toBe(
      `studio export-onnx: --out ${other} holds files the export would write over (config.json, tokenizer.json), perhaps another model's; choose another folder, or pass --force to replace them`,
    );
    expect(readFileSync(join(other, 'config.json'), 'utf8')).toBe('{"max_position_embeddings": 999}');
  });

  it('resumes a run trained before seeds were limited to 32 bits with its own --seed (it refused that seed)', async () => {
    const out = join(dir, 'old-seed');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'run.json'), JSON.stringify({ config: { ...runConfigFromFlags({}), seed: 5_000_000_000 }, lastStep: 2 }));
    // Past the seed, the resume goes on to what this folder lacks (its checkpoint): no training here.
    expect((await studio('train', '--model', model, '--data', data, '--out', out, '--resume', '--seed', '5000000000')).err).toBe(`studio train: --resume: ${join(out, 'checkpoint.safetensors')} does not exist`);
    // A new run is still held to the limit.
    expect((await studio('train', '--model', model, '--data', data, '--out', join(dir, 'never'), '--seed', '5000000000')).err).toBe('studio train: --seed must be a whole number from 0 to 4,294,967,295, got 5000000000');
  });

  it('refuses nonsense training and sampling settings by their flags', async () => {
    const train = async (...a: string[]) => (await studio('train', '--model', model, '--data', data, '--out', join(dir, 'never'), ...a)).err;
    expect(await train('--epochs', '-5')).toBe('studio train: --epochs must be a number above 0, got -5');
    expect(await train('--max-grad-norm', '-1')).toBe('studio train: --max-grad-norm must be a number ≥ 0, got -1');
    expect(await train('--weight-decay', '-1')).toBe('studio train: --weight-decay must be a number ≥ 0, got -1');
    expect(await train('--eval-examples', '-2')).toBe('studio train: --eval-examples must be a whole number ≥ 0, got -2');
    expect(await train('--alpha', '-3')).toBe('studio train: --alpha must be a positive number, got -3');
    expect(await train('--seed', '1.5')).toBe('studio train: --seed must be a whole number from 0 to 4,294,967,295, got 1.5');
    // Generators keep 32 bits of a seed: 2^32 + 1 would train as seed 1 under another name.
    expect(await train('--seed', String(2 ** 32 + 1))).toBe('studio train: --seed must be a whole number from 0 to 4,294,967,295, got 4294967297');
    expect(await train('--split-seed', String(2 ** 32))).toBe('studio train: --split-seed must be a whole number from 0 to 4,294,967,295, got 4294967296');
    expect(await train('--loss', 'sft', '--rule', 'dwa')).toBe('studio train: --rule sets how SSB learns α; it does nothing with --loss sft');
    expect(await train('--batch', '0')).toBe('studio train: --batch must be a whole number ≥ 1, got 0');
    expect(await train('--steps', '3', '--epochs', '2')).toBe('studio train: --steps and --epochs both say how long to train; give one of them');
    expect(await train('--steps', '1.5')).toBe('studio train: --steps must be a whole number ≥ 1, got 1.5');
    // The best step is the one with the lowest held-out loss: a run that measures none has no best.
    expect(await train('--keep-best', '--eval-every', '0')).toBe('studio train: --keep-best picks the step with the lowest held-out loss, which --eval-every 0 never measures: set --eval-every above 0');
    expect(await train('--patience', '2')).toBe('studio train: --patience ends the run once the held-out loss stops falling, and needs --keep-best so that the run keeps the step before it did');
    // Past the model's positions RoPE turns by angles it never saw (and trained without a word).
    expect(await train('--seq', '5000')).toBe("studio train: --seq must be at most the model's 4096-token context (max_position_embeddings), got 5000");
    expect((await studio('hdr', '--model', model, '--data', data, '--out', join(dir, 'h3'), '--seq', '5000')).err).toBe("studio hdr: --seq must be at most the model's 4096-token context (max_position_embeddings), got 5000");
    const tok = await studio('tokenize', '--model', model, '--data', data, '--out', join(dir, 'never.jsonl'), '--max-len', '0');
    expect([tok.code, tok.err]).toEqual([2, 'studio tokenize: --max-len must be a whole number ≥ 1, got 0']);
    const missing = join(dir, 'missing-model');
    expect((await studio('inspect', missing)).err).toBe(`studio inspect: model ${missing}: no such folder, and not a hub repo id like Qwen/Qwen2.5-0.5B-Instruct`);
    const ungenerated = join(dir, 'clone', 'public', 'models', 'tiny-qwen3');
    expect((await studio('train', '--model', ungenerated, '--data', data, '--out', join(dir, 'never'))).err).toBe(`studio train: --model ${ungenerated}: the embedded model is not generated yet in this checkout; run node scripts/prepare-assets.mjs (npm start and npm test run it too)`);
    const ablate = async (...a: string[]) => (await studio('ablate', '--model', model, '--data', data, '--out', join(dir, 'never-ablated'), ...a)).err;
    expect(await ablate('--rule', 'dwa', '--rules', 'grad')).toBe('studio ablate: --rule: the ablation trains one arm per rule; list the rules with --rules');
    expect(await ablate('--balance-lr', '0.1')).toBe('studio ablate: --balance-lr: the ablation sets each rule\'s rate with --grad-lr and --uncertainty-lr');
    expect(await ablate('--seq', '5000')).toBe("studio ablate: --seq must be at most the model's 4096-token context (max_position_embeddings), got 5000");
    expect((await studio('eval', '--model', model, '--data', data, '--out', join(dir, 'q.jsonl'), '--temperature', '-1')).err).toBe('studio eval: --temperature must be ≥ 0 (0: greedy), got -1');
    expect((await studio('generate', '--model', model, '--prompt', 'hi', '--seed', '-1')).err).toBe('studio generate: --seed must be a whole number from 0 to 4,294,967,295, got -1');
    expect((await studio('generate', '--model', model, '--prompt', 'hi', 'world')).err).toMatch(/^studio generate: unexpected argument "world"/);
    // Only spaces: the model would answer an empty question (the Playground refuses one too).
    expect((await studio('generate', '--model', model, '--prompt', '   ')).err).toBe('studio generate: --prompt holds only spaces: give the question to ask');
    // Past the model's context it would answer nonsense without a word.
    expect((await studio('generate', '--model', model, '--prompt', 'hi', '--max-tokens', '5000')).err).toMatch(/^studio generate: the prompt is \d+ tokens; with --max-tokens 5000 that passes the model's 4096-token context \(max_position_embeddings\)/);
    expect((await studio('inspect', model, '--memory-gib', '-5')).err).toBe('studio inspect: --memory-gib must be above 0, got -5');
    expect((await studio('hdr', '--model', model, '--data', data, '--out', join(dir, 'h2'), '--gen-batch', '0')).err).toMatch(/^studio hdr: --gen-batch /);
  });

  it('eval and generate refuse --top-p where greedy decoding would ignore it (no --temperature, or 0)', async () => {
    const evalErr = async (...a: string[]) => await studio('eval', '--model', model, '--data', data, '--out', join(dir, 'q.jsonl'), '--limit', '1', '--max-tokens', '1', ...a);
    const generateErr = async (...a: string[]) => await studio('generate', '--model', model, '--prompt', 'hi', '--max-tokens', '1', ...a);
    for (const [command, run] of [['eval', evalErr], ['generate', generateErr]] as const) {
      for (const temperature of [[], ['--temperature', '0']]) {
        const r = await run('--top-p', '0.5', ...temperature);
        expect([r.code, r.err]).toEqual([2, `studio ${command}: --top-p needs a --temperature above 0: greedy decoding (the default, and --temperature 0) ignores it`]);
      }
    }
  });

  it('a mistyped model folder that reads as a repo id says no such folder exists, beside the hub\'s failure', async () => {
    const r = await studio('inspect', 'publc/tiny-qwen3', '--hub-base', 'http://127.0.0.1:9');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^studio inspect: could not download config\.json of publc\/tiny-qwen3 .*; and there is no folder publc\/tiny-qwen3 here either$/);
  });

  it('inspect refuses --memory-gib before reading the model, and names the words of a path split at a space', async () => {
    const missing = join(dir, 'missing-model');
    const r = await studio('inspect', missing, '--memory-gib', '0');
    expect([r.code, r.err]).toEqual([2, 'studio inspect: --memory-gib must be above 0, got 0']);
    const split = await studio('inspect', join(dir, 'my'), 'model');
    expect([split.code, split.err]).toEqual([2, `studio inspect: expected one model directory or repo id, got 2: ${JSON.stringify(join(dir, 'my'))} "model" (quote a path with spaces); studio inspect --model <dir|repo> [options]   (or the model as the one argument: studio inspect <dir|repo>)`]);
  });

  it('prints a command’s usage for --help, but not for a value that reads -h', async () => {
    const help = await studio('generate', '--model', model, '--help');
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^usage: studio generate/);
    const value = await studio('generate', '--prompt', '-h');
    expect(value.code).toBe(2);
    expect(value.err).toBe('studio generate: missing required option --model');
  });
});

describe('an adapter folder of a run that trained on past it', () => {
  it('says which step its adapter files hold when the run was resumed since (training, paused, stopped or failed)', async () => {
    const { readAdapter } = await import('../../src/cli/localFiles.ts');
    const { RunFolderStore } = await import('../../src/jobs/store/folder.ts');
    const { exportPeftAdapter } = await import('../../src/model/peft.ts');
    const { generateTinyModel, TINY_QWEN3_DEFAULT } = await import('../../src/model/tiny-model.ts');
    const { initLoraAdapter } = await import('../../src/model/lora.ts');
    const { spec } = generateTinyModel(TINY_QWEN3_DEFAULT);
    const dir = mkdtempSync(join(tmpdir(), 'adapter-resumed-'));
    // A run that finished at step 100: the store writes its adapter files and says their step.
    const store = new RunFolderStore(dir, { model: 'public/models/tiny-qwen3', data: ['d.jsonl'] });
    await store.setStatus('running', { lastStep: 0 });
    const peft = exportPeftAdapter(spec, initLoraAdapter(spec, { rank: 2, alpha: 4, dropout: 0, useRsLora: false, targets: ['q', 'v'] }, 1), 'public/models/tiny-qwen3');
    await store.saveAdapter(100, async () => ({ configJson: peft.adapterConfigJson, weights: peft.adapterSafetensors }));
    await store.setStatus('done', { lastStep: 100 });
    writeFileSync(join(dir, 'checkpoint.safetensors'), 'a checkpoint');
    const notes: string[] = [];
    const error = console.error;
    console.error = (m: string) => notes.push(m);
    try {
      await readAdapter(spec, dir, 'public/models/tiny-qwen3');
      expect(notes, 'a finished run’s adapter is its last step').toEqual([]);
      // Resumed to 200 (the adapter is written only when it finishes again), then paused at 150.
      await store.setStatus('running', { lastStep: 150 });
      await readAdapter(spec, dir, 'public/models/tiny-qwen3');
      await store.setStatus('paused', { lastStep: 150 });
      await readAdapter(spec, dir, 'public/models/tiny-qwen3');
      await store.setStatus('failed', { lastStep: 150, message: 'device lost' });
      await readAdapter(spec, dir, 'public/models/tiny-qwen3');
      await store.setStatus('done', { lastStep: 150, message: 'stopped by the user' });
      await readAdapter(spec, dir, 'public/models/tiny-qwen3');
      const resume = `resume it (studio train … --out ${dir} --resume --steps 150 writes its adapter as it is now)`;
      expect(notes).toEqual([
        `note: --adapter ${dir} is a training run still training (checkpointed at step 150), or cut off while it trained; its adapter files hold step 100, where it finished before it was resumed, not step 150`,
        `note: --adapter ${dir} is a training run paused at step 150; its adapter files hold step 100, where it finished before it was resumed, not step 150: ${resume}`,
        `note: --adapter ${dir} is a training run that failed at step 150; its adapter files hold step 100, where it finished before it was resumed, not step 150: ${resume}`,
        `note: --adapter ${dir} is a training run stopped at step 150; its adapter files hold step 100, where it finished before it was resumed, not step 150: ${resume}`,
      ]);
      // `studio hdr --adapter` says whose α goes with those files: theirs, or α₀ where none was kept
      // (it took the checkpoint's α of step 150 beside the LoRA of step 100, without a word).
      expect(adapterBalanceNote(dir, true)).toBe(`α continues from step 100, that of ${dir}'s adapter files (its checkpoint holds step 150's)`);
      expect(adapterBalanceNote(dir, false)).toBe(`α starts at α₀: ${dir} kept no α of step 100, that of its adapter files (its checkpoint holds step 150's): ${resume}`);
      // A run that kept its best step (--keep-best) ended with that step's files: its own, no note.
      const runJson = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
      writeFileSync(join(dir, 'run.json'), JSON.stringify({ ...runJson, config: { keepBest: true }, message: 'it keeps the adapter of step 100' }));
      notes.length = 0;
      await readAdapter(spec, dir, 'public/models/tiny-qwen3');
      expect(notes).toEqual([]);
      expect(adapterBalanceNote(dir, true)).toBeUndefined();
    } finally {
      console.error = error;
    }
  });

  it('an HDR run’s folder gets no run.json from its adapter', async () => {
    const { RunFolderStore } = await import('../../src/jobs/store/folder.ts');
    const dir = mkdtempSync(join(tmpdir(), 'adapter-hdr-'));
    await new RunFolderStore(dir, { model: 'tiny', data: ['d.jsonl'] }).saveAdapter(3, async () => ({ configJson: '{}', weights: new Uint8Array(8) }));
    expect(existsSync(join(dir, 'run.json'))).toBe(false);
    expect(existsSync(join(dir, 'adapter_config.json'))).toBe(true);
  });
});

describe('an adapter for another model', () => {
  it('loads when its shapes fit, with a note naming both models; the same model under another path says nothing', async () => {
    const { readAdapter } = await import('../../src/cli/localFiles.ts');
    const { exportPeftAdapter } = await import('../../src/model/peft.ts');
    const { generateTinyModel, TINY_QWEN3_DEFAULT } = await import('../../src/model/tiny-model.ts');
    const { initLoraAdapter } = await import('../../src/model/lora.ts');
    const { spec } = generateTinyModel(TINY_QWEN3_DEFAULT);
    const adapterFor = (base: string) => {
      const dir = mkdtempSync(join(tmpdir(), 'adapter-base-'));
      const peft = exportPeftAdapter(spec, initLoraAdapter(spec, { rank: 2, alpha: 4, dropout: 0, useRsLora: false, targets: ['q', 'v'] }, 1), base);
      writeFileSync(join(dir, 'adapter_config.json'), peft.adapterConfigJson);
      writeFileSync(join(dir, 'adapter_model.safetensors'), peft.adapterSafetensors);
      return dir;
    };
    const notes: string[] = [];
    const error = console.error;
    console.error = (m: string) => notes.push(m);
    try {
      const other = adapterFor('repro/modelB');
      expect(await readAdapter(spec, other, 'public/models/tiny-qwen3')).toBeDefined();
      expect(notes).toEqual([`note: --adapter ${other} was trained on "repro/modelB", and --model is "public/models/tiny-qwen3"; its shapes fit, but if these are different models its answers are meaningless`]);
      notes.length = 0;
      await readAdapter(spec, adapterFor('embedded:tiny-qwen3'), '/work/main/public/models/tiny-qwen3/');
      await readAdapter(spec, adapterFor('Qwen/Tiny-Qwen3'), 'tiny-qwen3');
      expect(notes).toEqual([]);
    } finally {
      console.error = error;
    }
  });
});
