// studio eval --gguf: a GGUF file's weights answer in place of --model's, read as llama.cpp reads
// them, with --model's config and tokenizer. An F32 export of a run answers exactly as the run's
// adapter does (the adapter merged in, not applied again); a Q8_0 one answers every example, and
// the summary and the resume settings name the file; --against sets the answers beside the
// adapter's, answer by answer. Files that cannot be this model's weights (or answers to compare), and
// an --adapter beside --gguf that is no run folder, are refused in words before anything runs.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { studioInProcess } from '../helpers/studioInProcess.ts';
import { exportGgufModel, type GgufExportType } from '../../src/export/ggufExport.ts';
import { readPeftAdapter } from '../../src/jobs/store/folder.ts';
import { nodeDirectoryModelFiles } from '../../src/model/model-files-node.ts';
import { readModelSpec } from '../../src/model/checkpoint.ts';
import { loadTokenizer } from '../../src/data/tokenizer-load.ts';
import { testGpu } from '../helpers/gpu.ts';
import { oneTensorGguf } from '../helpers/ggufHeader.ts';
import type { ModelFiles } from '../../src/model/model-files.ts';
import type { LoraAdapter } from '../../src/model/lora.ts';

const MODEL = 'public/models/tiny-qwen3';
const DATA = 'public/demo/demo-dataset.jsonl';
const dir = mkdtempSync(join(tmpdir(), 'studio-eval-gguf-'));
const run = join(dir, 'run');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const tokenizer = loadTokenizer(readFileSync(join(MODEL, 'tokenizer.json'), 'utf8'), JSON.parse(readFileSync(join(MODEL, 'tokenizer_config.json'), 'utf8')));

async function writeGguf(files: ModelFiles, adapter: LoraAdapter | null, type: GgufExportType, path: string): Promise<void> {
  const parts: Uint8Array[] = [];
  await exportGgufModel(await testGpu(), files, { type, adapter, name: 'eval-gguf', encode: (t) => tokenizer.encode(t), write: (b) => void parts.push(b.slice()) });
  writeFileSync(path, Buffer.concat(parts));
}

const evalFlags = ['--data', DATA, '--limit', '4', '--max-tokens', '24', '--batch', '4', '--quiet'];
const outputs = (path: string) => readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; output: string });

describe('studio eval --gguf', () => {
  beforeAll(async () => {
    const trained = await studioInProcess(['train', '--model', MODEL, '--data', DATA, '--out', run, '--steps', '1', '--batch', '2', '--seq', '320', '--quiet']);
    expect(trained.code, trained.err).toBe(0);
    const files = nodeDirectoryModelFiles(MODEL);
    const adapter = await readPeftAdapter(run, await readModelSpec(files));
    await writeGguf(files, adapter, 'f32', join(dir, 'run-f32.gguf'));
    await writeGguf(files, adapter, 'q8_0', join(dir, 'run-q8_0.gguf'));
  }, 240_000);

  it('an F32 export answers as the run adapter does; Q8_0 answers every example, beside the adapter\'s answers with --against, and the summary names the file', { timeout: 240_000 }, async () => {
    const byAdapter = await studioInProcess(['eval', '--model', MODEL, '--adapter', run, '--out', join(dir, 'adapter.jsonl'), ...evalFlags]);
    expect(byAdapter.code, byAdapter.err).toBe(0);
    const f32 = join(dir, 'run-f32.gguf');
    // The run folder only chooses the held-out examples: its adapter is in the file already.
    const adapterOut = join(dir, 'adapter.jsonl');
    const byFile = await studioInProcess(['eval', '--model', MODEL, '--adapter', run, '--gguf', f32, '--out', join(dir, 'f32.jsonl'), '--summary', join(dir, 'f32-summary.json'), '--against', adapterOut, ...evalFlags]);
    expect(byFile.code, byFile.err).toBe(0);
    expect(byFile.out).toContain(`Against ${adapterOut}, on the 4 examples both answered: all 4 answers are the same, word for word; none is right here that it got wrong; none is wrong here that it got right.`);
    expect(byFile.err).toContain(`answering with the weights of ${f32} (F32), read as llama.cpp reads them, and the config and tokenizer of ${MODEL}`);
    expect(outputs(join(dir, 'f32.jsonl'))).toEqual(outputs(join(dir, 'adapter.jsonl')));
    expect(JSON.parse(readFileSync(join(dir, 'f32-summary.json'), 'utf8'))).toMatchObject({ split: 'eval', gguf: resolve(f32), total: 4 });
    expect(JSON.parse(readFileSync(join(dir, 'f32.jsonl.settings.json'), 'utf8'))).toMatchObject({ '--gguf': resolve(f32), '--adapter': resolve(run) });

    const q8 = join(dir, 'run-q8_0.gguf');
    const byQ8 = await studioInProcess(['eval', '--model', MODEL, '--adapter', run, '--gguf', q8, '--out', join(dir, 'q8.jsonl'), '--against', adapterOut, ...evalFlags]);
    expect(byQ8.code, byQ8.err).toBe(0);
    expect(byQ8.err).toContain(`answering with the weights of ${q8} (Q8_0)`);
    const q8Answers = outputs(join(dir, 'q8.jsonl')) as Array<{ id: string; output: string; valid: boolean }>;
    const adapterAnswers = outputs(adapterOut) as Array<{ id: string; output: string; valid: boolean }>;
    expect(q8Answers.map((p) => p.id)).toEqual(adapterAnswers.map((p) => p.id));
    // --against: the two files answer by answer, as their own lines say.
    const same = q8Answers.filter((p, i) => p.output === adapterAnswers[i].output).length;
    expect(byQ8.out).toContain(`Against ${adapterOut}, on the 4 examples both answered: ${same === 4 ? 'all 4 answers are the same' : `${same} of 4 answers are the same`}, word for word;`);
    // Its answers are another file's: a resume under the F32 file is refused, naming --gguf.
    const resumed = await studioInProcess(['eval', '--model', MODEL, '--adapter', run, '--gguf', f32, '--out', join(dir, 'q8.jsonl'), '--resume', ...evalFlags]);
    expect(resumed.code).toBe(2);
    expect(resumed.err.trim().split('\n').at(-1)).toBe(`studio eval: --resume: ${join(dir, 'q8.jsonl')} holds answers generated with another --gguf (${resolve(q8)} there, ${resolve(f32)} here); give the --gguf it was run with`);
  });

  it('refuses, in words, a file that cannot be the model\'s weights, and an --adapter beside it that is no run folder', { timeout: 120_000 }, async () => {
    const evalWith = (...flags: string[]) => studioInProcess(['eval', '--model', MODEL, '--out', join(dir, 'refused.jsonl'), ...evalFlags, ...flags]);
    const lastLine = (r: { err: string }) => r.err.trim().split('\n').at(-1);
    const missing = join(dir, 'none.gguf');
    expect(lastLine(await evalWith('--gguf', missing))).toBe(`studio eval: --gguf ${missing}: no such file`);
    const folder = join(dir, 'a-folder');
    mkdirSync(folder);
    const asFolder = await evalWith('--gguf', folder);
    expect(asFolder.code).toBe(2);
    expect(lastLine(asFolder)).toBe(`studio eval: --gguf ${folder} is a folder; give the .gguf file`);
    expect(lastLine(await evalWith('--gguf', DATA))).toBe(`studio eval: --gguf ${DATA}: demo-dataset.jsonl is not a GGUF file`);
    expect(lastLine(await evalWith('--against', missing))).toBe(`studio eval: --against ${missing}: no such file`);
    expect(lastLine(await evalWith('--against', DATA))).toBe(`studio eval: --against ${DATA} line 1 is not a prediction studio eval wrote (it needs id, output, finish_reason and generated_tokens)`);
    const itself = await evalWith('--against', join(dir, 'refused.jsonl'));
    expect(itself.code).toBe(2);
    expect(lastLine(itself)).toBe(`studio eval: --against ${join(dir, 'refused.jsonl')} is the --out file: compare with another evaluation's answers`);

    // A plain PEFT adapter folder (no run.json) beside --gguf chooses nothing.
    const plain = join(dir, 'plain-adapter');
    mkdirSync(plain);
    for (const f of ['adapter_config.json', 'adapter_model.safetensors']) cpSync(join(run, f), join(plain, f));
    const besides = await evalWith('--adapter', plain, '--gguf', join(dir, 'run-f32.gguf'));
    expect(besides.code).toBe(2);
    expect(lastLine(besides)).toBe(`studio eval: --adapter ${plain} beside --gguf only chooses a run folder's held-out examples (the file holds the adapter merged in), and ${plain} is no run folder of studio train or studio hdr: leave --adapter out`);

    // Another model's file: refused by its first tensor that differs.
    const other = join(dir, 'other-model.gguf');
    writeFileSync(other, oneTensorGguf(0, 'token_embd.weight', [1000, 64]));
    const foreign = await evalWith('--gguf', other);
    expect(foreign.code).toBe(1);
    expect(lastLine(foreign)).toMatch(new RegExp(`^studio eval: --gguf ${other}: token_embd\\.weight is \\[1000,64\\], the model's model\\.embed_tokens\\.weight is \\[151936,\\d+\\]; it is not a file of --model ${MODEL}$`));
  });
});
