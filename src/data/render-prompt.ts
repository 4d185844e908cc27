// An Example's conversation as a generation prompt: the model's own chat template with
// `add_generation_prompt: true` and the tools, then token ids. Evaluation runs and HDR sampling
// feed these ids to the generator; the model then writes the assistant turn (reasoning + calls).
// The text comes from chat-render.ts, which renders training's examples, so the prompt is byte for
// byte the prefix the model was trained to continue (tools in the same form, BFCL system prompt for
// Python-syntax targets). Never includes the target turn, never pads, never touches the GPU.
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import { renderGenerationPrompt } from './chat-render.ts';
import type { Example } from './example.ts';
import { encodePlain } from './token-segments.ts';

export interface RenderedPrompt {
  text: string;
  ids: number[];
}

export function renderPrompt(tokenizer: PreTrainedTokenizer, example: Example): RenderedPrompt {
  const text = renderGenerationPrompt(tokenizer, example);
  return { text, ids: encodePlain(tokenizer, text) };
}
