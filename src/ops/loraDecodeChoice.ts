// Which layout of shaders/lora_decode.wgsl a call runs on this adapter: the autotune's choice for its
// shape class (loraDecodeTune.ts) when it has measured one, else a rule of thumb. Software adapters
// are never tuned and run the kernel as first written (WG 64, one sum): CI must not get slower. The
// candidates the autotune races are listed here too, so the rule and the search stay side by side.
import { sourceHash } from '../gpu/tuning.ts';
import type { Gpu } from '../gpu/index.ts';
import { sizeClass } from './matmulChoice.ts';
import code from '../../shaders/lora_decode.wgsl?raw';

export const LORA_DECODE_TUNING_OP = 'lora_decode';
export const LORA_DECODE_SOURCE_HASH = sourceHash(code);

/** How a workgroup computes u = x·Aᵀ before its columns' work (see the shader's head):
 * 'oneSum' / 'fourSums': each u value's K loop over a few threads, with one or four sums in flight;
 * 'split': four u values at a time, each K loop over the whole workgroup, summed by a tree. */
export interface LoraDecodeVariant {
  WG: 64 | 256;
  u: 'oneSum' | 'fourSums' | 'split';
}

/** What the shape class of a call is made of. */
export interface LoraDecodeShape {
  M: number;
  K: number;
  r: number;
  /** Output widths of its targets. */
  outs: number[];
}

/** The kernel as first written: what software adapters run. */
export const LORA_DECODE_FIRST: LoraDecodeVariant = { WG: 64, u: 'oneSum' };

/** The first layout, four sums and the split at both sizes (64: more workgroups to spread a wide
 * output over a large GPU; 256: a quarter of the serial loop and of the repeats of u). Not 256 with
 * one sum: four sums do the same work with more loads in flight, and every racer costs a first
 * generation its pipelines (seconds each on SwiftShader, where tests present it as hardware). */
const CANDIDATES: LoraDecodeVariant[] = [
  { WG: 64, u: 'oneSum' },
  { WG: 64, u: 'fourSums' },
  { WG: 64, u: 'split' },
  { WG: 256, u: 'fourSums' },
  { WG: 256, u: 'split' },
];

export function describeLoraDecodeVariant(v: LoraDecodeVariant): string {
  return `wg${v.WG} ${v.u === 'oneSum' ? 'one sum' : v.u === 'fourSums' ? 'four sums' : 'split K'}`;
}

/** Calls that tune alike: rows, rank and target count exact; K and the widest output by octave. */
export function loraDecodeShapeClass(s: LoraDecodeShape): string {
  return [`M${s.M}`, `r${s.r}`, `K${sizeClass(s.K)}`, `N${sizeClass(Math.max(...s.outs))}`, `t${s.outs.length}`].join(' ');
}

/** Everything the autotune races on a hardware adapter. */
export function loraDecodeCandidates(): LoraDecodeVariant[] {
  return CANDIDATES.map((v) => ({ ...v }));
}

/** Until a class is tuned: workgroups of 256 where an output is wider than 64 columns (u's loop is
 * a quarter as long a thread and a quarter as many workgroups repeat it), four sums in flight; 64
 * for narrow outputs, whose few columns would leave most of 256 threads idle. */
export function defaultLoraDecodeVariant(gpu: Gpu, s: LoraDecodeShape): LoraDecodeVariant {
  if (gpu.ctx.adapter.isSoftware) return LORA_DECODE_FIRST;
  return { WG: Math.max(...s.outs) > 64 ? 256 : 64, u: 'fourSums' };
}

/** Whether a (possibly stored, possibly damaged) choice is one of the layouts raced (and tested). */
function isCandidate(v: unknown): v is LoraDecodeVariant {
  const c = v as Partial<LoraDecodeVariant> | undefined;
  return !!c && CANDIDATES.some((k) => k.WG === c.WG && k.u === c.u);
}

/** The autotune's choice for a shape class, unless none is stored or it is damaged: then the class
 * runs the rule of thumb, and the autotune races it (again). */
export function tunedLoraDecodeVariant(gpu: Gpu, shapeClass: string): LoraDecodeVariant | undefined {
  const tuned = gpu.tuning.get<unknown>(LORA_DECODE_TUNING_OP, LORA_DECODE_SOURCE_HASH, shapeClass);
  return isCandidate(tuned) ? { WG: tuned.WG, u: tuned.u } : undefined;
}

/** The layout this call runs: tuned for its class on this adapter, else the rule of thumb. */
export function chooseLoraDecodeVariant(gpu: Gpu, s: LoraDecodeShape): LoraDecodeVariant {
  if (gpu.ctx.adapter.isSoftware) return LORA_DECODE_FIRST;
  return tunedLoraDecodeVariant(gpu, loraDecodeShapeClass(s)) ?? defaultLoraDecodeVariant(gpu, s);
}
