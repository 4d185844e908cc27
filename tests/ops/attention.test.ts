// Causal GQA attention: the f64 reference's backward against finite differences, then the GPU
// forward, backward and decode against the reference at shapes that are not multiples of the tiles
// (tiles: 64 rows per workgroup, ≤32 rows per shared tile), T = 1, GQA ratios 1, 2 and 7, left and
// right padding, and two packed sequences in one row. Every GPU check runs both tile paths: staged in
// workgroup memory (the real-GPU default) and read straight from storage with the loops over the
// head dimension written out (the CPU default). Decode runs both its forms (single pass, and split
// into 256-position chunks then merged) around the chunk borders.
import { describe, expect, it } from 'vitest';
import { createGpu, createStorageBuffer, readF32, uploadBuffer, type Gpu } from '../../src/gpu/index.ts';
import {
  attentionBackward, attentionBackwardScratchBytes, attentionCachedRows, attentionDecode, attentionDecodeForm, attentionDecodeScratchBytes, attentionForward, attentionKernel, tiledWorkgroupBytes,
  type AttentionDecodeOptions, type AttentionOptions, type AttentionShape,
} from '../../src/ops/attention.ts';
import { acquireNodeGpu } from '../../src/gpu/nodeGpu.ts';
import { attentionBackwardRef, attentionCachedRowsRef, attentionDecodeRef, attentionForwardRef, type AttentionRefShape } from '../reference/attention.ts';
import { expectClose, randomArray } from '../helpers/compare.ts';
import { testGpu } from '../helpers/gpu.ts';

// f32 GPU vs f64 reference on inputs in [-1, 1]: dot products of ≤128 terms and softmax sums of
// ≤300 terms each lose a few ulps (~1e-7 relative) per step; 2e-5 absolute leaves ~100× headroom
// yet catches any masking or indexing error (those move values by ~1e-2 or more).
const FWD_TOL = { atol: 2e-5, rtol: 1e-4 };
// The backward sums T·group products of such terms per gradient element, with magnitudes up to ~T.
const BWD_TOL = { atol: 1e-4, rtol: 5e-4 };

interface Case {
  name: string;
  B: number;
  T: number;
  H: number;
  Hkv: number;
  d: number;
  seg: (b: number, t: number) => number;
  /** multiplies q, to make the softmax peaked (scores spread over ~±8) */
  qScale?: number;
}

const full = () => 1;
/** Sequences starting at `starts`, each labelled 1 + its start (as packed batches are), padding from `end`. */
const byStarts = (starts: number[], end: number) => (_b: number, t: number) => (t >= end ? 0 : starts.findLast((s) => s <= t)! + 1);
const modes: Array<{ label: string; opts: AttentionOptions }> = [
  // What a GPU runs where the tiled kernel does not fit, and what a CPU adapter runs (unrollLoops.ts).
  { label: 'staged tiles', opts: { kernel: 'rows', stageTiles: true, unrollHead: false } },
  { label: 'direct reads, head loops written out', opts: { kernel: 'rows', stageTiles: false, unrollHead: true } },
];
// The GPU kernel (attention_tiled.wgsl) runs head dims that are multiples of 32 (≤ 64 backward):
// the same situations again at those widths, plus its own tile borders (64-row blocks, 32-column tiles).
const tiledMode = { label: 'tiled', opts: { kernel: 'tiled' } as AttentionOptions };
const cases: Case[] = [
  { name: 'T=1, GQA 2', B: 1, T: 1, H: 2, Hkv: 1, d: 8, seg: full },
  { name: 'T=37 (not a tile multiple), B=2, GQA 2', B: 2, T: 37, H: 4, Hkv: 2, d: 16, seg: full },
  { name: 'GQA 7 like Qwen2.5-0.5B (14/2), T=20', B: 1, T: 20, H: 14, Hkv: 2, d: 8, seg: full },
  { name: 'left padding (row 0) and right padding (row 1)', B: 2, T: 19, H: 2, Hkv: 1, d: 16, seg: (b, t) => (b === 0 ? (t >= 5 ? 1 : 0) : t < 12 ? 1 : 0) },
  { name: 'two packed sequences then padding, GQA 1', B: 1, T: 30, H: 4, Hkv: 4, d: 8, seg: (_b, t) => (t < 12 ? 1 : t < 27 ? 2 : 0) },
  { name: 'T=70 spans two row blocks, head_dim 64', B: 1, T: 70, H: 2, Hkv: 1, d: 64, seg: full },
  { name: 'head_dim 128, T=33 (a staged tile of 8 rows with a tail of 1)', B: 1, T: 33, H: 2, Hkv: 2, d: 128, seg: (_b, t) => (t < 3 ? 0 : 1) },
  { name: 'T=65: a row block with a tail of 1, B=2, GQA 2', B: 2, T: 65, H: 2, Hkv: 1, d: 8, seg: full },
  { name: 'peaked softmax (q×8): the running max moves across tiles', B: 1, T: 50, H: 2, Hkv: 1, d: 16, seg: full, qScale: 8 },
  // Labelled as packed batches are (1 + the first position), which the kernels skip keys by: a row
  // block starting inside a sequence, one holding several, a key block whose sequence ends mid-tile.
  { name: 'three packed sequences labelled by their starts, a block border inside one, then padding', B: 1, T: 150, H: 2, Hkv: 1, d: 16, seg: byStarts([0, 20, 100], 140) },
  { name: 'short packed sequences, then row blocks of padding only (row 0); one sequence (row 1)', B: 2, T: 140, H: 2, Hkv: 2, d: 8, seg: (b, t) => (b === 0 ? byStarts([0, 5, 11, 18, 30, 31, 47], 60)(b, t) : 1) },
];

const tiledCases: Case[] = [
  { name: 'T=1, GQA 2, d=32', B: 1, T: 1, H: 2, Hkv: 1, d: 32, seg: full },
  { name: 'T=37, B=2, GQA 2, d=32', B: 2, T: 37, H: 4, Hkv: 2, d: 32, seg: full },
  { name: 'GQA 7 (14/2), T=20, d=64', B: 1, T: 20, H: 14, Hkv: 2, d: 64, seg: full },
  { name: 'left and right padding, d=32', B: 2, T: 19, H: 2, Hkv: 1, d: 32, seg: (b, t) => (b === 0 ? (t >= 5 ? 1 : 0) : t < 12 ? 1 : 0) },
  { name: 'two packed sequences then padding across a block border, d=64', B: 1, T: 100, H: 2, Hkv: 2, d: 64, seg: (_b, t) => (t < 45 ? 1 : t < 90 ? 2 : 0) },
  { name: 'T=130: three row blocks, tails of 2, B=2, GQA 2, d=64', B: 2, T: 130, H: 2, Hkv: 1, d: 64, seg: full },
  { name: 'peaked softmax (q×8) over five key tiles, d=32', B: 1, T: 150, H: 2, Hkv: 1, d: 32, seg: full, qScale: 8 },
  { name: 'four packed sequences labelled by their starts across three row blocks, then padding, d=32', B: 1, T: 200, H: 2, Hkv: 1, d: 32, seg: byStarts([0, 40, 70, 150], 190) },
  { name: 'short packed sequences, then row blocks of padding only, B=2, d=32', B: 2, T: 160, H: 2, Hkv: 1, d: 32, seg: (b, t) => (b === 0 ? byStarts([0, 3, 9, 33, 34], 50)(b, t) : byStarts([0, 70], 130)(b, t)) },
];
const tiledForwardOnly: Case[] = [{ name: 'head_dim 128, T=70 (forward only)', B: 1, T: 70, H: 2, Hkv: 1, d: 128, seg: (_b, t) => (t < 3 ? 0 : 1) }];

function makeInputs(c: Case, seed: number) {
  const N = c.B * c.T;
  const seg = new Uint32Array(N);
  for (let b = 0; b < c.B; b++) for (let t = 0; t < c.T; t++) seg[b * c.T + t] = c.seg(b, t);
  return {
    q: randomArray(N * c.H * c.d, seed + 1, c.qScale ?? 1),
    k: randomArray(N * c.Hkv * c.d, seed + 2),
    v: randomArray(N * c.Hkv * c.d, seed + 3),
    dOut: randomArray(N * c.H * c.d, seed + 4),
    seg,
  };
}

function shapes(c: Case): { gpuShape: AttentionShape; refShape: AttentionRefShape } {
  const scale = 1 / Math.sqrt(c.d);
  return {
    gpuShape: { batch: c.B, seqLen: c.T, nHeads: c.H, nKvHeads: c.Hkv, headDim: c.d },
    refShape: { B: c.B, T: c.T, H: c.H, Hkv: c.Hkv, d: c.d, scale },
  };
}

async function runForward(gpu: Gpu, shape: AttentionShape, x: ReturnType<typeof makeInputs>, opts: AttentionOptions = {}) {
  const N = shape.batch * shape.seqLen;
  const b = {
    q: uploadBuffer(gpu.ctx, x.q, 'q'),
    k: uploadBuffer(gpu.ctx, x.k, 'k'),
    v: uploadBuffer(gpu.ctx, x.v, 'v'),
    segments: uploadBuffer(gpu.ctx, x.seg, 'seg'),
    // outputs start as garbage, so padded rows must really be written as zeros
    out: uploadBuffer(gpu.ctx, randomArray(N * shape.nHeads * shape.headDim, 9, 100), 'out'),
    lse: uploadBuffer(gpu.ctx, randomArray(N * shape.nHeads, 10, 100), 'lse'),
  };
  await attentionForward(gpu, shape, b, opts);
  gpu.recorder.submit();
  return b;
}

/** The forward's out and lse against the reference; padded query rows exactly zero. */
async function checkForward(gpu: Gpu, c: Case, seed: number, opts: AttentionOptions): Promise<void> {
  const { gpuShape, refShape } = shapes(c);
  const x = makeInputs(c, seed);
  const b = await runForward(gpu, gpuShape, x, opts);
  const want = attentionForwardRef(refShape, x.q, x.k, x.v, x.seg);
  const out = await readF32(gpu.ctx, b.out);
  expectClose(out, want.out, FWD_TOL, `out (${c.name})`);
  expectClose(await readF32(gpu.ctx, b.lse), want.lse, FWD_TOL, `lse (${c.name})`);
  // padded query rows are exactly zero, not merely small
  const width = c.H * c.d;
  x.seg.forEach((s, n) => {
    if (s === 0) for (let e = 0; e < width; e++) expect(out[n * width + e]).toBe(0);
  });
  Object.values(b).forEach((buf) => buf.destroy());
}

/** dq, dk and dv against the reference. */
async function checkBackward(gpu: Gpu, c: Case, seed: number, opts: AttentionOptions): Promise<void> {
  const { gpuShape, refShape } = shapes(c);
  const x = makeInputs(c, seed);
  const f = await runForward(gpu, gpuShape, x, opts);
  const N = c.B * c.T;
  // gradient buffers start as garbage: the backward overwrites them, it does not accumulate
  const g = {
    dOut: uploadBuffer(gpu.ctx, x.dOut, 'dOut'),
    dq: uploadBuffer(gpu.ctx, randomArray(N * c.H * c.d, 5, 100), 'dq'),
    dk: uploadBuffer(gpu.ctx, randomArray(N * c.Hkv * c.d, 6, 100), 'dk'),
    dv: uploadBuffer(gpu.ctx, randomArray(N * c.Hkv * c.d, 7, 100), 'dv'),
    scratch: uploadBuffer(gpu.ctx, randomArray(attentionBackwardScratchBytes(gpuShape) / 4, 8, 100), 'scratch'),
  };
  await attentionBackward(gpu, gpuShape, { ...f, ...g }, opts);
  gpu.recorder.submit();
  const want = attentionBackwardRef(refShape, x.q, x.k, x.v, x.seg, x.dOut);
  expectClose(await readF32(gpu.ctx, g.dq), want.dq, BWD_TOL, `dq (${c.name})`);
  expectClose(await readF32(gpu.ctx, g.dk), want.dk, BWD_TOL, `dk (${c.name})`);
  expectClose(await readF32(gpu.ctx, g.dv), want.dv, BWD_TOL, `dv (${c.name})`);
  [...Object.values(f), ...Object.values(g)].forEach((buf) => buf.destroy());
}

describe('attention reference', () => {
  it('backward matches central finite differences of the forward in f64 (GQA, padding, packing)', () => {
    // loss = Σ dOut∘out; every input element is perturbed by ±h.
    const c: Case = { name: 'fd', B: 2, T: 6, H: 4, Hkv: 2, d: 4, seg: (b, t) => (b === 0 ? (t < 1 ? 0 : t < 4 ? 1 : 2) : t < 5 ? 3 : 0) };
    const { refShape } = shapes(c);
    const x = makeInputs(c, 11);
    const q = Float64Array.from(x.q);
    const k = Float64Array.from(x.k);
    const v = Float64Array.from(x.v);
    const loss = () => {
      const { out } = attentionForwardRef(refShape, q, k, v, x.seg);
      let s = 0;
      for (let i = 0; i < out.length; i++) s += out[i] * x.dOut[i];
      return s;
    };
    const g = attentionBackwardRef(refShape, q, k, v, x.seg, x.dOut);
    const h = 1e-6;
    for (const [name, arr, grad] of [['q', q, g.dq], ['k', k, g.dk], ['v', v, g.dv]] as const) {
      const fd = new Float64Array(arr.length);
      for (let i = 0; i < arr.length; i++) {
        const keep = arr[i];
        arr[i] = keep + h;
        const up = loss();
        arr[i] = keep - h;
        const down = loss();
        arr[i] = keep;
        fd[i] = (up - down) / (2 * h);
      }
      // central differences in f64 are accurate to ~h² + ε/h ≈ 1e-10; 1e-7 is a tight bound.
      expectClose(grad, fd, { atol: 1e-7, rtol: 1e-6 }, `d${name} vs finite differences`);
      // padded tokens (b=0,t=0 and b=1,t=5) get exactly zero gradient
      const width = name === 'q' ? c.H * c.d : c.Hkv * c.d;
      for (const tok of [0, 11]) for (let e = 0; e < width; e++) expect(grad[tok * width + e]).toBe(0);
    }
  });
});

const forwardRuns = [
  ...cases.flatMap((c, ci) => modes.map((mode) => ({ c, ci, mode }))),
  ...[...tiledCases, ...tiledForwardOnly].map((c, ci) => ({ c, ci: 50 + ci, mode: tiledMode })),
];
const backwardRuns = [
  ...cases.flatMap((c, ci) => modes.map((mode) => ({ c, ci, mode }))),
  ...tiledCases.map((c, ci) => ({ c, ci: 50 + ci, mode: tiledMode })),
];

describe('attention forward on the GPU', () => {
  for (const { c, ci, mode } of forwardRuns) {
    it(`matches the reference (${mode.label}): ${c.name}`, async () => checkForward(await testGpu(), c, 100 * ci, mode.opts));
  }

  it('uses a caller-supplied scale', async () => {
    const gpu = await testGpu();
    const c = cases[1];
    const { gpuShape, refShape } = shapes(c);
    const x = makeInputs(c, 7);
    const b = await runForward(gpu, { ...gpuShape, scale: 0.9 }, x);
    const want = attentionForwardRef({ ...refShape, scale: 0.9 }, x.q, x.k, x.v, x.seg);
    expectClose(await readF32(gpu.ctx, b.out), want.out, FWD_TOL, 'out with scale 0.9');
    Object.values(b).forEach((buf) => buf.destroy());
  });

  it('rejects head dims the kernels cannot hold and head counts that do not group', async () => {
    const gpu = await testGpu();
    const x = { q: new Float32Array(4), k: new Float32Array(4), v: new Float32Array(4), dOut: new Float32Array(4), seg: new Uint32Array(1) };
    await expect(runForward(gpu, { batch: 1, seqLen: 1, nHeads: 1, nKvHeads: 1, headDim: 6 }, x)).rejects.toThrow(/multiple of 4/);
    await expect(runForward(gpu, { batch: 1, seqLen: 1, nHeads: 3, nKvHeads: 2, headDim: 4 }, x)).rejects.toThrow(/multiple of nKvHeads/);
  });

  it('rejects a buffer smaller than the shape needs instead of reading out of range', async () => {
    const gpu = await testGpu();
    // q for 2 tokens × 2 heads × 8 dims needs 128 bytes; this one holds 64
    const x = { q: new Float32Array(16), k: new Float32Array(16), v: new Float32Array(16), dOut: new Float32Array(16), seg: new Uint32Array([1, 1]) };
    await expect(runForward(gpu, { batch: 1, seqLen: 2, nHeads: 2, nKvHeads: 1, headDim: 8 }, x)).rejects.toThrow(/buffer "q" holds 64 bytes, the shape needs 128/);
  });
});

describe('attention backward on the GPU', () => {
  for (const { c, ci, mode } of backwardRuns) {
    it(`matches the reference (${mode.label}): ${c.name}`, async () => checkBackward(await testGpu(), c, 100 * ci + 50, mode.opts));
  }
});

interface DecodeCase {
  name: string;
  maxT: number;
  H: number;
  Hkv: number;
  d: number;
  /** one per sequence (B = lengths.length); 0 = an inactive row */
  lengths: number[];
  qScale?: number;
}

// The decode forms at shapes around the split's 256-position chunks: lengths 0 (inactive), 1, a
// chunk exactly (256), one past it (257), a full cache whose last chunk is partial (700 = 2·256 +
// 188), GQA 1, 3 and 7, and head dims whose vec4 columns fill the workgroup in 4 lanes (d = 64),
// 2 lanes (128) and 12 lanes with 4 threads idle (20).
const decodeCases: DecodeCase[] = [
  { name: 'lengths 0, 1, 280 and 17, GQA 7', maxT: 300, H: 14, Hkv: 2, d: 16, lengths: [0, 1, 280, 17] },
  { name: 'a full cache with a partial last chunk, a chunk exactly, an inactive row; peaked softmax, d=64', maxT: 700, H: 4, Hkv: 2, d: 64, lengths: [700, 256, 0], qScale: 8 },
  { name: 'one past a chunk and two past, GQA 3, d=128', maxT: 520, H: 6, Hkv: 2, d: 128, lengths: [257, 513] },
  { name: 'd=20 (lanes that do not fill the workgroup), GQA 1', maxT: 600, H: 2, Hkv: 2, d: 20, lengths: [599, 3] },
];

async function checkDecode(gpu: Gpu, c: DecodeCase, seed: number, opts: AttentionDecodeOptions): Promise<Float32Array> {
  const B = c.lengths.length;
  const shape = { batch: B, maxSeqLen: c.maxT, nHeads: c.H, nKvHeads: c.Hkv, headDim: c.d };
  const lengths = Uint32Array.from(c.lengths);
  const q = randomArray(B * c.H * c.d, seed + 1, c.qScale ?? 1);
  const kCache = randomArray(B * c.maxT * c.Hkv * c.d, seed + 2);
  const vCache = randomArray(B * c.maxT * c.Hkv * c.d, seed + 3);
  const b = {
    q: uploadBuffer(gpu.ctx, q, 'q'),
    kCache: uploadBuffer(gpu.ctx, kCache, 'kCache'),
    vCache: uploadBuffer(gpu.ctx, vCache, 'vCache'),
    lengths: uploadBuffer(gpu.ctx, lengths, 'lengths'),
    // out and the partials start as garbage: inactive rows must be written as zeros, and chunks
    // past a row's length must not be read
    out: uploadBuffer(gpu.ctx, randomArray(B * c.H * c.d, seed + 4, 100), 'out'),
    partials: uploadBuffer(gpu.ctx, randomArray(attentionDecodeScratchBytes(shape) / 4, seed + 5, 100), 'partials'),
  };
  await attentionDecode(gpu, shape, b, opts);
  gpu.recorder.submit();
  const want = attentionDecodeRef({ B, maxT: c.maxT, H: c.H, Hkv: c.Hkv, d: c.d, scale: 1 / Math.sqrt(c.d) }, q, kCache, vCache, lengths);
  const out = await readF32(gpu.ctx, b.out);
  expectClose(out, want, FWD_TOL, `decode out (${opts.form}: ${c.name})`);
  const width = c.H * c.d;
  c.lengths.forEach((L, r) => {
    if (L === 0) for (let e = 0; e < width; e++) expect(out[r * width + e]).toBe(0);
  });
  Object.values(b).forEach((buf) => buf.destroy());
  return out;
}

describe('attention decode on the GPU', () => {
  const bits = (x: Float32Array) => Array.from(new Uint32Array(x.buffer));
  for (const form of ['single-pass', 'split', 'thread'] as const) {
    decodeCases.forEach((c, ci) => {
      it(`matches the reference (${form}): ${c.name}`, async () => {
        const gpu = await testGpu();
        const out = await checkDecode(gpu, c, 900 + 10 * ci, { form });
        // The single pass's arithmetic in its order, by one invocation per head (four to a
        // workgroup: 14, 6 and 2 heads leave lanes past the last head).
        if (form === 'thread') expect(bits(out)).toEqual(bits(await checkDecode(gpu, c, 900 + 10 * ci, { form: 'single-pass' })));
      });
    });
  }

  it('splits the cache on a GPU once it holds more than two chunks; a software adapter runs an invocation per head', async () => {
    const gpu = await testGpu();
    const hardware: Gpu = { ...gpu, ctx: { ...gpu.ctx, adapter: { ...gpu.ctx.adapter, isSoftware: false } } };
    const software: Gpu = { ...gpu, ctx: { ...gpu.ctx, adapter: { ...gpu.ctx.adapter, isSoftware: true } } };
    expect(attentionDecodeForm(hardware, 6000)).toBe('split');
    expect(attentionDecodeForm(hardware, 513)).toBe('split');
    expect(attentionDecodeForm(hardware, 512)).toBe('single-pass');
    expect(attentionDecodeForm(software, 6000)).toBe('thread');
    expect(attentionDecodeForm(software, 100)).toBe('thread');
    expect(attentionDecodeForm(software, 6000, { form: 'split' })).toBe('split');
  });

  it('the split form without its partials buffer, or with one too small, says which and how large', async () => {
    const gpu = await testGpu();
    const shape = { batch: 2, maxSeqLen: 600, nHeads: 4, nKvHeads: 2, headDim: 16 };
    const qBytes = 2 * 4 * 16 * 4;
    const cacheBytes = 2 * 600 * 2 * 16 * 4;
    const b = {
      q: createStorageBuffer(gpu.ctx, qBytes, 'q'),
      kCache: createStorageBuffer(gpu.ctx, cacheBytes, 'k'),
      vCache: createStorageBuffer(gpu.ctx, cacheBytes, 'v'),
      lengths: createStorageBuffer(gpu.ctx, 8, 'lengths'),
      out: createStorageBuffer(gpu.ctx, qBytes, 'out'),
    };
    await expect(attentionDecode(gpu, shape, b, { form: 'split' })).rejects.toThrow(/partials/);
    const small = createStorageBuffer(gpu.ctx, attentionDecodeScratchBytes(shape) - 16, 'partials');
    await expect(attentionDecode(gpu, shape, { ...b, partials: small }, { form: 'split' })).rejects.toThrow(new RegExp(`"partials" holds ${small.size} bytes, the shape needs ${attentionDecodeScratchBytes(shape)}`));
    [small, ...Object.values(b)].forEach((buf) => buf.destroy());
  });

  it('equals the last row of the causal forward when the cache holds the same keys', async () => {
    const gpu = await testGpu();
    const c: Case = { name: 'decode-vs-forward', B: 1, T: 23, H: 4, Hkv: 2, d: 8, seg: full };
    const { gpuShape } = shapes(c);
    const x = makeInputs(c, 77);
    const f = await runForward(gpu, gpuShape, x);
    const lastQ = x.q.slice((c.T - 1) * c.H * c.d);
    const b = {
      q: uploadBuffer(gpu.ctx, lastQ, 'q'),
      kCache: f.k,
      vCache: f.v,
      lengths: uploadBuffer(gpu.ctx, new Uint32Array([c.T]), 'lengths'),
      out: createStorageBuffer(gpu.ctx, c.H * c.d * 4, 'out'),
    };
    await attentionDecode(gpu, { batch: 1, maxSeqLen: c.T, nHeads: c.H, nKvHeads: c.Hkv, headDim: c.d }, b);
    gpu.recorder.submit();
    const forwardOut = await readF32(gpu.ctx, f.out);
    expectClose(await readF32(gpu.ctx, b.out), forwardOut.slice((c.T - 1) * c.H * c.d), FWD_TOL, 'decode vs forward last row');
    [b.q, b.lengths, b.out, ...Object.values(f)].forEach((buf) => buf.destroy());
  });
});

describe('attention of prefill rows against the cache (the later chunks of a long prompt)', () => {
  it('matches the reference: rows of three sequences at positions across a chunk border, GQA 7', async () => {
    const gpu = await testGpu();
    const Bc = 3, maxT = 300, H = 14, Hkv = 2, d = 16;
    const cacheRows = new Uint32Array([2, 2, 0, 1, 2, 0]);
    const positions = new Uint32Array([255, 256, 0, 7, 299, 40]);
    const R = cacheRows.length;
    const q = randomArray(R * H * d, 911);
    const kCache = randomArray(Bc * maxT * Hkv * d, 912);
    const vCache = randomArray(Bc * maxT * Hkv * d, 913);
    const b = {
      q: uploadBuffer(gpu.ctx, q, 'q'),
      kCache: uploadBuffer(gpu.ctx, kCache, 'kCache'),
      vCache: uploadBuffer(gpu.ctx, vCache, 'vCache'),
      positions: uploadBuffer(gpu.ctx, positions, 'positions'),
      cacheRows: uploadBuffer(gpu.ctx, cacheRows, 'cacheRows'),
      out: createStorageBuffer(gpu.ctx, R * H * d * 4, 'out'),
    };
    await attentionCachedRows(gpu, { rows: R, cacheRows: Bc, maxSeqLen: maxT, nHeads: H, nKvHeads: Hkv, headDim: d }, b);
    gpu.recorder.submit();
    const want = attentionCachedRowsRef({ B: Bc, maxT, H, Hkv, d, scale: 1 / Math.sqrt(d) }, q, kCache, vCache, positions, cacheRows);
    expectClose(await readF32(gpu.ctx, b.out), want, FWD_TOL, 'cached rows out');
    // More rows than a dispatch has workgroups along y (a GPU allowing 4): dispatched in parts.
    const narrow: Gpu = { ...gpu, ctx: { ...gpu.ctx, limits: { ...gpu.ctx.limits, maxComputeWorkgroupsPerDimension: 4 } } };
    const out2 = createStorageBuffer(gpu.ctx, R * H * d * 4, 'out2');
    await attentionCachedRows(narrow, { rows: R, cacheRows: Bc, maxSeqLen: maxT, nHeads: H, nKvHeads: Hkv, headDim: d }, { ...b, out: out2 });
    gpu.recorder.submit();
    expectClose(await readF32(gpu.ctx, out2), want, FWD_TOL, 'cached rows out, in parts');
    out2.destroy();
    Object.values(b).forEach((buf) => buf.destroy());
  });

  it('the rows after a prefix equal the causal forward over the whole sequence', async () => {
    const gpu = await testGpu();
    const c: Case = { name: 'cached-rows-vs-forward', B: 1, T: 23, H: 4, Hkv: 2, d: 8, seg: full };
    const { gpuShape } = shapes(c);
    const x = makeInputs(c, 78);
    const f = await runForward(gpu, gpuShape, x);
    const from = 14;
    const rows = c.T - from;
    const b = {
      q: uploadBuffer(gpu.ctx, x.q.slice(from * c.H * c.d), 'q'),
      positions: uploadBuffer(gpu.ctx, Uint32Array.from({ length: rows }, (_, i) => from + i), 'positions'),
      cacheRows: uploadBuffer(gpu.ctx, new Uint32Array(rows), 'cacheRows'),
      out: createStorageBuffer(gpu.ctx, rows * c.H * c.d * 4, 'out'),
    };
    await attentionCachedRows(gpu, { rows, cacheRows: 1, maxSeqLen: c.T, nHeads: c.H, nKvHeads: c.Hkv, headDim: c.d }, { ...b, kCache: f.k, vCache: f.v });
    gpu.recorder.submit();
    const forwardOut = await readF32(gpu.ctx, f.out);
    expectClose(await readF32(gpu.ctx, b.out), forwardOut.slice(from * c.H * c.d), FWD_TOL, 'cached rows vs forward');
    [...Object.values(b), ...Object.values(f)].forEach((buf) => buf.destroy());
  });
});

describe('attention on a GPU with little workgroup memory', () => {
  // A hardware adapter (as the tests fake one) whose device offers `bytes` of workgroup memory.
  async function hardwareWith(bytes: number): Promise<Gpu> {
    const gpu = createGpu(await acquireNodeGpu({ limitOverrides: { maxComputeWorkgroupStorageSize: bytes } }));
    expect(gpu.ctx.limits.maxComputeWorkgroupStorageSize).toBe(bytes);
    return { ...gpu, ctx: { ...gpu.ctx, adapter: { ...gpu.ctx.adapter, isSoftware: false } } };
  }
  const c = tiledCases[2]; // GQA 7 (14/2), d = 64: Qwen2.5-0.5B's heads

  it('runs the rows kernel where the tiled one does not fit (WebGPU’s default 16 KiB), and a forced tiled one says why', async () => {
    const gpu = await hardwareWith(16384);
    expect([attentionKernel(gpu, 64, 'forward'), attentionKernel(gpu, 64, 'backward'), attentionKernel(gpu, 128, 'forward')]).toEqual(['rows', 'rows', 'rows']);
    await checkForward(gpu, c, 7001, {});
    await checkBackward(gpu, c, 7002, {});
    expect(() => attentionKernel(gpu, 64, 'forward', { kernel: 'tiled' })).toThrow(`attention: the tiled kernel's forward at head_dim 64 needs ${tiledWorkgroupBytes(64, 'forward')} bytes of workgroup memory, and this GPU allows 16384`);
    gpu.ctx.device.destroy();
  });

  it('runs the tiled kernel with exactly the workgroup memory it counts (the count is not short)', async () => {
    const forward = tiledWorkgroupBytes(64, 'forward');
    const backward = tiledWorkgroupBytes(64, 'backward');
    expect(forward).toBeLessThan(backward);
    const gpu = await hardwareWith(forward);
    expect([attentionKernel(gpu, 64, 'forward'), attentionKernel(gpu, 64, 'backward')]).toEqual(['tiled', 'rows']);
    await checkForward(gpu, c, 7003, {});
    gpu.ctx.device.destroy();
    // The backward's count is SwiftShader's whole 32 KiB, where the tiled backward tests above run.
    expect(backward).toBeLessThanOrEqual((await testGpu()).ctx.limits.maxComputeWorkgroupStorageSize);
  });
});
