// End-to-end tests of the production build (dist/, from `npm run build`) in headless Chromium
// with WebGPU on SwiftShader. Each tests/e2e/*.e2e.mjs exports `tests`: { name: async (t) => … }
// where t = { context, baseUrl, screenshot(name, page) }. Screenshots go to test-results/screenshots/.
// `node tests/e2e/run-e2e.mjs <filter>` runs the tests whose "<file> <name>" contains the filter;
// `--except <text>` leaves out those whose "<file> <name>" contains it, and `--counts <name>` writes
// the counts to test-results/<name>.counts (e2e.counts): scripts/test-all.sh runs two lanes at once.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { preview } from 'vite';
import { launchContext } from './chromium.mjs';

if (!existsSync('dist/index.html')) {
  console.error('dist/ is missing: run `npm run build` first');
  process.exit(1);
}
const { filter, except, counts } = readArgs(process.argv.slice(2));
// E2E_TRACE=1: every page's console as it comes, timed from the test's start, with the worker
// protocol traced (workerTrace.js): where a slow run spent its time.
const trace = !!process.env.E2E_TRACE;
const shotsDir = 'test-results/screenshots';
mkdirSync(shotsDir, { recursive: true });

const server = await preview({ configFile: 'vite.config.ts', preview: { port: 0, host: '127.0.0.1' }, logLevel: 'warn' });
const baseUrl = server.resolvedUrls.local[0];
let passed = 0;
let failed = 0;
try {
  const specs = readdirSync('tests/e2e').filter((f) => f.endsWith('.e2e.mjs')).sort();
  for (const spec of specs) {
    const { tests } = await import(pathToFileURL(join('tests/e2e', spec)).href);
    for (const [name, fn] of Object.entries(tests)) {
      const id = `${spec} ${name}`;
      if ((filter && !id.includes(filter)) || (except && id.includes(except))) continue;
      const context = await launchContext();
      if (trace) await context.addInitScript({ path: 'tests/e2e/workerTrace.js' });
      const logs = [];
      const t0 = Date.now();
      context.on('page', (p) => {
        p.on('console', (m) => {
          logs.push(`[${m.type()}] ${m.text()}`);
          if (trace) console.log(`      ${((Date.now() - t0) / 1000).toFixed(1)} s [${m.type()}] ${m.text()}`);
        });
        p.on('pageerror', (e) => logs.push(`[pageerror] ${e.message}`));
      });
      try {
        await fn({
          context,
          baseUrl,
          screenshot: (file, page) => page.screenshot({ path: join(shotsDir, `${file}.png`), fullPage: true }),
        });
        passed++;
        console.log(`✓ [e2e] ${spec} › ${name} (${Date.now() - t0} ms)`);
      } catch (err) {
        failed++;
        console.log(`✗ [e2e] ${spec} › ${name}\n    ${err?.stack ?? err}`);
        if (logs.length) console.log('    browser console:\n      ' + logs.slice(-20).join('\n      '));
      } finally {
        await context.close();
      }
    }
  }
} finally {
  await new Promise((r) => server.httpServer.close(r));
}
if (passed + failed === 0) {
  console.log('no e2e tests ran');
  process.exit(1);
}
console.log(`e2e: ${passed} passed, ${failed} failed`);
writeFileSync(`test-results/${counts}.counts`, `${passed} ${failed}`);
process.exit(failed ? 1 : 0);

function readArgs(argv) {
  const out = { filter: undefined, except: undefined, counts: 'e2e' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--except' || a === '--counts') {
      const value = argv[++i];
      if (!value) {
        console.error(`${a} needs a value`);
        process.exit(2);
      }
      out[a.slice(2)] = value;
    } else if (a.startsWith('--')) {
      console.error(`unknown option ${a}; options: <filter>, --except <text>, --counts <name>`);
      process.exit(2);
    } else out.filter = a;
  }
  return out;
}
