// Every failure rule the checker can count an answer under has words a user reads beside BFCL's
// name (src/eval/ruleWords.ts): the rules found in the checker's sources, the Evaluation panel's
// table, the ablation's, its Markdown report and the CLI summary.
import { readdirSync, readFileSync } from 'node:fs';
import { createElement } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { renderNow } from '../helpers/render.ts';
import { FAILURE_RULES, ruleText, ruleWords } from '../../src/eval/ruleWords.ts';
import { formatEvalSummary } from '../../src/eval/evaluate.ts';

vi.mock('../../src/state/engine.ts', () => ({ engineClient: () => ({ request: async () => undefined }) }));

/** The rules written in src/eval: literals, and the `${checker}:wrong_count` ones. */
function rulesInSources(): string[] {
  const found = new Set<string>();
  for (const f of readdirSync('src/eval').filter((n) => n.endsWith('.ts') && n !== 'ruleWords.ts')) {
    const text = readFileSync(`src/eval/${f}`, 'utf8');
    for (const m of text.matchAll(/'((?:[a-z]+_)*[a-z]+:[a-z]+(?:_[a-z]+)*)'/g)) found.add(m[1]);
    for (const m of text.matchAll(/\? '([a-z_]+)' : '([a-z_]+)';\n\s*return \{ rule: `\$\{checker\}:([a-z_]+)`/g)) [m[1], m[2]].forEach((c) => found.add(`${c}:${m[3]}`));
  }
  return [...found].sort();
}

describe('failure rules in words', () => {
  it('every rule the checker writes has words, and no words stand for a rule it never writes', () => {
    const rules = rulesInSources();
    expect(rules).toContain('ast_decoder:decoder_failed');
    expect(rules).toContain('multiple_function_checker:wrong_count');
    expect(rules).toContain('length:cut_off');
    expect([...FAILURE_RULES].sort()).toEqual(rules);
    for (const r of rules) expect(ruleWords(r)).not.toBe(r);
    expect(ruleWords('a_newer:rule')).toBe('a_newer:rule');
    expect(ruleText('ast_decoder:decoder_failed')).toBe('the calls could not be parsed (ast_decoder:decoder_failed)');
    expect(ruleText('a_newer:rule')).toBe('a_newer:rule');
  });

  it('the CLI summary says them after each count', () => {
    const text = formatEvalSummary({ total: 3, correct: 0, accuracy: 0, byCategory: {}, failureRules: { 'ast_decoder:decoder_failed': 2, 'a_newer:rule': 1 }, finishReasons: {} } as never);
    expect(text).toContain(`  ${'ast_decoder:decoder_failed'.padEnd(44)}    2  the calls could not be parsed\n`);
    expect(text.endsWith(`  ${'a_newer:rule'.padEnd(44)}    1`)).toBe(true);
  });

  it('the Evaluation panel’s table says the words with the rule beside them', async () => {
    const { useRuns } = await import('../../src/state/runStore.ts');
    const { EvalResults } = await import('../../src/ui/eval/EvalResults.tsx');
    const summary = { total: 2, correct: 0, accuracy: 0, byCategory: {}, failureRules: { 'simple_function_checker:missing_required': 2 }, finishReasons: {} };
    useRuns.setState({ runs: [{ id: 'e', datasetId: 'd', kind: 'eval', status: 'done', createdAt: 1, updatedAt: 1, name: 'e', summary, config: { adapterRunId: null, limit: 2, maxNewTokens: 96, lora: null } }] as never });
    const html = renderNow(createElement(EvalResults, { datasetId: 'd' }));
    expect(html).toContain('<td>a required argument left out<span class="small muted mono"> simple_function_checker:missing_required</span></td><td>2</td>');
  });
});
