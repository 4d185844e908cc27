// ModelAccess for a real model: prompts rendered with the model's chat template (tools included,
// generation prompt added) and generations decoded by its tokenizer, keeping special tokens so
// `<think>` / `<tool_call>` markup reaches the parser whatever the tokenizer calls special.
// Owns only this glue; never generates itself and never loads anything.
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import type { Example } from '../data/example.ts';
import { renderPrompt } from '../data/render-prompt.ts';
import type { ModelAccess } from './evaluate.ts';
import type { GenerateFn } from './generator.ts';

export function tokenizerModelAccess(tokenizer: PreTrainedTokenizer, generate: GenerateFn, stopTokenIds: number[], maxPositions?: number): ModelAccess {
  return {
    generate,
    maxPositions,
    encodePrompt: (example: Example) => renderPrompt(tokenizer, example).ids,
    decode: (ids: number[]) => (ids.length === 0 ? '' : tokenizer.decode(ids, { skip_special_tokens: false, clean_up_tokenization_spaces: false })),
    stopTokenIds,
  };
}

/** The text of the tokens so far as a stream shows it: a trailing partial UTF-8 character (a
 * byte-level token can end inside one, which decodes as U+FFFD) is held back until its next token
 * completes it, so a streamed answer never flashes a replacement character. */
export function stableText(decode: (ids: number[]) => string, ids: number[]): string {
  const text = decode(ids);
  return text.endsWith('\uFFFD') ? text.slice(0, -1) : text;
}
