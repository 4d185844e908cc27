// `studio inspect`: a model folder or a repo id (through the local hub server) → architecture,
// parameter count and memory plan; exit code 3 when the plan does not fit; one-line errors.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import inspect from '../../src/cli/commands/inspect.ts';
import { CliError } from '../../src/cli/command.ts';
import { parameterCount } from '../../src/model/config.ts';
import { DEFAULT_RUN_CONFIG } from '../../src/train/config.ts';
import { generateTinyModel, tinyTestOptions } from '../../src/model/tiny-model.ts';
import { writeTinyModel } from '../../scripts/gen-tiny-model.ts';
import { startHub, type Served } from './hub-server.ts';

const dirs: string[] = [];
let modelDir: string;
let hub: Served;
const options = tinyTestOptions('qwen2');

beforeAll(async () => {
  modelDir = await mkdtemp(join(tmpdir(), 'studio-inspect-'));
  dirs.push(modelDir);
  await writeTinyModel(modelDir, options); // with the real tokenizer files, as a hub repo has them
  hub = await startHub({ 'org/tiny': modelDir });
});
afterAll(async () => {
  await new Promise((ok) => hub.server.close(ok));
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});
afterEach(() => vi.restoreAllMocks());

async function runCaptured(argv: string[]): Promise<{ code: number | void; out: string }> {
  const lines: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  const code = await inspect.run(argv);
  return { code, out: lines.join('\n') };
}

describe('studio inspect', () => {
  it('prints architecture, parameter count and a fitting plan for a model folder', async () => {
    const { code, out } = await runCaptured([modelDir, '--batch', '2', '--seq', '64', '--rank', '8', '--targets', 'q,v']);
    expect(code).toBe(0);
    const params = parameterCount(generateTinyModel(options).spec);
    expect(out).toContain('Qwen2ForCausalLM (qwen2): 2 layers, hidden 64, 4 heads / 2 KV heads × 16, MLP 128, vocab 97');
    expect(out).toContain(`parameters   ${params.toLocaleString('en-US')}`);
    expect(out).toMatch(/q\/k\/v bias/);
    expect(out).toMatch(/batch 2 × seq 64 = 128 tokens, recompute off/);
    expect(out).toMatch(/verdict {6}fits/);
  });

  it('takes the model as --model, as every other command does, or as its one argument', async () => {
    // It refused --model ("unknown option --model"), the one flag every other command requires.
    const flags = ['--seq', '64', '--json'];
    const byFlag = await runCaptured(['--model', modelDir, ...flags]);
    expect(byFlag.code).toBe(0);
    expect(byFlag.out).toBe((await runCaptured([modelDir, ...flags])).out);
    await expect(inspect.run(['--model', modelDir, modelDir])).rejects.toThrow(new CliError(`give the model once: --model ${modelDir} or the argument ${JSON.stringify(modelDir)}, not both`, 2));
    await expect(inspect.run(['--seq', '64'])).rejects.toThrow(new CliError('missing required option --model (or give the model as the one argument: studio inspect <dir|repo>)', 2));
    const missing = join(modelDir, 'no-such-model');
    await expect(inspect.run(['--model', missing])).rejects.toThrow(`--model ${missing}: no such folder`);
  });

  it('reads a repo id through the hub and reports JSON with the plan', async () => {
    const cache = await mkdtemp(join(tmpdir(), 'studio-inspect-cache-'));
    dirs.push(cache);
    const { code, out } = await runCaptured(['org/tiny', '--hub-base', hub.base, '--cache', cache, '--json', '--recompute']);
    expect(code).toBe(0);
    const report = JSON.parse(out);
    expect(report.model).toBe('org/tiny@main');
    expect(report.spec.family).toBe('qwen2');
    expect(report.settings).toMatchObject({ batch: DEFAULT_RUN_CONFIG.batchSize, seqLen: 1024, recompute: true });
    expect(report.plan.fits).toBe(true);
    // bf16 weights, plus the q/k/v biases the engine keeps widened to f32: 2 layers × (64 + 2·32) floats.
    expect(report.plan.categories.weights).toBe(report.parameters * 2 + 2 * (64 + 2 * 32) * 4);
  });

  it('exits 3 with problems and suggestions when the plan does not fit', async () => {
    const { code, out } = await runCaptured([modelDir, '--batch', '64', '--seq', '65536', '--memory-gib', '1']);
    expect(code).toBe(3);
    expect(out).toMatch(/verdict {6}does NOT fit/);
    expect(out).toMatch(/over the 1\.00 GiB of GPU memory available/);
    expect(out).toMatch(/try\n {2}- /);
  });

  it('plans the generation cache for the decoding evaluation and HDR use, and HDR with the training model', async () => {
    // The cache was sized from the training batch × sequence, and HDR's peak (training model and
    // cache at once) was not shown: a run the plan said fits could run out of memory in HDR.
    const { out } = await runCaptured([modelDir, '--seq', '64', '--gen-batch', '3', '--max-tokens', '100', '--json']);
    const { plan } = JSON.parse(out);
    expect(plan.categories.kvCache).toBe(2 * 2 * 3 * (64 + 99) * 32 * 4); // K and V, 2 layers, 3 answers, kvDim 32, f32
    expect(plan.peakBytes).toBe(plan.hdrBytes);
    const text = (await runCaptured([modelDir, '--seq', '64', '--gen-batch', '3', '--max-tokens', '100'])).out;
    // It retrains at a length that holds a prompt of up to 64 tokens and a 100-token answer.
    expect(plan.hdrSeqLen).toBe(192);
    expect(text).toMatch(/HDR +[\d.]+ [KMG]i?B +\(the model it retrains at sequence 192, with the KV cache and sampler\)/);
    await expect(inspect.run([modelDir, '--gen-batch', '0'])).rejects.toThrow(/--gen-batch must be a whole number ≥ 1/);
  });

  it('plans a sampled evaluation (studio eval --temperature) with the sampler’s buffers', async () => {
    // The evaluation line assumed greedy decoding: a user planning `studio eval --temperature 0.7`
    // was shown a total short of the sampler's [B, V] weights, draws and exp2 table.
    const args = [modelDir, '--seq', '64', '--gen-batch', '3', '--max-tokens', '100'];
    const greedy = JSON.parse((await runCaptured([...args, '--json'])).out).plan;
    const sampled = JSON.parse((await runCaptured([...args, '--temperature', '0.7', '--json'])).out).plan;
    const spec = JSON.parse((await runCaptured([...args, '--json'])).out).spec;
    expect(sampled.generationBytes - greedy.generationBytes).toBeGreaterThanOrEqual(3 * spec.vocabSize * 4);
    expect(JSON.parse((await runCaptured([...args, '--temperature', '0', '--json'])).out).plan.generationBytes).toBe(greedy.generationBytes);
    expect((await runCaptured([...args, '--temperature', '0.7'])).out).toMatch(/generation +[\d.]+ [KMG]i?B +\(evaluation: weights \+ adapter \+ KV cache [\d.]+ [KMG]i?B, with the sampler\)/);
    await expect(inspect.run([modelDir, '--temperature', '-1'])).rejects.toThrow('--temperature must be ≥ 0 (0: greedy), got -1');
  });

  it('plans the cache for prompts longer than the training sequence when told the longest', async () => {
    // Evaluation and HDR render prompts whole: a 500-token prompt with --seq 64 was planned as 64.
    const { plan } = JSON.parse((await runCaptured([modelDir, '--seq', '64', '--gen-batch', '3', '--max-tokens', '100', '--prompt-tokens', '500', '--json'])).out);
    expect(plan.categories.kvCache).toBe(2 * 2 * 3 * (500 + 99) * 32 * 4); // K and V, 2 layers, 3 answers, kvDim 32, f32
    const text = (await runCaptured([modelDir, '--seq', '64', '--prompt-tokens', '500'])).out;
    expect(text).toContain('of up to 500 prompt + 512 new tokens');
    await expect(inspect.run([modelDir, '--prompt-tokens', '0'])).rejects.toThrow(/--prompt-tokens must be a whole number ≥ 1, got 0/);
  });

  it('names where HDR\'s prompt length came from when HDR does not fit: --prompt-tokens, else --seq', async () => {
    // It said 'the longest prompt it mines', though inspect reads no data: the length was --seq's
    // (prompts up to it) or the --prompt-tokens given. The embedded model (intermediate 128): its
    // gate activation at batch 80 fits the 128 MiB binding at 2048 tokens, not at HDR's 4096.
    const embedded = 'public/models/tiny-qwen3';
    const bySeq = (await runCaptured([embedded, '--batch', '80', '--seq', '2048', '--max-tokens', '2048'])).out;
    expect(bySeq).toContain('HDR          does NOT fit: it retrains at sequence 4096 (prompts up to --seq 2048, plus up to --max-tokens 2048); for studio hdr');
    const byPrompt = (await runCaptured([embedded, '--batch', '80', '--seq', '1024', '--prompt-tokens', '3000', '--max-tokens', '1000'])).out;
    expect(byPrompt).toContain('HDR          does NOT fit: it retrains at sequence 4032 (a prompt of --prompt-tokens 3000, plus up to --max-tokens 1000); for studio hdr');
  });

  it('advises studio hdr’s own flags when HDR alone does not fit', async () => {
    // It said "lower --max-tokens or --batch": inspect's --batch is the training batch, while
    // studio hdr retrains at its own --batch, else the --adapter run's, over the prompts it mines.
    const { code, out } = await runCaptured([modelDir, '--batch', '256', '--seq', '64', '--prompt-tokens', '3000', '--max-tokens', '200', '--memory-gib', '64']);
    expect(code).toBe(0);
    expect(out).toMatch(/verdict {6}fits/);
    const verdict = out.split('\n').find((l) => l.startsWith('HDR          does NOT fit'));
    expect(verdict).toContain('it retrains at sequence 3264 (a prompt of --prompt-tokens 3000, plus up to --max-tokens 200)');
    expect(verdict).toContain(`for studio hdr: lower its --max-tokens, or --mine-limit (fewer examples mined, so a shorter longest prompt), or retrain at a smaller --batch (default: the --adapter run folder’s, else ${DEFAULT_RUN_CONFIG.batchSize})`);
  });

  it('plans, without flags, the run studio train makes by default, and its help names those defaults', async () => {
    // It planned batch 1 at LoRA rank 16 (the model code's adapter), while studio train runs batch
    // 4 at rank 8: asking whether a default training run fits got the plan of another run.
    const { settings, seqLenAssumed } = JSON.parse((await runCaptured([modelDir, '--json'])).out);
    const d = DEFAULT_RUN_CONFIG;
    expect(settings).toMatchObject({ batch: d.batchSize, rank: d.lora.rank, targets: d.lora.targets, recompute: d.recompute });
    expect(inspect.usage).toMatch(new RegExp(`--batch N +micro-batch size \\(default ${d.batchSize}, as studio train\\)`));
    expect(inspect.usage).toMatch(new RegExp(`--rank N +LoRA rank \\(default ${d.lora.rank}, as studio train\\)`));
    expect(inspect.usage).toMatch(/--targets LIST +LoRA targets: q,k,v,o,gate,up,down or all \(default all, as studio train\)/);
    expect(inspect.usage).toMatch(/keeps only layer inputs;\s+default off, as studio train\)/);
    // Train takes the length from its data; inspect has none, so it says its length is assumed.
    expect(inspect.usage).toMatch(/--seq N +sequence length in tokens \(default 1024; studio train picks it from the data\s+unless --seq is given\)/);
    expect(seqLenAssumed).toBe(true);
    expect(JSON.parse((await runCaptured([modelDir, '--seq', '64', '--json'])).out).seqLenAssumed).toBe(false);
    const text = (await runCaptured([modelDir])).out;
    expect(text).toContain(`memory plan  batch ${d.batchSize} × seq 1024 (assumed: studio train picks the length from the data unless --seq is given) = ${(d.batchSize * 1024).toLocaleString('en-US')} tokens`);
    expect((await runCaptured([modelDir, '--seq', '64'])).out).toMatch(new RegExp(`memory plan  batch ${d.batchSize} × seq 64 = `));
  });

  it('fails with one-line errors for bad arguments', async () => {
    await expect(inspect.run([])).rejects.toThrow(CliError);
    await expect(inspect.run([modelDir, '--targets', 'q,attn'])).rejects.toThrow(/unknown LoRA target "attn"/);
    await expect(inspect.run([modelDir, '--seq', '0'])).rejects.toThrow(/--seq must be a whole number ≥ 1/);
    await expect(inspect.run(['not a model'])).rejects.toThrow(/not a model: no such folder, and not a hub repo id/);
  });
});
