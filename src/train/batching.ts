// Turns tokenized examples into the GPU's batch arrays: [B, T] token ids, positions, the attention's
// segments, next-token targets with the segment of the token being predicted, and the per-token
// loss weights once the optimizer batch's segment counts are known (SSB means run over the whole
// optimizer batch, so weights are filled after all its micro-batches are built).
// Short examples share a row (packed end to end, each with its own positions and attention segment,
// rows up to the sequence length) where that lays out fewer tokens, and with gradient accumulation a
// step's examples are packed together where that lays out fewer still (buildStepBatches); the rest
// is right-padding.
// Also the seeded data order, its resumable cursor and the digest of the set it runs over. CPU only.
import { crc32 } from '../model/crc32.ts';
import type { LossWeights } from './ssb.ts';

export const SEGMENT = { prompt: 0, cot: 1, call: 2 } as const;

export interface TokenizedExample {
  id: string;
  inputIds: ArrayLike<number>;
  /** One per token: 0 prompt, 1 cot, 2 call. */
  segments: ArrayLike<number>;
}

export interface MicroBatch {
  ids: string[];
  /** Rows: an example alone, or several packed end to end (packRows). */
  B: number;
  /** Row length: its fullest row, at least its longest example (≤ the run's sequence length). */
  T: number;
  inputIds: Int32Array; // [B*T]
  /** Each token's position in its own example (0 where an example starts, in any row). */
  positions: Uint32Array; // [B*T]
  /** The attention's segments: 1 + the index in its row of the first token of the token's example
   * (what lets attention skip the keys before it; ops/attention.ts); 0 is padding. A token sees
   * only the earlier tokens of its own example. */
  attnSegments: Uint32Array; // [B*T]
  /** Segment of each input token (the dump's `segments`). */
  segments: Int32Array; // [B*T]
  /** Next-token target at each position, -1 where there is no loss. */
  targets: Int32Array; // [B*T]
  /** Segment of the target token at each position (0 = no loss). */
  targetSegments: Uint32Array; // [B*T]
  /** ∂L/∂nll per position; filled by `applyLossWeights`. */
  weights: Float32Array; // [B*T]
  nCot: number;
  nCall: number;
}

/** Which examples share each row, so that the micro-batch lays out the fewest tokens (rows × its
 * fullest row). Of the layouts tried (packedLayouts), rows of one example each in the given order
 * win ties: where packing saves nothing, the layout, and so every bit, of an unpacked batch. */
export function packRows(lengths: number[], maxLen: number): number[][] {
  let best = lengths.map((_, i) => [i]);
  for (const rows of packedLayouts(lengths, maxLen)) if (laidOut([rows], lengths) < laidOut([best], lengths)) best = rows;
  return best;
}

/**
 * Packed layouts worth trying: first-fit decreasing into rows as long as the longest example (the
 * micro-batch's [B, T] never grows, it only loses rows of padding), then longest first onto the
 * emptiest of k rows, where no row outgrows `maxLen` (the run's sequence length, which its memory is
 * planned for): rows of like fill are what lay out few tokens, and a row as long as the sequence
 * length can hold several short examples. The k tried: the three fewest that fit, and, for rows
 * taken `group` to a micro-batch, each multiple of `group` (full micro-batches). Trying every k
 * laid out under 1% fewer tokens on steps of hundreds of examples, and took 25× the time: 2.4 s
 * an epoch of 10,000 examples for the Training panel's estimate.
 */
function packedLayouts(lengths: number[], maxLen: number, group = 1): number[][][] {
  const firstFit = firstFitDecreasing(lengths, Math.max(...lengths));
  const layouts = [firstFit];
  const total = lengths.reduce((n, l) => n + l, 0);
  let fitted = 0;
  // More rows than first-fit needs are all at least as long as the longest example: never fewer tokens.
  for (let k = Math.max(1, Math.ceil(total / maxLen)); k <= firstFit.length; k++) {
    if (fitted >= 3 && !(group > 1 && k % group === 0)) continue;
    const rows = ontoEmptiest(lengths, k);
    if (Math.max(...rows.map((row) => fillOf(row, lengths))) > maxLen) continue;
    layouts.push(rows);
    fitted++;
  }
  return layouts;
}

const fillOf = (row: number[], lengths: number[]) => row.reduce((n, e) => n + lengths[e], 0);

const longestFirst = (lengths: number[]) => lengths.map((_, i) => i).sort((x, y) => lengths[y] - lengths[x] || x - y);

function firstFitDecreasing(lengths: number[], capacity: number): number[][] {
  const rows: number[][] = [];
  const used: number[] = [];
  for (const i of longestFirst(lengths)) {
    const r = used.findIndex((u) => u + lengths[i] <= capacity);
    if (r >= 0) {
      rows[r].push(i);
      used[r] += lengths[i];
    } else {
      rows.push([i]);
      used.push(lengths[i]);
    }
  }
  return rows;
}

/** Longest first, each onto the emptiest of `k` rows (the lowest-numbered of equals). A heap of
 * (fill, row): a step of many examples tries many k. */
function ontoEmptiest(lengths: number[], k: number): number[][] {
  const rows: number[][] = Array.from({ length: k }, () => []);
  const fill = new Array<number>(k).fill(0);
  const heap = Array.from({ length: k }, (_, r) => r);
  const less = (x: number, y: number) => fill[x] < fill[y] || (fill[x] === fill[y] && x < y);
  for (const i of longestFirst(lengths)) {
    const r = heap[0];
    rows[r].push(i);
    fill[r] += lengths[i];
    // The root only grew: sift it down.
    for (let at = 0; ; ) {
      const l = 2 * at + 1;
      if (l >= k) break;
      const c = l + 1 < k && less(heap[l + 1], heap[l]) ? l + 1 : l;
      if (!less(heap[c], heap[at])) break;
      [heap[at], heap[c]] = [heap[c], heap[at]];
      at = c;
    }
  }
  return rows;
}

function checkExamples(examples: TokenizedExample[], maxLen: number): void {
  if (examples.length === 0) throw new Error('a micro-batch needs at least one example');
  for (const ex of examples) {
    if (ex.inputIds.length !== ex.segments.length) throw new Error(`example ${ex.id}: ${ex.inputIds.length} tokens but ${ex.segments.length} segments`);
    if (ex.inputIds.length > maxLen) throw new Error(`example ${ex.id} has ${ex.inputIds.length} tokens, more than the sequence length ${maxLen}`);
  }
}

/** `pack: false` gives every example a row of its own (the step dump, whose rows are examples). */
export function buildMicroBatch(examples: TokenizedExample[], maxLen: number, opts: { pack?: boolean } = {}): MicroBatch {
  checkExamples(examples, maxLen);
  const lengths = examples.map((ex) => ex.inputIds.length);
  return layRows(examples, opts.pack === false ? lengths.map((_, i) => [i]) : packRows(lengths, maxLen));
}

/**
 * The optimizer step's micro-batches of `batchSize` examples, in the order given, each packed; or,
 * where that lays out fewer tokens, the step's examples packed together (packedLayouts over all of
 * them), fullest rows first, `batchSize` rows to a micro-batch (as long as its fullest row): with
 * gradient accumulation, short examples then share rows across micro-batches, and rows of like
 * fill share a micro-batch. Either way the step trains on the same examples with the same loss
 * weights (SSB's means run over the whole step) and adds up the same gradient.
 */
export function buildStepBatches(examples: TokenizedExample[], batchSize: number, maxLen: number, opts: { pack?: boolean } = {}): MicroBatch[] {
  checkExamples(examples, maxLen);
  const groups = stepRows(examples.map((ex) => ex.inputIds.length), batchSize, maxLen, opts.pack ?? true);
  return groups.map((g) => {
    const own = g.flat();
    return layRows(own.map((e) => examples[e]), g.map((row) => row.map((e) => own.indexOf(e))));
  });
}

/** buildStepBatches' layout over lengths alone: per micro-batch, its rows as indices into `lengths`. */
function stepRows(lengths: number[], batchSize: number, maxLen: number, pack: boolean): number[][][] {
  let best: number[][][] = [];
  for (let i = 0; i < lengths.length; i += batchSize) {
    const chunk = lengths.slice(i, i + batchSize);
    best.push((pack ? packRows(chunk, maxLen) : chunk.map((_, k) => [k])).map((row) => row.map((k) => i + k)));
  }
  if (!pack || best.length === 1) return best;
  for (const layout of packedLayouts(lengths, maxLen, batchSize)) {
    const rows = layout.sort((a, b) => fillOf(b, lengths) - fillOf(a, lengths));
    const pooled: number[][][] = [];
    for (let i = 0; i < rows.length; i += batchSize) pooled.push(rows.slice(i, i + batchSize));
    if (laidOut(pooled, lengths) < laidOut(best, lengths)) best = pooled;
  }
  return best;
}

/** Tokens micro-batches of these rows lay out: each as many rows as it has, as long as its fullest. */
function laidOut(groups: number[][][], lengths: number[]): number {
  return groups.reduce((n, g) => n + g.length * Math.max(...g.map((row) => fillOf(row, lengths))), 0);
}

/** Examples of the epoch layoutPerToken lays out (at least one step): the Training panel works it
 * out as its fields are edited, and an epoch of 60,000 took up to half a second there. */
const LAYOUT_SAMPLE = 4096;

/** Tokens laid out (padding included) per token trained on, over the steps of an epoch of these
 * example lengths in a seeded order (those of its first LAYOUT_SAMPLE examples), as training packs
 * them (rows up to `maxLen`) and with a row per example: what the Training panel says a batch size
 * costs before a run starts. */
export function layoutPerToken(lengths: number[], batchSize: number, gradAccum: number, maxLen: number): { packed: number; rowEach: number } {
  const perStep = Math.min(lengths.length, batchSize * gradAccum);
  if (perStep === 0) return { packed: 1, rowEach: 1 };
  const order = epochOrder(lengths.length, 0x5eed, 0);
  const sampled = Math.min(lengths.length, Math.max(perStep, LAYOUT_SAMPLE));
  const sum = { real: 0, packed: 0, rowEach: 0 };
  for (let s = 0; s + perStep <= sampled; s += perStep) {
    const step = Array.from(order.subarray(s, s + perStep), (i) => lengths[i]);
    sum.real += step.reduce((n, l) => n + l, 0);
    sum.packed += laidOut(stepRows(step, batchSize, maxLen, true), step);
    sum.rowEach += laidOut(stepRows(step, batchSize, maxLen, false), step);
  }
  return { packed: sum.packed / sum.real, rowEach: sum.rowEach / sum.real };
}

/** The micro-batch of `rows` (each a list of indices into `examples`, laid end to end), as long as its fullest row. */
function layRows(examples: TokenizedExample[], rows: number[][]): MicroBatch {
  const B = rows.length;
  const T = Math.max(...rows.map((row) => row.reduce((n, e) => n + examples[e].inputIds.length, 0)));
  const n = B * T;
  const mb: MicroBatch = {
    ids: examples.map((e) => e.id),
    B,
    T,
    inputIds: new Int32Array(n),
    positions: new Uint32Array(n),
    attnSegments: new Uint32Array(n),
    segments: new Int32Array(n),
    targets: new Int32Array(n).fill(-1),
    targetSegments: new Uint32Array(n),
    weights: new Float32Array(n),
    nCot: 0,
    nCall: 0,
  };
  rows.forEach((row, b) => {
    let start = 0;
    for (const e of row) {
      const ex = examples[e];
      const L = ex.inputIds.length;
      for (let t = 0; t < L; t++) {
        const i = b * T + start + t;
        mb.inputIds[i] = ex.inputIds[t];
        mb.positions[i] = t;
        mb.attnSegments[i] = start + 1;
        mb.segments[i] = ex.segments[t];
        // An example's last token predicts nothing: the next one in its row is another example's.
        if (t + 1 < L) {
          const seg = ex.segments[t + 1];
          if (seg === SEGMENT.cot || seg === SEGMENT.call) {
            mb.targets[i] = ex.inputIds[t + 1];
            mb.targetSegments[i] = seg;
            if (seg === SEGMENT.cot) mb.nCot++;
            else mb.nCall++;
          }
        }
      }
      start += L;
    }
  });
  return mb;
}

/** Fills `weights` from the optimizer batch's loss weights (cot / call per token). */
export function applyLossWeights(mb: MicroBatch, w: LossWeights): void {
  for (let i = 0; i < mb.weights.length; i++) {
    const s = mb.targetSegments[i];
    mb.weights[i] = s === SEGMENT.cot ? w.cot : s === SEGMENT.call ? w.call : 0;
  }
}

/** Where the trainer is in its data: epoch and index into that epoch's permutation. */
export interface DataCursor {
  epoch: number;
  index: number;
  /** This epoch's examples passed over because the step that crossed into the epoch already held
   * them (from the previous one); taken at the epoch's end. Absent when none. */
  deferred?: number[];
}

/** The permutation of `n` examples for `epoch`, a pure function of (seed, epoch) so a resumed run
 * sees exactly the order an uninterrupted one would. */
export function epochOrder(n: number, seed: number, epoch: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let s = (seed ^ Math.imul(epoch + 1, 0x9e3779b1)) >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    const tmp = order[i];
    order[i] = order[j];
    order[j] = tmp;
  }
  return order;
}

/**
 * Takes the next `count` example indices from the cursor, wrapping into the next epoch. Every
 * example comes once per epoch, and a step that crosses into a new epoch never holds an example
 * twice: the new epoch's copies of the previous epoch's last examples wait for the epoch's end
 * (unless the step is larger than the training set, where repeats cannot be avoided).
 */
export function takeIndices(n: number, seed: number, cursor: DataCursor, count: number): { indices: number[]; next: DataCursor } {
  if (n === 0) throw new Error('the training set is empty');
  const indices: number[] = [];
  const inStep = new Set<number>();
  const distinct = count <= n;
  let { epoch, index } = cursor;
  const deferred = [...(cursor.deferred ?? [])];
  let order = epochOrder(n, seed, epoch);
  while (indices.length < count) {
    if (index >= n) {
      if (deferred.length) {
        const j = deferred.shift()!;
        indices.push(j);
        inStep.add(j);
        continue;
      }
      epoch++;
      index = 0;
      order = epochOrder(n, seed, epoch);
    }
    const j = order[index++];
    if (distinct && inStep.has(j)) {
      deferred.push(j);
      continue;
    }
    indices.push(j);
    inStep.add(j);
  }
  // At an epoch's exact end the cursor moves on, so the next step reports the epoch it is in.
  if (index >= n && deferred.length === 0) return { indices, next: { epoch: epoch + 1, index: 0 } };
  return { indices, next: deferred.length ? { epoch, index, deferred } : { epoch, index } };
}

/** `crc32:<8 hex>` over the training set's tokens and segments, in order: what a checkpoint's
 * cursor indexes. Equal counts are not enough: an example left out and another included (or a data
 * file edited) keeps the count, and the same cursor would then name other examples. Ids are left
 * out: the same examples imported again train the same. */
export function trainingSetDigest(train: TokenizedExample[]): string {
  let c = 0;
  for (const e of train) {
    // The length first, so two examples' tokens cannot run together into one.
    const n = e.inputIds.length;
    const words = new Int32Array(1 + 2 * n);
    words[0] = n;
    words.set(e.inputIds, 1);
    words.set(e.segments, 1 + n);
    c = crc32(new Uint8Array(words.buffer), c);
  }
  return `crc32:${c.toString(16).padStart(8, '0')}`;
}
