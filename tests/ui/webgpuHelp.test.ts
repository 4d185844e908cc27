import { describe, expect, it } from 'vitest';
import { webgpuAdvice } from '../../src/ui/capability/webgpuHelp.ts';

describe('webgpuAdvice tells the user what to do', () => {
  it('names the Linux flags and the Vulkan driver for Chrome on Linux', () => {
    const a = webgpuAdvice('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36');
    const text = a.steps.join('\n');
    expect(text).toMatch(/Chrome 131 supports WebGPU/);
    expect(text).toMatch(/--enable-unsafe-webgpu --enable-features=Vulkan/);
    expect(text).toMatch(/Vulkan driver/);
  });
  it('tells Edge on Linux to start Edge, not Chrome, and where Edge keeps its flags', () => {
    const a = webgpuAdvice('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0');
    const text = a.steps.join('\n');
    expect(text).toMatch(/Edge 131 supports WebGPU/);
    expect(text).toMatch(/microsoft-edge --enable-unsafe-webgpu --enable-features=Vulkan/);
    expect(text).toMatch(/edge:\/\/flags/);
    expect(text).not.toMatch(/google-chrome|chrome:\/\//);
  });
  it('on Android, asks for Chrome 121 (where WebGPU shipped there) and names no desktop setting', () => {
    const old = webgpuAdvice('Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/118.0.0.0 Mobile Safari/537.36');
    expect(old.steps[0]).toMatch(/Update Chrome.*121.*118/);
    const recent = webgpuAdvice('Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36').steps.join('\n');
    expect(recent).toMatch(/Android 12/);
    expect(recent).not.toMatch(/Settings → System|--enable-unsafe-webgpu/);
  });
  it('asks for an update when Chrome is older than 113', () => {
    const a = webgpuAdvice('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/110.0.0.0 Safari/537.36');
    expect(a.steps[0]).toMatch(/Update Chrome.*113.*110/);
  });
  it('explains the secure-context requirement', () => {
    const a = webgpuAdvice('Mozilla/5.0 (Windows NT 10.0) Chrome/120.0.0.0', false);
    expect(a.steps[0]).toMatch(/https:\/\/|localhost/);
  });
  it('gives Firefox and Safari their own advice', () => {
    expect(webgpuAdvice('Mozilla/5.0 (Windows NT 10.0; rv:128.0) Gecko/20100101 Firefox/128.0').steps.join()).toMatch(/dom\.webgpu\.enabled/);
    expect(webgpuAdvice('Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15').steps.join()).toMatch(/Safari/);
  });
  it('on an iPhone or iPad, says every browser there is Safari underneath, not "use Chrome" to a Chrome user', () => {
    const chrome = webgpuAdvice('Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1');
    const firefox = webgpuAdvice('Mozilla/5.0 (iPad; CPU OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/133.0 Mobile/15E148 Safari/605.1.15');
    const safari = webgpuAdvice('Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1');
    for (const a of [chrome, firefox, safari]) {
      const text = a.steps.join('\n');
      expect(text).toMatch(/iOS 26/);
      expect(text).not.toMatch(/Use a recent Chrome|about:config|Develop → Feature Flags|chrome:\/\//);
    }
  });
});

