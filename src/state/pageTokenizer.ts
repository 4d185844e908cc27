// A tokenizer in the page, for the dataset views only (coloured token segments, length histogram):
// the embedded model's Qwen3 tokenizer, served with the app, loaded on first need. Training always
// tokenizes in the worker with the loaded model's own tokenizer; the views say which one they used.
import type { PreTrainedTokenizer } from '@huggingface/transformers';

export const PAGE_TOKENIZER_NAME = 'Qwen3 tokenizer (embedded model)';
let pending: Promise<PreTrainedTokenizer> | null = null;

async function fetchJson(name: string): Promise<unknown> {
  const res = await fetch(new URL(`models/tiny-qwen3/${name}`, document.baseURI));
  if (!res.ok) throw new Error(`${name} could not be fetched (HTTP ${res.status}); rebuild the app with npm run build`);
  return res.json();
}

export function pageTokenizer(): Promise<PreTrainedTokenizer> {
  if (!pending) {
    pending = (async () => {
      const [{ loadTokenizer }, json, config] = await Promise.all([import('../data/tokenizer-load.ts'), fetchJson('tokenizer.json'), fetchJson('tokenizer_config.json')]);
      return loadTokenizer(json, config);
    })();
    pending.catch(() => (pending = null));
  }
  return pending;
}
