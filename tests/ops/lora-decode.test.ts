// The fused LoRA decode kernel against an f64 reference: y_t += s·(x·A_tᵀ)·B_tᵀ for one to three
// targets sharing x, at the row counts, ranks and widths a decode step meets (K and outF off the
// workgroup size, tensors at odd offsets in one adapter buffer, outputs that already hold values),
// in every layout the autotune races (each forced in turn), and the layout a call runs by itself.
import { describe, expect, it } from 'vitest';
import { createStorageBuffer, readF32, uploadBuffer } from '../../src/gpu/index.ts';
import { loraDecode, loraDecodeFits, LORA_DECODE_MAX_RANK, LORA_DECODE_MAX_ROWS } from '../../src/ops/loraDecode.ts';
import { describeLoraDecodeVariant, loraDecodeCandidates, type LoraDecodeVariant } from '../../src/ops/loraDecodeChoice.ts';
import { expectClose, randomArray } from '../helpers/compare.ts';
import { testGpu } from '../helpers/gpu.ts';

/** y[m, n] + s·Σ_j (Σ_k x[m,k]·A[j,k])·B[n,j], in f64. */
function loraRef(x: Float32Array, lora: Float32Array, t: { offA: number; offB: number; outF: number }, y: Float32Array, M: number, K: number, r: number, s: number): Float64Array {
  const out = Float64Array.from(y);
  for (let m = 0; m < M; m++) {
    const u = new Float64Array(r);
    for (let j = 0; j < r; j++) for (let k = 0; k < K; k++) u[j] += x[m * K + k] * lora[t.offA + j * K + k];
    for (let n = 0; n < t.outF; n++) {
      let acc = 0;
      for (let j = 0; j < r; j++) acc += u[j] * lora[t.offB + n * r + j];
      out[m * t.outF + n] += s * acc;
    }
  }
  return out;
}

// Each value sums K·r products of magnitude ≤ 1 in f32 (u first, then r terms): a relative error of
// a few 1e-7 per sum, so 1e-5 relative plus 1e-5 absolute (outputs near zero) is ample.
const TOL = { atol: 1e-5, rtol: 1e-5 };

// Every layout the autotune races, and none (the call's own choice: the first layout on SwiftShader).
const layouts: Array<LoraDecodeVariant | undefined> = [undefined, ...loraDecodeCandidates()];

describe.each(layouts.map((v) => [v ? describeLoraDecodeVariant(v) : 'as chosen', v] as const))('lora decode kernel, %s', (_, variant) => {
  const cases = [
    { M: 1, K: 64, r: 16, outs: [64, 32, 32] }, // the tiny model's q, k, v
    { M: 1, K: 130, r: 1, outs: [70] },
    { M: 2, K: 7, r: 3, outs: [5, 130] },
    { M: 5, K: 96, r: 64, outs: [200, 65, 1] }, // M·r past the workgroup: several passes over u
    { M: 8, K: 33, r: 8, outs: [129] },
    { M: 8, K: 50, r: 64, outs: [3, 257] }, // M·r at its limit, 512: u fills the workgroup memory
    // Down's long K (4,864 at Qwen2.5-0.5B), outputs past one workgroup. Outputs reach ~30 and one
    // near zero is a difference of terms that size, each u summed ~1,200 terms a thread in f32: an
    // absolute error of 30·(a few 1e-6), so atol 2e-4.
    { M: 1, K: 4867, r: 16, outs: [300], tol: { atol: 2e-4, rtol: 1e-5 } },
  ];
  for (const c of cases) {
    it(`matches the reference: M=${c.M}, K=${c.K}, r=${c.r}, outputs ${c.outs.join('/')}`, async () => {
      const gpu = await testGpu();
      const { M, K, r } = c;
      const scale = 1.75;
      // Tensors at offsets that are not multiples of anything, with gaps between them.
      let at = 3;
      const slots = c.outs.map((outF) => {
        const offA = at;
        at += r * K + 5;
        const offB = at;
        at += outF * r + 2;
        return { offA, offB, outF };
      });
      const loraHost = randomArray(at, 100 + M + K, 0.5);
      const x = randomArray(M * K, 200 + K);
      const ys = c.outs.map((outF, i) => randomArray(M * outF, 300 + i));
      const xBuf = uploadBuffer(gpu.ctx, x, 'x');
      const loraBuf = uploadBuffer(gpu.ctx, loraHost, 'lora');
      const yBufs = ys.map((y, i) => uploadBuffer(gpu.ctx, y, `y${i}`));
      await loraDecode(gpu, { x: xBuf, lora: loraBuf, scale, M, K, r, targets: slots.map((s, i) => ({ ...s, y: yBufs[i] })), variant });
      gpu.recorder.submit();
      for (const [i, s] of slots.entries()) {
        expectClose(await readF32(gpu.ctx, yBufs[i], M * s.outF), loraRef(x, loraHost, s, ys[i], M, K, r, scale), c.tol ?? TOL, `target ${i}`);
      }
      [xBuf, loraBuf, ...yBufs].forEach((b) => b.destroy());
    });
  }
});

describe('lora decode kernel limits', () => {
  it('says which shapes it takes and refuses others by name', async () => {
    const gpu = await testGpu();
    expect(loraDecodeFits(LORA_DECODE_MAX_ROWS, LORA_DECODE_MAX_RANK, 3)).toBe(true);
    expect(loraDecodeFits(LORA_DECODE_MAX_ROWS + 1, 16, 1)).toBe(false);
    expect(loraDecodeFits(1, LORA_DECODE_MAX_RANK + 1, 1)).toBe(false);
    expect(loraDecodeFits(1, 16, 4)).toBe(false);
    const small = createStorageBuffer(gpu.ctx, 64, 'small');
    const lora = createStorageBuffer(gpu.ctx, 256, 'lora');
    const args = { x: small, lora, scale: 1, M: 1, K: 4, r: 2, targets: [{ offA: 0, offB: 8, outF: 4, y: small }] };
    await expect(loraDecode(gpu, { ...args, M: 9 })).rejects.toThrow(/9 rows.*past its limits/);
    await expect(loraDecode(gpu, { ...args, targets: [{ offA: 0, offB: 60, outF: 4, y: small }] })).rejects.toThrow(/runs past the adapter buffer/);
    await expect(loraDecode(gpu, { ...args, targets: [{ offA: 0, offB: 0, outF: 17, y: small }] })).rejects.toThrow(/output "small" holds 64 bytes/);
    [small, lora].forEach((b) => b.destroy());
  });
});
