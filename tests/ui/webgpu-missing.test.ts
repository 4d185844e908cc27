// A browser that gives the page no WebGPU: the page said "The browser said: navigator.gpu is
// undefined in this page", a line the studio wrote, in a developer's terms. The headline says what
// happened; what the worker reports is shown as details, not as the browser's words.
import { createElement } from 'react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { renderNow } from '../helpers/render.ts';

const requests: string[] = [];
vi.mock('../../src/state/engine.ts', () => ({ engineClient: () => ({ request: async (kind: string) => void requests.push(kind), onEvent: () => undefined }) }));
vi.stubGlobal('window', { isSecureContext: true });
vi.stubGlobal('navigator', { userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0.0.0 Safari/537.36' });

const { useCapabilities } = await import('../../src/state/capabilityStore.ts');
const { WebGpuMissing } = await import('../../src/ui/capability/CapabilityReport.tsx');

const initial = useCapabilities.getState();
beforeEach(() => {
  requests.length = 0;
  useCapabilities.setState(initial, true);
});

describe('a page without WebGPU', () => {
  it('is told so in the headline, with no line of the studio’s passed off as the browser’s', async () => {
    useCapabilities.setState({ pageHasWebGpu: false });
    await useCapabilities.getState().probe();
    expect(requests).toEqual([]);
    const { status, problem } = useCapabilities.getState();
    expect(status).toBe('unavailable');
    const html = renderNow(createElement(WebGpuMissing, { problem }));
    expect(html).toContain('This browser did not give the studio a WebGPU device');
    expect(html).not.toMatch(/navigator\.gpu|The browser said/);
  });

  it('shows what the worker reported as details', () => {
    const html = renderNow(createElement(WebGpuMissing, { problem: 'WebGPU is present, but it offered no GPU adapter' }));
    expect(html).toContain('Details: WebGPU is present, but it offered no GPU adapter');
    expect(html).not.toContain('The browser said');
  });
});
