// Which kernel each heavy op runs on this adapter, in words for the GPU panel and `studio gpu`: the
// same decisions the ops make (matmulChoice.ts, loraDecodeChoice.ts, attention.ts, engineModel's
// weight dtype), stated once so what the user reads is what runs. Tuned choices per shape class are
// listed by the bench.
import type { Gpu } from '../gpu/index.ts';
import { sharedRowsApplies, subgroupMatrixLanes } from './matmulKernels.ts';
import { MATMUL_CHECK_HASH, MATMUL_CHECK_OP, MATMUL_SOURCE_HASH, MATMUL_TUNING_OP, type CheckVerdict } from './matmulChoice.ts';
import { LORA_DECODE_MAX_RANK, LORA_DECODE_MAX_ROWS } from './loraDecode.ts';
import { LORA_DECODE_SOURCE_HASH, LORA_DECODE_TUNING_OP } from './loraDecodeChoice.ts';
import { SPLIT_DECODE_MIN_POSITIONS } from './attention.ts';

export interface KernelPath {
  op: string;
  path: string;
  /** Why this path (and what would change it), in a user's words. */
  why: string;
}

/** Generation: the same on every adapter but for the kernel of its few rows, its attention and how
 * the LoRA kernel's threads share their work. */
function decoding(rows: string, attention: string, lora: string): KernelPath {
  return {
    op: 'generation',
    path: `${rows}; ${attention}; the LoRA shares of one input in one dispatch (to ${LORA_DECODE_MAX_ROWS} sequences and rank ${LORA_DECODE_MAX_RANK}), ${lora}; from the third token, each step replays its recorded commands in one submit`,
    why: 'a token is hundreds of small products: recording them costs the CPU as much as running them costs the GPU',
  };
}

export function kernelPaths(gpu: Gpu): KernelPath[] {
  const { adapter, features, wgslFeatures } = gpu.ctx;
  if (adapter.isSoftware) {
    const shared = sharedRowsApplies(gpu);
    return [
      {
        op: 'matrix multiply',
        path: `register-tiled f32 (no workgroup memory)${shared ? ', the lanes of a subgroup sharing their reads of A' : ''}`,
        why: `a software adapter (CPU): barriers cost more than the loads they save${shared ? ', and a load is lane by lane while a broadcast is a register shuffle' : ''}`,
      },
      { op: 'cross-entropy and RMSNorm rows', path: 'four values a load, a quarter of the threads', why: 'a software adapter (CPU) loads lane by lane; the same sums in the same order' },
      { op: 'attention', path: 'a row per thread', why: 'a software adapter (CPU)' },
      { op: 'frozen weights', path: 'the checkpoint’s dtype (bf16/f16), math in f32', why: 'no tensor cores on a software adapter' },
      decoding('1 or 2 sequences: 8 output columns a thread, more: register-tiled', 'attention walks the cache in one workgroup per head and sequence', 'workgroups of 64 threads'),
    ];
  }
  const lanes = subgroupMatrixLanes(gpu);
  const tuned = Object.keys(gpu.tuning.choices(MATMUL_TUNING_OP, MATMUL_SOURCE_HASH)).length;
  const loraTuned = Object.keys(gpu.tuning.choices(LORA_DECODE_TUNING_OP, LORA_DECODE_SOURCE_HASH)).length;
  const verdicts = Object.values(gpu.tuning.choices(MATMUL_CHECK_OP, MATMUL_CHECK_HASH)) as CheckVerdict[];
  const checked = { passed: verdicts.filter((v) => v?.ok === true).length, total: verdicts.length };
  const matmul: KernelPath = lanes
    ? {
        op: 'matrix multiply',
        path: `tensor cores for frozen-weight products (f16 inputs, f32 results${wgslFeatures.has('buffer_view') ? '; direct and staged kernels' : ''}) where they win, workgroup-tiled f32 and split-K for the rest`,
        why: `subgroup matrices with ${lanes}-lane subgroups; each tensor-core kernel computes an exact product on this GPU before it is used (${checked.passed} of ${checked.total} passed so far), and the fastest kernel per shape is measured here (${tuned} shape classes tuned so far)`,
      }
    : {
        op: 'matrix multiply',
        path: 'workgroup-tiled f32 (double- or single-buffered), split-K for long, narrow products, register-tiled for tiny ones',
        why: `${features.has('chromium-experimental-subgroup-matrix') ? 'subgroup matrices without an f16×f16→f32 16×16 shape or with a variable subgroup size' : 'no subgroup matrices (Chrome exposes them behind --enable-unsafe-webgpu)'}; ${tuned} shape classes tuned on this GPU so far`,
      };
  return [
    matmul,
    { op: 'attention', path: 'tiled (64-row blocks, 4×4 register blocks) for head_dim a multiple of 32 (≤ 128 forward, ≤ 64 backward), a row per thread otherwise', why: 'a hardware GPU' },
    {
      op: 'frozen weights',
      path: lanes ? 'bf16 checkpoints held as f16 (exact in f16’s range; a weight beyond ±65504 keeps the model in bf16)' : 'the checkpoint’s dtype (bf16/f16), math in f32',
      why: lanes ? 'tensor cores read f16' : features.has('shader-f16') ? 'f16 alone would not make the products faster' : 'no shader-f16',
    },
    decoding(
      'up to 8 sequences: matrix–vector kernels (threads share each output’s sum), the one measured fastest on a first generation',
      `attention against a cache of more than ${SPLIT_DECODE_MIN_POSITIONS} positions in chunks of its own workgroups, merged after`,
      `its threads laid out as measured fastest per shape on a first generation (${loraTuned} shape classes tuned so far)`,
    ),
  ];
}
