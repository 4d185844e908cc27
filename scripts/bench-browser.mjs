// `npm run bench:browser`: the decode benchmark against transformers.js in headless Chromium on the
// SwiftShader WebGPU adapter (src/bench/decodePeer.ts, page src/bench/browser/). Serves the repo
// with Vite, opens the page, prints its lines and writes test-results/bench-browser.json.
// Options go to the page as query parameters: --tokens N --prompt N --prompts N --reps N
// --batch 1,16 (sequences decoded at once; default 1 and 16) --ep wasm,webgpu.
// The peer runs on onnxruntime-web's WASM by default: its WebGPU execution provider works on
// SwiftShader but decoded this model at 0.1 tokens/s (16 s to the first token), so a default run
// on it would take an hour; ask for it with --ep wasm,webgpu and few --tokens.
// Exits non-zero when the page fails, no peer could decode, or the two sides' tokens differ. Never
// part of `npm test`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'vite';
import { launchContext } from '../tests/e2e/chromium.mjs';

const query = new URLSearchParams();
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  const key = argv[i].replace(/^--/, '');
  if (!['tokens', 'prompt', 'prompts', 'reps', 'batch', 'ep'].includes(key) || argv[i + 1] === undefined) {
    console.error(`usage: npm run bench:browser -- [--tokens N] [--prompt N] [--prompts N] [--reps N] [--batch 1,16] [--ep webgpu,wasm]`);
    process.exit(2);
  }
  query.set(key, argv[i + 1]);
}

const server = await createServer({ configFile: 'vite.config.ts', server: { port: 0, host: '127.0.0.1' }, logLevel: 'warn' });
await server.listen();
const context = await launchContext();
let state;
try {
  const page = await context.newPage();
  const consoleLines = [];
  page.on('console', (m) => consoleLines.push(`[${m.type()}] ${m.text()}`));
  await page.goto(`${server.resolvedUrls.local[0]}src/bench/browser/index.html?${query}`);
  await page.waitForFunction(() => window.__bench?.done === true, null, { timeout: 30 * 60_000, polling: 500 });
  state = await page.evaluate(() => window.__bench);
  if (state.error) console.log('browser console:\n' + consoleLines.slice(-20).join('\n'));
} finally {
  await context.close();
  await server.close();
}
if (state.error) {
  console.error(`bench page failed: ${state.error}`);
  process.exit(1);
}
for (const line of state.lines) console.log(line);
mkdirSync('test-results', { recursive: true });
writeFileSync('test-results/bench-browser.json', JSON.stringify(state.row, null, 2));
// The page's verdict (decodePeerAgrees): a peer that never ran compared nothing, so it is no pass.
process.exit(state.agrees ? 0 : 1);
