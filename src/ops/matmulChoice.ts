// Which matmul variant a product runs on this adapter: the tuned choice for its shape class when the
// autotune (matmulTune.ts) has measured one, else a rule of thumb. Software adapters are never tuned:
// they run the register kernel (what SwiftShader is fastest at; CI must not get slower) and, for one
// or two decode rows, the matrix–vector columns kernel. The candidates the
// autotune times per class are listed here too, so the rule and the search stay side by side.
import { sourceHash } from '../gpu/tuning.ts';
import type { Gpu } from '../gpu/index.ts';
import {
  MATMUL, MATMUL_SHARED_ROWS, MATMUL_SUBGROUP_MATRIX, MATMUL_TILED, MATVEC, MATVEC_SUBGROUPS,
  matvecApplies, matvecSubgroupThreads, matvecThreadsFit, sharedRowsApplies, stagedApplies, subgroupMatrixApplies, subgroupMatrixFits, tiledFits,
  describeVariant, type MatmulVariant, type SubgroupMatrixConfig, type TiledConfig,
} from './matmulKernels.ts';
import type { Operands } from './matmulOperands.ts';
import { stagedTensorCoreSource } from './matmulTensorCoreSource.ts';
import { MATMUL_CHECK_CASES, type MatmulCheckCases } from './matmulCheckCases.ts';

export const MATMUL_TUNING_OP = 'matmul';
/** Tuning results are invalidated whenever any matmul kernel source changes (the generated
 * tensor-core kernel stands in through one tile in both layouts of B). */
export const MATMUL_SOURCE_HASH = sourceHash(
  MATMUL.code, MATMUL_SHARED_ROWS.code, MATMUL_TILED.code, MATMUL_SUBGROUP_MATRIX.code, MATVEC.code, MATVEC_SUBGROUPS.code,
  stagedTensorCoreSource({ SGM: 2, SGN: 2, FM: 2, FN: 2, BK: 32 }, 32, true), stagedTensorCoreSource({ SGM: 2, SGN: 2, FM: 2, FN: 2, BK: 32 }, 32, false),
);

/** Tensor-core variants pass a check on the adapter before use (matmulCheck.ts); verdicts are kept
 * with the tuning, under this op. */
export const MATMUL_CHECK_OP = 'matmul-check';

/** What a verdict was reached with: the kernels and the check's own product (its sizes, forms and
 * tolerance). */
export function matmulCheckHash(cases: MatmulCheckCases): string {
  return sourceHash(MATMUL_SOURCE_HASH, JSON.stringify(cases));
}

/** Verdicts are invalidated when the kernels or the check change. The autotune's choices are not:
 * only the classes a tensor-core variant won lose theirs (tunedChoice), and are raced again once
 * their racers are checked anew; the others keep what they measured. */
export const MATMUL_CHECK_HASH = matmulCheckHash(MATMUL_CHECK_CASES);

export interface CheckVerdict {
  ok: boolean;
  /** The largest |GPU − exact| / (1 + |exact|) over the output. */
  worst: number;
}

export function checkKey(v: MatmulVariant, transB: boolean): string {
  return `${describeVariant(v)} ${transB ? 'B[N][K]' : 'B[K][N]'}`;
}

export function checkVerdict(gpu: Gpu, v: MatmulVariant, transB: boolean): CheckVerdict | undefined {
  return gpu.tuning.get<CheckVerdict>(MATMUL_CHECK_OP, MATMUL_CHECK_HASH, checkKey(v, transB));
}

/** Whether the variant may run here: only tensor-core variants are checked; they need a pass. */
export function passedCheck(gpu: Gpu, v: MatmulVariant, transB: boolean): boolean {
  return v.kind !== 'subgroupMatrix' || checkVerdict(gpu, v, transB)?.ok === true;
}

type ShapeFacts = Pick<Operands, 'M' | 'N' | 'K' | 'batch' | 'dtype' | 'transA' | 'transB'> & Partial<Pick<Operands, 'wb' | 'ldb'>>;

const MATVEC_THREADS = [16, 32, 64];

/** Sizes that tune alike: exact below 16, then by octave (⌈log2⌉). */
export function sizeClass(x: number): string {
  return x < 16 ? `${x}` : `2^${Math.ceil(Math.log2(x))}`;
}

/** The key under which a tuned choice is stored: layout, dtype and the sizes by octave. */
export function matmulShapeClass(o: ShapeFacts): string {
  return [`tA${+o.transA}`, `tB${+o.transB}`, o.dtype, `M${sizeClass(o.M)}`, `N${sizeClass(o.N)}`, `K${sizeClass(o.K)}`, o.batch > 1 ? 'batched' : 'single'].join(' ');
}

/** Products this small are decode rows or per-head slivers: the register kernel's flat workgroups
 * waste nothing on them, where a 64-row tile would be mostly empty. */
function tiny(o: ShapeFacts): boolean {
  return o.M < 16 || o.N < 16;
}

const TILED: TiledConfig[] = [
  { BM: 128, BN: 128, BK: 16, TM: 8, TN: 8, splitK: 1 },
  { BM: 128, BN: 128, BK: 8, TM: 8, TN: 8, splitK: 1 },
  { BM: 128, BN: 64, BK: 16, TM: 8, TN: 8, splitK: 1 },
  { BM: 64, BN: 128, BK: 16, TM: 8, TN: 8, splitK: 1 },
  { BM: 64, BN: 64, BK: 16, TM: 8, TN: 8, splitK: 1 },
  { BM: 128, BN: 64, BK: 8, TM: 8, TN: 4, splitK: 1 },
  { BM: 64, BN: 128, BK: 8, TM: 4, TN: 8, splitK: 1 },
  { BM: 64, BN: 64, BK: 16, TM: 4, TN: 4, splitK: 1 },
  { BM: 32, BN: 64, BK: 16, TM: 4, TN: 4, splitK: 1 },
  { BM: 64, BN: 32, BK: 16, TM: 4, TN: 4, splitK: 1 },
];

/** Tensor-core configurations the autotune races. Staged (generated) tiles, as measured on an NVIDIA
 * H200 at 4096³ (scripts/tc-lab.mjs): 128×128×32 with 8 subgroups of 4×2 fragments 109 TFLOP/s,
 * 256×128×16 and 128×256×16 with 8 subgroups of 4×4 about 103, 128×128×32 with 8 subgroups of 2×4
 * 97, 64×64×32 with 4 subgroups 80 (for products with few output tiles), 128×64×32 62. Fragments
 * straight from storage (mma_direct) where the staged copy cannot run (B at an offset or row stride
 * that is not whole 8-half runs). */
export const TENSOR_CORE_CONFIGS: SubgroupMatrixConfig[] = [
  { SGM: 2, SGN: 4, FM: 4, FN: 2, staged: true, BK: 32 },
  { SGM: 4, SGN: 2, FM: 4, FN: 4, staged: true, BK: 16 },
  { SGM: 2, SGN: 4, FM: 4, FN: 4, staged: true, BK: 16 },
  { SGM: 4, SGN: 2, FM: 2, FN: 4, staged: true, BK: 32 },
  { SGM: 2, SGN: 2, FM: 2, FN: 2, staged: true, BK: 32 },
  { SGM: 2, SGN: 2, FM: 4, FN: 2, staged: true, BK: 32 },
  { SGM: 2, SGN: 2, FM: 2, FN: 2, staged: false, BK: 16 },
  { SGM: 4, SGN: 2, FM: 2, FN: 4, staged: false, BK: 16 },
];

/** Output tiles of a configuration over the product (batch items included). */
function tiles(o: ShapeFacts, BM: number, BN: number): number {
  return Math.ceil(o.M / BM) * Math.ceil(o.N / BN) * o.batch;
}

/** Enough workgroups to fill a large GPU (a few per compute unit on ~100 units). */
const FILL = 256;

/** Split-K factors worth trying: only for a long K over few tiles (LoRA's rank-r gradients). */
function splitFactors(o: ShapeFacts, c: TiledConfig): number[] {
  const t = tiles(o, c.BM, c.BN);
  if (o.batch > 1 || t >= FILL || o.K < 16 * c.BK) return [1];
  const ideal = Math.min(64, Math.ceil(FILL / t), Math.floor(o.K / (4 * c.BK)));
  const out = new Set([1, Math.max(2, Math.floor(ideal / 2)), Math.max(2, ideal)]);
  return [...out].filter((s) => s === 1 || s <= ideal);
}

/** Everything the autotune times for this product on this adapter (the rule's pick among them). */
export function matmulCandidates(gpu: Gpu, o: ShapeFacts): MatmulVariant[] {
  if (gpu.ctx.adapter.isSoftware) return [softwareVariant(gpu, o)];
  const out: MatmulVariant[] = [{ kind: 'register' }];
  for (const G of MATVEC_THREADS) if (matvecApplies(gpu, o, G)) out.push({ kind: 'matvec', G });
  for (const G of matvecSubgroupThreads(gpu)) if (G >= 8 && matvecApplies(gpu, o, G)) out.push({ kind: 'matvec', G, subgroups: true });
  if (matvecApplies(gpu, o, 1)) out.push({ kind: 'matvecColumns' });
  if (tiny(o)) return out;
  if (subgroupMatrixApplies(gpu, o)) {
    for (const c of TENSOR_CORE_CONFIGS) {
      if (subgroupMatrixFits(gpu, c) && (!c.staged || (o.wb && o.ldb !== undefined && stagedApplies(gpu, { wb: o.wb, ldb: o.ldb })))) out.push({ kind: 'subgroupMatrix', ...c });
    }
  }
  for (const c of TILED) {
    for (const prefetch of [true, false]) {
      if (!tiledFits(gpu, { ...c, prefetch })) continue;
      for (const splitK of splitFactors(o, c)) out.push({ kind: 'tiled', ...c, splitK, ...(prefetch ? {} : { prefetch }) });
    }
  }
  return out;
}

/** CPU adapters (SwiftShader) are not tuned: one or two decode rows against a weight go to the
 * 8-columns-a-thread kernel (the register kernel's 4×8 blocks would be 3/4 clamped rows; measured at
 * the LM head 151,936×64 bf16: 25 ms against 51 at M = 1, 32 against 44 at M = 2, no gain from
 * M = 3), everything else to the register kernel, reading A once per subgroup where it can. */
function softwareVariant(gpu: Gpu, o: ShapeFacts): MatmulVariant {
  if (o.M <= 2 && matvecApplies(gpu, o, 1)) return { kind: 'matvecColumns' };
  return sharedRowsApplies(gpu) ? { kind: 'register', sharedRows: true } : { kind: 'register' };
}

/** The rule of thumb used until a class is tuned. */
export function defaultMatmulVariant(gpu: Gpu, o: ShapeFacts): MatmulVariant {
  if (gpu.ctx.adapter.isSoftware) return softwareVariant(gpu, o);
  // Decode rows against a weight: K split over 32 threads a column, so even one row fills the GPU.
  if (o.M <= 8 && o.N >= 64 && matvecApplies(gpu, o)) return { kind: 'matvec', G: 32 };
  if (tiny(o)) return { kind: 'register' };
  if (subgroupMatrixApplies(gpu, o)) {
    const staged = !!o.wb && o.ldb !== undefined && stagedApplies(gpu, { wb: o.wb, ldb: o.ldb });
    const big = o.M >= 128 && o.N >= 128;
    const v: MatmulVariant = { kind: 'subgroupMatrix', ...(staged ? TENSOR_CORE_CONFIGS[big ? 0 : 4] : TENSOR_CORE_CONFIGS[big ? 7 : 6]) };
    if (v.kind === 'subgroupMatrix' && subgroupMatrixFits(gpu, v) && passedCheck(gpu, v, o.transB)) return v;
  }
  const c = o.M >= 128 && o.N >= 128 && tiles(o, 128, 128) >= FILL / 2 ? TILED[0] : TILED[7];
  if (!tiledFits(gpu, c)) return { kind: 'register' };
  const splits = splitFactors(o, c);
  return { kind: 'tiled', ...c, splitK: splits[splits.length - 1] };
}

/** The autotune's choice for the product's class, unless it is damaged (no variant this adapter can
 * run) or a tensor-core variant without a pass of the check as it is now (the check changed since it
 * won): then the class has none, and the autotune races it again. */
export function tunedChoice(gpu: Gpu, o: ShapeFacts): MatmulVariant | undefined {
  const tuned = gpu.tuning.get<MatmulVariant>(MATMUL_TUNING_OP, MATMUL_SOURCE_HASH, matmulShapeClass(o));
  return tuned && variantRunsHere(gpu, tuned) && passedCheck(gpu, tuned, o.transB) ? tuned : undefined;
}

/** The variant this product runs: tuned for its class on this adapter, else the rule of thumb. */
export function chooseMatmulVariant(gpu: Gpu, o: ShapeFacts): MatmulVariant {
  if (gpu.ctx.adapter.isSoftware) return softwareVariant(gpu, o);
  const tuned = tunedChoice(gpu, o);
  if (tuned && variantApplies(gpu, o, tuned)) return tuned;
  return defaultMatmulVariant(gpu, o);
}

/** Whether a (possibly stored, possibly damaged) variant is one this adapter can run at all: a known
 * kind in a configuration that fits the device. A stored choice that is not is damaged; one that is
 * may still not apply to every product of its class (variantApplies), which leaves the choice good. */
function variantRunsHere(gpu: Gpu, v: MatmulVariant): boolean {
  if (v.kind === 'register') return !v.sharedRows || sharedRowsApplies(gpu);
  if (v.kind === 'matvec') return v.subgroups ? matvecSubgroupThreads(gpu).includes(v.G) : matvecThreadsFit(v.G);
  if (v.kind === 'matvecColumns') return true;
  if (v.kind === 'tiled') return tiledFits(gpu, v);
  // Staged tiles need WGSL's buffer_view. The adapter key names WGSL's features, so a browser that
  // lacks it reads another table; a staged choice under a key without it is a damaged table.
  if (v.kind === 'subgroupMatrix') return subgroupMatrixFits(gpu, v) && (!v.staged || gpu.ctx.wgslFeatures.has('buffer_view'));
  return false;
}

/** Whether a (possibly stored) variant can run this product on this device. */
export function variantApplies(gpu: Gpu, o: ShapeFacts, v: MatmulVariant): boolean {
  if (!variantRunsHere(gpu, v)) return false;
  if (v.kind === 'matvec') return matvecApplies(gpu, o, v.G);
  if (v.kind === 'matvecColumns') return matvecApplies(gpu, o, 1);
  if (v.kind === 'subgroupMatrix') return subgroupMatrixApplies(gpu, o) && (!v.staged || (!!o.wb && o.ldb !== undefined && stagedApplies(gpu, { wb: o.wb, ldb: o.ldb })));
  return true;
}
