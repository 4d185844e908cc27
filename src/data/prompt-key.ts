// What an example asks, as a short key: its conversation and tools, whatever its answer. A held-out
// example asking what a training example asks is answered by a model trained on that answer: its
// verdict says little of the task (synthetic datasets repeat requests word for word).
import type { Example } from './example.ts';
import { canonicalJson } from './fingerprint.ts';
import { shortKey } from '../eval/ground-truth.ts';

/** 16 hex digits of the example's messages and tools (the places of whole floats left out, as the
 * fingerprint leaves them out). */
export function promptKey(example: Pick<Example, 'messages' | 'tools'>): string {
  return shortKey(canonicalJson({ tools: example.tools, messages: example.messages.map(({ wholeFloats: _places, ...m }) => m) }));
}
