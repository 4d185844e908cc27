// Rendering and tokenization against the real Qwen3 tokenizer and chat template. Protects:
// the rendered text is the template's own output for the equivalent OpenAI messages; segment
// borders fall exactly on <think>, </think> and the <tool_call> block; <|im_end|> counts as call and
// the newline after it as prompt; the offset fallback gives a straddling token the later segment;
// over-long examples lose earlier turns, whole, and never the system prompt, tools or final turn.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { renderExample, templateInput } from '../../src/data/chat-render.ts';
import type { Example } from '../../src/data/example.ts';
import { lengthStats, suggestSeqLen, truncationReport } from '../../src/data/length-stats.ts';
import { SEGMENT_CALL, SEGMENT_COT, SEGMENT_PROMPT, segmentTokens } from '../../src/data/token-segments.ts';
import { ExampleTooLongError, exampleFit, tokenizeDataset, tokenizeExample } from '../../src/data/tokenize-example.ts';
import { loadTokenizer } from '../../src/data/tokenizer-load.ts';
import { conversationExamples } from '../../src/data/call-turns.ts';
import { defaultSeqLen } from '../../src/jobs/data.ts';
import { QWEN3_TOKENIZER_DIR, qwen25Tokenizer, qwen3Tokenizer } from './qwen3-tokenizer.ts';

const tok = qwen3Tokenizer();
const THINK = 151667; // <think>
const THINK_END = 151668; // </think>
const IM_END = 151645; // <|im_end|>
const NEWLINE = 198;

const weatherTool = {
  name: 'get_weather',
  description: 'Get the weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['c', 'f'] } }, required: ['city'] },
};

const weather: Example = {
  id: 'w1',
  tools: [weatherTool],
  messages: [{ role: 'user', content: 'Weather in Paris and Oslo, in celsius?' }],
  target: {
    reasoning: 'Two cities, so two calls to get_weather with unit c.',
    calls: [
      { name: 'get_weather', arguments: { city: 'Paris', unit: 'c' } },
      { name: 'get_weather', arguments: { city: 'Oslo', unit: 'c' } },
    ],
  },
};

const decode = (ids: number[]) => tok.decode(ids, { skip_special_tokens: false, clean_up_tokenization_spaces: false });
const segmentText = (ids: number[], segs: number[], s: number) => decode(ids.filter((_, i) => segs[i] === s));

describe('rendering with the Qwen3 chat template', () => {
  it('equals the template output for the same conversation written as OpenAI messages, with reasoning_content or inline <think>', () => {
    const rendered = renderExample(tok, weather).text;
    const tools = [{ type: 'function', function: weatherTool }];
    const tool_calls = weather.target.calls.map((c) => ({ type: 'function', function: { name: c.name, arguments: c.arguments } }));
    // transformers.js types messages as {role, content}; templates read any extra field.
    type ChatMessages = Parameters<typeof tok.apply_chat_template>[0];
    const viaReasoningField = tok.apply_chat_template(
      [{ role: 'user', content: 'Weather in Paris and Oslo, in celsius?' }, { role: 'assistant', content: '', reasoning_content: weather.target.reasoning, tool_calls }] as ChatMessages,
      { tools, tokenize: false },
    );
    const viaInlineThink = tok.apply_chat_template(
      [{ role: 'user', content: 'Weather in Paris and Oslo, in celsius?' }, { role: 'assistant', content: `<think>\n${weather.target.reasoning}\n</think>\n\n`, tool_calls }] as ChatMessages,
      { tools, tokenize: false },
    );
    expect(rendered).toBe(viaReasoningField);
    expect(rendered).toBe(viaInlineThink);
    expect(rendered.endsWith(
      '<|im_start|>assistant\n<think>\nTwo cities, so two calls to get_weather with unit c.\n</think>\n\n' +
        '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris", "unit": "c"}}\n</tool_call>\n' +
        '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Oslo", "unit": "c"}}\n</tool_call><|im_end|>\n',
    )).toBe(true);
  });

  it('keeps Python-call syntax for FunReason-style targets and lists the functions in a BFCL system prompt', () => {
    const py: Example = { ...weather, id: 'py', target: { ...weather.target, callSyntax: 'python' } };
    const input = templateInput(py, true);
    expect(input.tools).toBeNull();
    expect(input.messages[0].role).toBe('system');
    expect(input.messages[0].content).toContain('"name": "get_weather"');
    const r = renderExample(tok, py);
    expect(r.text.slice(r.cotEnd, r.callEnd)).toBe("\n\n[get_weather(city='Paris', unit='c'), get_weather(city='Oslo', unit='c')]<|im_end|>");
  });

  it('writes earlier assistant turns\' calls in Python syntax too when the target is Python (one call syntax per conversation)', () => {
    const py: Example = {
      id: 'py-multi',
      tools: [weatherTool],
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: '', calls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] },
        { role: 'tool', content: '{"temp": 20}', name: 'get_weather' },
        { role: 'assistant', content: 'It is 20 degrees in Paris.' },
        { role: 'user', content: 'Oslo too, and say which first.' },
        { role: 'assistant', content: 'Checking Oslo.', calls: [{ name: 'get_weather', arguments: { city: 'Oslo', unit: 'c' } }] },
        { role: 'tool', content: '{"temp": 5}', name: 'get_weather' },
      ],
      target: { reasoning: 'Rome next.', calls: [{ name: 'get_weather', arguments: { city: 'Rome' } }], callSyntax: 'python' },
    };
    const r = renderExample(tok, py);
    const prompt = r.text.slice(0, r.promptEnd);
    expect(prompt).not.toContain('<tool_call>');
    expect(prompt).toContain("<|im_start|>assistant\n[get_weather(city='Paris')]<|im_end|>");
    expect(prompt).toContain("<|im_start|>assistant\nChecking Oslo.\n[get_weather(city='Oslo', unit='c')]<|im_end|>");
    expect(r.text.slice(r.cotEnd, r.callEnd)).toBe("\n\n[get_weather(city='Rome')]<|im_end|>");
  });
});

describe('segments per token (Qwen3 tokenizer)', () => {
  it('puts the header in prompt, <think>…</think> in cot, the tool calls and <|im_end|> in call, the final newline in prompt', () => {
    const t = tokenizeExample(tok, weather);
    const { inputIds: ids, segments: segs } = t;
    const r = renderExample(tok, weather);
    expect(ids).toEqual(tok.encode(r.text, { add_special_tokens: false }));
    const firstCot = segs.indexOf(SEGMENT_COT);
    const firstCall = segs.indexOf(SEGMENT_CALL);
    const lastCall = segs.lastIndexOf(SEGMENT_CALL);
    expect(ids[firstCot]).toBe(THINK);
    expect(ids[firstCall - 1]).toBe(THINK_END);
    expect(ids[lastCall]).toBe(IM_END);
    expect(ids[lastCall + 1]).toBe(NEWLINE);
    expect(segs.slice(lastCall + 1)).toEqual([SEGMENT_PROMPT]);
    expect(decode(ids.slice(0, firstCot)).endsWith('<|im_start|>assistant\n')).toBe(true);
    expect(segmentText(ids, segs, SEGMENT_COT)).toBe('<think>\nTwo cities, so two calls to get_weather with unit c.\n</think>');
    const call = segmentText(ids, segs, SEGMENT_CALL);
    expect(call.startsWith('\n\n<tool_call>\n{"name": "get_weather"')).toBe(true);
    expect(call.endsWith('</tool_call><|im_end|>')).toBe(true);
    // Segments are contiguous: prompt, cot, call, prompt.
    const runs = segs.filter((s, i) => i === 0 || s !== segs[i - 1]);
    expect(runs).toEqual([SEGMENT_PROMPT, SEGMENT_COT, SEGMENT_CALL, SEGMENT_PROMPT]);
    expect(t.counts).toEqual({ prompt: segs.filter((s) => s === 0).length, cot: segs.filter((s) => s === 1).length, call: segs.filter((s) => s === 2).length });
  });

  it('keeps earlier assistant turns (and their calls) in prompt in a multi-turn example; learned, an earlier calling turn is its own example', () => {
    const multi: Example = {
      id: 'm',
      tools: [weatherTool],
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: '', calls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] },
        { role: 'tool', content: '{"temp": 21}', name: 'get_weather' },
      ],
      target: { reasoning: 'Paris is 21; the user asked only Paris, but check Oslo too.', calls: [{ name: 'get_weather', arguments: { city: 'Oslo' } }] },
    };
    const { inputIds: ids, segments: segs } = tokenizeExample(tok, multi);
    const prompt = segmentText(ids, segs, SEGMENT_PROMPT);
    expect(prompt).toContain('{"name": "get_weather", "arguments": {"city": "Paris"}}');
    expect(prompt).toContain('<tool_response>\n{"temp": 21}\n</tool_response>');
    expect(ids.filter((id, i) => id === THINK && segs[i] === SEGMENT_COT)).toHaveLength(1);
    expect(segmentText(ids, segs, SEGMENT_CALL)).toBe('\n\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Oslo"}}\n</tool_call><|im_end|>');

    // Asked to learn every calling turn, the earlier one is an example of its own (call-turns.ts):
    // its call is trained, on the conversation before it; the later turn's tokens are not there.
    const [earlier] = conversationExamples(multi, true);
    const first = tokenizeExample(tok, earlier);
    // It has no reasoning: the template's empty <think></think> is the answer's format, trained with the call.
    expect(segmentText(first.inputIds, first.segments, SEGMENT_CALL)).toBe('<think>\n\n</think>\n\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call><|im_end|>');
    expect(decode(first.inputIds)).not.toContain('Oslo');
  });

  it('counts the empty <think></think> the template writes for a target without reasoning as the answer (call), not as reasoning', () => {
    // As cot, these template tokens would be SSB's whole reasoning loss on data without reasoning,
    // and α (0.7 at the start) would weigh them against the call.
    const plain: Example = { id: 'p', tools: [weatherTool], messages: [{ role: 'user', content: 'Tell me a joke.' }], target: { calls: [], content: 'No tool needed: why did the cloud stay home? It was feeling under the weather.' } };
    const { inputIds: ids, segments: segs } = tokenizeExample(tok, plain);
    expect(segs).not.toContain(SEGMENT_COT);
    expect(segmentText(ids, segs, SEGMENT_CALL)).toBe('<think>\n\n</think>\n\nNo tool needed: why did the cloud stay home? It was feeling under the weather.<|im_end|>');
    const blank: Example = { ...plain, id: 'b', target: { ...plain.target, reasoning: ' \n ' } };
    expect(tokenizeExample(tok, blank).segments).not.toContain(SEGMENT_COT);
    const reasoned: Example = { ...plain, id: 'r', target: { ...plain.target, reasoning: 'No tool fits.' } };
    const r = tokenizeExample(tok, reasoned);
    expect(segmentText(r.inputIds, r.segments, SEGMENT_COT)).toBe('<think>\nNo tool fits.\n</think>');
  });

  it('gives a token that straddles a border the later segment (offset fallback)', () => {
    const text = 'hello world';
    const ids = tok.encode(text, { add_special_tokens: false });
    expect(ids.map((id) => decode([id]))).toEqual(['hello', ' world']);
    // Border inside "hello": that token crosses it, so it takes the later (call) segment.
    const straddle = segmentTokens(tok, text, [{ start: 0, end: 2, segment: SEGMENT_PROMPT }, { start: 2, end: 11, segment: SEGMENT_CALL }]);
    expect(straddle.method).toBe('offsets');
    expect(straddle.segments).toEqual([SEGMENT_CALL, SEGMENT_CALL]);
    // Border inside " world": "hello" stays prompt.
    const second = segmentTokens(tok, text, [{ start: 0, end: 7, segment: SEGMENT_PROMPT }, { start: 7, end: 11, segment: SEGMENT_COT }]);
    expect(second.segments).toEqual([SEGMENT_PROMPT, SEGMENT_COT]);
    // One border exactly at a token end, another inside the next token: the first token keeps
    // its own segment, the straddling one takes the later segment (cot is skipped entirely).
    const mixed = segmentTokens(tok, text, [
      { start: 0, end: 5, segment: SEGMENT_PROMPT },
      { start: 5, end: 8, segment: SEGMENT_COT },
      { start: 8, end: 11, segment: SEGMENT_CALL },
    ]);
    expect(mixed.method).toBe('offsets');
    expect(mixed.segments).toEqual([SEGMENT_PROMPT, SEGMENT_CALL]);
    // Border on a token boundary: the exact piecewise method applies.
    const exact = segmentTokens(tok, text, [{ start: 0, end: 5, segment: SEGMENT_PROMPT }, { start: 5, end: 11, segment: SEGMENT_CALL }]);
    expect(exact).toEqual({ ids, segments: [SEGMENT_PROMPT, SEGMENT_CALL], method: 'pieces' });
  });

  it('tokenizes the text once when every border falls between tokens, next to a character split over byte tokens too', () => {
    const encode = vi.spyOn(tok, 'encode');
    try {
      // 🦜 is two byte tokens, each decoding alone to U+FFFD: the border before it ends where the
      // token before the first of them ends, the border after it where the second one ends.
      const text = 'x<think>🦜</think>y';
      const ids = tok.encode(text, { add_special_tokens: false });
      expect(ids.map((id) => decode([id]))).toEqual(['x', '<think>', '\uFFFD', '\uFFFD', '</think>', 'y']);
      encode.mockClear();
      const r = segmentTokens(tok, text, [
        { start: 0, end: 8, segment: SEGMENT_PROMPT },
        { start: 8, end: 10, segment: SEGMENT_COT },
        { start: 10, end: text.length, segment: SEGMENT_CALL },
      ]);
      expect(r).toEqual({ ids, segments: [SEGMENT_PROMPT, SEGMENT_PROMPT, SEGMENT_COT, SEGMENT_COT, SEGMENT_CALL, SEGMENT_CALL], method: 'pieces' });
      expect(encode).toHaveBeenCalledTimes(1);
      // A border at the end of a split character, right before an added token.
      const after = segmentTokens(tok, 'say 🦜<think>', [{ start: 0, end: 6, segment: SEGMENT_PROMPT }, { start: 6, end: 13, segment: SEGMENT_COT }]);
      expect(after.segments).toEqual([SEGMENT_PROMPT, SEGMENT_PROMPT, SEGMENT_PROMPT, SEGMENT_PROMPT, SEGMENT_COT]);
      expect(encode).toHaveBeenCalledTimes(2);
      // Text the tokenizer writes otherwise (NFC) cannot be proven from the whole text's tokens: it is
      // tokenized piece by piece as well, and the pieces still agree with the whole.
      encode.mockClear();
      const decomposed = segmentTokens(tok, 'cafe\u0301<think>', [{ start: 0, end: 5, segment: SEGMENT_PROMPT }, { start: 5, end: 12, segment: SEGMENT_COT }]);
      expect(decomposed.method).toBe('pieces');
      expect(decode(decomposed.ids.filter((_, i) => decomposed.segments[i] === SEGMENT_PROMPT))).toBe('café');
      expect(encode).toHaveBeenCalledTimes(3);
      // Written composed, "é<think>" ends at character 8, where the text's "<think" ends, and the
      // whole is as long as the text (U+0344 composes to two characters): a token end at the
      // border's offset that is not the border. Decoding the piece's tokens catches it, and
      // "<think>", across the border, takes the later segment.
      const sameLength = 'e\u0301<think>\u0344';
      const shifted = segmentTokens(tok, sameLength, [{ start: 0, end: 8, segment: SEGMENT_PROMPT }, { start: 8, end: 10, segment: SEGMENT_CALL }]);
      expect(decode(shifted.ids)).toHaveLength(sameLength.length);
      expect(shifted.ids.map((id) => decode([id]))).toEqual(['é', '<think>', '\uFFFD', '\uFFFD', '\u0301']);
      expect(shifted).toMatchObject({ segments: [SEGMENT_PROMPT, SEGMENT_CALL, SEGMENT_CALL, SEGMENT_CALL, SEGMENT_CALL], method: 'offsets' });
    } finally {
      encode.mockRestore();
    }
  });
});

describe('length limit', () => {
  // Two earlier exchanges before the final question, with a system prompt and the tool list.
  const chat: Example = {
    ...weather,
    id: 'chat',
    messages: [
      { role: 'system', content: 'You answer weather questions with the tools you have.' },
      { role: 'user', content: 'Is it cold in Tromsø right now? I am packing for a trip next week.' },
      { role: 'assistant', content: '', calls: [{ name: 'get_weather', arguments: { city: 'Tromsø', unit: 'c' } }] },
      { role: 'tool', content: '{"temperature": -7, "sky": "clear"}', name: 'get_weather' },
      { role: 'assistant', content: 'It is −7 °C and clear in Tromsø.' },
      { role: 'user', content: 'And in Bergen, where I land first?' },
      { role: 'assistant', content: 'Bergen is 4 °C with rain.' },
      { role: 'user', content: 'Weather in Paris and Oslo, in celsius?' },
    ],
  };

  it('leaves out earlier turns, whole and oldest first, keeping the system prompt, the tools and the final turn', () => {
    const full = tokenizeExample(tok, chat);
    const lastTurnOnly = tokenizeExample(tok, { ...chat, messages: [chat.messages[0], chat.messages[7]] });
    const oneEarlier = tokenizeExample(tok, { ...chat, messages: [chat.messages[0], ...chat.messages.slice(5)] });
    // A limit between the two: the first exchange goes, the second stays.
    const t = tokenizeExample(tok, chat, { maxLen: oneEarlier.inputIds.length });
    expect(t.inputIds).toEqual(oneEarlier.inputIds);
    expect(t.droppedTurns).toBe(1);
    expect(t.truncatedTokens).toBe(full.inputIds.length - oneEarlier.inputIds.length);
    expect(decode(t.inputIds)).toContain('You answer weather questions');
    expect(decode(t.inputIds)).toContain('"name": "get_weather"');
    expect(decode(t.inputIds)).not.toContain('Tromsø');
    // Tighter: only the final turn is left after the system prompt.
    const u = tokenizeExample(tok, chat, { maxLen: lastTurnOnly.inputIds.length });
    expect(u.inputIds).toEqual(lastTurnOnly.inputIds);
    expect(u.droppedTurns).toBe(2);
    expect(u.counts.cot).toBe(full.counts.cot);
    expect(u.counts.call).toBe(full.counts.call);
    expect(tokenizeExample(tok, chat, { maxLen: full.inputIds.length })).toMatchObject({ truncatedTokens: 0, droppedTurns: 0 });
  });

  it('never cuts inside the system prompt or tool list: what does not fit then is reported and skipped', () => {
    const full = tokenizeExample(tok, weather);
    const tail = 1; // the newline after <|im_end|>
    expect(() => tokenizeExample(tok, weather, { maxLen: full.inputIds.length - tail - 1 })).toThrow(ExampleTooLongError);
    expect(() => tokenizeExample(tok, weather, { maxLen: 50 })).toThrow(
      `example "w1": ${full.inputIds.length - tail} tokens even with earlier turns left out (system prompt, tools and the final turn are never cut), over the 50-token limit; skipped`,
    );
    // Only the prompt tail after the final end-of-turn token may go: never a target token.
    const t = tokenizeExample(tok, weather, { maxLen: full.inputIds.length - tail });
    expect(t.inputIds).toEqual(full.inputIds.slice(0, -tail));
    expect(t.inputIds.at(-1)).toBe(IM_END);
  });
});

describe('tokenizing a dataset', () => {
  it('works in slices with progress and collects too-long examples instead of throwing', async () => {
    const short: Example = { ...weather, id: 'short', target: { calls: [], content: 'ok' } };
    const examples = [weather, short, { ...weather, id: 'w3' }];
    const progress: number[] = [];
    const limit = tokenizeExample(tok, short).inputIds.length;
    const r = await tokenizeDataset(tok, examples, { maxLen: limit, sliceSize: 2, onProgress: (p) => progress.push(p.examplesDone) });
    expect(progress).toEqual([2, 3]);
    expect(r.tokenized.map((t) => t.id)).toEqual(['short']);
    expect(r.tooLong.map((e) => e.exampleId)).toEqual(['w1', 'w3']);
    expect(r.failed).toEqual([]);
  });

  it('tokenizes text that is not NFC-normalised exactly (the Qwen tokenizer normalises to NFC)', () => {
    const decomposed: Example = { ...weather, id: 'nfd', messages: [{ role: 'user', content: 'Weather at the cafe\u0301 in Malmo\u0308?' }] };
    const t = tokenizeExample(tok, decomposed);
    expect(t.inputIds).toEqual(tok.encode(renderExample(tok, decomposed).text, { add_special_tokens: false }));
    expect(t.counts.cot).toBe(tokenizeExample(tok, weather).counts.cot);
  });
});

describe('templates without reasoning_content', () => {
  const CHATML_TOOLS =
    "{%- if tools %}{{- '<|im_start|>system\\n' + (tools | tojson) + '<|im_end|>\\n' }}{%- endif %}" +
    "{%- for message in messages %}{{- '<|im_start|>' + message.role + '\\n' + message.content }}" +
    "{%- if message.tool_calls %}{%- for tc in message.tool_calls %}{{- '<tool_call>\\n' + (tc.function | tojson) + '\\n</tool_call>' }}{%- endfor %}{%- endif %}" +
    "{{- '<|im_end|>\\n' }}{%- endfor %}{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";

  it('puts the reasoning inline as <think>…</think> so segments still find it (ChatML template without reasoning support)', () => {
    const config = JSON.parse(readFileSync(join(QWEN3_TOKENIZER_DIR, 'tokenizer_config.json'), 'utf8'));
    config.chat_template = CHATML_TOOLS;
    const plainTok = loadTokenizer(readFileSync(join(QWEN3_TOKENIZER_DIR, 'tokenizer.json'), 'utf8'), config);
    const t = tokenizeExample(plainTok, weather);
    const d = (ids: number[]) => plainTok.decode(ids, { skip_special_tokens: false });
    expect(d(t.inputIds.filter((_, i) => t.segments[i] === SEGMENT_COT))).toBe('<think>\nTwo cities, so two calls to get_weather with unit c.\n</think>');
    expect(d(t.inputIds.filter((_, i) => t.segments[i] === SEGMENT_CALL))).toMatch(/^\n\n<tool_call>\n\{"name":\s*"get_weather".*<\|im_end\|>$/s);
  });

  it('segments text that is not NFC-normalised where <think> is plain text and its tokens cross the borders (Qwen2.5)', () => {
    // "</think>\n\n" is "</", "think", ">\n\n": a token across the end of the reasoning sends
    // segmentTokens to its offset fallback, which refused every such example with a decomposed
    // accent anywhere in it (the tokenizer writes it composed, NFC).
    const qwen25 = qwen25Tokenizer(CHATML_TOOLS);
    const d = (ids: number[]) => qwen25.decode(ids, { skip_special_tokens: false });
    const decomposed: Example = { ...weather, id: 'nfd', messages: [{ role: 'user', content: 'Weather at the cafe\u0301 in Malmo\u0308 and Paris?' }], target: { ...weather.target, reasoning: 'Cafe\u0301 and Malmo\u0308: two calls.' } };
    const t = tokenizeExample(qwen25, decomposed);
    expect(t.inputIds).toEqual(qwen25.encode(renderExample(qwen25, decomposed).text, { add_special_tokens: false }));
    // The straddling ">\n\n" takes the later segment (call); everything before it is reasoning.
    expect(d(t.inputIds.filter((_, i) => t.segments[i] === SEGMENT_COT))).toBe('<think>\nCafé and Malmö: two calls.\n</think'.normalize('NFC'));
    expect(d(t.inputIds.filter((_, i) => t.segments[i] === SEGMENT_CALL))).toMatch(/^>\n\n<tool_call>\n\{"name":\s*"get_weather".*<\|im_end\|>$/s);
    expect(t.counts).toEqual(tokenizeExample(qwen25, { ...decomposed, messages: [{ role: 'user', content: decomposed.messages[0].content.normalize('NFC') }], target: { ...decomposed.target, reasoning: decomposed.target.reasoning!.normalize('NFC') } }).counts);
  });
});

describe('length statistics', () => {
  it('sums cot and call tokens, computes the call share and a histogram covering every example', () => {
    const examples = [weather, { ...weather, id: 'w2', target: { ...weather.target, reasoning: 'Short.' } }];
    const lengths = examples.map((e) => {
      const t = tokenizeExample(tok, e);
      return { total: t.inputIds.length, ...t.counts };
    });
    const s = lengthStats(lengths, 4);
    expect(s.cotTokens).toBe(lengths[0].cot + lengths[1].cot);
    expect(s.callTokens).toBe(lengths[0].call + lengths[1].call);
    expect(s.callShare).toBeCloseTo(s.callTokens / (s.callTokens + s.cotTokens), 12);
    expect(s.histogram.counts.reduce((a, b) => a + b, 0)).toBe(2);
    expect(s.totalTokens.max).toBe(Math.max(...lengths.map((l) => l.total)));
    expect(s.histogram.edges.at(-1)!).toBeGreaterThan(s.totalTokens.max);
  });

  it('suggests the 95th percentile of the lengths rounded up to 64, and reports what a length fits', () => {
    const totals = Array.from({ length: 100 }, (_, i) => 100 + 3 * i); // 100 … 397; p95 = 382
    expect(suggestSeqLen(totals)).toBe(384);
    expect(suggestSeqLen([10])).toBe(64);
    expect(suggestSeqLen([])).toBe(64);
    const fits = [{ total: 90, full: 89, minimum: 80 }, { total: 300, full: 299, minimum: 120 }, { total: 400, full: 399, minimum: 390 }];
    expect(truncationReport(fits, 256)).toEqual({ examples: 3, whole: 1, shortened: 1, skipped: 1 });
  });

  it('exampleFit gives what tokenizeExample needs whole and at the least', () => {
    const chatFit = exampleFit(tok, { ...weather, messages: [{ role: 'user', content: 'Hi there, a question first.' }, { role: 'assistant', content: 'Ask away.' }, ...weather.messages] });
    const single = exampleFit(tok, weather);
    expect(single.total).toBe(tokenizeExample(tok, weather).inputIds.length);
    expect(single.minimum).toBe(single.total - 1); // only the newline after <|im_end|> can go
    expect(chatFit.minimum).toBe(single.minimum);
    expect(chatFit.total).toBeGreaterThan(single.total);
  });

  it('reports an example whose only excess is the newline after its end-of-turn token as fitting whole, as training keeps it', () => {
    // Training cuts that newline (prompt, no loss) and keeps every turn; the note said such an
    // example "loses its earlier turns to fit", one that had none among them.
    const chat: Example = { ...weather, messages: [{ role: 'user', content: 'Hi there, a question first.' }, { role: 'assistant', content: 'Ask away.' }, ...weather.messages] };
    for (const e of [weather, chat]) {
      const fit = exampleFit(tok, e);
      const seqLen = fit.total - 1;
      expect(tokenizeExample(tok, e, { maxLen: seqLen }).droppedTurns).toBe(0);
      expect(truncationReport([fit], seqLen)).toEqual({ examples: 1, whole: 1, shortened: 0, skipped: 0 });
      expect(truncationReport([fit], seqLen - 1).whole).toBe(0);
    }
  });

  it('suggests the length that fits an example whole, not one more multiple of 64 for its trailing newline', async () => {
    // An example of 64k + 1 tokens fits 64k whole (the newline after <|im_end|> goes); the
    // suggestion was 64 tokens more, for nothing but memory and time on every step.
    const padded = Array.from({ length: 80 }, (_, k): Example => ({ ...weather, messages: [{ role: 'user', content: `Weather in Paris and Oslo, in celsius?${' x'.repeat(k)}` }] }));
    const e = padded.find((x) => exampleFit(tok, x).total % 64 === 1)!;
    const fit = exampleFit(tok, e);
    const { seqLen, report } = await defaultSeqLen(tok, [e]);
    expect(seqLen).toBe(fit.total - 1);
    expect(report).toEqual({ examples: 1, whole: 1, shortened: 0, skipped: 0 });
  });
});

describe('every fixture format through the real template', () => {
  it('renders and segments each imported example with the border invariants', async () => {
    const { openAsBlob } = await import('node:fs');
    const { fileURLToPath } = await import('node:url');
    const { importDatasetFiles } = await import('../../src/data/import-dataset.ts');
    const names = ['openai-tools.jsonl', 'hermes-text.jsonl', 'sharegpt.json', 'xlam.json', 'funreason.jsonl', 'bfcl/BFCL_v3_simple.json', 'bfcl/possible_answer/BFCL_v3_simple.json'];
    const files = await Promise.all(names.map(async (name) => ({ name, blob: await openAsBlob(fileURLToPath(new URL(`../fixtures/data/${name}`, import.meta.url))) })));
    const { examples } = await importDatasetFiles(files);
    expect(examples.length).toBe(17);
    for (const e of examples) {
      const { inputIds: ids, segments: segs } = tokenizeExample(tok, e);
      const lastCall = segs.lastIndexOf(SEGMENT_CALL);
      expect(ids[lastCall], e.id).toBe(IM_END);
      const runs = segs.filter((s, i) => i === 0 || s !== segs[i - 1]);
      if (e.target.reasoning?.trim()) {
        expect(ids[segs.indexOf(SEGMENT_COT)], e.id).toBe(THINK);
        expect(ids[segs.lastIndexOf(SEGMENT_COT)], e.id).toBe(THINK_END);
        expect(runs, e.id).toEqual([SEGMENT_PROMPT, SEGMENT_COT, SEGMENT_CALL, SEGMENT_PROMPT]);
        expect(segmentText(ids, segs, SEGMENT_COT), e.id).toBe(`<think>\n${e.target.reasoning}\n</think>`);
      } else {
        expect(ids[segs.indexOf(SEGMENT_CALL)], e.id).toBe(THINK);
        expect(runs, e.id).toEqual([SEGMENT_PROMPT, SEGMENT_CALL, SEGMENT_PROMPT]);
      }
    }
  });
});

describe('BFCL prompt mode', () => {
  it('renders BFCL questions with BFCL’s system prompt and a Python-call answer when asked, native tools otherwise', async () => {
    const { openAsBlob } = await import('node:fs');
    const { fileURLToPath } = await import('node:url');
    const { importDatasetFiles } = await import('../../src/data/import-dataset.ts');
    const { BFCL_PROMPT_PREAMBLE } = await import('../../src/data/bfcl-prompt.ts');
    const names = ['bfcl/BFCL_v3_simple.json', 'bfcl/possible_answer/BFCL_v3_simple.json'];
    const files = await Promise.all(names.map(async (name) => ({ name, blob: await openAsBlob(fileURLToPath(new URL(`../fixtures/data/${name}`, import.meta.url))) })));
    const native = (await importDatasetFiles(files)).examples[0];
    const prompt = (await importDatasetFiles(files, { bfclPromptMode: true })).examples[0];
    const text = (e: Example) => renderExample(tok, e).text;
    expect(text(native)).toContain('<tools>');
    expect(text(native)).toContain('<tool_call>');
    expect(text(prompt)).not.toContain('<tools>');
    expect(text(prompt)).toContain(BFCL_PROMPT_PREAMBLE);
    expect(text(prompt)).toMatch(/<\/think>\n\n\[calculate_triangle_area\(base=10, height=5, unit='units'\)\]<\|im_end\|>/);
    expect(prompt.category).toBe('simple');
  });

  it('keeps live categories apart from non-live ones', async () => {
    const { bfclCategory } = await import('../../src/data/formats/bfcl.ts');
    expect(['simple_3', 'live_simple_3-2-0', 'live_parallel_multiple_1-1-0', 'parallel_multiple_9', 'live_irrelevance_4-0-4', 'live_relevance_1'].map(bfclCategory)).toEqual([
      'simple', 'live_simple', 'live_parallel_multiple', 'parallel_multiple', 'live_irrelevance', 'live_relevance',
    ]);
  });
});
