// Test helper: a tiny function-calling task on a vocab-97 model, small enough for SwiftShader, with
// a real (if tiny) tokenizer so the real generator, trainer, checker and gate all run on it.
// The tokenizer is a fixed table of strings; text is encoded by greedy longest match (an unknown
// character is an error, like a real tokenizer's missing byte) and decoded by concatenation, so
// generated ids become text like
//   <think>use f2</think><tool_call>{"name":"f2","arguments":{"x":1}}</tool_call>
// which the real parser and AST checker read. A task "call f_j with x = v" is prompted as
// "Q:<fj><xv>A:"; the model must copy j into the reasoning and the call and v into the argument.
import type { Example, FunctionSchema } from '../../src/data/example.ts';
import type { TokenizedExample } from '../../src/train/batching.ts';

export const FUNCTIONS = 4;
export const VALUES = 6;
export const EOS = 2;

/** id → text. Ids not in the table decode to a visible junk piece (so junk output fails to parse). */
const TABLE = new Map<number, string>([
  [3, 'Q:'],
  [9, 'A:'],
  [30, '<think>'],
  [31, '</think>'],
  [32, 'use '],
  [50, '<tool_call>{"name":"'],
  [51, '","arguments":{"x":'],
  [52, '}}</tool_call>'],
]);
for (let j = 0; j < FUNCTIONS; j++) {
  TABLE.set(10 + j, `<f${j}>`);
  TABLE.set(40 + j, `f${j}`);
}
for (let v = 0; v < VALUES; v++) {
  TABLE.set(20 + v, `<x${v}>`);
  TABLE.set(60 + v, `${v}`);
}
const BY_TEXT = [...TABLE].map(([id, text]) => ({ id, text })).sort((a, b) => b.text.length - a.text.length);

export function decode(ids: number[]): string {
  return ids.map((id) => TABLE.get(id) ?? `~${id}~`).join('');
}

export function encode(text: string): number[] {
  const ids: number[] = [];
  for (let i = 0; i < text.length; ) {
    const hit = BY_TEXT.find((t) => text.startsWith(t.text, i));
    if (!hit) throw new Error(`synthetic tokenizer: no token for ${JSON.stringify(text.slice(i, i + 12))} at ${i}`);
    ids.push(hit.id);
    i += hit.text.length;
  }
  return ids;
}

export const TOOLS: FunctionSchema[] = Array.from({ length: FUNCTIONS }, (_, j) => ({
  name: `f${j}`,
  description: `function number ${j}`,
  parameters: { type: 'object', properties: { x: { type: 'integer' } }, required: ['x'] },
}));

export function taskExample(j: number, v: number): Example {
  return {
    id: `t${j}${v}`,
    tools: TOOLS,
    messages: [{ role: 'user', content: `<f${j}><x${v}>` }],
    target: { reasoning: `use f${j}`, calls: [{ name: `f${j}`, arguments: { x: v } }] },
    source: 'openai',
  };
}

/** The "chat template" of this task: Q:<user text>A: */
export function encodePrompt(example: Example): number[] {
  const user = example.messages.find((m) => m.role === 'user');
  if (!user) throw new Error(`example ${example.id} has no user message`);
  return encode(`Q:${user.content}A:`);
}

/** Prompt (segment 0), <think>reasoning</think> (cot), the tool-call blocks and EOS (call). */
export function tokenize(example: Example): TokenizedExample {
  const prompt = encodePrompt(example);
  const cot = encode(`<think>${example.target.reasoning ?? ''}</think>`);
  const call = [...encode(example.target.calls.map((c) => `<tool_call>${JSON.stringify({ name: c.name, arguments: c.arguments })}</tool_call>`).join('')), EOS];
  return { id: example.id, inputIds: [...prompt, ...cot, ...call], segments: [...prompt.map(() => 0), ...cot.map(() => 1), ...call.map(() => 2)] };
}
