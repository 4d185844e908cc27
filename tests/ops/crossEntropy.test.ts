// Fused LM-head cross-entropy (src/ops/crossEntropy.ts) against the f64 reference: chunk tails,
// ignored targets, segment sums with accumulation, bf16/f16/f32 weights, tied embeddings, the
// gradient training takes in the same pass (finite differences on the reference, then GPU vs
// reference, with the row max growing from chunk to chunk), and a 151,936-row head.
import { describe, expect, it } from 'vitest';
import { createStorageBuffer, readF32, readU32, uploadBuffer, type Gpu } from '../../src/gpu/index.ts';
import { createCrossEntropyScratch, crossEntropyChunk, crossEntropyForward, crossEntropyWithGradient } from '../../src/ops/crossEntropy.ts';
import type { RowLoads } from '../../src/ops/rowLoads.ts';
import type { WeightDtype } from '../../src/ops/matmul.ts';
import type { TableChunk } from '../../src/ops/embedding.ts';
import { crossEntropyBackwardRef, crossEntropyForwardRef, weightedLossRef, type CrossEntropyRefInputs } from '../reference/crossEntropy.ts';
import { numericGradient } from '../reference/finiteDifference.ts';
import { expectClose, randomArray, seededRandom } from '../helpers/compare.ts';
import { testGpu } from '../helpers/gpu.ts';
import { packHalves } from '../helpers/halfPack.ts';

// Logits are f32 dot products of length H ≤ 64 (error ~1e-6), then exp/log in f32: lse and nll
// carry ~1e-6 relative error; dH sums V terms of size ≤ |W| — 2e-5 absolute covers V ≤ 200 here.
const NLL_TOL = { atol: 2e-5, rtol: 2e-5 };
const GRAD_TOL = { atol: 2e-5, rtol: 1e-4 };

interface Problem extends CrossEntropyRefInputs {
  tokenWeight: Float32Array;
  weightPacked: Uint32Array | Float32Array;
  dtype: WeightDtype;
}

function makeProblem(T: number, H: number, V: number, dtype: WeightDtype, seed: number): Problem {
  const rnd = seededRandom(seed);
  const hidden = randomArray(T * H, seed + 1, 1);
  const raw = randomArray(V * H, seed + 2, 1.5);
  const half = dtype === 'f32' ? null : packHalves(raw, dtype);
  const targets = new Int32Array(T);
  const segments = new Uint32Array(T);
  const tokenWeight = new Float32Array(T);
  for (let t = 0; t < T; t++) {
    // Every third token is ignored (−1), one is out of range (≥ V): both must contribute nothing.
    targets[t] = t % 3 === 0 ? -1 : t === 4 ? V + 5 : Math.floor(rnd() * V);
    segments[t] = t % 3;
    tokenWeight[t] = 0.25 + rnd();
  }
  return { T, H, V, hidden, weight: half ? half.values : raw, weightPacked: half ? half.packed : raw, dtype, targets, segments, tokenWeight };
}

/** W whole, or in row parts of these sizes (as a head larger than one binding is uploaded). */
function uploadWeight(gpu: Gpu, pr: Problem, parts?: number[]): GPUBuffer | TableChunk[] {
  if (!parts) return uploadBuffer(gpu.ctx, pr.weightPacked, 'W');
  const perRow = pr.weightPacked.length / pr.V; // elements (f32) or words (two halves; H even)
  let firstRow = 0;
  return parts.map((rows, i) => {
    const part = { buffer: uploadBuffer(gpu.ctx, pr.weightPacked.slice(firstRow * perRow, (firstRow + rows) * perRow), `W part ${i}`), firstRow, rows };
    firstRow += rows;
    return part;
  });
}

async function runForward(gpu: Gpu, pr: Problem, chunk?: number, opts: { accumulateFrom?: { nll: Float32Array; count: Uint32Array }; parts?: number[]; rowLoads?: RowLoads; zeroRows?: number } = {}) {
  const { T, H, V } = pr;
  const used = chunk ?? crossEntropyChunk(gpu, T, V);
  const hidden = uploadBuffer(gpu.ctx, pr.hidden as Float32Array, 'hidden');
  const weight = uploadWeight(gpu, pr, opts.parts);
  const targets = uploadBuffer(gpu.ctx, pr.targets as Int32Array, 'targets');
  const segments = uploadBuffer(gpu.ctx, pr.segments as Uint32Array, 'segments');
  const nll = createStorageBuffer(gpu.ctx, T * 4, 'nll');
  const lse = createStorageBuffer(gpu.ctx, T * 4, 'lse');
  const segmentNll = uploadBuffer(gpu.ctx, opts.accumulateFrom?.nll ?? new Float32Array(3), 'segNll');
  const segmentCount = uploadBuffer(gpu.ctx, opts.accumulateFrom?.count ?? new Uint32Array(3), 'segCount');
  const scratch = createCrossEntropyScratch(gpu, T, used);
  await crossEntropyForward(gpu, { T, H, V, chunk, rowLoads: opts.rowLoads, zeroRows: opts.zeroRows }, { hidden, weight, weightDtype: pr.dtype, targets, segments, nll, lse, segmentNll, segmentCount, scratch, accumulateSegments: !!opts.accumulateFrom });
  gpu.recorder.submit();
  const out = {
    nll: await readF32(gpu.ctx, nll, T),
    lse: await readF32(gpu.ctx, lse, T),
    segmentNll: await readF32(gpu.ctx, segmentNll, 3),
    segmentCount: await readU32(gpu.ctx, segmentCount, 3),
    /** Each row's running max, Σ e^(z − max) and target logit after the last chunk. */
    stats: await readF32(gpu.ctx, scratch.stats, T * 3),
  };
  return { out, bufs: { hidden, weight, targets, segments, nll, lse, segmentNll, segmentCount, scratch } };
}

/** The training pass: the forward's outputs and dH, from crossEntropyWithGradient. With
 * `intoHidden` the targets' rows are gathered into the hidden buffer (as the loss head does). */
async function runGradient(gpu: Gpu, pr: Problem, chunk: number | undefined, opts: { parts?: number[]; intoHidden?: boolean; rowLoads?: RowLoads; zeroRows?: number } = {}) {
  const { T, H, V } = pr;
  const used = chunk ?? crossEntropyChunk(gpu, T, V);
  const bufs = {
    hidden: uploadBuffer(gpu.ctx, pr.hidden as Float32Array, 'hidden'),
    weight: uploadWeight(gpu, pr, opts.parts),
    targets: uploadBuffer(gpu.ctx, pr.targets as Int32Array, 'targets'),
    segments: uploadBuffer(gpu.ctx, pr.segments as Uint32Array, 'segments'),
    nll: createStorageBuffer(gpu.ctx, T * 4, 'nll'),
    lse: createStorageBuffer(gpu.ctx, T * 4, 'lse'),
    segmentNll: createStorageBuffer(gpu.ctx, 12, 'segNll'),
    segmentCount: createStorageBuffer(gpu.ctx, 12, 'segCount'),
    scratch: createCrossEntropyScratch(gpu, T, used),
    tokenWeight: uploadBuffer(gpu.ctx, pr.tokenWeight, 'tokenWeight'),
    // Garbage where the first chunk's product lands: it must overwrite, not rescale, what was there.
    dHidden: uploadBuffer(gpu.ctx, new Float32Array(T * H).fill(Number.NaN), 'dH'),
    rows: createStorageBuffer(gpu.ctx, T * H * 4, 'targetRows'),
  };
  await crossEntropyWithGradient(gpu, { T, H, V, chunk, rowLoads: opts.rowLoads, zeroRows: opts.zeroRows }, { ...bufs, weightDtype: pr.dtype, targetRows: opts.intoHidden ? bufs.hidden : bufs.rows });
  gpu.recorder.submit();
  const out = {
    nll: await readF32(gpu.ctx, bufs.nll, T),
    lse: await readF32(gpu.ctx, bufs.lse, T),
    segmentNll: await readF32(gpu.ctx, bufs.segmentNll, 3),
    segmentCount: await readU32(gpu.ctx, bufs.segmentCount, 3),
    stats: await readF32(gpu.ctx, bufs.scratch.stats, T * 3),
  };
  const dH = await readF32(gpu.ctx, bufs.dHidden, T * H);
  destroyAll(bufs);
  return { out, dH };
}

function destroyAll(bufs: Record<string, GPUBuffer | TableChunk[] | { logits: GPUBuffer; stats: GPUBuffer }>): void {
  for (const b of Object.values(bufs)) {
    if (Array.isArray(b)) b.forEach((p) => p.buffer.destroy());
    else if ('destroy' in b) b.destroy();
    else [b.logits, b.stats].forEach((x) => x.destroy());
  }
}

function checkForward(got: Awaited<ReturnType<typeof runForward>>['out'], pr: Problem, label: string): void {
  const want = crossEntropyForwardRef(pr);
  expectClose(got.lse, want.lse, NLL_TOL, `${label} lse`);
  expectClose(got.nll, want.nll, NLL_TOL, `${label} nll`);
  expectClose(got.segmentNll, want.segmentNll, { atol: 1e-4, rtol: 1e-5 }, `${label} segment sums`);
  expect(Array.from(got.segmentCount), `${label} segment counts`).toEqual(Array.from(want.segmentCount));
}

describe('LM-head cross-entropy forward', () => {
  it('matches the reference with a chunk that does not divide V (37 = 16 + 16 + 5) and ignored targets', async () => {
    const gpu = await testGpu();
    for (const [T, chunk] of [[7, 16], [1, 16], [7, 37], [5, 1]] as const) {
      const pr = makeProblem(T, 5, 37, 'f32', 10 + T + chunk);
      const { out, bufs } = await runForward(gpu, pr, chunk);
      checkForward(out, pr, `T=${T} chunk=${chunk}`);
      destroyAll(bufs);
    }
  });

  it('unpacks bf16 and f16 head weights (odd H, so rows straddle u32 words)', async () => {
    const gpu = await testGpu();
    for (const dtype of ['bf16', 'f16'] as const) {
      const pr = makeProblem(9, 7, 41, dtype, 3);
      const { out, bufs } = await runForward(gpu, pr, 16);
      checkForward(out, pr, dtype);
      destroyAll(bufs);
    }
  });

  it('adds segment sums and counts into existing totals when accumulating micro-batches', async () => {
    const gpu = await testGpu();
    const pr = makeProblem(11, 6, 29, 'f32', 4);
    const prior = { nll: new Float32Array([1.5, 2.25, -3]), count: new Uint32Array([4, 5, 6]) };
    const { out, bufs } = await runForward(gpu, pr, 8, { accumulateFrom: prior });
    const want = crossEntropyForwardRef(pr);
    expectClose(out.segmentNll, want.segmentNll.map((s, i) => s + prior.nll[i]), { atol: 1e-4, rtol: 1e-5 }, 'accumulated sums');
    expect(Array.from(out.segmentCount)).toEqual(Array.from(want.segmentCount).map((c, i) => c + prior.count[i]));
    destroyAll(bufs);
  });

  it('works with tied embeddings: the embedding table is the head, hidden states are its own rows', async () => {
    const gpu = await testGpu();
    const pr = makeProblem(6, 8, 33, 'bf16', 5);
    // Hidden state t = embedding row of token (t·5 mod V), as in a model whose last layer is identity.
    const hidden = new Float32Array(pr.T * pr.H);
    for (let t = 0; t < pr.T; t++) hidden.set((pr.weight as Float32Array).subarray(((t * 5) % pr.V) * pr.H, ((t * 5) % pr.V + 1) * pr.H), t * pr.H);
    const tied = { ...pr, hidden };
    const { out, bufs } = await runForward(gpu, tied, 16);
    checkForward(out, tied, 'tied');
    destroyAll(bufs);
    const { dH } = await runGradient(gpu, tied, 16);
    expectClose(dH, crossEntropyBackwardRef(tied, tied.tokenWeight), GRAD_TOL, 'tied dH');
  });
});

describe('LM-head cross-entropy with its gradient (training)', () => {
  it('reference backward equals central finite differences of Σ w[t]·nll[t] (f64)', () => {
    const pr = makeProblem(5, 4, 11, 'f32', 6);
    const analytic = crossEntropyBackwardRef(pr, pr.tokenWeight);
    const numeric = numericGradient((h) => weightedLossRef({ ...pr, hidden: h }, pr.tokenWeight), Float64Array.from(pr.hidden));
    expectClose(analytic, numeric, { atol: 1e-7, rtol: 1e-6 }, 'finite differences');
    // Ignored tokens get exactly zero gradient.
    for (let h = 0; h < pr.H; h++) expect(analytic[0 * pr.H + h]).toBe(0);
  });

  it('matches the reference loss and gradient across chunk tails, for f32, bf16 and f16 weights', async () => {
    const gpu = await testGpu();
    for (const [dtype, chunk] of [['f32', 16], ['bf16', 16], ['f16', 37], ['f32', 5], ['f32', 1]] as const) {
      const pr = makeProblem(7, 6, 37, dtype, 20 + chunk);
      const { out, dH } = await runGradient(gpu, pr, chunk);
      checkForward(out, pr, `${dtype} chunk=${chunk}`);
      expectClose(dH, crossEntropyBackwardRef(pr, pr.tokenWeight), GRAD_TOL, `dH ${dtype} chunk=${chunk}`);
    }
  });

  it('rescales the running sum when a later chunk holds a larger logit, and gathers the target rows into the hidden buffer', async () => {
    const gpu = await testGpu();
    const pr = makeProblem(6, 5, 40, 'f32', 41);
    // Row v of W scaled by 1 + v/4: the largest logits of a row sit in later chunks, so its max
    // grows chunk after chunk and every rescale of the running sum counts.
    const W = pr.weight as Float32Array;
    for (let v = 0; v < pr.V; v++) for (let h = 0; h < pr.H; h++) W[v * pr.H + h] *= 1 + v / 4;
    const steep = { ...pr, weightPacked: W };
    for (const intoHidden of [false, true]) {
      const { out, dH } = await runGradient(gpu, steep, 8, { intoHidden });
      checkForward(out, steep, `growing max, rows into hidden=${intoHidden}`);
      expectClose(dH, crossEntropyBackwardRef(steep, steep.tokenWeight), GRAD_TOL, `dH growing max, rows into hidden=${intoHidden}`);
    }
  });

  it('reads a head in row parts (larger than one binding): chunks end at the parts’ borders, forward and backward', async () => {
    const gpu = await testGpu();
    // V = 45 in parts of 20, 7 and 18 rows; chunks of 16 cross both borders, and one part is smaller than a chunk.
    for (const dtype of ['f32', 'bf16'] as const) {
      const pr = makeProblem(7, 6, 45, dtype, 31);
      const { out, bufs } = await runForward(gpu, pr, 16, { parts: [20, 7, 18] });
      checkForward(out, pr, `${dtype} in parts`);
      destroyAll(bufs);
      const trained = await runGradient(gpu, pr, 16, { parts: [20, 7, 18] });
      checkForward(trained.out, pr, `${dtype} in parts, with the gradient`);
      expectClose(trained.dH, crossEntropyBackwardRef(pr, pr.tokenWeight), GRAD_TOL, `dH ${dtype} in parts`);
    }
    const pr = makeProblem(3, 4, 20, 'f32', 32);
    await expect(runForward(gpu, pr, 8, { parts: [8, 8] })).rejects.toThrow('cross-entropy: no part of the LM head holds vocabulary row 16 (of 20)');
  });
});

describe('LM-head cross-entropy with the head’s all-zero rows left out (folded in as logits of exactly 0)', () => {
  /** The problem with most rows of W zeroed, and the same problem on W's other rows only: targets
   * renumbered to them, one past them for a zero row (compactHead.ts's convention). */
  function withZeroRows(pr: Problem, kept: number[]): { full: Problem; compact: Problem; zeroRows: number } {
    const { V, H } = pr;
    const W = Float64Array.from(pr.weight);
    for (let v = 0; v < V; v++) if (!kept.includes(v)) W.fill(0, v * H, (v + 1) * H);
    const full = { ...pr, weight: W, weightPacked: Float32Array.from(W) };
    const compactW = Float32Array.from(kept.flatMap((v) => Array.from(W.subarray(v * H, (v + 1) * H))));
    const targets = Int32Array.from(pr.targets, (t) => (t < 0 || t >= V ? -1 : kept.includes(t) ? kept.indexOf(t) : kept.length));
    return { full, compact: { ...pr, V: kept.length, weight: compactW, weightPacked: compactW, targets }, zeroRows: V - kept.length };
  }

  it('matches the whole head’s loss and gradient, over several chunks, with targets on zero rows and rows whose logits are all below 0', async () => {
    const gpu = await testGpu();
    const pr = makeProblem(9, 6, 50, 'f32', 77);
    const kept = [2, 3, 11, 17, 30, 41, 49];
    // Targets on zero rows (0, 5) beside kept ones; one row's hidden state makes every kept logit
    // far below 0, so the zero rows hold its max.
    (pr.targets as Int32Array).set([5, 3, 0, 41], 1);
    const row = 2;
    const W = pr.weight as Float32Array;
    for (const v of kept) W[v * pr.H] = Math.abs(W[v * pr.H]) + 0.5;
    const h = pr.hidden as Float32Array;
    h.fill(0, row * pr.H, (row + 1) * pr.H);
    h[row * pr.H] = -10;
    const { full, compact, zeroRows } = withZeroRows(pr, kept);
    const wantNll = crossEntropyForwardRef(full);
    expect(Array.from(kept, (v) => dotRow(full, row, v)).every((z) => z < -1), 'row 2: every kept logit below 0').toBe(true);
    for (const chunk of [3, 7, undefined]) {
      const { out, bufs } = await runForward(gpu, compact, chunk, { zeroRows });
      expectClose(out.lse, wantNll.lse, NLL_TOL, `lse chunk=${chunk}`);
      expectClose(out.nll, wantNll.nll, NLL_TOL, `nll chunk=${chunk}`);
      expectClose(out.segmentNll, wantNll.segmentNll, { atol: 1e-4, rtol: 1e-5 }, `segment sums chunk=${chunk}`);
      expect(Array.from(out.segmentCount), 'a target on a zero row counts').toEqual(Array.from(wantNll.segmentCount));
      destroyAll(bufs);
      const trained = await runGradient(gpu, compact, chunk, { zeroRows });
      expectClose(trained.out.nll, wantNll.nll, NLL_TOL, `nll with the gradient chunk=${chunk}`);
      expectClose(trained.dH, crossEntropyBackwardRef(full, full.tokenWeight), GRAD_TOL, `dH chunk=${chunk}`);
    }
  });
});

function dotRow(pr: Problem, t: number, v: number): number {
  let z = 0;
  for (let j = 0; j < pr.H; j++) z += (pr.hidden[t * pr.H + j] as number) * (pr.weight[v * pr.H + j] as number);
  return z;
}

describe('LM-head cross-entropy rows read four logits a load (CPU adapters)', () => {
  it('gives the bits of one logit a load: loss, running stats, segment sums and dH, over chunks of 8,192 and a last one of 3,616; in parts, chunks of 3,610 and 6 (not multiples of 4) read one a load', async () => {
    const gpu = await testGpu();
    const bits = (x: ArrayLike<number>) => Array.from(new Uint32Array(Float32Array.from(x).buffer));
    // Flat, one chunk: logits near 0, so every term of Σ e^(z − max) counts and a sum added in
    // another order shows in its last bits (a later chunk's larger running sum would round it
    // away). Steep: later vocabulary rows larger, so a row's max grows from chunk to chunk and
    // every rescale counts.
    const cases = [
      { shape: 'flat', V: 8192, scale: (_: number) => 0.05, partsList: [undefined] },
      { shape: 'steep', V: 20_000, scale: (v: number) => 1 + v / 5000, partsList: [undefined, [19_994, 6]] },
    ];
    for (const { shape, V, scale, partsList } of cases) {
      const pr = makeProblem(6, 8, V, 'bf16', 51);
      const W = Float32Array.from(pr.weight as Float32Array);
      for (let v = 0; v < pr.V; v++) for (let h = 0; h < pr.H; h++) W[v * pr.H + h] *= scale(v);
      const half = packHalves(W, 'bf16');
      const problem = { ...pr, weight: half.values, weightPacked: half.packed };
      (problem.targets as Int32Array)[1] = V - 1; // the last logit
      (problem.targets as Int32Array)[2] = 8_191 - 4; // the last lane of a vec4
      for (const parts of partsList) {
        const label = `${shape}${parts ? ', in parts' : ''}`;
        const scalarF = await runForward(gpu, problem, 8192, { parts, rowLoads: 'scalar' });
        const vecF = await runForward(gpu, problem, 8192, { parts, rowLoads: 'vec4' });
        for (const k of ['nll', 'lse', 'segmentNll', 'stats'] as const) expect(bits(vecF.out[k]), `${label}: forward ${k}`).toEqual(bits(scalarF.out[k]));
        checkForward(vecF.out, problem, `${label}: vec4 forward`);
        destroyAll(scalarF.bufs);
        destroyAll(vecF.bufs);
        const scalarG = await runGradient(gpu, problem, 8192, { parts, rowLoads: 'scalar' });
        const vecG = await runGradient(gpu, problem, 8192, { parts, rowLoads: 'vec4' });
        for (const k of ['nll', 'lse', 'segmentNll', 'stats'] as const) expect(bits(vecG.out[k]), `${label}: training ${k}`).toEqual(bits(scalarG.out[k]));
        expect(bits(vecG.dH), `${label}: dH`).toEqual(bits(scalarG.dH));
        expectClose(vecG.dH, crossEntropyBackwardRef(problem, problem.tokenWeight), { atol: 1e-4, rtol: 1e-3 }, `${label}: vec4 dH`);
      }
    }
  });
});

describe('LM-head cross-entropy limits', () => {
  it('sizes vocabulary chunks so one chunk of logits fits the binding limit', () => {
    const withLimit = (bytes: number) => ({ ctx: { limits: { maxStorageBufferBindingSize: bytes } } }) as unknown as Gpu;
    // 1 MiB binding, 1000 tokens: ⌊2²⁰ / 4000⌋ = 262 rows fit, rounded down to whole 16-row fragments.
    expect(crossEntropyChunk(withLimit(2 ** 20), 1000, 151_936)).toBe(256);
    expect(crossEntropyChunk(withLimit(2 ** 30), 16, 151_936)).toBe(8192); // capped by MAX_CHUNK
    expect(crossEntropyChunk(withLimit(2 ** 30), 16, 37)).toBe(37); // never more than V
    expect(() => crossEntropyChunk(withLimit(1024), 1000, 100)).toThrow(/do not fit/);
  });

  it('runs a 151,936-row vocabulary (Qwen) in chunks within the dispatch and binding limits', async () => {
    const gpu = await testGpu();
    const pr = makeProblem(2, 8, 151_936, 'bf16', 9);
    (pr.targets as Int32Array)[0] = 151_935; // the last row of the last (partial) chunk
    (pr.targets as Int32Array)[1] = 8_192; // the first row of the second chunk
    const { out, bufs } = await runForward(gpu, pr);
    checkForward(out, pr, 'V=151936');
    destroyAll(bufs);
    const { dH } = await runGradient(gpu, pr, undefined);
    // dH sums 151,936 terms: f32 accumulation error grows to ~1e-4 here.
    expectClose(dH, crossEntropyBackwardRef(pr, pr.tokenWeight), { atol: 2e-4, rtol: 1e-3 }, 'V=151936 dH');
  });
});
