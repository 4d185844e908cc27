// A GPU that fails the self-test computes wrong numbers: every loss, adapter and accuracy trained or
// measured on it may be wrong. It was said only as "FAILED" in the GPU panel, which the guided demo
// never opens; the other panels trained on as if all were well.
import { createElement } from 'react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { renderNow } from '../helpers/render.ts';

vi.mock('../../src/state/engine.ts', () => ({ engineClient: () => ({ request: async () => undefined, onEvent: () => undefined }) }));

const { useCapabilities } = await import('../../src/state/capabilityStore.ts');
const { CapabilityReport, SelfTestFailed } = await import('../../src/ui/capability/CapabilityReport.tsx');

const limits = { maxBufferSize: 1, maxStorageBufferBindingSize: 1, maxComputeWorkgroupStorageSize: 1, maxComputeInvocationsPerWorkgroup: 1, maxComputeWorkgroupsPerDimension: 1, maxStorageBuffersPerShaderStage: 1 };
const caps = (ok: boolean) => ({ adapter: { vendor: 'v', architecture: '', description: '', device: '', isSoftware: false }, limits, features: [], largestModelParams: 1e6, selfTest: { ok, elements: 5764, maxAbsDiff: ok ? 1e-7 : 3.2, millis: 1 }, kernels: [] });
const initial = useCapabilities.getState();
beforeEach(() => useCapabilities.setState(initial, true));

describe('a GPU that failed the self-test', () => {
  it('is said on every panel, with what to do', () => {
    useCapabilities.setState({ status: 'ready', capabilities: caps(false) as never });
    const banner = renderNow(createElement(SelfTestFailed));
    expect(banner).toMatch(/role="alert"/);
    expect(banner).toMatch(/failed the studio’s self-test.*may be wrong.*Update the GPU driver/);
    // The GPU panel says it beside the numbers.
    expect(renderNow(createElement(CapabilityReport))).toMatch(/FAILED: 5,764 elements[\s\S]*Update the GPU driver/);
  });

  it('says nothing when the self-test passed or has not run', () => {
    expect(renderNow(createElement(SelfTestFailed))).toBe('');
    useCapabilities.setState({ status: 'ready', capabilities: caps(true) as never });
    expect(renderNow(createElement(SelfTestFailed))).toBe('');
  });
});
