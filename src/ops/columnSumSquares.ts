// Column sums of squares added to an accumulator (shaders/column_sum_squares.wgsl): the importance
// matrix's statistic, Σ x² over tokens for each input column of a weight matrix. Only records into
// gpu.recorder; never submits or reads back.
import { packParams, shaderFile, type Gpu } from '../gpu/index.ts';
import code from '../../shaders/column_sum_squares.wgsl?raw';

export const COLUMN_SUM_SQUARES = shaderFile('column_sum_squares.wgsl', code);
/** Columns a workgroup takes, and threads per column (COLS · LANES ≤ the shader's 256 partials). */
const COLS = 64;
const LANES = 4;

export interface ColumnSumSquaresArgs {
  /** [rows, cols] f32, row-major */
  x: GPUBuffer;
  /** [cols] f32: each column's Σ x² is added to it */
  acc: GPUBuffer;
  rows: number;
  cols: number;
}

export async function columnSumSquares(gpu: Gpu, a: ColumnSumSquaresArgs): Promise<void> {
  if (a.rows === 0 || a.cols === 0) return;
  if (a.x.size < a.rows * a.cols * 4) throw new Error(`columnSumSquares: x holds ${a.x.size / 4} values, needs ${a.rows}×${a.cols}`);
  if (a.acc.size < a.cols * 4) throw new Error(`columnSumSquares: acc holds ${a.acc.size / 4} values, needs ${a.cols}`);
  const pipeline = await gpu.pipelines.pipeline(COLUMN_SUM_SQUARES, 'accumulate', { COLS, LANES });
  const groups = Math.ceil(a.cols / COLS);
  if (groups > gpu.ctx.limits.maxComputeWorkgroupsPerDimension) throw new Error(`columnSumSquares: ${a.cols} columns exceed one dispatch`);
  gpu.recorder.dispatch(pipeline, packParams([{ u32: a.rows }, { u32: a.cols }]), { 1: a.x, 2: a.acc }, [groups]);
}
