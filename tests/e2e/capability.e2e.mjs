// The first screen: a real adapter, its limits and a passing self-test, at both layouts and themes;
// and, where WebGPU is missing or blocked, instructions instead of a blank page.
import assert from 'node:assert/strict';
import { launchContext } from './chromium.mjs';
import { openPanel } from './studioHelpers.mjs';

export const tests = {
  async 'the capability report shows the real adapter and a passing GPU self-test'({ context, baseUrl, screenshot }) {
    const page = await context.newPage();
    await page.goto(baseUrl);
    await openPanel(page, 'GPU');
    const report = page.getByTestId('capability-report');
    await report.waitFor({ timeout: 60_000 });
    const adapter = await page.getByTestId('adapter-name').innerText();
    assert.match(adapter.toLowerCase(), /swiftshader|google/, `adapter shown: ${adapter}`);
    assert.match(await page.getByTestId('self-test').innerText(), /^passed/);
    assert.match(await report.innerText(), /Largest storage binding/);
    // Which kernel each op runs on this adapter (SwiftShader: the software paths).
    assert.match(await page.getByTestId('kernel-paths').innerText(), /matrix multiply: register-tiled f32[^\n]*the lanes of a subgroup sharing their reads of A[\s\S]*cross-entropy and RMSNorm rows: four values a load[\s\S]*attention: a row per thread[\s\S]*generation: 1 or 2 sequences[^\n]*replays its recorded commands/);
    await screenshot('capability-light-1280', page);
    await page.getByRole('button', { name: /switch to dark theme/i }).click();
    await page.setViewportSize({ width: 1920, height: 1080 });
    await screenshot('capability-dark-1920', page);
  },

  async 'a browser without navigator.gpu gets instructions, not a blank page'({ context, baseUrl, screenshot }) {
    await context.addInitScript(() => {
      Object.defineProperty(Object.getPrototypeOf(navigator), 'gpu', { get: () => undefined, configurable: true });
    });
    const page = await context.newPage();
    await page.goto(baseUrl);
    const missing = page.getByTestId('webgpu-missing');
    await missing.waitFor({ timeout: 60_000 });
    assert.match(await missing.innerText(), /did not give the studio a WebGPU device[\s\S]*enable-unsafe-webgpu/);
    // The studio's own words are not passed off as the browser's.
    assert.doesNotMatch(await missing.innerText(), /The browser said|navigator\.gpu/);
    await screenshot('webgpu-missing', page);
  },

  async 'a browser whose WebGPU offers no adapter gets instructions naming the flags'({ baseUrl }) {
    const blocked = await launchContext({ args: ['--no-sandbox', '--disable-gpu', '--disable-features=WebGPU', '--disable-background-networking'] });
    try {
      const page = await blocked.newPage();
      await page.goto(baseUrl);
      const missing = page.getByTestId('webgpu-missing');
      await missing.waitFor({ timeout: 60_000 });
      const text = await missing.innerText();
      assert.match(text, /no GPU adapter/);
      assert.match(text, /enable-unsafe-webgpu/);
    } finally {
      await blocked.close();
    }
  },

  async 'a GPU worker that ends after it started is noticed: the page says so and offers Reload'({ context, baseUrl }) {
    const page = await context.newPage();
    const started = page.waitForEvent('worker');
    await page.goto(baseUrl);
    await openPanel(page, 'GPU');
    await page.getByTestId('capability-report').waitFor({ timeout: 60_000 });
    // Ended from inside, as the browser ends it for running out of memory: no event reaches the page.
    await (await started).evaluate(() => setTimeout(() => self.close(), 0));
    const banner = page.getByTestId('worker-crashed');
    await banner.waitFor({ timeout: 30_000 });
    assert.match(await banner.innerText(), /GPU worker was ended by the browser[\s\S]*Reload/);
  },
};

