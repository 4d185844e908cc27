// Builds a transformers.js tokenizer from the two JSON files of a Hugging Face repo
// (`tokenizer.json`, `tokenizer_config.json`) already in memory — fetched or read from OPFS in the
// browser, read from a folder in Node. Never fetches from the hub and never touches the file system.
import { PreTrainedTokenizer } from '@huggingface/transformers';
import { hash53 } from './split.ts';

const fingerprints = new WeakMap<PreTrainedTokenizer, string>();

export function loadTokenizer(tokenizerJson: unknown, tokenizerConfig: unknown): PreTrainedTokenizer {
  if (typeof tokenizerJson !== 'object' || tokenizerJson === null || !('model' in tokenizerJson)) {
    throw new Error('tokenizer.json is not a tokenizer (no "model" section)');
  }
  if (typeof tokenizerConfig !== 'object' || tokenizerConfig === null) throw new Error('tokenizer_config.json is not an object');
  const config = tokenizerConfig as Record<string, unknown>;
  if (config.chat_template === undefined || config.chat_template === null) {
    throw new Error('tokenizer_config.json has no chat_template and there is no chat_template.jinja beside it; the model\'s own template is needed to render examples');
  }
  const tokenizer = new PreTrainedTokenizer(tokenizerJson, config);
  fingerprints.set(tokenizer, hash53(JSON.stringify(tokenizerJson) + JSON.stringify(config)).toString(36));
  return tokenizer;
}

/** What a tokenizer counts with, as a short text: a hash of the two files it was built from
 * (vocabulary, merges, special tokens, chat template). Two loads of the same files share it, so
 * counts kept for one serve the other whatever the model is named; an edited template changes it. */
export function tokenizerFingerprint(tokenizer: PreTrainedTokenizer): string {
  const fingerprint = fingerprints.get(tokenizer);
  if (fingerprint === undefined) throw new Error('this tokenizer was not built by loadTokenizer, so what it counts with is unknown');
  return fingerprint;
}
