// Serves tests/browser/ with Vite and runs its tests in headless Chromium with WebGPU on
// SwiftShader, then reloads the page for the "[after reload]" phase (real IndexedDB persistence).
// Prints one line per test and a closing "N passed, N failed" line; exits non-zero on failure.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'vite';
import { launchContext } from '../e2e/chromium.mjs';
import { localHubPlugin } from './hub-middleware.mjs';

const only = process.argv[2];
mkdirSync('test-results', { recursive: true });
const server = await createServer({ configFile: 'vite.config.ts', plugins: [localHubPlugin()], server: { port: 0, host: '127.0.0.1' }, logLevel: 'warn' });
await server.listen();
const base = server.resolvedUrls.local[0];
const context = await launchContext();
const page = await context.newPage();
const consoleLines = [];
page.on('console', (m) => consoleLines.push(`[${m.type()}] ${m.text()}`));
page.on('pageerror', (e) => consoleLines.push(`[pageerror] ${e.message}`));

async function runPhase(phase) {
  const url = `${base}tests/browser/index.html?phase=${phase}${only ? `&only=${encodeURIComponent(only)}` : ''}`;
  await page.goto(url);
  await page.waitForFunction(() => window.__browserTests?.done === true, null, { timeout: 15 * 60_000, polling: 250 });
  return page.evaluate(() => window.__browserTests.results);
}

let passed = 0;
let failed = 0;
try {
  for (const phase of ['before', 'after']) {
    for (const r of await runPhase(phase)) {
      if (r.ok) passed++;
      else failed++;
      console.log(`${r.ok ? '✓' : '✗'} [chromium] ${r.file} › ${r.name} (${Math.round(r.millis)} ms)${r.ok ? '' : `\n    ${r.error}`}`);
    }
  }
} finally {
  await context.close();
  await server.close();
}
if (failed > 0 && consoleLines.length) console.log('browser console:\n' + consoleLines.slice(-30).join('\n'));
if (passed + failed === 0) {
  console.log('no browser tests ran');
  process.exit(1);
}
console.log(`browser: ${passed} passed, ${failed} failed`);
writeFileSync('test-results/browser.counts', `${passed} ${failed}`);
process.exit(failed ? 1 : 0);
