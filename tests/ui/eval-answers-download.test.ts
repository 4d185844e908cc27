// An evaluation's answers downloaded from the page are the lines `studio eval --out` writes: the
// CLI reads them back (`studio eval --against`, `studio push --eval`), and each keeps its verdict,
// every reason it failed, how it ended and what it was judged against.
import 'fake-indexeddb/auto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createElement } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { renderNow } from '../helpers/render.ts';
import { press, recordingJsxRuntime } from '../helpers/press.ts';

vi.mock('react/jsx-dev-runtime', async (original) => recordingJsxRuntime(original));
const saved = vi.hoisted(() => [] as Array<{ name: string; type: string; text: string }>);
vi.mock('../../src/state/download.ts', () => ({
  downloadBytes: (bytes: Uint8Array, name: string, type: string) => void saved.push({ name, type, text: new TextDecoder().decode(bytes) }),
}));

const { studioDb } = await import('../../src/state/db.ts');
const { evalAnswersFile } = await import('../../src/state/evalAnswersDownload.ts');
const { readPredictionLines } = await import('../../src/jobs/store/folder.ts');
const { useRuns } = await import('../../src/state/runStore.ts');
const { EvalResults } = await import('../../src/ui/eval/EvalResults.tsx');

const wrong = { exampleId: 'q1', category: 'simple', output: '<tool_call>{"name": "f"}</tool_call>', valid: false, errors: [{ rule: 'ast_decoder:decoder_failed', message: 'no arguments' }], finishReason: 'eos' as const, generatedTokens: 12, expected: 'abcd0123abcd0123' };
const right = { exampleId: 'q2#call1', category: 'multiple', output: '[f(a=1)]', valid: true, errors: [], finishReason: 'eos' as const, generatedTokens: 5, afterCalls: true };

describe('downloading an evaluation’s answers', () => {
  it('writes the lines studio eval --out writes, which the CLI reads back', async () => {
    await studioDb().predictions.put({ runId: 'e1', predictions: [wrong, right] as never });
    const file = await evalAnswersFile({ id: 'e1', name: 'eval of “my run” on 2 examples' });
    expect(file.name).toBe('eval-of-my-run-on-2-examples-answers.jsonl');
    expect(file.answers).toBe(2);
    expect(file.text.trim().split('\n').map((l) => JSON.parse(l))).toEqual([
      { id: 'q1', category: 'simple', valid: false, error_type: 'ast_decoder:decoder_failed', error: 'no arguments', finish_reason: 'eos', generated_tokens: 12, output: wrong.output, expected: 'abcd0123abcd0123' },
      { id: 'q2#call1', category: 'multiple', valid: true, finish_reason: 'eos', generated_tokens: 5, output: '[f(a=1)]', after_calls: true },
    ]);
    const path = join(mkdtempSync(join(tmpdir(), 'answers-')), file.name);
    writeFileSync(path, file.text);
    expect(readPredictionLines(path)).toEqual([
      { id: 'q1', output: wrong.output, finishReason: 'eos', generatedTokens: 12, valid: false, afterCalls: false, askedInTraining: false, expected: 'abcd0123abcd0123' },
      { id: 'q2#call1', output: '[f(a=1)]', finishReason: 'eos', generatedTokens: 5, valid: true, afterCalls: true, askedInTraining: false },
    ]);
  });

  it('is a button under an evaluation’s results that saves that file', async () => {
    await studioDb().predictions.put({ runId: 'e2', predictions: [right] as never });
    const row = { id: 'e2', name: 'base', datasetId: 'd', kind: 'eval', status: 'done', createdAt: 1, updatedAt: 1, modelRef: 'tiny', summary: { total: 1, correct: 1, accuracy: 1, byCategory: {}, failureRules: {}, finishReasons: {} }, config: { adapterRunId: null, limit: 1, maxNewTokens: 8, lora: null } };
    useRuns.setState({ runs: [row] as never });
    expect(renderNow(createElement(EvalResults, { datasetId: 'd' }))).toContain('Download the answers (.jsonl)');
    press('Download the answers (.jsonl)');
    await vi.waitFor(() => expect(saved).toHaveLength(1));
    expect(saved[0]).toMatchObject({ name: 'base-answers.jsonl', type: 'application/jsonl' });
    expect(JSON.parse(saved[0].text)).toMatchObject({ id: 'q2#call1', valid: true });
  });
});
