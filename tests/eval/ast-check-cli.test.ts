// `studio ast-check` end to end on the hand-written BFCL fixtures: one JSON line per id with the
// BFCL error type, then the accuracy; bad input is one clear CliError.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CliError } from '../../src/cli/command.ts';
import astCheckCommand from '../../src/cli/commands/ast-check.ts';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'bfcl');
const f = (name: string) => join(fixtures, name);

async function runLines(argv: string[]): Promise<Array<Record<string, unknown>>> {
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  try {
    await astCheckCommand.run(argv);
    return log.mock.calls.map(([line]) => JSON.parse(String(line)));
  } finally {
    log.mockRestore();
  }
}

function scoreArgs(category: string): string[] {
  return ['--questions', f(`BFCL_v3_${category}.json`), '--answers', f(`possible_answer/BFCL_v3_${category}.json`), '--predictions', f(`predictions_${category}.jsonl`)];
}

afterEach(() => vi.restoreAllMocks());

describe('studio ast-check', () => {
  it('scores the simple fixture: one line per id in question order, then the accuracy', async () => {
    const lines = await runLines(scoreArgs('simple'));
    expect(lines.map((l) => [l.id, l.valid, l.error_type])).toEqual([
      ['simple_0', true, undefined],
      ['simple_1', true, undefined],
      ['simple_2', false, 'value_error:others'],
      ['simple_3', false, 'simple_function_checker:missing_required'],
      ['simple_4', true, undefined],
      ['simple_5', false, 'simple_function_checker:unexpected_param'],
      ['simple_6', false, 'ast_decoder:decoder_failed'],
      [undefined, undefined, undefined],
    ]);
    expect(lines[2]).toMatchObject({ where: 'calls[0].arguments.z', error: "Invalid value for parameter 'z': 1. Expected one of ['', 0]." });
    expect(lines.at(-1)).toEqual({ accuracy: 3 / 7, correct_count: 3, total_count: 7 });
  });

  it('scores parallel order-free and explains a failed match', async () => {
    const lines = await runLines(scoreArgs('parallel'));
    expect(lines.slice(0, 3).map((l) => l.error_type ?? 'ok')).toEqual(['ok', 'parallel_function_checker_no_order:wrong_count', 'parallel_function_checker_no_order:cannot_find_match']);
    expect(String(lines[2].error)).toMatch(/calls\[1\]\.arguments\.duration: value_error:others/);
    expect(lines.at(-1)).toEqual({ accuracy: 1 / 3, correct_count: 1, total_count: 3 });
  });

  it('scores multiple and parallel_multiple from their file names', async () => {
    expect((await runLines(scoreArgs('multiple'))).at(-1)).toEqual({ accuracy: 0.5, correct_count: 1, total_count: 2 });
    expect((await runLines(scoreArgs('parallel_multiple'))).at(-1)).toEqual({ accuracy: 1, correct_count: 1, total_count: 1 });
  });

  it('scores irrelevance without a possible_answer file', async () => {
    const lines = await runLines(['--questions', f('BFCL_v3_irrelevance.json'), '--predictions', f('predictions_irrelevance.jsonl')]);
    expect(lines.map((l) => l.valid)).toEqual([true, false, true, undefined]);
    expect(lines[1].error_type).toBe('irrelevance_error:decoder_success');
  });

  it('lets --category override the file name', async () => {
    // Scored as irrelevance, only the prose answer to simple_6 passes.
    const lines = await runLines([...scoreArgs('simple'), '--category', 'irrelevance']);
    expect(lines.at(-1)).toEqual({ accuracy: 1 / 7, correct_count: 1, total_count: 7 });
  });

  it('takes the category from id prefixes and reports per-category accuracy for mixed files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ast-check-'));
    const questions = [
      '{"id": "simple_0", "function": [{"name": "f", "parameters": {"type": "dict", "properties": {"a": {"type": "integer"}}, "required": ["a"]}}]}',
      '{"id": "irrelevance_0", "function": [{"name": "f", "parameters": {"type": "dict", "properties": {}}}]}',
    ];
    writeFileSync(join(dir, 'questions.jsonl'), questions.join('\n'));
    writeFileSync(join(dir, 'answers.jsonl'), '{"id": "simple_0", "ground_truth": [{"f": {"a": [1]}}]}');
    writeFileSync(join(dir, 'predictions.jsonl'), '{"id": "simple_0", "result": "[f(a=1)]"}\n{"id": "irrelevance_0", "result": "[f()]"}');
    const lines = await runLines(['--questions', join(dir, 'questions.jsonl'), '--answers', join(dir, 'answers.jsonl'), '--predictions', join(dir, 'predictions.jsonl')]);
    expect(lines.at(-1)).toEqual({
      accuracy: 0.5,
      correct_count: 1,
      total_count: 2,
      categories: { simple: { accuracy: 1, correct_count: 1, total_count: 1 }, irrelevance: { accuracy: 0, correct_count: 0, total_count: 1 } },
    });
  });

  it('marks a question without a prediction as missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ast-check-'));
    writeFileSync(join(dir, 'p.jsonl'), '{"id": "simple_0", "result": "[calculate_triangle_area(base=10, height=5)]"}');
    const lines = await runLines(['--questions', f('BFCL_v3_simple.json'), '--answers', f('possible_answer/BFCL_v3_simple.json'), '--predictions', join(dir, 'p.jsonl')]);
    expect(lines[1]).toMatchObject({ id: 'simple_1', valid: false, error_type: 'missing_prediction' });
    expect(lines.at(-1)).toMatchObject({ correct_count: 1, total_count: 7 });
  });

  it('fails with one clear line on bad input', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ast-check-'));
    writeFileSync(join(dir, 'stray.jsonl'), '{"id": "simple_0", "result": "[]"}\n{"id": "simple_99", "result": "[]"}');
    writeFileSync(join(dir, 'broken.jsonl'), '{"id": "simple_0", "result": "[]"}\n{"id": ');
    const quiet = () => vi.spyOn(console, 'log').mockImplementation(() => {});
    quiet();
    const run = (argv: string[]) => astCheckCommand.run(argv);
    const simpleQA = ['--questions', f('BFCL_v3_simple.json'), '--answers', f('possible_answer/BFCL_v3_simple.json')];
    await expect(run([...simpleQA, '--predictions', join(dir, 'stray.jsonl')])).rejects.toThrow(/stray\.jsonl:2: id "simple_99" is not in the question file/);
    await expect(run([...simpleQA, '--predictions', join(dir, 'broken.jsonl')])).rejects.toThrow(/broken\.jsonl:2: not valid JSON/);
    await expect(run([...simpleQA, '--predictions', join(dir, 'missing.jsonl')])).rejects.toThrow(`--predictions ${join(dir, 'missing.jsonl')}: no such file`);
    await expect(run(['--questions', f('BFCL_v3_simple.json'), '--predictions', f('predictions_simple.jsonl')])).rejects.toThrow('"simple_0" (category simple) needs its ground truth: give the possible_answer file with --answers (only irrelevance questions need none)');
    await expect(run([...simpleQA, '--predictions', f('predictions_simple.jsonl'), '--category', 'java'])).rejects.toThrow(CliError);
    await expect(run([...simpleQA])).rejects.toThrow('missing required option --predictions');
  });
});

describe('studio ast-check refusing a question', () => {
  it('prints no result line before it: a question without its ground truth or category halfway left results without a summary', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ast-check-'));
    // Ground truth for simple_0 only: simple_1 has none.
    const answers = readFileSync(f('possible_answer/BFCL_v3_simple.json'), 'utf8').split('\n').filter((l) => l.includes('"simple_0"'));
    writeFileSync(join(dir, 'BFCL_v3_simple_answers.json'), answers.join('\n'));
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    await expect(astCheckCommand.run(['--questions', f('BFCL_v3_simple.json'), '--answers', join(dir, 'BFCL_v3_simple_answers.json'), '--predictions', f('predictions_simple.jsonl')])).rejects.toThrow('no ground truth for "simple_1" (category simple)');
    expect(log).not.toHaveBeenCalled();
  });
});

describe('npx studio ast-check (the real entry point)', () => {
  const bin = join(import.meta.dirname, '..', '..', 'bin', 'studio.mjs');

  it('prints the JSON lines on stdout and exits 0', () => {
    const r = spawnSync(process.execPath, [bin, 'ast-check', ...scoreArgs('multiple')], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.id ?? 'summary')).toEqual(['multiple_0', 'multiple_1', 'summary']);
  });

  it('prints one error line on stderr and exits non-zero on bad input', () => {
    const r = spawnSync(process.execPath, [bin, 'ast-check', '--questions', f('BFCL_v3_simple.json'), '--predictions', f('predictions_simple.jsonl'), '--bogus', '1'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^studio ast-check: unknown option --bogus/)]);
  });
});
