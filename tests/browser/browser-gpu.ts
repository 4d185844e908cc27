// Browser-side device for tests in tests/browser/*.browser.ts (the page runs in headless Chromium
// on SwiftShader). The same engine code as in Node, acquired through navigator.gpu.
import { acquireGpu } from '../../src/gpu/context.ts';
import { createGpu, type Gpu } from '../../src/gpu/index.ts';

let shared: Promise<Gpu> | null = null;

export function browserGpu(): Promise<Gpu> {
  shared ??= acquireGpu(navigator.gpu).then(createGpu);
  return shared;
}
