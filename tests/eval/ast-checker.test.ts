// The AST checker, rule by rule and category by category, written from BFCL's ast_checker.py
// behaviour (error_type names included), with its tricky cases: int for float, optional omitted,
// string normalisation, parallel order, irrelevance.
import { describe, expect, it } from 'vitest';
import type { Call, FunctionSchema, JsonSchema, PossibleAnswer } from '../../src/data/example.ts';
import { astCheck, categoryKind, type AstCheckResult } from '../../src/eval/ast-checker.ts';
import { checkGeneratedOutput } from '../../src/eval/check-generation.ts';
import { parseBfclAnswers } from '../../src/eval/bfcl-files.ts';
import { IntegralFloat } from '../../src/data/python/integral-float.ts';

function fn(name: string, properties: Record<string, JsonSchema>, required: string[] = []): FunctionSchema {
  return { name, description: `${name} for tests`, parameters: { type: 'dict', properties, required } };
}

const call = (name: string, args: Record<string, unknown>): Call => ({ name, arguments: args });

/** One schema, one ground truth, one model call: BFCL's simple category. */
function simple(schema: FunctionSchema, accepted: Record<string, unknown[]>, args: Record<string, unknown>, name = schema.name): AstCheckResult {
  return astCheck({ functions: [schema], possibleAnswer: [{ [schema.name]: accepted }], calls: [call(name, args)], category: 'simple' });
}

const rule = (r: AstCheckResult) => r.errors[0]?.rule;

const triangle = fn('calculate_triangle_area', { base: { type: 'integer' }, height: { type: 'integer' }, unit: { type: 'string' } }, ['base', 'height']);
const triangleAnswer = { base: [10], height: [5], unit: ['units', ''] };

describe('simple: function name, required, unexpected and optional parameters', () => {
  it('accepts an exact match', () => {
    expect(simple(triangle, triangleAnswer, { base: 10, height: 5, unit: 'units' })).toEqual({ valid: true, errors: [] });
  });

  it('fails wrong_func_name when the call names another function', () => {
    const r = simple(triangle, triangleAnswer, { base: 10, height: 5 }, 'triangle_area');
    expect(r.valid).toBe(false);
    expect(r.errors).toEqual([
      { rule: 'simple_function_checker:wrong_func_name', where: 'calls[0]', message: "Function name 'calculate_triangle_area' not found in model output (got 'triangle_area')." },
    ]);
  });

  it('compares dotted names with underscores only when asked (BFCL convert_func_name)', () => {
    const factorial = fn('math.factorial', { number: { type: 'integer' } }, ['number']);
    const base = { functions: [factorial], possibleAnswer: [{ 'math.factorial': { number: [5] } }], calls: [call('math_factorial', { number: 5 })], category: 'simple' };
    expect(rule(astCheck(base))).toBe('simple_function_checker:wrong_func_name');
    expect(astCheck({ ...base, underscoreDots: true }).valid).toBe(true);
  });

  it('fails wrong_count unless exactly one call is made', () => {
    const answer: PossibleAnswer = [{ calculate_triangle_area: triangleAnswer }];
    expect(rule(astCheck({ functions: [triangle], possibleAnswer: answer, calls: [], category: 'simple' }))).toBe('simple_function_checker:wrong_count');
    const two = [call(triangle.name, { base: 10, height: 5 }), call(triangle.name, { base: 10, height: 5 })];
    expect(rule(astCheck({ functions: [triangle], possibleAnswer: answer, calls: two, category: 'simple' }))).toBe('simple_function_checker:wrong_count');
  });

  it('fails missing_required naming the parameter', () => {
    const r = simple(triangle, triangleAnswer, { base: 10, unit: 'units' });
    expect(r.errors[0]).toMatchObject({ rule: 'simple_function_checker:missing_required', where: 'calls[0].arguments.height', message: "Missing required parameter: 'height'." });
  });

  it('fails unexpected_param for a parameter outside the schema', () => {
    const r = simple(triangle, triangleAnswer, { base: 10, height: 5, color: 'red' });
    expect(r.errors[0]).toMatchObject({ rule: 'simple_function_checker:unexpected_param', where: 'calls[0].arguments.color' });
  });

  it('does not mistake Object.prototype names for schema parameters', () => {
    expect(rule(simple(triangle, triangleAnswer, { base: 10, height: 5, constructor: 1 }))).toBe('simple_function_checker:unexpected_param');
    const needsToString = fn('f', { toString: { type: 'string' } }, ['toString']);
    expect(rule(simple(needsToString, { toString: ['x'] }, {}))).toBe('simple_function_checker:missing_required');
  });

  it('fails unexpected_param for a schema parameter the ground truth does not list', () => {
    const r = simple(triangle, { base: [10], height: [5] }, { base: 10, height: 5, unit: 'units' });
    expect(rule(r)).toBe('simple_function_checker:unexpected_param');
  });

  it('passes an omitted optional parameter only when "" is among its accepted values', () => {
    expect(simple(triangle, triangleAnswer, { base: 10, height: 5 }).valid).toBe(true);
    const strict = simple(triangle, { base: [10], height: [5], unit: ['units'] }, { base: 10, height: 5 });
    expect(strict.errors[0]).toMatchObject({ rule: 'simple_function_checker:missing_optional', where: 'calls[0].arguments.unit' });
  });

  it('fails value_error:others for a wrong number', () => {
    const r = simple(triangle, triangleAnswer, { base: 10, height: 6 });
    expect(r.errors[0]).toEqual({
      rule: 'value_error:others',
      where: 'calls[0].arguments.height',
      message: "Invalid value for parameter 'height': 6. Expected one of [5].",
    });
  });
});

describe('simple: types', () => {
  const bmi = fn('calculate_bmi', { weight: { type: 'float' }, height: { type: 'float' }, metric: { type: 'boolean' } }, ['weight', 'height']);

  it('accepts an int where a float is expected (BFCL converts it)', () => {
    expect(simple(bmi, { weight: [70.0], height: [1.75], metric: ['', true] }, { weight: 70, height: 1.75 }).valid).toBe(true);
  });

  it('accepts JSON-Schema "number" and "object" like BFCL\'s "float" and "dict"', () => {
    const jsonSchema = fn('f', { x: { type: 'number' }, o: { type: 'object' } }, ['x', 'o']);
    expect(simple(jsonSchema, { x: [1.5], o: [{ k: [1] }] }, { x: 1.5, o: { k: 1 } }).valid).toBe(true);
  });

  it('rejects a float where an integer is expected', () => {
    const r = simple(triangle, triangleAnswer, { base: 10, height: 5.5 });
    expect(r.errors[0]).toMatchObject({ rule: 'type_error:simple', where: 'calls[0].arguments.height' });
    expect(r.errors[0].message).toBe("Incorrect type for parameter 'height'. Expected type integer, got float. Parameter value: 5.5.");
  });

  it('rejects a string for a number and a boolean for an integer (type(), not isinstance)', () => {
    expect(rule(simple(triangle, triangleAnswer, { base: '10', height: 5 }))).toBe('type_error:simple');
    expect(rule(simple(triangle, triangleAnswer, { base: true, height: 5 }))).toBe('type_error:simple');
    expect(rule(simple(bmi, { weight: [70], height: [1.75], metric: [true] }, { weight: 70, height: 1.75, metric: 1 }))).toBe('type_error:simple');
  });

  it('treats "any" as a string parameter', () => {
    const anyFn = fn('echo', { value: { type: 'any' } }, ['value']);
    expect(simple(anyFn, { value: ['hello'] }, { value: 'Hello' }).valid).toBe(true);
    expect(rule(simple(anyFn, { value: ['hello'] }, { value: 3 }))).toBe('type_error:simple');
  });

  it('accepts a list for a tuple parameter', () => {
    const point = fn('plot', { xy: { type: 'tuple', items: { type: 'integer' } } }, ['xy']);
    expect(simple(point, { xy: [[1, 2]] }, { xy: [1, 2] }).valid).toBe(true);
  });

  it('checks one level of array item types: type_error:nested', () => {
    const sum = fn('math.sum', { numbers: { type: 'array', items: { type: 'integer' } } }, ['numbers']);
    const r = simple(sum, { numbers: [[1, 2, 3]] }, { numbers: [1, 'two', 3] });
    expect(r.errors[0]).toMatchObject({ rule: 'type_error:nested', where: 'calls[0].arguments.numbers' });
    expect(r.errors[0].message).toMatch(/Expected outer type array with inner type int/);
  });

  it('accepts int items in a float array whose ground truth starts with an int, and does not look deeper than one level', () => {
    // BFCL takes the item type from the ground truth: an int there makes an int item "a variable".
    const floats = fn('mean', { xs: { type: 'array', items: { type: 'float' } } }, ['xs']);
    expect(simple(floats, { xs: [[1, 2.5]] }, { xs: [1, 2.5] }).valid).toBe(true);
    const matrix = fn('det', { m: { type: 'array', items: { type: 'array', items: { type: 'integer' } } } }, ['m']);
    // Inner rows are only checked to be lists; the string inside is caught by the value check.
    expect(rule(simple(matrix, { m: [[[1, 2], [3, 4]]] }, { m: [[1, 2], [3, 'x']] }))).toBe('value_error:list/tuple');
  });

  it('skips the nested type check when "" is accepted, as BFCL does, and leaves it to the value check', () => {
    const sum = fn('math.sum', { numbers: { type: 'array', items: { type: 'integer' } } });
    expect(rule(simple(sum, { numbers: ['', [1, 2]] }, { numbers: ['a'] }))).toBe('value_error:list/tuple');
  });

  it('accepts a variable name given where the ground truth holds one (BFCL is_variable)', () => {
    // The ground truth says the integer parameter may be the variable `n`, written as a string.
    const r = simple(triangle, { base: ['n'], height: [5] }, { base: 'n', height: 5 });
    expect(r.valid).toBe(true);
    // Variables are compared exactly, without string normalisation.
    expect(rule(simple(triangle, { base: ['n'], height: [5] }, { base: 'N', height: 5 }))).toBe('value_error:others');
  });

  it('checks a parameter without a type by its value (BFCL’s "any" once imported), and a type list by its first non-null type', () => {
    // The importer drops "any" (JSON Schema has no such type): the exact answer used to fail as
    // checker:bad_schema, so HDR mined cases no answer could solve.
    const untyped = fn('set_value', { key: { type: 'string' }, value: {} }, ['key', 'value']);
    expect(simple(untyped, { key: ['x'], value: ['5'] }, { key: 'x', value: '5' }).valid).toBe(true);
    expect(rule(simple(untyped, { key: ['x'], value: ['5'] }, { key: 'x', value: '6' }))).toBe('value_error:string');
    expect(simple(untyped, { key: ['x'], value: [[1, 2]] }, { key: 'x', value: [1, 2] }).valid).toBe(true);
    const enumOnly = fn('pick', { color: { enum: ['red', 'blue'] } }, ['color']);
    expect(simple(enumOnly, { color: ['red'] }, { color: 'Red' }).valid).toBe(true);
    const nullable = fn('find', { name: { type: ['string', 'null'] } }, ['name']);
    expect(simple(nullable, { name: ['Ann'] }, { name: 'ann' }).valid).toBe(true);
  });

  it('reports an unknown schema type as a schema problem, not a model failure', () => {
    const odd = fn('f', { x: { type: 'datetime' } }, ['x']);
    expect(simple(odd, { x: ['2024-01-01'] }, { x: '2024-01-01' }).errors[0]).toMatchObject({ rule: 'checker:bad_schema', where: 'calls[0].arguments.x' });
  });
});

describe('simple: strings, lists and dicts', () => {
  const weather = fn('weather.forecast', { location: { type: 'string' }, date: { type: 'string' }, name: { type: 'string' } });

  it('compares strings after standardize_string: spaces and ,./-_*^ dropped, case folded', () => {
    expect(simple(weather, { location: ['New York, NY'] }, { location: 'new york ny' }).valid).toBe(true);
    expect(simple(weather, { date: ['April 1, 2024'] }, { date: 'april 1,2024' }).valid).toBe(true);
    expect(simple(weather, { date: ['2024-04-01'] }, { date: '2024/04/01' }).valid).toBe(true);
    expect(simple(weather, { location: ['San_Francisco'] }, { location: 'SAN FRANCISCO' }).valid).toBe(true);
  });

  it("treats ' and \" as the same character", () => {
    expect(simple(weather, { name: ["O'Brien"] }, { name: 'o"brien' }).valid).toBe(true);
  });

  it('still fails on characters outside the normalised set', () => {
    const r = simple(weather, { location: ['NYC'] }, { location: 'NYC!' });
    expect(r.errors[0]).toMatchObject({ rule: 'value_error:string', where: 'calls[0].arguments.location' });
    expect(r.errors[0].message).toBe("Invalid value for parameter 'location': 'NYC!'. Expected one of ['NYC']. Case insensitive.");
    expect(rule(simple(weather, { location: ['Paris'] }, { location: 'London' }))).toBe('value_error:string');
  });

  const multiples = fn('sum_of_multiples', { multiples: { type: 'array', items: { type: 'integer' } }, cities: { type: 'array', items: { type: 'string' } } });

  it('compares lists in order', () => {
    expect(simple(multiples, { multiples: [[3, 5]] }, { multiples: [3, 5] }).valid).toBe(true);
    const r = simple(multiples, { multiples: [[3, 5]] }, { multiples: [5, 3] });
    expect(r.errors[0]).toMatchObject({ rule: 'value_error:list/tuple', where: 'calls[0].arguments.multiples' });
    expect(rule(simple(multiples, { multiples: [[3, 5]] }, { multiples: [3, 5, 7] }))).toBe('value_error:list/tuple');
  });

  it('normalises strings inside lists and accepts any listed alternative', () => {
    expect(simple(multiples, { cities: [['Los Angeles', 'New York'], ['LA', 'NYC']] }, { cities: ['la', 'nyc'] }).valid).toBe(true);
  });

  it('lets an empty list match the optional marker "" (BFCL iterates "" as empty)', () => {
    expect(simple(multiples, { multiples: ['', [3]] }, { multiples: [] }).valid).toBe(true);
  });

  const hotel = fn('book_hotel', { prefs: { type: 'dict' }, rooms: { type: 'array', items: { type: 'dict' } } });

  it('compares dicts key by key with normalised strings and optional keys', () => {
    const accepted = { prefs: [{ city: ['New York'], nights: [3], view: ['', 'sea'] }] };
    expect(simple(hotel, accepted, { prefs: { city: 'new york', nights: 3 } }).valid).toBe(true);
    expect(simple(hotel, accepted, { prefs: { nights: 3, city: 'NEW-YORK', view: 'Sea' } }).valid).toBe(true);
  });

  it('fails value_error:dict_value and value_error:dict_key naming the key', () => {
    const accepted = { prefs: [{ city: ['New York'], nights: [3] }] };
    expect(simple(hotel, accepted, { prefs: { city: 'Boston', nights: 3 } }).errors[0]).toMatchObject({ rule: 'value_error:dict_value', where: 'calls[0].arguments.prefs.city' });
    expect(simple(hotel, accepted, { prefs: { city: 'New York', nights: 3, pool: true } }).errors[0]).toMatchObject({ rule: 'value_error:dict_key', where: 'calls[0].arguments.prefs.pool' });
    const missing = simple(hotel, accepted, { prefs: { city: 'New York' } });
    expect(missing.errors[0]).toMatchObject({ rule: 'value_error:dict_key', message: "Missing dict key parameter: 'nights'." });
  });

  it('accepts a dict matching any one of several accepted dicts', () => {
    const accepted = { prefs: [{ city: ['Paris'] }, { city: ['Rome'] }] };
    expect(simple(hotel, accepted, { prefs: { city: 'rome' } }).valid).toBe(true);
  });

  it('compares lists of dicts in order and by count', () => {
    const accepted = { rooms: [[{ beds: [2] }, { beds: [1] }]] };
    expect(simple(hotel, accepted, { rooms: [{ beds: 2 }, { beds: 1 }] }).valid).toBe(true);
    expect(simple(hotel, accepted, { rooms: [{ beds: 1 }, { beds: 2 }] }).errors[0]).toMatchObject({ rule: 'value_error:dict_value', where: 'calls[0].arguments.rooms[0].beds' });
    expect(rule(simple(hotel, accepted, { rooms: [{ beds: 2 }] }))).toBe('value_error:list_dict_count');
  });

  it('compares booleans by value', () => {
    const flag = fn('f', { on: { type: 'boolean' } }, ['on']);
    expect(simple(flag, { on: [true] }, { on: true }).valid).toBe(true);
    expect(rule(simple(flag, { on: [true] }, { on: false }))).toBe('value_error:others');
  });
});

describe('whole floats (5.0) are floats, as in Python', () => {
  const count = fn('repeat', { times: { type: 'integer' } }, ['times']);
  const circle = fn('circle.area', { radius: { type: 'float' } }, ['radius']);
  const mean = fn('mean', { xs: { type: 'array', items: { type: 'float' } } }, ['xs']);
  const check = (schema: FunctionSchema, possibleAnswer: PossibleAnswer, output: string) => checkGeneratedOutput({ functions: [schema], possibleAnswer, category: 'simple', output });

  it('fails 5.0 for an integer parameter, written as Python or as JSON (BFCL: type_error:simple)', () => {
    const answer: PossibleAnswer = [{ repeat: { times: [5] } }];
    for (const output of [
      '[repeat(times=5.0)]',
      '[repeat(times=10/2)]',
      '<tool_call>\n{"name": "repeat", "arguments": {"times": 5.0}}\n</tool_call>',
      '{"name": "repeat", "arguments": "{\\"times\\": 5e0}"}',
    ]) {
      const r = check(count, answer, output);
      expect(r.valid, output).toBe(false);
      expect(r.errors[0].rule).toBe('type_error:simple');
      expect(r.errors[0].message).toBe("Incorrect type for parameter 'times'. Expected type integer, got float. Parameter value: 5.0.");
    }
    expect(check(count, answer, '[repeat(times=5)]').valid).toBe(true);
    expect(check(count, answer, '[repeat(times=10//2)]').valid).toBe(true);
  });

  it('takes 5 and 5.0 alike for a float parameter, against ground truth 5 or 5.0', () => {
    for (const truth of [5, new IntegralFloat(5)]) {
      for (const output of ['[circle.area(radius=5)]', '[circle.area(radius=5.0)]', '[circle.area(radius=50e-1)]']) {
        expect(check(circle, [{ 'circle.area': { radius: [truth] } }], output).valid, output).toBe(true);
      }
    }
  });

  it('fails int items in a float array when the ground truth lists floats (BFCL file), as BFCL does', () => {
    const answers = parseBfclAnswers('{"id": "simple_87", "ground_truth": [{"mean": {"xs": [[1.0, 2.5]]}}]}', 'answers.json');
    const truth = answers.get('simple_87')!;
    const r = check(mean, truth, '[mean(xs=[1, 2.5])]');
    expect(r.errors[0]).toMatchObject({ rule: 'type_error:nested', where: 'calls[0].arguments.xs' });
    expect(r.errors[0].message).toBe("Nested type checking failed for parameter 'xs'. Expected outer type array with inner type float. Parameter value: [1, 2.5].");
    expect(check(mean, truth, '[mean(xs=[1.0, 2.5])]').valid).toBe(true);
    expect(check(mean, truth, '<tool_call>{"name": "mean", "arguments": {"xs": [1.0, 2.5]}}</tool_call>').valid).toBe(true);
  });

  it('takes int items of a float array where the ground truth came from stored examples, which lost its ".0"s', () => {
    // Stored, [1.5, 2.0] reads [1.5, 2]; training wrote it so. BFCL's own file keeps 2.0 and holds the line.
    const stored: PossibleAnswer = [{ mean: { xs: [[1.5, 2]] } }];
    expect(check(mean, stored, '[mean(xs=[1.5, 2])]').valid).toBe(true);
    expect(check(mean, stored, '[mean(xs=[1.5, 2.0])]').valid).toBe(true);
    const fromFile = parseBfclAnswers('{"id": "simple_1", "ground_truth": [{"mean": {"xs": [[1.5, 2.0]]}}]}', 'answers.json').get('simple_1')!;
    expect(check(mean, fromFile, '[mean(xs=[1.5, 2])]').errors[0]?.rule).toBe('type_error:nested');
    expect(check(mean, fromFile, '[mean(xs=[1.5, 2.0])]').valid).toBe(true);
  });

  it('lets JSON Schema "number" take ints and floats alike, also as array items', () => {
    const numbers = fn('mean', { xs: { type: 'array', items: { type: 'number' } }, w: { type: 'number' } }, ['xs']);
    const truth: PossibleAnswer = [{ mean: { xs: [[new IntegralFloat(1), 2.5]], w: [new IntegralFloat(2), ''] } }];
    expect(check(numbers, truth, '[mean(xs=[1, 2.5], w=2)]').valid).toBe(true);
    expect(check(numbers, truth, '[mean(xs=[1.0, 2.5], w=2.0)]').valid).toBe(true);
  });

  it('returns the decoded calls with plain numbers, safe to store or post to another thread', () => {
    const r = check(count, [{ repeat: { times: [5] } }], '[repeat(times=5.0)]');
    expect(r.parsed!.calls).toEqual([{ name: 'repeat', arguments: { times: 5 } }]);
    expect(typeof r.parsed!.calls[0].arguments.times).toBe('number');
    expect(structuredClone(r.parsed)).toEqual(r.parsed);
  });
});

describe('multiple: the schema is the one the ground truth names', () => {
  const triangleProps = fn('triangle_properties.get', { side1: { type: 'integer' } }, ['side1']);
  const circleProps = fn('circle_properties.get', { radius: { type: 'float' } }, ['radius']);
  const functions = [triangleProps, circleProps];
  const possibleAnswer: PossibleAnswer = [{ 'circle_properties.get': { radius: [2.5] } }];

  it('passes the right function among several', () => {
    expect(astCheck({ functions, possibleAnswer, calls: [call('circle_properties.get', { radius: 2.5 })], category: 'multiple' }).valid).toBe(true);
  });

  it('fails wrong_func_name when the model picks another offered function', () => {
    const r = astCheck({ functions, possibleAnswer, calls: [call('triangle_properties.get', { side1: 3 })], category: 'multiple' });
    expect(rule(r)).toBe('simple_function_checker:wrong_func_name');
  });

  it('fails multiple_function_checker:wrong_count for extra calls', () => {
    const calls = [call('circle_properties.get', { radius: 2.5 }), call('triangle_properties.get', { side1: 3 })];
    expect(rule(astCheck({ functions, possibleAnswer, calls, category: 'multiple' }))).toBe('multiple_function_checker:wrong_count');
  });

  it('reports ground truth naming a function that was not offered', () => {
    const r = astCheck({ functions, possibleAnswer: [{ 'square.get': { side: [1] } }], calls: [call('square.get', { side: 1 })], category: 'multiple' });
    expect(r.errors[0]).toMatchObject({ rule: 'checker:bad_ground_truth', where: 'ground_truth[0]' });
  });
});

describe('parallel and parallel_multiple: order-free matching with equal counts', () => {
  const weather = fn('get_current_weather', { location: { type: 'string' }, unit: { type: 'string' } }, ['location']);
  const possibleAnswer: PossibleAnswer = [
    { get_current_weather: { location: ['Boston, MA'], unit: ['fahrenheit', ''] } },
    { get_current_weather: { location: ['San Francisco, CA'], unit: ['fahrenheit', ''] } },
  ];
  const boston = call('get_current_weather', { location: 'Boston, MA' });
  const sf = call('get_current_weather', { location: 'San Francisco, CA', unit: 'fahrenheit' });

  it('passes the calls in either order', () => {
    expect(astCheck({ functions: [weather], possibleAnswer, calls: [boston, sf], category: 'parallel' }).valid).toBe(true);
    expect(astCheck({ functions: [weather], possibleAnswer, calls: [sf, boston], category: 'parallel' }).valid).toBe(true);
  });

  it('fails wrong_count when a call is missing or extra', () => {
    expect(rule(astCheck({ functions: [weather], possibleAnswer, calls: [boston], category: 'parallel' }))).toBe('parallel_function_checker_no_order:wrong_count');
    expect(rule(astCheck({ functions: [weather], possibleAnswer, calls: [boston, sf, sf], category: 'parallel' }))).toBe('parallel_function_checker_no_order:wrong_count');
  });

  it('fails cannot_find_match with why each remaining call did not match', () => {
    const paris = call('get_current_weather', { location: 'Paris' });
    const r = astCheck({ functions: [weather], possibleAnswer, calls: [paris, boston], category: 'parallel' });
    expect(r.valid).toBe(false);
    expect(r.errors[0]).toMatchObject({ rule: 'parallel_function_checker_no_order:cannot_find_match', where: 'ground_truth[1]' });
    expect(r.errors[0].message).toMatch(/among index \[0\] of model output for index 1 of possible answers/);
    expect(r.errors.slice(1)).toEqual([expect.objectContaining({ rule: 'value_error:string', where: 'calls[0].arguments.location' })]);
  });

  it('does not let one call satisfy two ground-truth calls', () => {
    expect(rule(astCheck({ functions: [weather], possibleAnswer, calls: [boston, boston], category: 'parallel' }))).toBe('parallel_function_checker_no_order:cannot_find_match');
  });

  it('matches different functions in any order for parallel_multiple', () => {
    const sum = fn('math_toolkit.sum_of_multiples', { lower_limit: { type: 'integer' }, multiples: { type: 'array', items: { type: 'integer' } } }, ['lower_limit', 'multiples']);
    const primes = fn('math_toolkit.product_of_primes', { count: { type: 'integer' } }, ['count']);
    const answer: PossibleAnswer = [{ 'math_toolkit.sum_of_multiples': { lower_limit: [1], multiples: [[3, 5]] } }, { 'math_toolkit.product_of_primes': { count: [5] } }];
    const calls = [call('math_toolkit.product_of_primes', { count: 5 }), call('math_toolkit.sum_of_multiples', { lower_limit: 1, multiples: [3, 5] })];
    expect(astCheck({ functions: [sum, primes], possibleAnswer: answer, calls, category: 'parallel_multiple' }).valid).toBe(true);
    const wrong = [call('math_toolkit.product_of_primes', { count: 4 }), calls[1]];
    const r = astCheck({ functions: [sum, primes], possibleAnswer: answer, calls: wrong, category: 'parallel_multiple' });
    expect(r.errors[0]).toMatchObject({ rule: 'parallel_function_checker_no_order:cannot_find_match', where: 'ground_truth[1]' });
  });
});

describe('irrelevance and relevance', () => {
  const stock = fn('get_stock_price', { company: { type: 'string' } }, ['company']);

  it('passes irrelevance when no call is made, whatever the ground truth', () => {
    expect(astCheck({ functions: [stock], possibleAnswer: [], calls: [], category: 'irrelevance' })).toEqual({ valid: true, errors: [] });
  });

  it('fails irrelevance when any call is made', () => {
    const r = astCheck({ functions: [stock], possibleAnswer: [], calls: [call('get_stock_price', { company: 'AAPL' })], category: 'live_irrelevance' });
    expect(r.errors[0]).toMatchObject({ rule: 'irrelevance_error:decoder_success', where: 'calls' });
  });

  it('passes relevance only when some call is made', () => {
    expect(astCheck({ functions: [stock], possibleAnswer: [], calls: [call('x', {})], category: 'live_relevance' }).valid).toBe(true);
    expect(rule(astCheck({ functions: [stock], possibleAnswer: [], calls: [], category: 'live_relevance' }))).toBe('relevance_error:decoder_failed');
  });
});

describe('categoryKind', () => {
  it('maps BFCL category names by substring, as ast_checker does', () => {
    expect(['simple', 'live_simple', 'multiple', 'live_multiple', 'parallel', 'parallel_multiple', 'live_parallel_multiple', 'irrelevance'].map(categoryKind)).toEqual([
      'simple', 'simple', 'multiple', 'multiple', 'parallel', 'parallel', 'parallel', 'irrelevance',
    ]);
  });

  it('accepts BFCL v4 names such as simple_python', () => {
    expect(categoryKind('simple_python')).toBe('simple');
  });

  it('refuses categories the Python checker cannot score', () => {
    expect(() => categoryKind('java')).toThrow(/not supported/);
    expect(() => categoryKind('simple_java')).toThrow(/not supported/);
    expect(() => categoryKind('javascript')).toThrow(/not supported/);
    expect(() => categoryKind('banana')).toThrow(/unknown category "banana"/);
  });
});

describe('checkGeneratedOutput: decoding, then checking', () => {
  const factorial = fn('math.factorial', { number: { type: 'integer' } }, ['number']);
  const base = { functions: [factorial], possibleAnswer: [{ 'math.factorial': { number: [5] } }] as PossibleAnswer };

  it('checks calls decoded from any supported format', () => {
    for (const output of ['[math.factorial(number=5)]', '<think>5!</think><tool_call>{"name": "math.factorial", "arguments": {"number": 5}}</tool_call>', '{"name": "math.factorial", "arguments": {"number": 5}}']) {
      expect(checkGeneratedOutput({ ...base, category: 'simple', output }).valid, output).toBe(true);
    }
  });

  it('fails ast_decoder:decoder_failed on malformed syntax or prose, pointing at the offset', () => {
    const bad = checkGeneratedOutput({ ...base, category: 'simple', output: '[math.factorial(number=5' });
    expect(bad.errors[0]).toMatchObject({ rule: 'ast_decoder:decoder_failed' });
    expect(bad.parsed?.error?.kind).toBe('invalid_python');
    expect(rule(checkGeneratedOutput({ ...base, category: 'simple', output: 'The answer is 120.' }))).toBe('ast_decoder:decoder_failed');
  });

  it('counts undecodable output and prose as "no call" for irrelevance, as BFCL does', () => {
    expect(checkGeneratedOutput({ ...base, category: 'irrelevance', output: 'I cannot help with that.' }).valid).toBe(true);
    expect(checkGeneratedOutput({ ...base, category: 'irrelevance', output: '[math.factorial(number=' }).valid).toBe(true);
    expect(checkGeneratedOutput({ ...base, category: 'irrelevance', output: '[]' }).valid).toBe(true);
    expect(rule(checkGeneratedOutput({ ...base, category: 'irrelevance', output: '[math.factorial(number=5)]' }))).toBe('irrelevance_error:decoder_success');
  });

  it('scores a call with positional arguments as BFCL does: a call for relevance, one without those arguments elsewhere', () => {
    const output = '[math.factorial(5)]';
    expect(rule(checkGeneratedOutput({ ...base, category: 'irrelevance', output }))).toBe('irrelevance_error:decoder_success');
    expect(checkGeneratedOutput({ ...base, category: 'live_relevance', output }).valid).toBe(true);
    const simple = checkGeneratedOutput({ ...base, category: 'simple', output });
    expect(simple.valid).toBe(false);
    expect(simple.errors[0].message).toMatch(/number.*\(math\.factorial's positional argument was ignored/);
  });

  it('says why a relevance answer did not decode, as BFCL does, instead of "no call was made"', () => {
    // The model wrote a call BFCL cannot decode: the failure named no call at all and hid why.
    const bad = checkGeneratedOutput({ ...base, category: 'live_relevance', output: '[math.factorial(number=5' });
    expect(bad.valid).toBe(false);
    expect(bad.errors[0]).toMatchObject({ rule: 'relevance_error:decoder_failed', where: expect.stringMatching(/^output/) });
    expect(bad.errors[0].message).toMatch(/^Invalid syntax\. Failed to decode AST when it should have\. Python-call syntax: /);
    // Prose is still "no call".
    expect(checkGeneratedOutput({ ...base, category: 'live_relevance', output: 'The answer is 120.' }).errors[0].message).toBe('No function call was made when one should be.');
  });

  it('checks already-decoded calls as they are', () => {
    expect(checkGeneratedOutput({ ...base, category: 'simple', output: [call('math.factorial', { number: 6 })] }).errors[0]).toMatchObject({ rule: 'value_error:others' });
  });
});
