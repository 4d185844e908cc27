// A folder where a flag wants a file, a file where it wants a folder, or a path that is not there:
// each refused in one line naming the flag and the path, as --data and --model are, where these
// printed Node's error codes (EISDIR, ENOENT, ENOTDIR) or blamed a missing file inside a folder
// the user never meant.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { studioInProcess } from '../helpers/studioInProcess.ts';
import { readToolsFile } from '../../src/cli/commands/generate.ts';
import { readAdapter } from '../../src/cli/localFiles.ts';
import { generateTinyModel, TINY_QWEN3_DEFAULT } from '../../src/model/tiny-model.ts';

const BFCL = 'tests/fixtures/bfcl';
const MODEL = 'public/models/tiny-qwen3';
const DATA = 'tests/fixtures/data/openai-tools.jsonl';

async function studio(...args: string[]) {
  const r = await studioInProcess(args);
  return { code: r.code, last: r.err.trim().split('\n').at(-1) };
}

describe('a flag given a folder for a file, a file for a folder, or nothing there', () => {
  const dir = mkdtempSync(join(tmpdir(), 'studio-file-or-folder-'));
  const file = join(dir, 'notes.txt');
  writeFileSync(file, 'not an adapter');

  it('generate --tools and train --balance: a folder is named as one', async () => {
    expect(() => readToolsFile(dir)).toThrow(`--tools ${dir} is a folder; give the JSON file of the tools`);
    expect(() => readToolsFile(join(dir, 'none.json'))).toThrow(`--tools ${join(dir, 'none.json')}: no such file`);
    expect(await studio('train', '--model', MODEL, '--data', DATA, '--out', join(dir, 'run'), '--balance', dir, '--quiet')).toEqual({
      code: 2,
      last: `studio train: --balance ${dir} is a folder; give a balance state file (a run folder's balance.json)`,
    });
  });

  it('ast-check: its three files, missing or folders, in words', async () => {
    const questions = `${BFCL}/BFCL_v3_simple.json`;
    const answers = `${BFCL}/possible_answer/BFCL_v3_simple.json`;
    const predictions = `${BFCL}/predictions_simple.jsonl`;
    expect(await studio('ast-check', '--questions', dir, '--answers', answers, '--predictions', predictions)).toEqual({ code: 2, last: `studio ast-check: --questions ${dir} is a folder; give a BFCL question file` });
    expect(await studio('ast-check', '--questions', questions, '--answers', dir, '--predictions', predictions)).toEqual({ code: 2, last: `studio ast-check: --answers ${dir} is a folder; give a BFCL possible_answer file` });
    expect(await studio('ast-check', '--questions', questions, '--answers', answers, '--predictions', join(dir, 'p.jsonl'))).toEqual({ code: 2, last: `studio ast-check: --predictions ${join(dir, 'p.jsonl')}: no such file` });
  });

  it('--adapter a file, and tokenize --model a file or a path that is not there', async () => {
    await expect(readAdapter(generateTinyModel(TINY_QWEN3_DEFAULT).spec, file, MODEL)).rejects.toThrow(`--adapter ${file} is a file; give the adapter's folder (adapter_config.json, adapter_model.safetensors)`);
    const out = join(dir, 'tok.jsonl');
    expect(await studio('tokenize', '--model', file, '--data', DATA, '--out', out)).toEqual({ code: 2, last: `studio tokenize: --model ${file} is a file; give the model's folder (config.json, model.safetensors, tokenizer files)` });
    expect(await studio('tokenize', '--model', join(dir, 'none'), '--data', DATA, '--out', out)).toEqual({ code: 2, last: `studio tokenize: --model ${join(dir, 'none')}: no such folder` });
  });

  it('a hub download: --cache a file, --hub-base not a URL, said before any request', async () => {
    const repo = 'Qwen/Qwen3-0.6B';
    expect(await studio('inspect', repo, '--cache', file)).toEqual({ code: 2, last: `studio inspect: --cache ${file} is a file; give a folder for the downloaded models` });
    expect(await studio('generate', '--model', repo, '--prompt', 'hi', '--hub-base', 'hub.example')).toEqual({ code: 2, last: 'studio generate: --hub-base hub.example is not an http(s) URL (like https://huggingface.co)' });
  });

  it('an --out under a file (notes.txt/run) is named as such, before any work, by every command that writes', async () => {
    const under = join(file, 'run');
    const said = (command: string) => ({ code: 2, last: `studio ${command}: --out ${under}: ${file} is a file, not a folder` });
    const quiet = ['--quiet'];
    expect(await studio('train', '--model', MODEL, '--data', DATA, '--out', under, ...quiet)).toEqual(said('train'));
    expect(await studio('hdr', '--model', MODEL, '--data', DATA, '--out', under, ...quiet)).toEqual(said('hdr'));
    expect(await studio('ablate', '--model', MODEL, '--data', DATA, '--out', under, ...quiet)).toEqual(said('ablate'));
    expect(await studio('export-onnx', '--model', MODEL, '--out', under, ...quiet)).toEqual(said('export-onnx'));
    expect(await studio('recipe', '--run', dir, '--out', under)).toEqual(said('recipe'));
    expect(await studio('eval', '--model', MODEL, '--data', DATA, '--out', join(under, 'p.jsonl'), ...quiet)).toEqual({ code: 2, last: `studio eval: --out ${join(under, 'p.jsonl')}: ${file} is a file, not a folder` });
    expect(await studio('tokenize', '--model', MODEL, '--data', DATA, '--out', join(file, 'p.jsonl'))).toEqual({ code: 2, last: `studio tokenize: --out ${join(file, 'p.jsonl')}: ${file} is a file, not a folder` });
  });
});
