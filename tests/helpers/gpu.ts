// Test access to a real WebGPU device (Dawn on SwiftShader in Node), shared by a test file.
import { acquireNodeGpu } from '../../src/gpu/nodeGpu.ts';
import { createGpu, type Gpu } from '../../src/gpu/index.ts';

let shared: Promise<Gpu> | null = null;

/** One device per test file (vitest forks a process per file). */
export function testGpu(): Promise<Gpu> {
  shared ??= acquireNodeGpu().then(createGpu);
  return shared;
}
