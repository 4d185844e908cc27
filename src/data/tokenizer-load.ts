// Builds a transformers.js tokenizer from the two JSON files of a Hugging Face repo
// (`tokenizer.json` as its text, `tokenizer_config.json` as an object) already in memory — fetched
// or read from OPFS in the browser, read from a folder in Node. Never fetches from the hub and never
// touches the file system.
import { PreTrainedTokenizer } from '@huggingface/transformers';
import { hash53 } from './split.ts';
import { speedUpTokenizer } from './tokenizer-speedup.ts';

const fingerprints = new WeakMap<PreTrainedTokenizer, string>();

/** The files a tokenizer was built from, as loadTokenizer took them: what another thread builds the
 * same tokenizer from (tokenize-threads.ts). */
export interface TokenizerSource {
  json: string;
  config: unknown;
  where: string;
}
/** Held as long as the tokenizer is (the text of Qwen3's tokenizer.json: 11 MB). */
const sources = new WeakMap<PreTrainedTokenizer, TokenizerSource>();
/** Tokenizers built, by fingerprint, for as long as something holds them: the worker built the
 * embedded model's twice (once for the dataset views, again when the model loaded), 0.4 s and
 * 46 MiB each. A tokenizer is not changed once built, so one serves every load of its files. */
const built = new Map<string, WeakRef<PreTrainedTokenizer>>();

/** `tokenizerJson` is the file's text as read: what the fingerprint hashes. `where` names the file
 * in errors (`folder/tokenizer.json`). The same files loaded again give the tokenizer built before
 * while it is held. */
export function loadTokenizer(tokenizerJson: string, tokenizerConfig: unknown, where = 'tokenizer.json'): PreTrainedTokenizer {
  if (typeof tokenizerConfig !== 'object' || tokenizerConfig === null) throw new Error('tokenizer_config.json is not an object');
  const config = tokenizerConfig as Record<string, unknown>;
  // Of tokenizer.json's text as read, not of the parsed file serialised again: that took 70–120 ms
  // of every load of Qwen3's (11 MB), every CLI command's included, which never asks for it; this
  // takes about 20. The config is small, and holds the chat template read from beside it. Joined by
  // '.', which the one base-36 hash of before never held: counts kept under that (IndexedDB's
  // tokenizerCounts) are a miss, counted again, never taken for this tokenizer's.
  const fingerprint = `${hash53(tokenizerJson).toString(36)}.${hash53(JSON.stringify(config)).toString(36)}`;
  const held = built.get(fingerprint)?.deref();
  if (held) return held;
  let json: unknown;
  try {
    json = JSON.parse(tokenizerJson);
  } catch (err) {
    throw new Error(`${where}: not valid JSON (${(err as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || !('model' in json)) {
    throw new Error(`${where} is not a tokenizer (no "model" section)`);
  }
  if (config.chat_template === undefined || config.chat_template === null) {
    throw new Error('tokenizer_config.json has no chat_template and there is no chat_template.jinja beside it; the model\'s own template is needed to render examples');
  }
  const tokenizer = new PreTrainedTokenizer(json, config);
  speedUpTokenizer(tokenizer);
  fingerprints.set(tokenizer, fingerprint);
  sources.set(tokenizer, { json: tokenizerJson, config: tokenizerConfig, where });
  // Entries of tokenizers collected since are dropped as others are added (a few per session).
  for (const [key, ref] of built) if (!ref.deref()) built.delete(key);
  built.set(fingerprint, new WeakRef(tokenizer));
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

/** The files `tokenizer` was built from, or undefined for one loadTokenizer did not build. */
export function tokenizerSource(tokenizer: PreTrainedTokenizer): TokenizerSource | undefined {
  return sources.get(tokenizer);
}
