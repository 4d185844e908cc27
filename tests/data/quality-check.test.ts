// The base quality check, rule by rule. Each case breaks exactly one rule, so a rule that stops
// firing (or fires on the wrong thing) fails here. Also the xLAM type conversion the schema rule
// depends on, the seeded split and the fingerprint.
import { describe, expect, it } from 'vitest';
import type { Example } from '../../src/data/example.ts';
import { datasetFingerprint } from '../../src/data/fingerprint.ts';
import { checkExample, summarizeQuality, type QualityRule } from '../../src/data/quality-check.ts';
import { splitOf } from '../../src/data/split.ts';
import { parseXlamParameterType, xlamTypeToSchema } from '../../src/data/tool-schema.ts';

const base = (): Example => ({
  id: 'q',
  tools: [
    {
      name: 'book',
      parameters: {
        type: 'object',
        properties: { city: { type: 'string' }, nights: { type: 'integer' }, budget: { type: 'number' }, tags: { type: 'array', items: { type: 'string' } }, tier: { type: 'string', enum: ['a', 'b'] } },
        required: ['city', 'nights'],
      },
    },
  ],
  messages: [{ role: 'user', content: 'book' }],
  target: { reasoning: 'Book it.', calls: [{ name: 'book', arguments: { city: 'Rome', nights: 2, budget: 300, tags: ['x'], tier: 'a' } }] },
  source: 'funreason',
});

function rulesOf(e: Example): QualityRule[] {
  return checkExample(e).failures.map((f) => f.rule);
}

describe('quality rules', () => {
  it('passes a clean example; an integer is accepted where a number is expected', () => {
    expect(checkExample(base())).toEqual({ passed: true, failures: [] });
  });

  it('flags tools that are not valid JSON Schema objects', () => {
    const e = base();
    e.tools[0].parameters.properties!.city = { type: 'str' };
    e.tools.push({ name: 'bad name!', parameters: { type: 'array' } });
    const f = checkExample(e).failures;
    expect(f.map((x) => x.rule)).toEqual(['tools_valid_schema', 'tools_valid_schema', 'tools_valid_schema']);
    expect(f[0].detail).toBe('tool 0 (book): parameters.properties.city.type "str" is not a JSON Schema type');
  });

  it('flags a call to a tool that does not exist', () => {
    const e = base();
    e.target.calls[0].name = 'reserve';
    expect(checkExample(e).failures).toEqual([{ rule: 'call_names_known_tool', detail: 'call to "reserve", which is not among the tools (book)' }]);
  });

  it('flags a missing required argument', () => {
    const e = base();
    delete e.target.calls[0].arguments.nights;
    expect(rulesOf(e)).toEqual(['required_args_present']);
    expect(checkExample(e).failures[0].detail).toBe('book: required argument "nights" is missing');
    // One with a default (as xLAM's tools give most of theirs) says why it is still required.
    (e.tools[0].parameters.properties as Record<string, Record<string, unknown>>).nights.default = 1;
    expect(checkExample(e).failures[0].detail).toBe('book: required argument "nights" is missing (its schema gives it a default, 1, yet lists it as required: the prompt tells the model it is required, and this answer leaves it out)');
  });

  it('flags argument types that do not match, including a float for an integer, list items and enums', () => {
    for (const [k, v] of [['nights', 2.5], ['city', 3], ['tags', ['ok', 4]], ['tier', 'c']] as const) {
      const e = base();
      e.target.calls[0].arguments[k] = v;
      expect(rulesOf(e), k).toEqual(['arg_types_match']);
    }
  });

  it('flags unknown arguments', () => {
    const e = base();
    e.target.calls[0].arguments.pets = true;
    expect(checkExample(e).failures).toEqual([{ rule: 'no_unknown_args', detail: 'book: unknown argument "pets"' }]);
  });

  it('checks reasoning against what the format promises', () => {
    const missing = base();
    delete missing.target.reasoning;
    expect(rulesOf(missing)).toEqual(['reasoning_as_promised']);
    const present = { ...base(), source: 'xlam' as const };
    expect(rulesOf(present)).toEqual(['reasoning_as_promised']);
    const optional = { ...missing, source: 'openai' as const };
    expect(rulesOf(optional)).toEqual([]);
    const stray = base();
    stray.target.reasoning = 'a <think> inside';
    expect(rulesOf(stray)).toEqual(['reasoning_as_promised']);
  });

  it('reports target JSON that did not parse (carried from the parser)', () => {
    const e = { ...base(), parseIssues: [{ rule: 'target_json_parses', detail: '<tool_call> #1 is neither JSON nor a Python dict' }] };
    expect(rulesOf(e)).toEqual(['target_json_parses']);
  });

  it('reports what a parser moved or left out as a note that fails nothing, and counts the noted examples', () => {
    const note = { rule: 'later_turns_left_out', detail: '2 turns after the target (tool, assistant) left out' };
    const noted = { ...base(), parseIssues: [note] };
    expect(checkExample(noted)).toEqual({ passed: true, failures: [], notes: [note] });
    expect(checkExample(base())).toEqual({ passed: true, failures: [] });
    expect(summarizeQuality([checkExample(noted), checkExample(base())])).toMatchObject({ total: 2, passed: 2, noted: 1, target_json_parses: 0 });
  });

  it('summarises failures per rule, counting an example once per rule', () => {
    const a = base();
    a.target.calls.push({ name: 'x', arguments: {} }, { name: 'y', arguments: {} });
    const s = summarizeQuality([checkExample(a), checkExample(base())]);
    expect(s).toMatchObject({ total: 2, passed: 1, call_names_known_tool: 1, arg_types_match: 0 });
  });
});

describe('xLAM types to JSON Schema', () => {
  it('converts flat and generic type strings', () => {
    expect(parseXlamParameterType('str, optional')).toEqual({ schema: { type: 'string' }, optional: true });
    expect(parseXlamParameterType('List[int]')).toEqual({ schema: { type: 'array', items: { type: 'integer' } }, optional: false });
    expect(parseXlamParameterType('Optional[float]')).toEqual({ schema: { type: 'number' }, optional: true });
    expect(parseXlamParameterType('int, default=5')).toEqual({ schema: { type: 'integer' }, optional: true });
    expect(xlamTypeToSchema('Dict[str, List[str]]')).toEqual({ type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } });
    expect(xlamTypeToSchema('Union[int, str]')).toEqual({ type: ['integer', 'string'] });
    expect(() => xlamTypeToSchema('Frobnicator')).toThrow('unknown type "Frobnicator"');
  });

  it('takes a Callable[[…], …] parameter as any value, like plain callable (xLAM math tools)', () => {
    expect(xlamTypeToSchema('Callable[[float], float]')).toEqual({});
    expect(xlamTypeToSchema('callable')).toEqual({});
    expect(parseXlamParameterType('Optional[Callable[[float, float], float]]')).toEqual({ schema: {}, optional: true });
  });
});

describe('split and fingerprint', () => {
  it('puts about evalFraction of ids in eval, deterministically', () => {
    const ids = Array.from({ length: 10_000 }, (_, i) => `id-${i}`);
    const evalShare = ids.filter((id) => splitOf(id, { seed: 3, evalFraction: 0.1 }) === 'eval').length / ids.length;
    expect(evalShare).toBeGreaterThan(0.09); // sd of the share is 0.003 at n = 10,000
    expect(evalShare).toBeLessThan(0.11);
    expect(ids.map((id) => splitOf(id, { seed: 3, evalFraction: 0.1 }))).toEqual(ids.map((id) => splitOf(id, { seed: 3, evalFraction: 0.1 })));
    expect(() => splitOf('x', { seed: 1, evalFraction: 1 })).toThrow('evalFraction must be in [0, 1)');
  });

  it('is independent of order, key order and Unicode composition, and changes with content', async () => {
    const a = base();
    const b = { ...base(), id: 'q2' };
    const reordered: Example = JSON.parse(JSON.stringify({ target: a.target, messages: a.messages, tools: a.tools, id: a.id }));
    const f = await datasetFingerprint([a, b]);
    expect(f).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await datasetFingerprint([b, reordered])).toBe(f);
    const nfd = base();
    nfd.messages[0].content = 'cafe\u0301';
    const nfc = base();
    nfc.messages[0].content = 'caf\u00e9';
    expect(await datasetFingerprint([nfd])).toBe(await datasetFingerprint([nfc]));
    const changed = base();
    changed.target.calls[0].arguments.nights = 3;
    expect(await datasetFingerprint([changed, b])).not.toBe(f);
  });
});
