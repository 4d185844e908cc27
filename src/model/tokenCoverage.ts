// Which tokens a model can read at all, and how much of a dataset is made of the others. A token
// whose embedding row is all zero reaches the model as nothing, and a LoRA adapter (the embedding
// stays frozen) cannot teach it one: the embedded tiny model has rows for the 547 tokens of its
// synthetic pre-training and none for the other 151,389, so a user's own data (28% of the tokens of
// an xLAM-style file) trains a model that cannot read what it is asked. The studio's Training panel
// and `studio train` say so before a run, from the same count (unseenTokens.ts words it).
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import type { Example } from '../data/example.ts';
import { tokenizeExample } from '../data/tokenize-example.ts';
import type { Checkpoint } from './checkpoint.ts';
import { NonzeroRowScan } from './compactHead.ts';
import type { ModelSpec } from './config.ts';
import type { WeightDtype } from './dtype.ts';
import { readTensorRange } from './safetensors.ts';
import type { UnseenTokens } from './unseenTokens.ts';

/** The examples a count reads (the first ones given): enough for a share to a point or two. */
export const COVERAGE_EXAMPLES = 200;

/** The ids whose input embedding is not all zero, ascending; null when nearly every one has one
 * (every real model: the scan stops after compactHead.ts's share of rows, a few MiB read). */
export async function tokensWithEmbedding(checkpoint: Checkpoint, spec: ModelSpec, chunkBytes = 2 ** 20): Promise<Uint32Array | null> {
  const t = checkpoint.tensors.get('model.embed_tokens.weight');
  if (!t || t.shape.length !== 2 || (t.dtype !== 'F32' && t.dtype !== 'BF16' && t.dtype !== 'F16')) return null;
  const scan = new NonzeroRowScan(spec.vocabSize, t.shape[1], t.dtype as WeightDtype);
  const step = chunkBytes - (chunkBytes % 4);
  for (let off = 0; off < t.byteLength && !scan.gaveUpScanning; off += step) scan.add(await readTensorRange(t.source, t, off, Math.min(step, t.byteLength - off)), off);
  return scan.keptRows();
}

/** How many tokens of the first COVERAGE_EXAMPLES examples `known` lacks; an example the template
 * cannot render is passed over (the length counts say why). */
export function unseenTokens(tokenizer: PreTrainedTokenizer, examples: Iterable<Example>, known: Uint32Array, vocab: number): UnseenTokens {
  const has = new Uint8Array(vocab);
  for (const id of known) has[id] = 1;
  const u: UnseenTokens = { examples: 0, tokens: 0, unseen: 0, known: known.length, vocab };
  for (const example of examples) {
    if (u.examples >= COVERAGE_EXAMPLES) break;
    let ids: number[];
    try {
      ids = tokenizeExample(tokenizer, example).inputIds;
    } catch {
      continue;
    }
    u.examples++;
    u.tokens += ids.length;
    for (const id of ids) if (!(id >= 0 && id < vocab && has[id])) u.unseen++;
  }
  return u;
}
