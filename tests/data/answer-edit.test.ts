// An example's expected answer edited by hand (src/data/answer-edit.ts): the editor shows the answer
// as it trains, in the example's own call syntax with its whole floats; what comes back is read as a
// model's answer is read, and a draft that cannot be an answer is refused saying what to change.
import { describe, expect, it } from 'vitest';
import { answerDraft, answerDraftFromOutput, AnswerEditError, editedExample, editedTarget } from '../../src/data/answer-edit.ts';
import type { Target } from '../../src/data/example.ts';
import { renderExample } from '../../src/data/chat-render.ts';
import { qwen3Tokenizer } from './qwen3-tokenizer.ts';

const json: Target = { reasoning: 'Refund A-1.', calls: [{ name: 'refund', arguments: { order: 'A-1', amount: 5 } }, { name: 'notify', arguments: { email: 'ann@example.com' } }], wholeFloats: [[0, 'amount']] };
const python: Target = { reasoning: 'Average them.', calls: [{ name: 'avg', arguments: { xs: [90, 80.5] } }], callSyntax: 'python', wholeFloats: [[0, 'xs', 0]] };

const refusal = (before: Target, draft: Partial<ReturnType<typeof answerDraft>>): string => {
  try {
    editedTarget(before, { ...answerDraft(before), ...draft });
  } catch (err) {
    expect(err).toBeInstanceOf(AnswerEditError);
    return (err as Error).message;
  }
  return 'accepted';
};

describe('an expected answer in the editor', () => {
  it('shows the calls in the example\'s own syntax, whole floats written as the dataset wrote them', () => {
    expect(answerDraft(json)).toEqual({
      reasoning: 'Refund A-1.',
      calls: '[\n  {"name": "refund", "arguments": {"order": "A-1", "amount": 5.0}},\n  {"name": "notify", "arguments": {"email": "ann@example.com"}}\n]',
      content: '',
    });
    expect(answerDraft(python).calls).toBe('[avg(xs=[90.0, 80.5])]');
    expect(answerDraft({ calls: [], content: 'No tool applies.' })).toEqual({ reasoning: '', calls: '', content: 'No tool applies.' });
  });

  it('gives back the stored answer itself when nothing was changed', () => {
    for (const t of [json, python, { calls: [], content: '  No tool applies.\n' }]) expect(editedTarget(t, answerDraft(t))).toEqual(t);
    // Reasoning the dataset did not have stays absent; an empty one it had stays empty.
    expect(editedTarget({ calls: json.calls }, answerDraft({ calls: json.calls }))).toEqual({ calls: json.calls });
    expect(editedTarget({ ...json, reasoning: '' }, answerDraft({ ...json, reasoning: '' })).reasoning).toBe('');
  });

  it('reads the edited calls as a model\'s answer is read, keeping whole floats and the syntax', () => {
    const fixed = editedTarget(json, { ...answerDraft(json), calls: '[{"name": "refund", "arguments": {"order": "A-2", "amount": 7.0}}]' });
    expect(fixed).toEqual({ reasoning: 'Refund A-1.', calls: [{ name: 'refund', arguments: { order: 'A-2', amount: 7 } }], wholeFloats: [[0, 'amount']] });
    // One bare object, or Qwen's <tool_call> blocks, read too.
    expect(editedTarget(json, { ...answerDraft(json), calls: '{"name": "notify", "arguments": {"email": "bo@example.com"}}' }).calls).toEqual([{ name: 'notify', arguments: { email: 'bo@example.com' } }]);
    expect(editedTarget(json, { ...answerDraft(json), calls: '<tool_call>\n{"name": "notify", "arguments": {}}\n</tool_call>' }).calls).toEqual([{ name: 'notify', arguments: {} }]);
    const py = editedTarget(python, { ...answerDraft(python), calls: '[avg(xs=[1.0, 2])]', reasoning: 'New reasoning.' });
    expect(py).toEqual({ reasoning: 'New reasoning.', calls: [{ name: 'avg', arguments: { xs: [1, 2] } }], callSyntax: 'python', wholeFloats: [[0, 'xs', 0]] });
    // Trained as written: [1.0, 2], the call syntax the dataset uses.
    const r = renderExample(qwen3Tokenizer(), { id: 'e', tools: [{ name: 'avg', parameters: { type: 'object', properties: { xs: { type: 'array' } } } }], messages: [{ role: 'user', content: 'Avg.' }], target: py });
    expect(r.text.slice(r.promptEnd)).toContain('[avg(xs=[1.0, 2])]');
  });

  it('takes an answer that calls nothing, with its text', () => {
    expect(editedTarget(json, { reasoning: 'None applies.', calls: '', content: 'I cannot do that.' })).toEqual({ reasoning: 'None applies.', calls: [], content: 'I cannot do that.' });
    // A Python-syntax answer of no call is "[]" (BFCL's irrelevance answer), as it trains.
    expect(answerDraft({ calls: [], callSyntax: 'python' }).calls).toBe('[]');
    expect(editedTarget(python, { reasoning: 'None applies.', calls: '[]', content: '' })).toEqual({ reasoning: 'None applies.', calls: [], callSyntax: 'python' });
  });

  it('refuses a draft that cannot be the answer, saying what to change', () => {
    expect(refusal(json, { calls: '[{"name": "refund", "arguments": {"order": "A-2",}}]' })).toMatch(/^the calls could not be read: /);
    expect(refusal(json, { calls: 'refund order A-2' })).toBe('the calls box holds no call ("refund order A-2"): write them as a JSON list, [{"name": "f", "arguments": {"a": 1}}], or as [f(a=1)]; leave it empty for an answer that calls nothing');
    expect(refusal(json, { calls: '<think>why</think>[{"name": "notify", "arguments": {}}]' })).toBe('the calls box holds reasoning: put it in the reasoning box, without <think>');
    expect(refusal(python, { calls: '[avg([1.0, 2.0])]' })).toBe("in the calls box, avg's positional argument was ignored (only keyword arguments name a parameter): name each argument, f(a=1), not f(1)");
    expect(refusal(json, { reasoning: 'Think </think> again' })).toBe('the reasoning holds </think>: the studio writes those tags itself; leave them out');
    expect(refusal(json, { content: 'Done <tool_call>' })).toBe('the answer text holds <tool_call>: the studio writes those tags itself; leave them out');
    expect(refusal(json, { calls: '', content: ' ' })).toBe('the answer is empty: give its calls, or the text of an answer that calls nothing');
  });

  it('drafts a model\'s answer as the expected one, in the example\'s syntax, with the floats it wrote', () => {
    const out = '<think>Refund A-2.</think>\n<tool_call>\n{"name": "refund", "arguments": {"order": "A-2", "amount": 7.0}}\n</tool_call>';
    const draft = answerDraftFromOutput(out, undefined)!;
    expect(draft).toEqual({ reasoning: 'Refund A-2.', calls: '[\n  {"name": "refund", "arguments": {"order": "A-2", "amount": 7.0}}\n]', content: '' });
    // Saved as it stands, it is the model's answer.
    expect(editedTarget(json, draft)).toEqual({ reasoning: 'Refund A-2.', calls: [{ name: 'refund', arguments: { order: 'A-2', amount: 7 } }], wholeFloats: [[0, 'amount']] });
    expect(answerDraftFromOutput('[avg(xs=[1.0])]', 'python')).toEqual({ reasoning: '', calls: '[avg(xs=[1.0])]', content: '' });
    expect(answerDraftFromOutput('No function fits.', undefined)).toEqual({ reasoning: '', calls: '', content: 'No function fits.' });
    expect(answerDraftFromOutput('<tool_call>{"name": ', undefined)).toBeNull();
  });

  it('judges an example by its edited calls: the alternatives listed for the old ones go, and a category of another kind', () => {
    const tools = [{ name: 'book', parameters: { type: 'object', properties: { seats: { type: 'integer' } } } }];
    const bfcl = { id: 'b', tools, messages: [{ role: 'user' as const, content: 'Book' }], target: { calls: [{ name: 'book', arguments: { seats: 3 } }] }, possibleAnswer: [{ book: { seats: [3, ''] } }], category: 'live_simple' };
    expect(editedExample(bfcl, { calls: [{ name: 'book', arguments: { seats: 2 } }] })).toEqual({ id: 'b', tools, messages: bfcl.messages, target: { calls: [{ name: 'book', arguments: { seats: 2 } }] }, category: 'live_simple' });
    // Two calls where there was one: parallel now.
    expect(editedExample(bfcl, { calls: [{ name: 'book', arguments: { seats: 2 } }, { name: 'book', arguments: { seats: 1 } }] }).category).toBe('parallel');
    expect(editedExample(bfcl, { calls: [], content: 'No.' }).category).toBe('irrelevance');
    // Reasoning or text alone: the alternatives stand.
    expect(editedExample(bfcl, { ...bfcl.target, reasoning: 'why' })).toEqual({ ...bfcl, target: { ...bfcl.target, reasoning: 'why' } });
    expect(editedExample({ ...bfcl, category: undefined } as never, { calls: [] }).category).toBeUndefined();
  });
});
