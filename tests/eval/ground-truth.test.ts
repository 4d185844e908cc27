// Ground truth derived from an example's target calls behaves like a BFCL possible_answer in the
// checker: the target itself passes, a wrong value or an extra argument fails.
import { describe, expect, it } from 'vitest';
import type { Example, FunctionSchema } from '../../src/data/example.ts';
import { astCheck } from '../../src/eval/ast-checker.ts';
import { categoryForCalls, groundTruthOf, possibleAnswerFromCalls } from '../../src/eval/ground-truth.ts';

const weather: FunctionSchema = {
  name: 'get_weather',
  parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' }, unit: { type: 'string' } }, required: ['city'] },
};
const time: FunctionSchema = { name: 'get_time', parameters: { type: 'object', properties: { zone: { type: 'string' } }, required: ['zone'] } };

describe('possibleAnswerFromCalls', () => {
  it('makes each given argument the single accepted value', () => {
    expect(possibleAnswerFromCalls([{ name: 'get_weather', arguments: { city: 'Paris', days: 3 } }])).toEqual([{ get_weather: { city: ['Paris'], days: [3] } }]);
  });
});

describe('categoryForCalls', () => {
  it('follows BFCL: irrelevance, simple, multiple, parallel, parallel_multiple', () => {
    const w = { name: 'get_weather', arguments: {} };
    const t = { name: 'get_time', arguments: {} };
    expect(categoryForCalls([weather], [])).toBe('irrelevance');
    expect(categoryForCalls([weather], [w])).toBe('simple');
    expect(categoryForCalls([weather, time], [w])).toBe('multiple');
    expect(categoryForCalls([weather], [w, w])).toBe('parallel');
    expect(categoryForCalls([weather, time], [w, t])).toBe('parallel_multiple');
    expect(categoryForCalls([weather, time], [w, w])).toBe('parallel_multiple');
  });
});

describe('groundTruthOf an example', () => {
  const example: Pick<Example, 'tools' | 'target'> = {
    tools: [weather, time],
    target: { calls: [{ name: 'get_weather', arguments: { city: 'New York', days: 2 } }, { name: 'get_time', arguments: { zone: 'EST' } }] },
  };

  it('accepts the target calls in any order and with normalised strings', () => {
    const truth = groundTruthOf(example);
    expect(truth.category).toBe('parallel_multiple');
    const calls = [{ name: 'get_time', arguments: { zone: 'est' } }, { name: 'get_weather', arguments: { city: 'new york', days: 2 } }];
    expect(astCheck({ functions: example.tools, calls, ...truth }).valid).toBe(true);
  });

  it('rejects a wrong value and an argument the target did not use', () => {
    const truth = groundTruthOf(example);
    const wrongDays = [{ name: 'get_weather', arguments: { city: 'New York', days: 3 } }, { name: 'get_time', arguments: { zone: 'EST' } }];
    expect(astCheck({ functions: example.tools, calls: wrongDays, ...truth }).valid).toBe(false);
    const extra = [{ name: 'get_weather', arguments: { city: 'New York', days: 2, unit: 'c' } }, { name: 'get_time', arguments: { zone: 'EST' } }];
    expect(astCheck({ functions: example.tools, calls: extra, ...truth }).errors[1]).toMatchObject({ rule: 'simple_function_checker:unexpected_param' });
  });

  it('prefers the example’s own possible answer and category when it has them', () => {
    const truth = groundTruthOf({ ...example, possibleAnswer: [{ get_time: { zone: ['EST', 'ET'] } }], category: 'multiple' });
    expect(truth).toEqual({ possibleAnswer: [{ get_time: { zone: ['EST', 'ET'] } }], category: 'multiple' });
  });
});
