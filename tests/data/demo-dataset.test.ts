// The committed demo dataset (public/demo/demo-dataset.jsonl). Protects: it is exactly what the
// seeded generator writes, it imports without issues, every example passes the quality check with
// reasoning required, it covers every category, each labelled as BFCL defines it, renders within
// the token budget (≤ 256 Qwen3 tokens with one tool, ≤ 320 with two), keeps reasoning at 20–80
// tokens, and stays small.
import { openAsBlob, statSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEMO_PATH, DEMO_TOOLS_PATH, demoToolsJson, demoTokenBudget, generateDemoDataset } from '../../scripts/gen-demo-dataset.ts';
import { importDatasetFiles } from '../../src/data/import-dataset.ts';
import { checkExample } from '../../src/data/quality-check.ts';
import { tokenizeExample } from '../../src/data/tokenize-example.ts';
import { qwen3Tokenizer } from './qwen3-tokenizer.ts';
import { categoryForCalls } from '../../src/eval/ground-truth.ts';

const tok = qwen3Tokenizer();

describe('demo dataset', () => {
  it('is byte-identical to the seeded generator output', () => {
    expect(generateDemoDataset(tok)).toBe(readFileSync(DEMO_PATH, 'utf8'));
  });

  it('ships the README\'s `studio generate --tools` file as the generator writes it, functions as the dataset offers them', () => {
    const text = readFileSync(DEMO_TOOLS_PATH, 'utf8');
    expect(text).toBe(demoToolsJson());
    const offered = new Map<string, unknown>();
    for (const line of readFileSync(DEMO_PATH, 'utf8').trim().split('\n')) for (const t of JSON.parse(line).tools) offered.set(t.function.name, t);
    for (const t of JSON.parse(text)) expect(t).toEqual(offered.get(t.function.name));
  });

  it('imports cleanly, passes the quality check and covers every category within the token budget', async () => {
    expect(statSync(DEMO_PATH).size).toBeLessThan(400 * 1024);
    const { examples, issues, files } = await importDatasetFiles([{ name: 'demo-dataset.jsonl', blob: await openAsBlob(DEMO_PATH) }]);
    expect(issues).toEqual([]);
    expect(files[0].format).toBe('openai');
    expect(examples.length).toBeGreaterThanOrEqual(300);
    const categories = new Map<string, number>();
    const raw = readFileSync(DEMO_PATH, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; category: string });
    for (const r of raw) categories.set(r.category, (categories.get(r.category) ?? 0) + 1);
    for (const c of ['simple', 'multiple', 'parallel', 'parallel_multiple', 'irrelevance']) expect(categories.get(c) ?? 0, c).toBeGreaterThanOrEqual(20);
    const categoryOf = new Map(raw.map((r) => [r.id, r.category]));

    const lengths: number[] = [];
    for (const e of examples) {
      expect(checkExample(e, 'required').failures, e.id).toEqual([]);
      const t = tokenizeExample(tok, e);
      lengths.push(t.inputIds.length);
      expect(t.inputIds.length, e.id).toBeLessThanOrEqual(demoTokenBudget(e.tools.length));
      const reasoningTokens = t.counts.cot - 4; // <think>, "\n", "\n", </think> around the text
      expect(reasoningTokens, e.id).toBeGreaterThanOrEqual(20);
      expect(reasoningTokens, e.id).toBeLessThanOrEqual(80);
      // Labelled as BFCL defines its categories (a one-call example offering two functions is
      // "multiple", not "simple"): the studio reports accuracy per label.
      const category = categoryOf.get(e.id);
      expect(category, e.id).toBe(categoryForCalls(e.tools, e.target.calls));
      if (category === 'simple') expect(e.tools.length, e.id).toBe(1);
      if (category === 'multiple') expect(e.tools.length, e.id).toBeGreaterThan(1);
      if (category === 'parallel' || category === 'parallel_multiple') expect(e.target.calls.length).toBe(2);
    }
    lengths.sort((a, b) => a - b);
    console.log(`demo: ${examples.length} examples, tokens median ${lengths[lengths.length >> 1]}, max ${lengths.at(-1)}, ${lengths.filter((n) => n <= 256).length} within 256`);
    expect(lengths.at(-1)).toBeLessThanOrEqual(320);
  });
});
