// Builds a transformers.js tokenizer from the two JSON files of a Hugging Face repo
// (`tokenizer.json`, `tokenizer_config.json`) already in memory — fetched or read from OPFS in the
// browser, read from a folder in Node. Never fetches from the hub and never touches the file system.
import { PreTrainedTokenizer } from '@huggingface/transformers';

export function loadTokenizer(tokenizerJson: unknown, tokenizerConfig: unknown): PreTrainedTokenizer {
  if (typeof tokenizerJson !== 'object' || tokenizerJson === null || !('model' in tokenizerJson)) {
    throw new Error('tokenizer.json is not a tokenizer (no "model" section)');
  }
  if (typeof tokenizerConfig !== 'object' || tokenizerConfig === null) throw new Error('tokenizer_config.json is not an object');
  const config = tokenizerConfig as Record<string, unknown>;
  if (config.chat_template === undefined || config.chat_template === null) {
    throw new Error('tokenizer_config.json has no chat_template and there is no chat_template.jinja beside it; the model\'s own template is needed to render examples');
  }
  return new PreTrainedTokenizer(tokenizerJson, config);
}
