// `studio tokenize` end to end on the real Qwen3 tokenizer folder: one JSON line per example with
// ids and segments equal to the library's tokenization, the format override and length limit
// honoured, bad usage reported as one clear CliError line, and OpenAI-format records tokenized
// exactly as transformers.js `apply_chat_template` does with their messages and tools (tool keys in
// the input's order, as a served model sees them).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import tokenizeCommand from '../../src/cli/commands/tokenize.ts';
import { CliError } from '../../src/cli/command.ts';
import { importDatasetFiles } from '../../src/data/import-dataset.ts';
import { tokenizeExample } from '../../src/data/tokenize-example.ts';
import { tokenizerFromModel } from '../../src/train/prepareData.ts';
import { nodeDirectoryModelFiles } from '../../src/model/model-files-node.ts';
import { QWEN3_TOKENIZER_DIR, qwen3Tokenizer } from './qwen3-tokenizer.ts';

type Message = { role: string; content: string };
type Tool = Record<string, unknown>;

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/data/${name}`, import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'studio-tokenize-'));
const readLines = (path: string) => readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; input_ids: number[]; segments: number[] });

beforeAll(() => {
  vi.spyOn(console, 'log').mockImplementation(() => {});
  vi.spyOn(console, 'error').mockImplementation(() => {});
});
afterAll(() => vi.restoreAllMocks());

describe('studio tokenize', () => {
  it('writes {id, input_ids, segments} per example, equal to tokenizeExample, skipping bad records', async () => {
    const out = join(dir, 'out.jsonl');
    const files = ['openai-tools.jsonl', 'funreason.jsonl', 'malformed.jsonl'].map(fixture);
    expect(await tokenizeCommand.run(['--model', QWEN3_TOKENIZER_DIR, '--data', files.join(','), '--out', out, '--include-failing'])).toBe(0);
    const lines = readLines(out);
    const { examples } = await importDatasetFiles(await Promise.all(files.map(async (f) => ({ name: f, blob: await (await import('node:fs')).openAsBlob(f) }))));
    expect(lines.map((l) => l.id)).toEqual(examples.map((e) => e.id));
    const tok = qwen3Tokenizer();
    for (const [i, e] of examples.entries()) {
      const t = tokenizeExample(tok, e);
      expect(lines[i].input_ids).toEqual(t.inputIds);
      expect(lines[i].segments).toEqual(t.segments);
      // Examples without reasoning have no cot tokens (their empty <think></think> is the answer's format).
      expect(new Set(lines[i].segments)).toEqual(new Set(e.target.reasoning?.trim() ? [0, 1, 2] : [0, 2]));
    }
  });

  it('--every-call-turn writes each calling turn of a conversation as an example, and says so', async () => {
    const out = join(dir, 'turns.jsonl');
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(await tokenizeCommand.run(['--model', QWEN3_TOKENIZER_DIR, '--data', fixture('openai-tools.jsonl'), '--out', out])).toBe(0);
    expect(readLines(out).map((l) => l.id)).toEqual(['oa-1', 'oa-2', 'oa-3', 'oa-4']);
    expect(errors.mock.calls.flat().join('\n')).toContain('openai-tools.jsonl: openai (detected), 4 imported, 0 rejected; 1 of them call tools in earlier turns too, left as prompt (--every-call-turn learns them)');
    errors.mockClear();
    expect(await tokenizeCommand.run(['--model', QWEN3_TOKENIZER_DIR, '--data', fixture('openai-tools.jsonl'), '--out', out, '--every-call-turn', '--force'])).toBe(0);
    const lines = readLines(out);
    expect(lines.map((l) => l.id)).toEqual(['oa-1', 'oa-2', 'oa-3#call1', 'oa-3', 'oa-4']);
    expect(errors.mock.calls.flat().join('\n')).toContain('openai-tools.jsonl: openai (detected), 5 imported (1 of them earlier calling turns), 0 rejected');
    // The first turn's call to search_flights is trained (segment 2) in its own example.
    const tok = qwen3Tokenizer();
    const first = lines[2];
    expect(tok.decode(first.input_ids.filter((_, i) => first.segments[i] === 2))).toContain('search_flights');
  });

  it('leaves out examples that fail the quality check by default, as training does', async () => {
    const out = join(dir, 'passing.jsonl');
    expect(await tokenizeCommand.run(['--model', QWEN3_TOKENIZER_DIR, '--data', fixture('malformed.jsonl'), '--out', out])).toBe(0);
    expect(readLines(out).map((l) => l.id)).toEqual(['m-1']); // m-11 and m-12 fail the quality check
    expect(await tokenizeCommand.run(['--model', QWEN3_TOKENIZER_DIR, '--data', fixture('malformed.jsonl'), '--out', out, '--include-failing', '--force'])).toBe(0);
    expect(readLines(out).map((l) => l.id)).toEqual(['m-1', 'm-11', 'm-12']);
    await expect(tokenizeCommand.run(['--model', QWEN3_TOKENIZER_DIR, '--data', fixture('malformed.jsonl'), '--out', out, '--include-failing', '--only-passing'])).rejects.toThrow(/contradict/);
  });

  it('refuses --only-passing with --include-flagged, naming both: one skips every flagged example, the other writes some', async () => {
    const out = join(dir, 'both.jsonl');
    await expect(tokenizeCommand.run(['--model', QWEN3_TOKENIZER_DIR, '--data', fixture('malformed.jsonl'), '--out', out, '--only-passing', '--include-flagged', 'reasoning_as_promised'])).rejects.toThrow(
      new CliError('--only-passing skips every example the quality check flags; --include-flagged writes those flagged only by the rules it names: give one of them', 2),
    );
    expect(existsSync(out)).toBe(false);
  });

  it('applies --max-len (too-long targets skipped) and --only-passing', async () => {
    const out = join(dir, 'short.jsonl');
    await tokenizeCommand.run(['--model', QWEN3_TOKENIZER_DIR, '--data', fixture('malformed.jsonl'), '--out', out, '--only-passing']);
    const [whole] = readLines(out);
    expect(whole.id).toBe('m-1'); // m-11 and m-12 fail the quality check
    // One token short: only the newline after <|im_end|> may go.
    await tokenizeCommand.run(['--model', QWEN3_TOKENIZER_DIR, '--data', fixture('malformed.jsonl'), '--out', out, '--only-passing', '--max-len', String(whole.input_ids.length - 1), '--force']);
    const lines = readLines(out);
    expect(lines[0].input_ids).toEqual(whole.input_ids.slice(0, -1));
    expect(lines[0].segments.at(-1)).toBe(2);
    // Shorter still: m-1 is a single turn, and its system prompt and tools are never cut. Nothing
    // is written, which is an error that leaves the last output as it was.
    await expect(tokenizeCommand.run(['--model', QWEN3_TOKENIZER_DIR, '--data', fixture('malformed.jsonl'), '--out', out, '--only-passing', '--max-len', '60', '--force'])).rejects.toThrow(
      new CliError(`no example was written (1 longer than --max-len 60, 2 failed the quality check (--include-failing writes them)); ${out} is unchanged`),
    );
    expect(readLines(out)[0].input_ids).toEqual(whole.input_ids.slice(0, -1));
    expect(existsSync(`${out}.partial`)).toBe(false);
  });

  it('takes a --max-record-kib of 2 GiB or more as a limit that high (a 32-bit shift made it negative or 0, refusing every record)', async () => {
    const out = join(dir, 'high-limit.jsonl');
    for (const kib of ['2097152', '4194304']) {
      expect(await tokenizeCommand.run(['--model', QWEN3_TOKENIZER_DIR, '--data', fixture('openai-tools.jsonl'), '--out', out, '--max-record-kib', kib, '--force']), kib).toBe(0);
      expect(readLines(out).length, kib).toBeGreaterThan(0);
    }
  });

  it('honours --format and reports usage errors as CliError', async () => {
    const out = join(dir, 'forced.jsonl');
    await expect(tokenizeCommand.run(['--model', QWEN3_TOKENIZER_DIR, '--data', fixture('xlam.json'), '--out', out, '--format', 'openai'])).rejects.toThrow(
      new CliError('no examples could be imported from the data files'),
    );
    await expect(tokenizeCommand.run(['--model', dir, '--data', fixture('xlam.json'), '--out', out])).rejects.toThrow(/missing .*tokenizer\.json/);
    await expect(tokenizeCommand.run(['--model', QWEN3_TOKENIZER_DIR, '--data', fixture('xlam.json'), '--out', out, '--format', 'csv'])).rejects.toThrow('unknown --format "csv"');
    await expect(tokenizeCommand.run(['--model', QWEN3_TOKENIZER_DIR, '--out', out])).rejects.toThrow('missing required option --data');
    await expect(tokenizeCommand.run(['--model', QWEN3_TOKENIZER_DIR, '--data', join(dir, 'nope.jsonl'), '--out', out])).rejects.toThrow(`--data ${join(dir, 'nope.jsonl')}: no such file`);
  });

  it('reads the model folder as training and the studio do: files saved with a byte-order mark load', async () => {
    // Its own reader kept the mark that every other reader drops: a tokenizer_config.json saved by
    // a Windows editor trained and generated, but `studio tokenize` refused it as "not valid JSON".
    const model = join(dir, 'bom-model');
    mkdirSync(model, { recursive: true });
    for (const name of ['tokenizer.json', 'tokenizer_config.json']) writeFileSync(join(model, name), `\uFEFF${readFileSync(join(QWEN3_TOKENIZER_DIR, name), 'utf8')}`);
    await tokenizerFromModel(nodeDirectoryModelFiles(model)); // training's reader takes it
    const out = join(dir, 'bom.jsonl');
    expect(await tokenizeCommand.run(['--model', model, '--data', fixture('xlam.json'), '--out', out])).toBe(0);
    expect(readLines(out).length).toBeGreaterThan(0);
  });

  it('equals transformers.js apply_chat_template token for token on OpenAI-format records', async () => {
    const out = join(dir, 'template.jsonl');
    const file = fixture('openai-template.jsonl');
    expect(await tokenizeCommand.run(['--model', QWEN3_TOKENIZER_DIR, '--data', file, '--out', out])).toBe(0);
    const lines = readLines(out);
    const records = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; messages: Message[]; tools: Tool[] });
    expect(lines.map((l) => l.id)).toEqual(records.map((r) => r.id));
    const tok = qwen3Tokenizer();
    for (const [i, r] of records.entries()) {
      // The fixture's tools list description after parameters, or before name, and carry `strict`.
      const ids = tok.apply_chat_template(r.messages, { tools: r.tools, tokenize: true, return_tensor: false, return_dict: false }) as number[];
      expect(lines[i].input_ids, r.id).toEqual(ids);
    }
  });
});
