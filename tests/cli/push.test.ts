// `studio push` against an in-memory Hub (tests/helpers/fakeHubWrites.mjs): a run folder written by
// the CLI's own run store pushes its PEFT adapter and a model card, not its checkpoint or metrics;
// another folder pushes every file; a file pushes itself; dataset files (--data) go to a dataset
// repo as the Dataset panel's push writes them. Bad input is refused before the Hub is
// asked, and the Hub's refusals come back in words with exit code 1.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { studioInProcess } from '../helpers/studioInProcess.ts';
import { startFakeHubWrites } from '../helpers/fakeHubWrites.mjs';
import { RunFolderStore, type RunSource } from '../../src/jobs/store/folder.ts';
import { DEFAULT_RUN_CONFIG } from '../../src/train/config.ts';
import { DEFAULT_HDR_SETTINGS } from '../../src/hdr/settings.ts';
import { exportPeftAdapter, ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE } from '../../src/model/peft.ts';
import { initLoraAdapter } from '../../src/model/lora.ts';
import { tinyModelSpec } from '../../src/model/tiny-model.ts';
import { NARROW, tinyModelMap } from '../helpers/tinyEngine.ts';

const root = mkdtempSync(join(tmpdir(), 'studio-push-'));
let hub: Awaited<ReturnType<typeof startFakeHubWrites>>['hub'];
let close: () => Promise<unknown>;
beforeAll(async () => {
  ({ hub, close } = await startFakeHubWrites({ users: { hf_write: { name: 'ada' }, hf_read: { name: 'ada', role: 'read' } } }));
});
afterAll(async () => {
  await close();
  rmSync(root, { recursive: true, force: true });
});

async function runFolder(name: string, data = ['/data/calls.jsonl'], source?: RunSource): Promise<{ dir: string; peft: { adapterConfigJson: string; adapterSafetensors: Uint8Array } }> {
  const dir = join(root, name);
  const spec = tinyModelSpec(NARROW);
  const config = { ...DEFAULT_RUN_CONFIG, steps: 30, lora: { ...DEFAULT_RUN_CONFIG.lora, rank: 4, alpha: 8, targets: ['q', 'v'] as const } };
  const adapter = initLoraAdapter(spec, { ...config.lora, targets: [...config.lora.targets] }, 3);
  const peft = exportPeftAdapter(spec, adapter, 'org/tiny-base');
  const store = new RunFolderStore(dir, { model: 'org/tiny-base', data, ...(source && { source }) });
  await store.recordSetup({ config: { ...config, lora: { ...config.lora, targets: [...config.lora.targets] } }, examples: { train: 40, eval: 5, tooLong: 0 }, memory: { weights: 1, lora: 1, activations: 1 }, gpuAdapter: { vendor: 'test', architecture: '', description: '', isFallback: true } as never });
  await store.saveAdapter(30, async () => ({ configJson: peft.adapterConfigJson, weights: peft.adapterSafetensors }));
  await store.setStatus('done', { lastStep: 30 });
  writeFileSync(join(dir, 'checkpoint.safetensors'), new Uint8Array(64));
  return { dir, peft };
}

// The token as the command reads it (studioInProcess sets it for the command and puts it back).
const pushWith = (token: string | undefined, ...args: string[]) => studioInProcess(['push', ...args, '--hub-base', hub.base, '--quiet'], { HF_TOKEN: token, HUGGING_FACE_HUB_TOKEN: undefined });
const push = (...args: string[]) => pushWith('hf_write', ...args);

describe('studio push', () => {
  it('pushes a run folder’s adapter with a model card, and nothing else of the run', { timeout: 60_000 }, async () => {
    // Trained on a local file and on a Hub dataset's file: the card links the Hub one.
    const { dir, peft } = await runFolder('calls-run', ['/data/calls.jsonl', 'hf://datasets/ada/calls-data/data/train.jsonl']);
    const r = await push(dir, '--repo', 'ada/calls-lora', '--private');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^pushed 3 files \([\d.]+ KiB\) to ada\/calls-lora \(created, private\): http:\/\/127\.0\.0\.1:\d+\/ada\/calls-lora\/commit\/[0-9a-f]{40}$/m);
    expect(r.out).toMatch(/^ {2}adapter_model\.safetensors {2}[\d.]+ KiB \(LFS\)$/m);
    const repo = hub.repo('ada/calls-lora');
    expect(repo.private).toBe(true);
    expect([...repo.files.keys()]).toEqual([ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, 'README.md']);
    expect(hub.file('ada/calls-lora', ADAPTER_WEIGHTS_FILE).equals(Buffer.from(peft.adapterSafetensors))).toBe(true);
    expect(hub.file('ada/calls-lora', ADAPTER_CONFIG_FILE).toString()).toBe(peft.adapterConfigJson);
    expect(repo.commits[0].summary).toBe('Upload the adapter of run calls-run with BalanceSFT Studio');
    const card = hub.file('ada/calls-lora', 'README.md').toString();
    expect(card).toMatch(/^---\nbase_model: org\/tiny-base\ndatasets:\n- ada\/calls-data\nlibrary_name: peft\n/);
    expect(card).toContain('# calls-lora\n');
    expect(card).toContain('- LoRA: r = 4, alpha/r = 2.000, on q, v in every layer; dropout 0.');
    expect(card).toContain('- The weights of step 30 of 30;');
    expect(card).toContain('- 40 training examples from calls.jsonl, train.jsonl (on the Hub: [ada/calls-data](https://huggingface.co/datasets/ada/calls-data)).');
    expect(card).toContain('model = AutoPeftModelForCausalLM.from_pretrained("ada/calls-lora")\ntokenizer = AutoTokenizer.from_pretrained("org/tiny-base")');

    // Again, with --json: a new commit, the weights not sent twice.
    const again = await push(dir, '--repo', 'ada/calls-lora', '--json', '--message', 'Step 30 again');
    expect(again.code, again.err).toBe(0);
    const out = JSON.parse(again.out);
    expect(out).toMatchObject({ repo: 'ada/calls-lora', created: false });
    expect(out.files.find((f: { path: string }) => f.path === ADAPTER_WEIGHTS_FILE).sent).toBe(false);
    expect(repo.commits.map((c: { summary: string }) => c.summary)).toEqual(['Upload the adapter of run calls-run with BalanceSFT Studio', 'Step 30 again']);
  });

  it('pushes an HDR run folder’s adapter (its last round’s) with a card that says the rounds', { timeout: 30_000 }, async () => {
    const dir = join(root, 'hdr-run');
    const spec = tinyModelSpec(NARROW);
    const config = { ...DEFAULT_RUN_CONFIG, steps: 8, lora: { ...DEFAULT_RUN_CONFIG.lora, rank: 4, alpha: 8, targets: ['q', 'v'] as Array<'q' | 'v'> } };
    const peft = exportPeftAdapter(spec, initLoraAdapter(spec, config.lora, 5), 'org/tiny-base');
    const store = new RunFolderStore(dir, { model: 'org/tiny-base', data: ['/data/calls.jsonl'] });
    const pool = await store.hdrPool(DEFAULT_HDR_SETTINGS, config);
    await store.saveAdapter(8, async () => ({ configJson: peft.adapterConfigJson, weights: peft.adapterSafetensors }));
    await pool.finish({ settings: DEFAULT_HDR_SETTINGS, config, stopReason: 'the round limit', failed: false, rounds: 2, poolStart: 5, poolEnd: 3, added: 4 });
    const r = await push(dir, '--repo', 'ada/calls-hdr');
    expect(r.code, r.err).toBe(0);
    expect([...hub.repo('ada/calls-hdr').files.keys()]).toEqual([ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, 'README.md']);
    expect(hub.repo('ada/calls-hdr').commits[0].summary).toBe('Upload the HDR adapter of run hdr-run with BalanceSFT Studio');
    const card = hub.file('ada/calls-hdr', 'README.md').toString();
    expect(card).toContain('- Then 2 rounds of HDR (Hard Data Re-sampling)');
    expect(card).not.toContain('The weights of step');
  });

  it('pushes every file of another folder, subfolders too and hidden files left out, and a single file', { timeout: 30_000 }, async () => {
    const dir = join(root, 'export');
    mkdirSync(join(dir, 'onnx'), { recursive: true });
    writeFileSync(join(dir, 'config.json'), '{"a":1}\n');
    writeFileSync(join(dir, 'onnx', 'model.onnx'), new Uint8Array([1, 2, 3, 0, 5]));
    writeFileSync(join(dir, '.lock'), 'x');
    const r = await push(dir, '--repo', 'exported');
    expect(r.code, r.err).toBe(0);
    expect([...hub.repo('ada/exported').files.keys()].sort()).toEqual(['config.json', 'onnx/model.onnx']);
    const file = join(root, 'notes.bin');
    writeFileSync(file, new Uint8Array(1000).fill(7));
    const g = await push(file, '--repo', 'ada/tiny-bin');
    expect(g.code, g.err).toBe(0);
    expect([...hub.repo('ada/tiny-bin').files.keys()]).toEqual(['notes.bin']);
    expect(hub.file('ada/tiny-bin', 'notes.bin').equals(readFileSync(file))).toBe(true);
  });

  it('pushes a GGUF file named so that Ollama finds it by its type, with a card that says how and links the dataset the file records; one it cannot read goes as it is', { timeout: 60_000 }, async () => {
    const { dir } = await runFolder('gguf-run', ['hf://datasets/ada/tool-calls']);
    const gguf = join(root, 'calls.gguf');
    const model = join(root, 'gguf-model');
    mkdirSync(model);
    for (const [name, data] of tinyModelMap()) writeFileSync(join(model, name), data);
    const exported = await studioInProcess(['export-gguf', '--model', model, '--adapter', dir, '--out', gguf, '--no-check', '--quiet']);
    expect(exported.code, exported.err).toBe(0);
    // Another type there already (a file it cannot read goes as it is): the card names it too.
    const f16 = join(root, 'calls-F16.gguf');
    writeFileSync(f16, 'stands for an F16 file');
    expect((await push(f16, '--repo', 'ada/calls-gguf')).code).toBe(0);
    const r = await push(gguf, '--repo', 'ada/calls-gguf');
    expect(r.code, r.err).toBe(0);
    expect([...hub.repo('ada/calls-gguf').files.keys()]).toEqual(['calls-F16.gguf', 'calls-Q8_0.gguf', 'README.md']);
    expect(hub.file('ada/calls-gguf', 'calls-Q8_0.gguf').equals(readFileSync(gguf))).toBe(true);
    const card = hub.file('ada/calls-gguf', 'README.md').toString();
    expect(card).toContain('One GGUF file: calls-Q8_0.gguf, Q8_0 weights');
    expect(card).toContain('ollama run hf.co/ada/calls-gguf:Q8_0');
    expect(card).toContain('Other weight types in this repo: calls-F16.gguf (F16).');
    // export-gguf recorded the run's Hub dataset in the file (general.dataset.*); a model folder
    // here is no Hub model, so the card names no base model.
    expect(card).toContain('\ndatasets:\n- ada/tool-calls\n');
    expect(card).toContain('Its adapter was trained on [ada/tool-calls](https://huggingface.co/datasets/ada/tool-calls).');
    expect(card).not.toContain('base_model:');
    const notGguf = join(root, 'broken.gguf');
    writeFileSync(notGguf, 'not a gguf');
    const b = await push(notGguf, '--repo', 'ada/broken');
    expect(b.code, b.err).toBe(0);
    expect([...hub.repo('ada/broken').files.keys()]).toEqual(['broken.gguf']);
  });

  it('pushes dataset files (--data) to a dataset repo as data/train.jsonl with a card: the examples studio train uses, or --all', { timeout: 30_000 }, async () => {
    const data = join(root, 'calls.jsonl');
    const line = (id: string, name: string) =>
      JSON.stringify({ id, tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }], messages: [{ role: 'user', content: `Weather in ${id}?` }, { role: 'assistant', content: '', reasoning_content: 'One call.', tool_calls: [{ type: 'function', function: { name, arguments: `{"city": "${id}"}` } }] }] });
    // A call of a tool the example does not list fails the quality check: studio train leaves it out.
    writeFileSync(data, [line('Oslo', 'get_weather'), line('Rome', 'get_weather'), line('Lima', 'nope'), line('Kyiv', 'get_weather')].join('\n') + '\n{"broken"\n');
    const r = await pushWith('hf_write', '--data', data, '--repo', 'calls-data');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^pushed 2 files \([\d.]+ KiB\) to ada\/calls-data \(created\): http:\/\/127\.0\.0\.1:\d+\/datasets\/ada\/calls-data\/commit\/[0-9a-f]{40}$/m);
    const repo = hub.repo('datasets/ada/calls-data');
    expect([...repo.files.keys()]).toEqual(['data/train.jsonl', 'README.md']);
    expect(repo.commits[0].summary).toBe('Upload the dataset calls.jsonl (3 examples) with BalanceSFT Studio');
    const ids = (path: string) => hub.file(path, 'data/train.jsonl').toString().trim().split('\n').map((l) => JSON.parse(l).id);
    expect(ids('datasets/ada/calls-data')).toEqual(['Oslo', 'Rome', 'Kyiv']);
    expect(hub.file('datasets/ada/calls-data', 'README.md').toString()).toContain('the dataset "calls.jsonl" of BalanceSFT Studio, 3 examples in OpenAI\'s messages form (1 example left out of training is not here)');

    // The owner writes their own lines into the README on the Hub; the next push keeps them and says so.
    const card = hub.file('datasets/ada/calls-data', 'README.md').toString();
    const bodyAt = card.indexOf('\n---\n') + 5;
    repo.files.set('README.md', new TextEncoder().encode(`${card.slice(0, bodyAt)}# Calls of mine\n\nCollected by hand.\n\n${card.slice(bodyAt)}`));
    const again = await pushWith('hf_write', '--data', data, '--repo', 'calls-data');
    expect(again.code, again.err).toBe(0);
    expect(again.out).toContain("The repo's README kept its own text; the studio's card is beside it, between two marker comments, and a later push rewrites only that part.");
    const kept = hub.file('datasets/ada/calls-data', 'README.md').toString();
    expect(kept).toContain('# Calls of mine\n\nCollected by hand.\n\n<!-- balancesft-studio card:');
    expect(kept.split('<!-- balancesft-studio card:').length).toBe(2);

    const loud = await studioInProcess(['push', '--data', data, '--repo', 'calls-all', '--all', '--hub-base', hub.base], { HF_TOKEN: 'hf_write', HUGGING_FACE_HUB_TOKEN: undefined });
    expect(loud.code, loud.err).toBe(0);
    expect(loud.err).toMatch(/note: .*line 5/);
    expect(ids('datasets/ada/calls-all')).toEqual(['Oslo', 'Rome', 'Lima', 'Kyiv']);
    expect(hub.repos.has('ada/calls-data')).toBe(false);

    expect((await push('--data', data, root, '--repo', 'x')).err).toMatch(/push takes dataset files as --data, or one folder or file, not both/);
    expect((await push(root, '--all', '--repo', 'x')).err).toMatch(/--all is for --data/);
    expect((await push('--data', join(root, 'none.jsonl'), '--repo', 'x')).err).toMatch(/--data .*none\.jsonl: no such file/);
  });

  it('refuses bad input before asking the Hub, and says what the Hub refused', { timeout: 30_000 }, async () => {
    const asked = hub.log.length;
    expect((await push(join(root, 'nowhere'), '--repo', 'ada/x')).err).toMatch(/nowhere is not there/);
    expect((await push(root, '--repo', 'a/b/c')).err).toMatch(/--repo “a\/b\/c” is not a Hub repo id/);
    expect((await push('--repo', 'ada/x')).err).toMatch(/push needs the folder or file to push/);
    const noAdapter = join(root, 'no-adapter');
    mkdirSync(noAdapter);
    writeFileSync(join(noAdapter, 'run.json'), '{"config": {}}\n');
    const r = await push(noAdapter, '--repo', 'ada/x');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no-adapter is a run without an adapter \(no adapter_config\.json or adapter_model\.safetensors\): it saved no checkpoint/);
    const noToken = await pushWith(undefined, root, '--repo', 'ada/x');
    expect(noToken.code).toBe(2);
    expect(noToken.err).toMatch(/set HF_TOKEN to a Hugging Face access token that may write/);
    expect(hub.log.length).toBe(asked);
    const { dir } = await runFolder('read-only');
    const read = await pushWith('hf_read', dir, '--repo', 'ada/x');
    expect(read.code).toBe(1);
    expect(read.err).toMatch(/could not push to ada\/x: this access token may only read; pushing needs a write token/);
  });

  it('states an evaluation on the card (--eval) beside another of the same examples (--beside), refusing one of other weights or examples', { timeout: 240_000 }, async () => {
    // Split by question, as `studio train` records it: `studio eval` of the base model splits so too.
    const { dir } = await runFolder('scored-run', undefined, { model: 'org/tiny-base', data: [], bfclPromptMode: false, includeFailing: false, splitSeed: DEFAULT_RUN_CONFIG.seed, splitBy: 'question' });
    const model = join(root, 'scored-model');
    mkdirSync(model);
    for (const [name, data] of tinyModelMap()) writeFileSync(join(model, name), data);
    const data = join(root, 'scored-data.jsonl');
    writeFileSync(data, readFileSync('public/demo/demo-dataset.jsonl', 'utf8').split('\n').slice(0, 60).join('\n'));
    const scoredFlags = ['--model', model, '--data', data, '--limit', '4', '--split-seed', String(DEFAULT_RUN_CONFIG.seed), '--quiet'];
    const evaluate = async (out: string, ...more: string[]) => {
      const r = await studioInProcess(['eval', ...scoredFlags, '--out', join(root, out), ...(more.includes('--max-tokens') ? [] : ['--max-tokens', '4']), ...more]);
      expect(r.code, r.err).toBe(0);
      return join(root, out);
    };
    const verdicts = (path: string) => readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; valid: boolean });
    const base = await evaluate('base.jsonl');
    const adapter = await evaluate('adapter.jsonl', '--adapter', dir);
    const r = await push(dir, '--repo', 'ada/scored-lora', '--eval', adapter, '--beside', base);
    expect(r.code, r.err).toBe(0);
    const correct = verdicts(adapter).filter((v) => v.valid).length;
    const card = hub.file('ada/scored-lora', 'README.md').toString();
    expect(card).toContain('## Evaluation');
    expect(card).toContain(`of the calls correct (${correct} of 4 held-out examples, 95% interval`);
    expect(card).toContain(`answers of up to 4 tokens) by the studio's AST checker, which checks calls as BFCL's does, against `);
    expect(card).toContain(`(${verdicts(base).filter((v) => v.valid).length} of 4) for the base model.`);

    // A GGUF file of the run, scored with its own weights, beside the adapter's answers.
    const gguf = join(root, 'scored.gguf');
    expect((await studioInProcess(['export-gguf', '--model', model, '--adapter', dir, '--out', gguf, '--no-check', '--quiet'])).code).toBe(0);
    const byFile = await evaluate('file.jsonl', '--adapter', dir, '--gguf', gguf);
    const g = await push(gguf, '--repo', 'ada/scored-gguf', '--eval', byFile, '--beside', adapter);
    expect(g.code, g.err).toBe(0);
    const ggufCard = hub.file('ada/scored-gguf', 'README.md').toString();
    expect(ggufCard).toContain(`(${verdicts(byFile).filter((v) => v.valid).length} of 4 held-out examples, 95% interval`);
    expect(ggufCard).toContain("with this file's weights as llama.cpp reads them,");
    expect(ggufCard).toContain(`(${correct} of 4) for the run's adapter.`);

    // Refused before the Hub is asked: another subject, the wrong kind beside, other examples, changed weights.
    const asked = hub.log.length;
    const refusal = async (...args: string[]) => {
      const x = await push(...args);
      expect(x.code).toBe(2);
      return x.err.trim().split('\n').at(-1);
    };
    expect(await refusal(dir, '--repo', 'ada/x', '--eval', base)).toBe(`studio push: --eval ${base} scored the base model ${resolve(model)} alone, not the adapter of ${dir}: give the --out of studio eval --adapter ${dir}`);
    expect(await refusal(dir, '--repo', 'ada/x', '--eval', adapter, '--beside', byFile)).toBe(`studio push: --beside ${byFile} scored the GGUF file ${resolve(gguf)}; beside an adapter goes the base model (studio eval without --adapter or --gguf)`);
    expect(await refusal(gguf, '--repo', 'ada/x', '--eval', adapter)).toBe(`studio push: --eval ${adapter} scored the adapter in ${dir}, not the pushed file ${gguf}: give the --out of studio eval --gguf ${gguf}`);
    expect(await refusal(dir, '--repo', 'ada/x', '--beside', base)).toBe("studio push: --beside sets another evaluation beside --eval's: give --eval too");
    const train = await evaluate('train-side.jsonl', '--adapter', dir, '--split', 'train');
    expect(await refusal(dir, '--repo', 'ada/x', '--eval', train)).toBe(`studio push: --eval ${train} scored --split train, and the card states accuracy on held-out examples: evaluate with --split eval (the default)`);
    const shorter = await evaluate('base-2.jsonl', '--max-tokens', '2');
    expect(await refusal(dir, '--repo', 'ada/x', '--eval', adapter, '--beside', shorter)).toBe(`studio push: --beside ${shorter} answered in up to 2 tokens and --eval ${adapter} in up to 4: set evaluations of one answer length beside each other`);
    expect(await refusal(dir, '--repo', 'ada/x', '--eval', join(root, 'none.jsonl'))).toBe(`studio push: --eval ${join(root, 'none.jsonl')}: no such file`);
    const settings = JSON.parse(readFileSync(`${base}.settings.json`, 'utf8'));
    writeFileSync(`${base}.settings.json`, JSON.stringify({ ...settings, '--model': 'org/other-base' }));
    expect(await refusal(dir, '--repo', 'ada/x', '--eval', adapter, '--beside', base)).toBe(`studio push: --beside ${base} answered with the model org/other-base and --eval ${adapter} with ${resolve(model)}: set evaluations of one base model beside each other`);
    rmSync(`${base}.settings.json`);
    expect(await refusal(dir, '--repo', 'ada/x', '--eval', adapter, '--beside', base)).toBe(`studio push: --beside ${base}: no ${base}.settings.json beside it to say what it scored (an older studio eval wrote none); evaluate again`);
    const other = join(root, 'other.bin');
    writeFileSync(other, 'x');
    expect(await refusal(other, '--repo', 'ada/x', '--eval', adapter)).toBe(`studio push: --eval is for a run folder's adapter or a GGUF file the studio can read, whose card states it; ${other} goes as it is, with no card`);
    expect(await refusal('--data', data, '--repo', 'ada/x', '--eval', adapter)).toBe("studio push: --eval is for a run folder's adapter or a GGUF file, whose card states it; a dataset card has no evaluation");
    // Trained again after it was scored: the answers are of other weights.
    const later = new Date(Date.now() + 5_000);
    utimesSync(join(dir, ADAPTER_WEIGHTS_FILE), later, later);
    expect(await refusal(dir, '--repo', 'ada/x', '--eval', adapter)).toBe(`studio push: ${join(dir, ADAPTER_WEIGHTS_FILE)} changed after --eval ${adapter} was written (trained again): its answers are of other weights; evaluate again with studio eval --adapter ${dir}`);
    expect(hub.log.length).toBe(asked);
  });
});

