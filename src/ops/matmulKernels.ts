// The matmul kernel variants and how each is launched. Every variant computes the same product for
// the same operands (matmulOperands.ts); they differ in how the work is cut up:
//   register        shaders/matmul.wgsl: 8×8 register blocks, no workgroup memory. Software adapters
//                   (SwiftShader), and tiny products (decode rows) on any adapter. `sharedRows`: the
//                   lanes of a subgroup read A once for all (matmul_shared_rows.wgsl; CPU adapters).
//   matvec          shaders/matvec.wgsl: G threads share an output column (decode rows on GPUs); with
//                   `subgroups`, their sums added by subgroup shuffles (shaders/matvec_subgroups.wgsl).
//   matvecColumns   shaders/matvec.wgsl matvec_columns: 8 output columns a thread, no workgroup memory
//                   (one or two decode rows on CPU adapters: the LM head of every generated token).
//   tiled           shaders/matmul_tiled.wgsl: workgroup-memory tiles BM×BN×BK, TM×TN per thread, and
//                   split-K (partials + reduce) for products with few output tiles and a long K.
//   subgroupMatrix  shaders/matmul_subgroup_matrix(_staged).wgsl: tensor cores, f16 inputs (A copied to
//                   f16 scaled per row), f32 results; f16 B only, A not transposed, one batch item.
// Records into gpu.recorder only; scratch (split-K partials, row scales) comes from gpu.scratch.
import { packParams, shaderFile, splitWorkgroups, type Gpu } from '../gpu/index.ts';
import registerCode from '../../shaders/matmul.wgsl?raw';
import registerRowsCode from '../../shaders/matmul_rows.wgsl?raw';
import registerSharedRowsCode from '../../shaders/matmul_shared_rows.wgsl?raw';
import tiledCode from '../../shaders/matmul_tiled.wgsl?raw';
import subgroupMatrixCode from '../../shaders/matmul_subgroup_matrix.wgsl?raw';
import subgroupMatrixStagedCode from '../../shaders/matmul_subgroup_matrix_staged.wgsl?raw';
import matvecCode from '../../shaders/matvec.wgsl?raw';
import matvecSubgroupsCode from '../../shaders/matvec_subgroups.wgsl?raw';
import { layoutConstants, operandBindings, type Operands } from './matmulOperands.ts';

export const MATMUL = shaderFile('matmul.wgsl', `${registerCode}\n${registerRowsCode}`);
/** matmul.wgsl with subgroup-shared reads of A: a module of its own, as `enable subgroups` fails to
 * compile where the feature is missing. Its early exit is per subgroup, which WGSL's uniformity
 * analysis cannot see, so that diagnostic is off for it. */
export const MATMUL_SHARED_ROWS = shaderFile(
  'matmul_shared_rows.wgsl',
  `enable subgroups;\ndiagnostic(off, subgroup_uniformity);\n${registerCode}\n${registerSharedRowsCode}`,
);
export const MATMUL_TILED = shaderFile('matmul_tiled.wgsl', tiledCode);
export const MATMUL_SUBGROUP_MATRIX = shaderFile('matmul_subgroup_matrix.wgsl', subgroupMatrixCode);
export const MATMUL_SUBGROUP_MATRIX_STAGED = shaderFile('matmul_subgroup_matrix_staged.wgsl', subgroupMatrixStagedCode);
export const MATVEC = shaderFile('matvec.wgsl', matvecCode);
/** matvec.wgsl with its subgroup entry point: a module of its own, as `enable subgroups` fails to
 * compile where the feature is missing. */
export const MATVEC_SUBGROUPS = shaderFile('matvec_subgroups.wgsl', `enable subgroups;\n${matvecCode}\n${matvecSubgroupsCode}`);

export interface TiledConfig {
  BM: number;
  BN: number;
  BK: number;
  TM: number;
  TN: number;
  /** Slices of K computed by separate workgroups and summed by matmul_reduce (1 = no split). */
  splitK: number;
  /** Double-buffered K tiles (default) or one buffer with two barriers a step. */
  prefetch?: boolean;
}

export interface SubgroupMatrixConfig {
  /** Subgroups along m and n, and 16×16 fragments per subgroup along m and n. */
  SGM: number;
  SGN: number;
  FM: number;
  FN: number;
  /** Workgroup-memory staging of K steps of BK (matmul_subgroup_matrix_staged.wgsl), or fragments
   * loaded straight from storage (mma_direct). */
  staged: boolean;
  BK: number;
}

export type MatmulVariant =
  /** `sharedRows`: the lanes of a subgroup read A once for all (same bits; CPU adapters with subgroups). */
  | { kind: 'register'; sharedRows?: true }
  /** shaders/matvec.wgsl: G threads per output column split K (decode rows, M ≤ 8, B = a weight [N, K]);
   * `subgroups`: their partial sums added by subgroup shuffles (the same sums, bit for bit). */
  | { kind: 'matvec'; G: number; subgroups?: true }
  /** shaders/matvec.wgsl matvec_columns: 8 columns per invocation, no workgroup memory (CPU adapters). */
  | { kind: 'matvecColumns' }
  | ({ kind: 'tiled' } & TiledConfig)
  | ({ kind: 'subgroupMatrix' } & SubgroupMatrixConfig);

/** A short human-readable name ("tiled 128×128×16/8×8 split 4"). */
export function describeVariant(v: MatmulVariant): string {
  if (v.kind === 'register') return `register 8×8${v.sharedRows ? ', A rows shared by subgroup lanes' : ''}`;
  if (v.kind === 'matvec') return `matrix–vector, ${v.G} threads a column${v.subgroups ? ', summed by subgroup shuffles' : ''}`;
  if (v.kind === 'matvecColumns') return 'matrix–vector, 8 columns a thread';
  if (v.kind === 'tiled') return `tiled ${v.BM}×${v.BN}×${v.BK}/${v.TM}×${v.TN}${v.prefetch === false ? ' single-buffered' : ''}${v.splitK > 1 ? ` split-K ${v.splitK}` : ''}`;
  return `tensor-core f16 ${v.staged ? 'staged' : 'direct'} ${v.SGM * v.FM * 16}×${v.SGN * v.FN * 16}${v.staged ? `×${v.BK}` : ''} (${v.SGM * v.SGN} subgroups)`;
}

/** Split-K partial sums are capped here; a split that would need more is reduced. */
export const SPLIT_SCRATCH_BYTES = 16 * 2 ** 20;

/** What the matmul kernels may add in scratch on an adapter (for the memory plan): split-K partials
 * on GPUs, and with tensor cores the f16 copy of the widest A operand (rows × K, padded) and its
 * per-row scales. `rows` = tokens of a micro-batch, `widestK` = the longest contraction over a
 * frozen weight (hidden, intermediate, or an LM-head chunk in the backward). */
export type MatmulScratchKind = 'none' | 'gpu' | 'tensorCores';

export function matmulScratchKind(gpu: Pick<Gpu, 'ctx'>): MatmulScratchKind {
  if (gpu.ctx.adapter.isSoftware) return 'none';
  return subgroupMatrixLanes(gpu) > 0 ? 'tensorCores' : 'gpu';
}

export function matmulScratchBytes(kind: MatmulScratchKind, rows: number, widestK: number): number {
  if (kind === 'none') return 0;
  const split = SPLIT_SCRATCH_BYTES;
  if (kind === 'gpu') return split;
  return split + Math.ceil(rows / PAD_ROWS) * PAD_ROWS * Math.ceil(widestK / PAD_K) * PAD_K * 2 + rows * 4;
}

// ---------------------------------------------------------------- register (shaders/matmul.wgsl)

const BLOCK = 4;
const INVOCATIONS = 256;
/** The narrowest workgroup row matmulWorkgroup gives (16×16). */
const MIN_WG_X = 16;

/** Block of C per invocation (8×8, or 4 on a side when M or N ≤ 8 so tiny products don't compute
 * mostly clamped rows) and workgroup shape: 16×16 invocations normally, flatter when M is small so no
 * invocation row is spent on rows that do not exist (M ≤ 4 → 256×1). */
export function matmulWorkgroup(M: number, N: number): { x: number; y: number; rows: number; cols: number } {
  const rows = M > 2 * BLOCK ? 2 * BLOCK : BLOCK;
  const cols = N > 2 * BLOCK ? 2 * BLOCK : BLOCK;
  const rowsOfBlocks = Math.ceil(M / rows);
  let y = INVOCATIONS / MIN_WG_X;
  while (y > 1 && y / 2 >= rowsOfBlocks) y /= 2;
  return { x: INVOCATIONS / y, y, rows, cols };
}

function commonParams(o: Operands, extra: Array<{ u32: number } | { f32: number }> = []): ArrayBuffer {
  return packParams([
    { u32: o.M }, { u32: o.N }, { u32: o.K },
    { u32: o.wa.offset }, { u32: o.wb.offset }, { u32: o.wc.offset }, { u32: o.wbias?.offset ?? 0 },
    { u32: o.strideA }, { u32: o.strideB }, { u32: o.strideC },
    { u32: o.lda }, { u32: o.ldb }, { u32: o.ldc },
    { f32: o.alpha },
    ...extra,
  ]);
}

/** Whether the register kernel compiles its masked K-tail step. Products with Aᵀ reduce over tokens
 * (weight gradients, dW = dyᵀ·x: K is the micro-batch's tokens, a new length each micro-batch), so
 * they keep the step whatever this K is: one pipeline for every length, compiled before the first
 * step, none mid-run. The others reduce over a weight dimension, fixed for the run. */
function kTail(o: Operands): boolean {
  return o.transA || o.K % 4 !== 0;
}

/** Whether matmul_shared_rows can run here: subgroups of 4 to 16 lanes (the narrowest workgroup row
 * is 16 invocations, and a subgroup must lie within one row), numbered by `subgroup_id`. */
export function sharedRowsApplies(gpu: Gpu): boolean {
  const { features, wgslFeatures, adapter } = gpu.ctx;
  return features.has('subgroups') && wgslFeatures.has('subgroup_id') && adapter.subgroupMinSize >= 4 && adapter.subgroupMaxSize <= MIN_WG_X;
}

async function recordRegister(gpu: Gpu, o: Operands, sharedRows: boolean): Promise<void> {
  const wg = matmulWorkgroup(o.M, o.N);
  const [shader, entry] = sharedRows ? [MATMUL_SHARED_ROWS, 'matmul_shared_rows'] : [MATMUL, 'matmul'];
  // The workgroup shape and the bias go in the uniform, not in overrides: one pipeline serves every
  // shape (see matmul.wgsl).
  const { HAS_BIAS: _, ...layout } = layoutConstants(o);
  const pipeline = await gpu.pipelines.pipeline(shader, entry, {
    ...layout,
    TALL: wg.rows === 2 * BLOCK ? 1 : 0,
    WIDE: wg.cols === 2 * BLOCK ? 1 : 0,
    K_TAIL: kTail(o) ? 1 : 0,
  });
  const workgroups = [Math.ceil(o.N / (wg.cols * wg.x)), Math.ceil(o.M / (wg.rows * wg.y)), o.batch] as const;
  gpu.recorder.dispatch(pipeline, commonParams(o, [{ u32: wg.x }, { u32: o.wbias ? 1 : 0 }]), operandBindings(gpu, o), workgroups);
}

// ---------------------------------------------------------------- tiled (shaders/matmul_tiled.wgsl)

/** Slices of K actually used: each a multiple of BK, partials within the scratch cap, batch 1 only. */
export function effectiveSplit(o: Pick<Operands, 'M' | 'N' | 'K' | 'batch'>, c: TiledConfig): { splits: number; kPerSplit: number } {
  if (c.splitK <= 1 || o.batch > 1) return { splits: 1, kPerSplit: o.K };
  const byScratch = Math.floor(SPLIT_SCRATCH_BYTES / (o.M * o.N * 4));
  const kSteps = Math.ceil(o.K / c.BK);
  const wanted = Math.min(c.splitK, byScratch, kSteps);
  if (wanted <= 1) return { splits: 1, kPerSplit: o.K };
  const kPerSplit = Math.ceil(kSteps / wanted) * c.BK;
  return { splits: Math.ceil(o.K / kPerSplit), kPerSplit };
}

/** Tile configurations the kernel can be built with (whole vec4s along each axis, whole threads per
 * tile, a whole split) whose staging (two buffers of BK×(BM+BN) f32) fits the workgroup memory. A
 * stored choice is checked here too, so a damaged one never reaches the shader. */
export function tiledFits(gpu: Gpu, c: TiledConfig): boolean {
  const whole = (x: unknown, step: number) => Number.isInteger(x) && (x as number) > 0 && (x as number) % step === 0;
  if (!whole(c.BM, 4) || !whole(c.BN, 4) || !whole(c.BK, 4) || !whole(c.splitK, 1)) return false;
  const wg = (c.BM / c.TM) * (c.BN / c.TN);
  const stageBytes = (c.prefetch === false ? 1 : 2) * c.BK * (c.BM + c.BN) * 4;
  const perThread = Math.max((c.BM * c.BK) / 4, (c.BN * c.BK) / 4) / wg;
  return (
    c.BM % c.TM === 0 && c.BN % c.TN === 0 &&
    wg <= gpu.ctx.limits.maxComputeInvocationsPerWorkgroup &&
    stageBytes <= gpu.ctx.limits.maxComputeWorkgroupStorageSize &&
    perThread <= 8 &&
    [4, 8].includes(c.TM) && [4, 8].includes(c.TN)
  );
}

async function recordTiled(gpu: Gpu, o: Operands, c: TiledConfig): Promise<void> {
  const { splits, kPerSplit } = effectiveSplit(o, c);
  const aligned = o.M % c.BM === 0 && o.N % c.BN === 0 && kPerSplit % c.BK === 0 && o.K % c.BK === 0;
  const WG = (c.BM / c.TM) * (c.BN / c.TN);
  const base = { BM: c.BM, BN: c.BN, BK: c.BK, TM: c.TM, TN: c.TN, WG, CHECKED: aligned ? 0 : 1, PREFETCH: c.prefetch === false ? 0 : 1 };
  const grid = [Math.ceil(o.N / c.BN), Math.ceil(o.M / c.BM)] as const;
  const bindings = operandBindings(gpu, o);
  if (splits === 1) {
    const pipeline = await gpu.pipelines.pipeline(MATMUL_TILED, 'matmul_tiled', { ...layoutConstants(o), ...base, SPLIT: 0 });
    gpu.recorder.dispatch(pipeline, commonParams(o, [{ u32: o.K }]), bindings, [grid[0], grid[1], o.batch]);
    return;
  }
  // Partials [split][M][N] in scratch; their epilogue (alpha, bias, accumulate) runs in the reduce.
  const MN = o.M * o.N;
  const partial = gpu.scratch.get('matmul-split-k', splits * MN * 4);
  const layout = { ...layoutConstants(o), HAS_BIAS: 0, ACCUMULATE: 0 };
  const [tiles, reduce] = await Promise.all([
    gpu.pipelines.pipeline(MATMUL_TILED, 'matmul_tiled', { ...layout, ...base, SPLIT: 1 }),
    gpu.pipelines.pipeline(MATMUL_TILED, 'matmul_reduce', { HAS_BIAS: o.wbias ? 1 : 0, ACCUMULATE: o.accumulate ? 1 : 0, RWG: 256 }),
  ]);
  const splitParams = packParams([
    { u32: o.M }, { u32: o.N }, { u32: o.K },
    { u32: o.wa.offset }, { u32: o.wb.offset }, { u32: 0 }, { u32: 0 },
    { u32: o.strideA }, { u32: o.strideB }, { u32: MN },
    { u32: o.lda }, { u32: o.ldb }, { u32: o.N },
    { f32: 1 },
    { u32: kPerSplit },
  ]);
  gpu.recorder.dispatch(tiles, splitParams, { ...bindings, 3: { buffer: partial, offset: 0, size: splits * MN * 4 } }, [grid[0], grid[1], splits]);
  const reduceParams = packParams([
    { u32: o.M }, { u32: o.N }, { u32: splits }, { u32: o.wc.offset }, { u32: o.ldc }, { u32: o.wbias?.offset ?? 0 }, { f32: o.alpha },
  ]);
  const groups = splitWorkgroups(Math.ceil(MN / 256), gpu.ctx.limits.maxComputeWorkgroupsPerDimension);
  gpu.recorder.dispatch(reduce, reduceParams, { 3: o.wc.binding, 4: o.wbias?.binding ?? { buffer: partial, offset: 0, size: 16 }, 8: { buffer: partial, offset: 0, size: splits * MN * 4 } }, groups);
}

// ---------------------------------------------------------------- subgroup matrix (tensor cores)

/** The adapter's fixed subgroup size when it multiplies f16×f16→f32 16×16×16 in hardware, else 0. */
export function subgroupMatrixLanes(gpu: Pick<Gpu, 'ctx'>): number {
  const { features, adapter } = gpu.ctx;
  if (!features.has('chromium-experimental-subgroup-matrix') || !features.has('shader-f16') || !features.has('subgroups')) return 0;
  const ok = adapter.subgroupMatrixConfigs.some((c) => c.componentType === 'f16' && c.resultComponentType === 'f32' && c.M === 16 && c.N === 16 && c.K === 16);
  // The kernels map subgroups to tiles by subgroup_id, which needs one known subgroup size.
  if (!ok || adapter.subgroupMinSize === 0 || adapter.subgroupMinSize !== adapter.subgroupMaxSize) return 0;
  return adapter.subgroupMinSize;
}

/** Whether this product can run on tensor cores at all (independent of whether it should). A B
 * fragment partly past the end of its binding reads as all zeros (robust access), so N and K must be
 * whole fragments: then every fragment is either inside B or wholly past K, where A is zero. */
export function subgroupMatrixApplies(gpu: Gpu, o: Pick<Operands, 'dtype' | 'transA' | 'batch' | 'N' | 'K'>): boolean {
  return o.dtype === 'f16' && !o.transA && o.batch === 1 && o.N % 16 === 0 && o.K % 16 === 0 && subgroupMatrixLanes(gpu) > 0;
}

/** The staged kernel copies B in 8-half runs and needs the buffer_view WGSL feature. */
export function stagedApplies(gpu: Gpu, o: Pick<Operands, 'wb' | 'ldb'>): boolean {
  return gpu.ctx.wgslFeatures.has('buffer_view') && o.wb.offset % 8 === 0 && o.ldb % 8 === 0;
}

/** Rows of the f16 copy of A are padded to the largest tile, columns to a whole K step. */
const PAD_ROWS = 128;
const PAD_K = 32;

export function subgroupMatrixFits(gpu: Gpu, c: SubgroupMatrixConfig): boolean {
  const lanes = subgroupMatrixLanes(gpu);
  if (![c.SGM, c.SGN, c.FM, c.FN].every((x) => Number.isInteger(x) && x > 0)) return false;
  const BM = c.SGM * c.FM * 16;
  const BN = c.SGN * c.FN * 16;
  const wg = lanes * c.SGM * c.SGN;
  if (!(lanes > 0 && c.FM <= 4 && c.FN <= 4 && BM <= PAD_ROWS && wg <= gpu.ctx.limits.maxComputeInvocationsPerWorkgroup)) return false;
  const squares = c.SGM * c.SGN * 256 * 4;
  if (!c.staged) return squares <= gpu.ctx.limits.maxComputeWorkgroupStorageSize;
  const stageHalves = BM * (c.BK + 8) + Math.max(BN * (c.BK + 8), c.BK * (BN + 8));
  const units = ((BM + BN) * c.BK) / 8;
  return c.BK % 16 === 0 && PAD_K % c.BK === 0 && units <= 8 * wg && 2 * stageHalves * 2 <= 40960 && 40960 + squares <= gpu.ctx.limits.maxComputeWorkgroupStorageSize;
}

const CONVERT_WG = 64;

async function recordSubgroupMatrix(gpu: Gpu, o: Operands, c: SubgroupMatrixConfig): Promise<void> {
  const lanes = subgroupMatrixLanes(gpu);
  const BM = c.SGM * c.FM * 16;
  const BN = c.SGN * c.FN * 16;
  const Mp = Math.ceil(o.M / PAD_ROWS) * PAD_ROWS;
  const Kp = Math.ceil(o.K / PAD_K) * PAD_K;
  const ah = gpu.scratch.get('matmul-a-f16', Mp * Kp * 2);
  const scales = gpu.scratch.get('matmul-row-scale', o.M * 4);
  const ahBinding = { buffer: ah, offset: 0, size: Mp * Kp * 2 };
  const scaleBinding = { buffer: scales, offset: 0, size: Math.max(16, o.M * 4) };
  const shared = { SG_SIZE: lanes, SGM: c.SGM, SGN: c.SGN, FM: c.FM, FN: c.FN, WG: lanes * c.SGM * c.SGN, TRANS_B: o.transB ? 1 : 0, HAS_BIAS: o.wbias ? 1 : 0, ACCUMULATE: o.accumulate ? 1 : 0 };
  const [convert, mma] = await Promise.all([
    gpu.pipelines.pipeline(MATMUL_SUBGROUP_MATRIX, 'a_to_f16', { CWG: CONVERT_WG }),
    c.staged
      ? gpu.pipelines.pipeline(MATMUL_SUBGROUP_MATRIX_STAGED, 'mma_staged', { ...shared, BK: c.BK })
      : gpu.pipelines.pipeline(MATMUL_SUBGROUP_MATRIX, 'mma_direct', shared),
  ]);
  gpu.recorder.dispatch(
    convert,
    packParams([{ u32: o.M }, { u32: o.K }, { u32: o.wa.offset }, { u32: o.lda }, { u32: Mp }, { u32: Kp }]),
    { 1: o.wa.binding, 10: ahBinding, 11: scaleBinding },
    splitWorkgroups(Mp, gpu.ctx.limits.maxComputeWorkgroupsPerDimension),
  );
  const params = packParams([
    { u32: o.M }, { u32: o.N }, { u32: Kp }, { u32: o.wb.offset }, { u32: o.ldb }, { u32: o.wc.offset }, { u32: o.ldc }, { u32: o.wbias?.offset ?? 0 }, { f32: o.alpha }, { u32: o.K },
  ]);
  // The B window as f16 (direct) or 16-byte runs (staged): whole elements of either view.
  const bSize = Math.floor((o.wb.binding.size ?? 0) / (c.staged ? 16 : 4)) * (c.staged ? 16 : 4);
  gpu.recorder.dispatch(
    mma,
    params,
    { 2: { ...o.wb.binding, size: bSize }, 3: o.wc.binding, 4: o.wbias?.binding ?? scaleBinding, 8: ahBinding, 9: scaleBinding },
    [Math.ceil(o.N / BN), Math.ceil(o.M / BM), 1],
  );
}

// ---------------------------------------------------------------- matrix–vector (decode rows)

const MATVEC_WG = 256;
export const MATVEC_MAX_ROWS = 8;

/** A few rows against a weight stored [N, K]: the decode products (linear layers, LoRA, LM head). */
export function matvecApplies(gpu: Gpu, o: Pick<Operands, 'M' | 'N' | 'transA' | 'transB' | 'batch'>, G = 32): boolean {
  return o.M <= MATVEC_MAX_ROWS && !o.transA && o.transB && o.batch === 1 && Math.ceil(o.N / (MATVEC_WG / G)) <= gpu.ctx.limits.maxComputeWorkgroupsPerDimension;
}

/** Threads per output column matvec can run with: a power of two that fits the workgroup. */
export function matvecThreadsFit(G: number): boolean {
  return Number.isInteger(G) && G >= 2 && G <= MATVEC_WG && (G & (G - 1)) === 0;
}

/** Threads per column the subgroup reduction can take on this device: powers of two from 4 up to the
 * smallest subgroup, so a column's threads always sit in one subgroup. None without the `subgroups`
 * feature, or where WGSL lacks the `subgroup_id` builtin (browsers before it shipped). */
export function matvecSubgroupThreads(gpu: Gpu): number[] {
  const lanes = gpu.ctx.adapter.subgroupMinSize;
  if (!gpu.ctx.features.has('subgroups') || !gpu.ctx.wgslFeatures.has('subgroup_id') || lanes < 4) return [];
  const out: number[] = [];
  for (let G = 4; G <= Math.min(lanes, MATVEC_WG); G *= 2) out.push(G);
  return out;
}

async function recordMatvec(gpu: Gpu, o: Operands, G: number, subgroups: boolean): Promise<void> {
  const { TRANS_A: _a, TRANS_B: _b, ...layout } = layoutConstants(o);
  const pipeline = subgroups
    ? await gpu.pipelines.pipeline(MATVEC_SUBGROUPS, 'matvec_subgroups', { ...layout, WG: MATVEC_WG, G })
    : await gpu.pipelines.pipeline(MATVEC, 'matvec', { ...layout, WG: MATVEC_WG, G });
  gpu.recorder.dispatch(pipeline, commonParams(o), operandBindings(gpu, o), [Math.ceil(o.N / (MATVEC_WG / G))]);
}

/** Rows a matvec_columns invocation computes for an M-row product (1, 2 or 4; M > 4 takes several). */
function matvecColumnRows(M: number): number {
  return M <= 2 ? M : 4;
}

async function recordMatvecColumns(gpu: Gpu, o: Operands): Promise<void> {
  const { TRANS_A: _a, TRANS_B: _b, ...layout } = layoutConstants(o);
  const rows = matvecColumnRows(o.M);
  const pipeline = await gpu.pipelines.pipeline(MATVEC, 'matvec_columns', { ...layout, WG: MATVEC_WG, ROWS: rows });
  gpu.recorder.dispatch(pipeline, commonParams(o), operandBindings(gpu, o), [Math.ceil(o.N / (8 * MATVEC_WG)), Math.ceil(o.M / rows)]);
}

/** Records the product with the given variant (the caller checked that it applies). */
export function recordMatmul(gpu: Gpu, o: Operands, v: MatmulVariant): Promise<void> {
  if (v.kind === 'register') return recordRegister(gpu, o, v.sharedRows === true);
  if (v.kind === 'matvec') return recordMatvec(gpu, o, v.G, v.subgroups === true);
  if (v.kind === 'matvecColumns') return recordMatvecColumns(gpu, o);
  if (v.kind === 'tiled') return recordTiled(gpu, o, v);
  return recordSubgroupMatrix(gpu, o, v);
}
