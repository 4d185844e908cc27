// An Example's conversation as a generation prompt: the model's own chat template with
// `add_generation_prompt: true` and the tools, then token ids. Evaluation runs and HDR sampling
// feed these ids to the generator; the model then writes the assistant turn (reasoning + calls).
// Shares `templateInput` with training rendering, so the prompt is byte for byte the prefix the
// model was trained to continue (tools in the same form, BFCL system prompt for Python-syntax
// targets). Never includes the target turn, never pads, never touches the GPU.
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import { templateInput, templateReadsReasoning } from './chat-render.ts';
import type { Example } from './example.ts';
import { encodePlain } from './token-segments.ts';

export interface RenderedPrompt {
  text: string;
  ids: number[];
}

export function renderPrompt(tokenizer: PreTrainedTokenizer, example: Example): RenderedPrompt {
  const input = templateInput(example, templateReadsReasoning(tokenizer));
  // templateInput appends the target assistant turn last; the prompt is everything before it.
  const messages = input.messages.slice(0, -1);
  if (messages.length === 0) throw new Error(`example "${example.id}": no messages before the target turn, nothing to prompt with`);
  const text = tokenizer.apply_chat_template(messages, {
    tools: input.tools?.length ? input.tools : null,
    tokenize: false,
    add_generation_prompt: true,
  }) as string;
  return { text, ids: encodePlain(tokenizer, text) };
}
