// Element type conversion launches (shaders/convert.wgsl): f32 / bf16 / f16 → f32 / bf16 / f16,
// halves packed two per u32 (element 2i in the low half, i.e. safetensors/ONNX byte order), rounded
// to nearest even exactly like src/model/dtype.ts. The ONNX export uses it to unpack a frozen weight
// before the LoRA merge and to pack the merged f32 tensor into the export dtype.
// Records into gpu.recorder only: never submits, never reads back.
import { packParams, shaderFile, splitWorkgroups, type Gpu } from '../gpu/index.ts';
import type { WeightDtype } from './matmul.ts';
import code from '../../shaders/convert.wgsl?raw';

export const CONVERT = shaderFile('convert.wgsl', code);
const WG = 256;
const DTYPE_CODE: Record<WeightDtype, number> = { f32: 0, bf16: 1, f16: 2 };
export const ELEMENT_BYTES: Record<WeightDtype, number> = { f32: 4, bf16: 2, f16: 2 };

export interface ConvertArgs {
  src: GPUBuffer;
  srcDtype: WeightDtype;
  dst: GPUBuffer;
  dstDtype: WeightDtype;
  /** Elements to convert. */
  n: number;
  /** Element offsets; a packed destination needs an even offset (each invocation writes a whole u32). */
  srcOffset?: number;
  dstOffset?: number;
}

/** Records dst[dstOffset..+n) = convert(src[srcOffset..+n)). With a packed destination and odd n,
 * the high half of the last word is written as 0. */
export async function convertDtype(gpu: Gpu, a: ConvertArgs): Promise<void> {
  const srcOffset = a.srcOffset ?? 0;
  const dstOffset = a.dstOffset ?? 0;
  if (a.n === 0) return;
  if (a.dstDtype !== 'f32' && dstOffset % 2 !== 0) throw new RangeError(`convertDtype: a packed ${a.dstDtype} destination needs an even element offset, got ${dstOffset}`);
  const srcEnd = (srcOffset + a.n) * ELEMENT_BYTES[a.srcDtype];
  const dstEnd = Math.ceil(((dstOffset + a.n) * ELEMENT_BYTES[a.dstDtype]) / 4) * 4;
  if (srcEnd > a.src.size) throw new RangeError(`convertDtype: source "${a.src.label}" has ${a.src.size} bytes, needs ${srcEnd}`);
  if (dstEnd > a.dst.size) throw new RangeError(`convertDtype: destination "${a.dst.label}" has ${a.dst.size} bytes, needs ${dstEnd}`);
  const words = a.dstDtype === 'f32' ? a.n : Math.ceil(a.n / 2);
  const pipeline = await gpu.pipelines.pipeline(CONVERT, 'convert', { WG, SRC_DTYPE: DTYPE_CODE[a.srcDtype], DST_DTYPE: DTYPE_CODE[a.dstDtype] });
  const [x, y] = splitWorkgroups(Math.ceil(words / WG), gpu.ctx.limits.maxComputeWorkgroupsPerDimension);
  gpu.recorder.dispatch(pipeline, packParams([{ u32: a.n }, { u32: srcOffset }, { u32: dstOffset }]), { 1: a.src, 2: a.dst }, [x, y]);
}
