// `studio inspect --gpu` plans against this machine's adapter as the studio does in a browser on it:
// on a GPU the matmul kernels' scratch is part of the training total. The CLI left it out, so on the
// same GPU the CLI's total (and its verdict against --memory-gib) was lower than the browser's, and
// its rows did not show it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { writeTinyModel } from '../../scripts/gen-tiny-model.ts';
import { tinyTestOptions } from '../../src/model/tiny-model.ts';
import { matmulScratchBytes, SPLIT_SCRATCH_BYTES } from '../../src/ops/matmulKernels.ts';

// A hardware adapter without tensor cores (the kind a browser on this machine would plan for).
vi.mock('../../src/gpu/nodeGpu.ts', () => ({
  acquireNodeGpu: async () => ({
    limits: { maxBufferSize: 2 ** 30, maxStorageBufferBindingSize: 2 ** 30 },
    adapter: { isSoftware: false, subgroupMatrixConfigs: [], subgroupMinSize: 32, subgroupMaxSize: 32 },
    features: new Set<string>(),
    destroy: () => undefined,
  }),
}));
const { default: inspect } = await import('../../src/cli/commands/inspect.ts');

let modelDir: string;
beforeAll(async () => {
  modelDir = await mkdtemp(join(tmpdir(), 'studio-inspect-gpu-'));
  await writeTinyModel(modelDir, tinyTestOptions('qwen2'));
});
afterAll(() => rm(modelDir, { recursive: true, force: true }));

async function run(argv: string[]): Promise<string> {
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  try {
    await inspect.run(argv);
  } finally {
    log.mockRestore();
  }
  return lines.join('\n');
}

describe('studio inspect --gpu', () => {
  it('counts the matmul kernels’ scratch of this adapter, as the browser does', async () => {
    const report = JSON.parse(await run([modelDir, '--gpu', '--json', '--seq', '64']));
    expect(matmulScratchBytes('gpu', 64, 128)).toBe(SPLIT_SCRATCH_BYTES);
    expect(report.plan.categories.kernelScratch).toBe(SPLIT_SCRATCH_BYTES);
  });

  it('prints the kernel scratch among the rows of the training total', async () => {
    const out = await run([modelDir, '--gpu', '--seq', '64']);
    expect(out).toMatch(/ {2}kernel scratch +16\.0 MiB/);
  });
});
