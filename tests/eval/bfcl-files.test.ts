// Reading BFCL question, possible_answer and prediction files: the hand-written fixtures load,
// bad lines are reported by file and line, and categories come from file names or ids.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  categoryFromFileName,
  categoryFromId,
  decodedCallsFromJson,
  parseBfclAnswers,
  parseBfclQuestions,
  parsePredictions,
  readJsonRecords,
} from '../../src/eval/bfcl-files.ts';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'bfcl');
const read = (name: string) => readFileSync(join(fixtures, name), 'utf8');

describe('BFCL fixture files', () => {
  it('loads questions with their functions and line numbers', () => {
    const questions = parseBfclQuestions(read('BFCL_v3_simple.json'), 'BFCL_v3_simple.json');
    expect(questions.map((q) => q.id)).toEqual(['simple_0', 'simple_1', 'simple_2', 'simple_3', 'simple_4', 'simple_5', 'simple_6']);
    expect(questions[1]).toMatchObject({ line: 2, functions: [{ name: 'math.factorial' }] });
    expect(questions[0].functions[0].parameters.required).toEqual(['base', 'height']);
  });

  it('loads possible answers by id', () => {
    const answers = parseBfclAnswers(read('possible_answer/BFCL_v3_parallel.json'), 'answers');
    expect(answers.get('parallel_0')).toEqual([
      { get_current_weather: { location: ['Boston, MA'], unit: ['fahrenheit', ''] } },
      { get_current_weather: { location: ['San Francisco, CA'], unit: ['fahrenheit', ''] } },
    ]);
  });

  it('loads predictions given as text or as decoded calls', () => {
    const predictions = parsePredictions(read('predictions_simple.jsonl'), 'p.jsonl');
    expect(typeof predictions[0].result).toBe('string');
    expect(predictions[5].result).toEqual([{ name: 'get_stock_price', arguments: { company: 'AAPL', exchange: 'NASDAQ' } }]);
  });
});

describe('bad records are reported by file and line', () => {
  it('names the line of invalid JSON', () => {
    expect(() => readJsonRecords('{"id": "a"}\n\n{"id": \n', 'q.json')).toThrow(/^q\.json:3: not valid JSON/);
  });

  it('names a missing id, a duplicate id and a missing function list', () => {
    expect(() => parseBfclQuestions('{"function": []}', 'q.json')).toThrow('q.json:1: missing a string "id"');
    const dup = '{"id": "simple_0", "function": []}\n{"id": "simple_0", "function": []}';
    expect(() => parseBfclQuestions(dup, 'q.json')).toThrow('q.json:2: id "simple_0" already appeared on line 1');
    expect(() => parseBfclQuestions('{"id": "simple_0"}', 'q.json')).toThrow('q.json:1 (simple_0): missing the "function" list');
    expect(() => parseBfclQuestions('{"id": "s", "function": [{"name": "f"}]}', 'q.json')).toThrow('function f has no "parameters" object');
  });

  it('names a ground-truth entry of the wrong shape', () => {
    expect(() => parseBfclAnswers('{"id": "s", "ground_truth": [{"f": {"a": 1}}]}', 'a.json')).toThrow('a.json:1 (s): ground_truth[0].f.a must be a list of accepted values');
    expect(() => parseBfclAnswers('{"id": "s", "ground_truth": [{"f": {}, "g": {}}]}', 'a.json')).toThrow(/ground_truth\[0\] must be/);
  });

  it('names a prediction whose result is neither text nor calls', () => {
    expect(() => parsePredictions('{"id": "s", "result": 5}', 'p.jsonl')).toThrow('p.jsonl:1 (s): "result" must be the generated text or a list of calls');
    expect(() => parsePredictions('{"id": "s", "result": [{"f": 1}]}', 'p.jsonl')).toThrow(/result\[0\] must be/);
  });

  it('accepts a JSON array file and a single function object (early BFCL)', () => {
    const questions = parseBfclQuestions('[{"id": "simple_9", "function": {"name": "f", "parameters": {"type": "dict", "properties": {}}}}]', 'q.json');
    expect(questions[0].functions.map((f) => f.name)).toEqual(['f']);
  });
});

describe('decodedCallsFromJson', () => {
  it('reads BFCL decoded form and {name, arguments} form', () => {
    expect(decodedCallsFromJson([{ f: { a: 1 } }, { name: 'g', arguments: { b: 2 } }])).toEqual([
      { name: 'f', arguments: { a: 1 } },
      { name: 'g', arguments: { b: 2 } },
    ]);
  });

  it('reads the arguments a function-calling handler stored as JSON text, and names text that is no object', () => {
    expect(decodedCallsFromJson([{ calculate_triangle_area: '{"base": 10, "height": 5}' }])).toEqual([{ name: 'calculate_triangle_area', arguments: { base: 10, height: 5 } }]);
    expect(decodedCallsFromJson([{ f: { a: 1 } }, { g: '[1]' }])).toMatch(/^result\[1\] must be/);
    expect(decodedCallsFromJson([{ g: '{"a": ' }])).toMatch(/^result\[0\] must be .*JSON string/);
  });
});

describe('categories', () => {
  it('come from BFCL file names', () => {
    expect(categoryFromFileName('data/BFCL_v3_parallel_multiple.json')).toBe('parallel_multiple');
    expect(categoryFromFileName('BFCL_v3_live_simple.json')).toBe('live_simple');
    expect(categoryFromFileName('possible_answer/BFCL_v3_irrelevance.json')).toBe('irrelevance');
    expect(categoryFromFileName('my_questions.jsonl')).toBeUndefined();
  });

  it('come from id prefixes', () => {
    expect(categoryFromId('parallel_multiple_12')).toBe('parallel_multiple');
    expect(categoryFromId('live_simple_3-2-0')).toBe('live_simple');
    expect(categoryFromId('simple_0')).toBe('simple');
    expect(categoryFromId('simple_python_12')).toBe('simple_python');
    expect(categoryFromId('question-7')).toBeUndefined();
  });
});
