// Evaluation runs over a scripted generator (the GPU path runs in tests/hdr/hdr-proof.test.ts),
// and generation prompts rendered with the real Qwen3 chat template. Protects: accuracy overall,
// per category and per failure rule; every prediction kept with its output and finish reason;
// prompts batched to the batch size; greedy unless asked; an abort returns what was done; and the
// prompt is exactly the training text's prefix up to the assistant header, tools included.
import { describe, expect, it } from 'vitest';
import type { Example } from '../../src/data/example.ts';
import { renderExample } from '../../src/data/chat-render.ts';
import { renderPrompt } from '../../src/data/render-prompt.ts';
import { tokenizeExample } from '../../src/data/tokenize-example.ts';
import { evaluateExamples, formatEvalSummary, type EvalReport, type GenerateFn, type ModelAccess, type SamplingSettings } from '../../src/eval/index.ts';
import { qwen3Tokenizer } from '../data/qwen3-tokenizer.ts';

const weatherTool = { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } };
const timeTool = { name: 'get_time', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } };
const ex = (id: string, tools = [weatherTool], calls = [{ name: 'get_weather', arguments: { city: id } }]): Example => ({
  id, tools, messages: [{ role: 'user', content: `weather in ${id}?` }], target: { reasoning: `get_weather for ${id}`, calls }, source: 'openai',
});
const call = (name: string, city: string) => `<think>use ${name}</think><tool_call>{"name":"${name}","arguments":{"city":"${city}"}}</tool_call>`;

/** Prompts are example indices; answers come from a table of texts, as char codes. */
function scripted(answers: string[], log: Array<{ size: number; settings: SamplingSettings }> = []): ModelAccess {
  // As the engine does: each answer reported as it ends, and none after an abort.
  const generate: GenerateFn = async (prompts, settings) => {
    log.push({ size: prompts.length, settings });
    return prompts.map(([i], k) => {
      if (settings.signal?.aborted) return { tokens: [], finishReason: 'aborted' };
      const out = { tokens: Array.from(answers[i], (c) => c.charCodeAt(0)), finishReason: answers[i].endsWith('…') ? 'length' as const : 'eos' as const };
      settings.onFinish?.(k, out);
      return out;
    });
  };
  return { generate, encodePrompt: (e) => [Number(e.id.slice(1))], decode: (ids) => String.fromCharCode(...ids), stopTokenIds: [7] };
}

describe('evaluation runs', () => {
  const examples = [
    ex('e0'),
    ex('e1'),
    ex('e2', [weatherTool, timeTool]),
    ex('e3', [weatherTool, timeTool]),
    ex('e4', [weatherTool], [{ name: 'get_weather', arguments: { city: 'e4' } }, { name: 'get_weather', arguments: { city: 'x' } }]),
  ];
  const answers = [call('get_weather', 'e0'), call('get_weather', 'Oslo'), call('get_weather', 'e2'), call('get_time', 'e3'), '<think>use get_weather</think><tool_call>{"name":"get_weat…'];

  it('does not ask what passes the model’s context: named, counted apart, not against the accuracy', async () => {
    // e1 and e3 have 90-token prompts; with 40 new tokens they pass a 100-token context.
    const log: Array<{ size: number; settings: SamplingSettings }> = [];
    const access = { ...scripted(answers, log), encodePrompt: (e: Example) => Array(e.id === 'e1' || e.id === 'e3' ? 90 : 1).fill(Number(e.id.slice(1))), maxPositions: 100 };
    const progress: number[] = [];
    const r = await evaluateExamples(examples, access, { maxNewTokens: 40, batchSize: 2, onProgress: (p) => progress.push(p.done) });
    expect(r.predictions.map((p) => p.exampleId)).toEqual(['e0', 'e2', 'e4']);
    expect(r.tooLongExamples).toEqual([{ exampleId: 'e1', promptTokens: 90 }, { exampleId: 'e3', promptTokens: 90 }]);
    expect([r.total, r.correct, r.tooLong]).toEqual([3, 2, 2]);
    expect(log.map((l) => [l.size, l.settings.batchSize])).toEqual([[3, 2]]);
    expect(progress).toEqual([2, 3, 4, 5]);
    expect(formatEvalSummary(r)).toContain("2 examples were not asked: their prompts and the answer's max new tokens pass the model's context (not counted in the accuracy)");
  });

  it('hands a generator failure the answers checked so far in example order, with the too-long count', async () => {
    // A GPU lost part-way: e2's answer ended before e0's, then the generator threw. The kept run
    // listed answers in the order they ended and lost the examples left out for length.
    const generate: GenerateFn = async (_prompts, settings) => {
      settings.onFinish?.(1, { tokens: Array.from(answers[2], (c) => c.charCodeAt(0)), finishReason: 'eos' });
      settings.onFinish?.(0, { tokens: Array.from(answers[0], (c) => c.charCodeAt(0)), finishReason: 'eos' });
      throw new Error('the GPU device was lost');
    };
    const access = { ...scripted(answers), generate, encodePrompt: (e: Example) => Array(e.id === 'e1' ? 90 : 1).fill(Number(e.id.slice(1))), maxPositions: 100 };
    let partial: EvalReport | undefined;
    await expect(evaluateExamples(examples.slice(0, 4), access, { maxNewTokens: 40, onFailure: (r) => (partial = r) })).rejects.toThrow('the GPU device was lost');
    expect(partial!.predictions.map((p) => p.exampleId)).toEqual(['e0', 'e2']);
    expect(partial).toMatchObject({ total: 2, correct: 2, tooLong: 1, tooLongExamples: [{ exampleId: 'e1', promptTokens: 90 }], aborted: true, failure: 'the GPU device was lost' });
  });

  it('prints no accuracy when nothing was scored (every example too long), as the studio shows none', async () => {
    // The CLI printed "accuracy 0.0% (0/0)" where the studio shows "—".
    const access = { ...scripted(answers), encodePrompt: () => Array(90).fill(0), maxPositions: 100 };
    const r = await evaluateExamples(examples.slice(0, 2), access, { maxNewTokens: 40 });
    expect([r.total, r.tooLong]).toEqual([0, 2]);
    const text = formatEvalSummary(r);
    expect(text.split('\n')[0]).toBe('accuracy n/a (0/0: no example scored)');
    expect(text).not.toContain('0.0%');
  });

  it('reports accuracy overall, per category and per failure rule, keeping every prediction', async () => {
    const log: Array<{ size: number; settings: SamplingSettings }> = [];
    const progress: number[] = [];
    const r = await evaluateExamples(examples, scripted(answers, log), { maxNewTokens: 40, batchSize: 2, onProgress: (p) => progress.push(p.done) });
    expect(r.total).toBe(5);
    expect(r.correct).toBe(2);
    expect(r.accuracy).toBeCloseTo(0.4, 12);
    expect(r.byCategory).toEqual({
      multiple: { total: 2, correct: 1, accuracy: 0.5 },
      parallel: { total: 1, correct: 0, accuracy: 0 },
      simple: { total: 2, correct: 1, accuracy: 0.5 },
    });
    // e4's call was cut mid-name by the limit: counted under the limit, not as bad syntax.
    expect(r.failureRules).toEqual({ 'value_error:string': 1, 'simple_function_checker:wrong_func_name': 1, 'length:cut_off': 1 });
    expect(r.finishReasons).toEqual({ eos: 4, length: 1 });
    expect(r.predictions.map((p) => [p.exampleId, p.valid, p.finishReason])).toEqual([
      ['e0', true, 'eos'], ['e1', false, 'eos'], ['e2', true, 'eos'], ['e3', false, 'eos'], ['e4', false, 'length'],
    ]);
    expect(r.predictions[0]).toMatchObject({ output: answers[0], reasoning: 'use get_weather', calls: [{ name: 'get_weather', arguments: { city: 'e0' } }], generatedTokens: answers[0].length });
    expect(r.predictions[4].calls).toBeUndefined();
    expect(r.aborted).toBe(false);
    // Every prompt in one call, two answers decoded at a time.
    expect(log.map((l) => [l.size, l.settings.batchSize])).toEqual([[5, 2]]);
    // Greedy by default, with the model's stop ids.
    expect(log[0].settings).toMatchObject({ maxNewTokens: 40, temperature: undefined, stopTokenIds: [7] });
    expect(progress).toEqual([1, 2, 3, 4, 5]);
    const text = formatEvalSummary(r);
    expect(text).toContain('accuracy 40.0% (2/5; 95% interval 12–77%)');
    expect(text).toMatch(/multiple\s+50\.0% \(1\/2\)/);
    expect(text).toMatch(/length:cut_off\s+1/);
    expect(text).toContain('1 of 5 answers stopped at the Max new tokens limit; raise it if that answer was cut off mid-answer');
    // studio eval names its own flag: there is no --max-new-tokens to raise.
    expect(formatEvalSummary(r, '--max-tokens 40')).toContain('1 of 5 answers stopped at the --max-tokens 40 limit; raise it if that answer was cut off mid-answer');
  });

  it('fails a no-call answer to an irrelevance question that the token limit cut off (it had not declined yet)', async () => {
    const irrelevant = (id: string): Example => ({ ...ex(id), target: { reasoning: 'no tool fits', calls: [] } });
    const r = await evaluateExamples([irrelevant('e0'), irrelevant('e1')], scripted(['<think>no tool fits</think>Sorry, I cannot.', '<think>the user wants the weather, so I sho…']), { maxNewTokens: 12 });
    expect(r.predictions.map((p) => [p.category, p.valid, p.finishReason])).toEqual([['irrelevance', true, 'eos'], ['irrelevance', false, 'length']]);
    expect(r.predictions[1].errors[0]).toMatchObject({ rule: 'length:cut_off' });
    expect(r.failureRules).toEqual({ 'length:cut_off': 1 });
  });

  it('counts an answer the token limit cut off before its calls could be read under the limit, not as bad syntax, with the verdict unchanged', async () => {
    // studio eval --max-tokens 32 said "3 of 3 answers stopped at the --max-tokens 32 limit" above
    // "ast_decoder:decoder_failed 2, length:cut_off 1": only irrelevance answers were blamed on the limit.
    const relevance: Example = { ...ex('e2'), category: 'live_relevance' };
    const cut = ['<think>use get_weather</think><tool_call>{"name":"get_weather","argu…', '<think>use get_weather</think>The weather in e1 is…', '<think>the user wants the weat…'];
    const r = await evaluateExamples([ex('e0'), ex('e1'), relevance], scripted(cut), { maxNewTokens: 12 });
    expect(r.predictions.map((p) => [p.valid, p.finishReason, p.errors[0]?.rule])).toEqual([[false, 'length', 'length:cut_off'], [false, 'length', 'length:cut_off'], [false, 'length', 'length:cut_off']]);
    expect(r.failureRules).toEqual({ 'length:cut_off': 3 });
    // What the checker found is still said, with why the answer ended there.
    expect(r.predictions[0].errors[0].message).toMatch(/^Invalid syntax\. Failed to decode AST\. .+ \(the answer reached the Max new tokens limit first\)$/);
    const text = formatEvalSummary(r, '--max-tokens 12');
    expect(text).toContain('3 of 3 answers stopped at the --max-tokens 12 limit');
    expect(text).not.toContain('decoder_failed');
    // The same texts ended by the model are its own syntax (or no call): the checker's rules.
    const ended = await evaluateExamples([ex('e0'), ex('e1'), relevance], scripted(cut.map((c) => c.replace('…', '}'))), { maxNewTokens: 12 });
    expect(ended.predictions.map((p) => [p.valid, p.errors[0]?.rule])).toEqual([[false, 'ast_decoder:decoder_failed'], [false, 'ast_decoder:decoder_failed'], [false, 'relevance_error:decoder_failed']]);
  });

  it('stops at an abort and reports the examples done so far', async () => {
    const controller = new AbortController();
    const access = scripted(answers);
    const r = await evaluateExamples(examples, access, { maxNewTokens: 40, batchSize: 2, signal: controller.signal, onProgress: () => controller.abort() });
    expect(r.aborted).toBe(true);
    expect(r.total).toBe(1);
    expect(r.predictions.map((p) => p.exampleId)).toEqual(['e0']);
  });

  it('rejects a generator that drops prompts and a bad batch size', async () => {
    const short: ModelAccess = { ...scripted(answers), generate: async () => [] };
    await expect(evaluateExamples(examples, short, { maxNewTokens: 4 })).rejects.toThrow(/returned 0 sequences for 5 prompts/);
    await expect(evaluateExamples(examples, scripted(answers), { maxNewTokens: 4, batchSize: 0 })).rejects.toThrow(/batch size/);
  });
});

describe('generation prompts', () => {
  const tok = qwen3Tokenizer();
  const weather = { ...ex('Paris'), messages: [{ role: 'system' as const, content: 'Be brief.' }, { role: 'user' as const, content: 'Weather in Paris?' }] };

  it('is the training text up to the assistant header, tools included, as token ids', () => {
    const p = renderPrompt(tok, weather);
    const train = renderExample(tok, weather);
    expect(p.text).toBe(train.text.slice(0, train.promptEnd));
    expect(p.text.endsWith('<|im_start|>assistant\n')).toBe(true);
    expect(p.text).toContain('"name": "get_weather"');
    expect(p.text).toContain('Be brief.');
    expect(p.ids).toEqual(tok.encode(p.text, { add_special_tokens: false }));
    // The training sequence starts with exactly these ids, so the model continues what it learned.
    expect(tokenizeExample(tok, weather).inputIds.slice(0, p.ids.length)).toEqual(p.ids);
  });

  it('lists the functions in the system prompt for Python-syntax targets', () => {
    const py: Example = { ...weather, target: { ...weather.target, callSyntax: 'python' } };
    const p = renderPrompt(tok, py);
    expect(p.text).toBe(renderExample(tok, py).text.slice(0, renderExample(tok, py).promptEnd));
    expect(p.text).not.toContain('<tools>');
    expect(p.text).toContain('get_weather');
  });
});
