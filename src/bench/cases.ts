// What the benchmark measures: each case builds its inputs once for our kernels and for the tfjs
// peer, then hands back a `launch` that records/enqueues one operation. To benchmark another kernel,
// add a case to MATMUL_CASES / ATTENTION_CASES (or a new list in ALL_CASE_GROUPS); nothing else changes.
// Bench only: allocates its own buffers and destroys them in dispose().
import { uploadBuffer, createStorageBuffer, readF32, type Gpu } from '../gpu/index.ts';
import { f16BitsToF32, f32ToF16Bits } from '../model/dtype.ts';
import { describeVariant, matmul } from '../ops/matmul.ts';
import { chooseMatmulVariant } from '../ops/matmulChoice.ts';
import { matmulOperands } from '../ops/matmulOperands.ts';
import { attentionForward } from '../ops/attention.ts';
import type { TfjsPeer } from './tfjsPeer.ts';

export interface Runner {
  launch(): Promise<void> | void;
  /** The kernel variant our side runs now (after any tuning), for the report. */
  variant?(): string;
  /** The result as f32 on the CPU, for the ours-vs-tfjs check (called after timing). */
  read(): Promise<Float32Array>;
  dispose(): void;
}

export interface BenchCase {
  name: string;
  group: 'matmul' | 'attention';
  /** Nominal floating-point operations of one launch (same count for both sides). */
  flop: number;
  /** A short note on what differs between the two sides (e.g. weight dtype). */
  note?: string;
  /** GPU-sized: run on hardware adapters only (minutes each on a software adapter). */
  gpuOnly?: boolean;
  ours(gpu: Gpu): Promise<Runner>;
  tfjs(peer: TfjsPeer): Runner;
}

/** Deterministic inputs in [-1, 1) (a small LCG: fast for tens of millions of values). */
function inputs(n: number, seed: number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((s / 4294967296) * 2 - 1) * scale;
  }
  return out;
}

/** f32 → bf16 (round to nearest even) packed two per u32, and the values it decodes to. */
function toBf16(x: Float32Array): { packed: Uint32Array; values: Float32Array } {
  const bits = new Uint32Array(x.buffer, x.byteOffset, x.length);
  const halves = new Uint16Array(x.length + (x.length & 1));
  const values = new Float32Array(x.length);
  const vbits = new Uint32Array(values.buffer);
  for (let i = 0; i < x.length; i++) {
    const b = bits[i];
    halves[i] = ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) & 0xffff;
    vbits[i] = halves[i] << 16;
  }
  return { packed: new Uint32Array(halves.buffer), values };
}

/** f32 → f16 (round to nearest even) packed two per u32, and the values it decodes to. */
function toF16(x: Float32Array): { packed: Uint32Array; values: Float32Array } {
  const halves = new Uint16Array(x.length + (x.length & 1));
  const values = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    halves[i] = f32ToF16Bits(x[i]);
    values[i] = f16BitsToF32(halves[i]);
  }
  return { packed: new Uint32Array(halves.buffer), values };
}

function matmulCase(M: number, N: number, K: number, weight: 'f32' | 'bf16' | 'f16', gpuOnly = false, label = ''): BenchCase {
  // Linear-layer shape: x [M,K] · Wᵀ with W [N,K] as HF stores it. Scale keeps sums O(1).
  const x = inputs(M * K, 1, 1);
  const w = inputs(N * K, 2, 1 / Math.sqrt(K));
  const half = weight === 'bf16' ? toBf16(w) : weight === 'f16' ? toF16(w) : null;
  const shape = M === N && N === K ? `matmul ${M}³` : `matmul ${M}×${K}·(${N}×${K})ᵀ`;
  return {
    name: `${shape}${weight === 'f32' ? '' : ` ${weight}`}${label ? ` (${label})` : ''}`,
    group: 'matmul',
    flop: 2 * M * N * K,
    gpuOnly,
    note: half ? `ours: W ${weight} packed (tensor cores where offered: f16 inputs, f32 results); tfjs: W f32 (no 16-bit weights)` : 'f32, y = x·Wᵀ',
    async ours(gpu) {
      const a = uploadBuffer(gpu.ctx, x, 'bench:x');
      const b = uploadBuffer(gpu.ctx, half ? half.packed : w, 'bench:W');
      const c = createStorageBuffer(gpu.ctx, M * N * 4, 'bench:y');
      const args = { a, b, c, M, N, K, transB: true, bDtype: weight };
      return {
        launch: () => matmul(gpu, args),
        variant: () => describeVariant(chooseMatmulVariant(gpu, matmulOperands(gpu, args)!)),
        read: async () => {
          gpu.recorder.submit();
          return readF32(gpu.ctx, c, M * N);
        },
        dispose: () => [a, b, c].forEach((t) => t.destroy()),
      };
    },
    tfjs({ tf }) {
      const a = tf.tensor2d(x, [M, K]);
      const b = tf.tensor2d(half ? half.values : w, [N, K]);
      let y: ReturnType<typeof tf.matMul> | null = null;
      return {
        launch() {
          y?.dispose();
          y = tf.matMul(a, b, false, true);
        },
        read: async () => (await y!.data()) as Float32Array,
        dispose: () => [a, b, y].forEach((t) => t?.dispose()),
      };
    },
  };
}

/** Qwen2.5-0.5B attention: 14 query heads, 2 KV heads, head_dim 64, one causal sequence. */
function attentionCase(T: number, gpuOnly = false): BenchCase {
  const H = 14;
  const Hkv = 2;
  const D = 64;
  const q = inputs(T * H * D, 3);
  const k = inputs(T * Hkv * D, 4);
  const v = inputs(T * Hkv * D, 5);
  return {
    name: `attention fwd T=${T}`,
    group: 'attention',
    gpuOnly,
    // QKᵀ and PV, counted dense (the causal half is skipped by both, or by neither, equally).
    flop: 4 * H * T * T * D,
    note: 'H=14, KV=2, d=64, causal; tfjs: batched matMul + mask + softmax',
    async ours(gpu) {
      const bq = uploadBuffer(gpu.ctx, q, 'bench:q');
      const bk = uploadBuffer(gpu.ctx, k, 'bench:k');
      const bv = uploadBuffer(gpu.ctx, v, 'bench:v');
      const seg = uploadBuffer(gpu.ctx, new Uint32Array(T).fill(1), 'bench:segments');
      const out = createStorageBuffer(gpu.ctx, T * H * D * 4, 'bench:out');
      const lse = createStorageBuffer(gpu.ctx, T * H * 4, 'bench:lse');
      const shape = { batch: 1, seqLen: T, nHeads: H, nKvHeads: Hkv, headDim: D };
      return {
        launch: () => attentionForward(gpu, shape, { q: bq, k: bk, v: bv, segments: seg, out, lse }),
        read: async () => {
          gpu.recorder.submit();
          return readF32(gpu.ctx, out, T * H * D);
        },
        dispose: () => [bq, bk, bv, seg, out, lse].forEach((t) => t.destroy()),
      };
    },
    tfjs({ tf }) {
      // Head-major tensors prepared outside the timed region (tfjs's best case): [H, T, D].
      const qh = tf.tidy(() => tf.transpose(tf.tensor3d(q, [T, H, D]), [1, 0, 2]));
      const expand = (x: Float32Array) =>
        tf.tidy(() => {
          const t = tf.transpose(tf.tensor3d(x, [T, Hkv, D]), [1, 0, 2]); // [Hkv, T, D]
          return tf.reshape(tf.tile(tf.expandDims(t, 1), [1, H / Hkv, 1, 1]), [H, T, D]);
        });
      const kh = expand(k);
      const vh = expand(v);
      const maskData = new Float32Array(T * T);
      for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) maskData[i * T + j] = -1e9;
      const mask = tf.tensor2d(maskData, [T, T]);
      const scale = tf.scalar(1 / Math.sqrt(D));
      let o: ReturnType<typeof tf.matMul> | null = null;
      return {
        launch() {
          o?.dispose();
          o = tf.tidy(() => {
            const s = tf.add(tf.mul(tf.matMul(qh, kh, false, true), scale), mask);
            const ohd = tf.matMul(tf.softmax(s), vh); // [H, T, D]
            return tf.transpose(ohd, [1, 0, 2]); // [T, H, D] like ours
          });
        },
        read: async () => (await o!.data()) as Float32Array,
        dispose: () => [qh, kh, vh, mask, scale, o].forEach((t) => t?.dispose()),
      };
    },
  };
}

export const MATMUL_CASES: Array<() => BenchCase> = [
  () => matmulCase(256, 256, 256, 'f32'),
  () => matmulCase(512, 512, 512, 'f32'),
  () => matmulCase(128, 4864, 896, 'bf16'), // Qwen2.5-0.5B MLP up-projection on 128 tokens
  // An LM-head chunk of the embedded tiny model (192 loss rows × 8192 vocabulary rows, H=64): the
  // shape that dominates its training step, so the MFU reference includes it.
  () => matmulCase(192, 8192, 64, 'bf16'),
  // GPU-sized (hardware adapters only): the Qwen2.5-0.5B step's products at 2,048 tokens, f32 as the
  // peer computes them, and 16-bit weights as the engine holds them (tensor cores where offered).
  () => matmulCase(4096, 4096, 4096, 'f32', true),
  () => matmulCase(2048, 896, 4864, 'f32', true, 'down proj. shape'),
  () => matmulCase(2048, 4864, 896, 'f32', true, 'gate/up shape'),
  () => matmulCase(2048, 32768, 896, 'f32', true, 'LM-head chunk'),
  () => matmulCase(4096, 4096, 4096, 'f16', true),
  () => matmulCase(2048, 4864, 896, 'f16', true, 'gate/up shape'),
  () => matmulCase(2048, 32768, 896, 'f16', true, 'LM-head chunk'),
];

export const ATTENTION_CASES: Array<() => BenchCase> = [() => attentionCase(128), () => attentionCase(256), () => attentionCase(1024, true)];

export const ALL_CASE_GROUPS: Record<BenchCase['group'], Array<() => BenchCase>> = {
  matmul: MATMUL_CASES,
  attention: ATTENTION_CASES,
};
