// Launches of shaders/lora_decode.wgsl: the LoRA share of up to three projections that read the same
// input, added to their outputs in one dispatch, for the few rows of a decode step. Records into
// gpu.recorder only; never submits, never reads back. It keeps no u = x·Aᵀ, so it serves passes
// with no backward (decoding); training runs the two-product path in model/transformer.ts.
// Which layout of the kernel runs is chosen per adapter and shape class (loraDecodeChoice.ts), as the
// autotune (loraDecodeTune.ts) measured; `variant` forces one (tests and the tuner).
import { packParams, perGpu, shaderFile, type Gpu } from '../gpu/index.ts';
import { chooseLoraDecodeVariant, loraDecodeShapeClass, type LoraDecodeVariant } from './loraDecodeChoice.ts';
import code from '../../shaders/lora_decode.wgsl?raw';

export const LORA_DECODE = shaderFile('lora_decode.wgsl', code);
/** Limits of the kernel's workgroup memory (u holds M·r values) and of its output bindings. */
export const LORA_DECODE_MAX_ROWS = 8;
export const LORA_DECODE_MAX_RANK = 64;
export const LORA_DECODE_MAX_TARGETS = 3;

export interface LoraDecodeTarget {
  /** Element offset of A [r, K] in the adapter buffer. */
  offA: number;
  /** Element offset of B [outF, r] in the adapter buffer. */
  offB: number;
  outF: number;
  /** [M, outF] f32, added to. */
  y: GPUBuffer;
}

export interface LoraDecodeArgs {
  /** [M, K] f32, the input every target reads. */
  x: GPUBuffer;
  /** The adapter's flat f32 parameters. */
  lora: GPUBuffer;
  scale: number;
  M: number;
  K: number;
  r: number;
  targets: LoraDecodeTarget[];
}

/** Shape classes met while recording on a hardware adapter, with one call of each (what a tuning
 * pass measures), and the layout each class last ran, on any adapter (what the generation benchmark
 * reports). */
export const seenLoraDecodeClasses = perGpu(() => new Map<string, LoraDecodeArgs>());
export const loraDecodeVariantsRun = perGpu(() => new Map<string, LoraDecodeVariant>());

/** Whether the fused kernel can run this shape (else use the two products per target). */
export function loraDecodeFits(M: number, r: number, targets: number): boolean {
  return M >= 1 && M <= LORA_DECODE_MAX_ROWS && r >= 1 && r <= LORA_DECODE_MAX_RANK && targets >= 1 && targets <= LORA_DECODE_MAX_TARGETS;
}

/** Records y_t += scale · (x·A_tᵀ)·B_tᵀ for every target t. */
export async function loraDecode(gpu: Gpu, a: LoraDecodeArgs & { variant?: LoraDecodeVariant }): Promise<void> {
  const { M, K, r, targets } = a;
  if (!loraDecodeFits(M, r, targets.length)) {
    throw new RangeError(`loraDecode: ${M} rows, rank ${r} and ${targets.length} targets are past its limits (${LORA_DECODE_MAX_ROWS} rows, rank ${LORA_DECODE_MAX_RANK}, ${LORA_DECODE_MAX_TARGETS} targets)`);
  }
  if (a.x.size < M * K * 4) throw new RangeError(`loraDecode: input "${a.x.label}" holds ${a.x.size} bytes, ${M}×${K} f32 needs ${M * K * 4}`);
  const shape = { M, K, r, outs: targets.map((t) => t.outF) };
  const v = a.variant ?? chooseLoraDecodeVariant(gpu, shape);
  if (!a.variant) {
    const key = loraDecodeShapeClass(shape);
    loraDecodeVariantsRun(gpu).set(key, v);
    const classes = seenLoraDecodeClasses(gpu);
    if (!gpu.ctx.adapter.isSoftware && !classes.has(key)) classes.set(key, { ...a, targets: targets.map((t) => ({ ...t })) });
  }
  const WG = v.WG;
  const params: Array<{ u32: number } | { f32: number }> = [];
  let groups = 0;
  for (const [i, t] of targets.entries()) {
    const need = Math.max(t.offA + r * K, t.offB + t.outF * r) * 4;
    if (a.lora.size < need) throw new RangeError(`loraDecode: target ${i}'s A or B runs past the adapter buffer (${need} > ${a.lora.size} bytes)`);
    if (t.y.size < M * t.outF * 4) throw new RangeError(`loraDecode: output "${t.y.label}" holds ${t.y.size} bytes, ${M}×${t.outF} f32 needs ${M * t.outF * 4}`);
    params.push({ u32: t.offA }, { u32: t.offB }, { u32: t.outF }, { u32: groups });
    groups += Math.ceil(t.outF / WG);
  }
  while (params.length < 4 * LORA_DECODE_MAX_TARGETS) params.push({ u32: 0 });
  // Threads sharing one u value's K loop: as many as the workgroup has to spare, a power of two (the
  // split layout uses the whole workgroup for each value and ignores it).
  const threadsPerU = 2 ** Math.floor(Math.log2(Math.max(1, Math.floor(WG / (M * r)))));
  const head = [{ u32: M }, { u32: K }, { u32: r }, { u32: targets.length }, { f32: a.scale }, { u32: threadsPerU }, { u32: 0 }, { u32: 0 }];
  const constants = { WG, SUMS: v.u === 'fourSums' ? 4 : 1, SPLIT: v.u === 'split' ? 1 : 0 };
  const pipeline = await gpu.pipelines.pipeline(LORA_DECODE, `lora_decode_${targets.length}`, constants);
  const outputs: Record<number, GPUBuffer> = {};
  targets.forEach((t, i) => (outputs[3 + i] = t.y));
  gpu.recorder.dispatch(pipeline, packParams([...head, ...params]), { 1: a.x, 2: a.lora, ...outputs }, [groups]);
}
