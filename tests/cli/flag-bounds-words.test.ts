// One bound, one wording, whichever command is given the flag: --max-tokens 0 was "a whole number
// ≥ 1" to studio eval and "a positive integer" to studio generate, --batch 0 "a positive number" to
// studio train (which refuses 2.5, positive as it is) and "a whole number ≥ 1" to studio eval, and
// --temperature -1 "≥ 0 (0: greedy)" to eval but "0 (greedy) or above" to inspect, and --top-p 1.5
// "above 0 and at most 1" to eval but "in (0, 1]" to hdr.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { studioInProcess } from '../helpers/studioInProcess.ts';

const MODEL = 'public/models/tiny-qwen3';
const DATA = 'tests/fixtures/data/openai-tools.jsonl';
// Where each output would go, were a flag let through.
const DIR = mkdtempSync(join(tmpdir(), 'studio-flag-bounds-'));

async function refusal(...args: string[]) {
  const r = await studioInProcess(args);
  return [r.code, r.err.trim().split('\n').at(-1)];
}

describe('a whole-number flag given 0, and a negative temperature', () => {
  it('is refused in the same words by every command', async () => {
    const zero = (command: string, flag: string) => [2, `studio ${command}: --${flag} must be a whole number ≥ 1, got 0`];
    expect(await refusal('generate', '--model', MODEL, '--prompt', 'hi', '--max-tokens', '0')).toEqual(zero('generate', 'max-tokens'));
    expect(await refusal('eval', '--model', MODEL, '--data', DATA, '--out', join(DIR, 'p.jsonl'), '--max-tokens', '0')).toEqual(zero('eval', 'max-tokens'));
    expect(await refusal('inspect', MODEL, '--max-tokens', '0')).toEqual(zero('inspect', 'max-tokens'));
    expect(await refusal('inspect', MODEL, '--seq', '0')).toEqual(zero('inspect', 'seq'));
    expect(await refusal('export-onnx', '--model', MODEL, '--out', join(DIR, 'x'), '--steps', '0')).toEqual(zero('export-onnx', 'steps'));
    expect(await refusal('tokenize', '--model', MODEL, '--data', DATA, '--out', join(DIR, 't.jsonl'), '--max-len', '0')).toEqual(zero('tokenize', 'max-len'));
    expect(await refusal('tokenize', '--model', MODEL, '--data', DATA, '--out', join(DIR, 't.jsonl'), '--max-record-kib', '0')).toEqual(zero('tokenize', 'max-record-kib'));
    for (const flag of ['steps', 'batch', 'grad-accum', 'seq']) {
      expect(await refusal('train', '--model', MODEL, '--data', DATA, '--out', join(DIR, 'r'), `--${flag}`, '0')).toEqual(zero('train', flag));
    }
    expect(await refusal('eval', '--model', MODEL, '--data', DATA, '--out', join(DIR, 'p.jsonl'), '--batch', '0')).toEqual(zero('eval', 'batch'));
    const negative = (command: string) => [2, `studio ${command}: --temperature must be ≥ 0 (0: greedy), got -1`];
    expect(await refusal('inspect', MODEL, '--temperature', '-1')).toEqual(negative('inspect'));
    expect(await refusal('eval', '--model', MODEL, '--data', DATA, '--out', join(DIR, 'p.jsonl'), '--temperature', '-1')).toEqual(negative('eval'));
    // --top-p: one range, whether the command samples only when asked (eval, generate) or always (hdr).
    const topP = (command: string) => [2, `studio ${command}: --top-p must be in (0, 1], got 1.5`];
    expect(await refusal('generate', '--model', MODEL, '--prompt', 'hi', '--temperature', '1', '--top-p', '1.5')).toEqual(topP('generate'));
    expect(await refusal('eval', '--model', MODEL, '--data', DATA, '--out', join(DIR, 'p.jsonl'), '--temperature', '1', '--top-p', '1.5')).toEqual(topP('eval'));
    expect(await refusal('hdr', '--model', MODEL, '--data', DATA, '--out', join(DIR, 'h'), '--top-p', '1.5')).toEqual(topP('hdr'));
  });
});
