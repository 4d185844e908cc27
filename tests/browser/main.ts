// transformers.js must find onnxruntime-web before its module is evaluated (src/export/ortGlobal.ts).
import '../../src/export/ortGlobal.ts';
// Runs every tests/browser/*.browser.ts in this page (headless Chromium, real WebGPU and
// IndexedDB). Phase "before" runs plain tests; phase "after" (the runner reloads the page) runs
// the tests named "… [after reload]". Results go to window.__browserTests for the runner.
type TestFn = () => Promise<void>;
interface Result {
  file: string;
  name: string;
  ok: boolean;
  error?: string;
  millis: number;
}

const modules = import.meta.glob<{ tests: Record<string, TestFn> }>('./*.browser.ts');
const phase = new URLSearchParams(location.search).get('phase') ?? 'before';
const only = new URLSearchParams(location.search).get('only');
const log = document.getElementById('log')!;
const results: Result[] = [];
(window as unknown as { __browserTests: unknown }).__browserTests = { done: false, results };

async function runAll(): Promise<void> {
  for (const [path, load] of Object.entries(modules)) {
    const file = path.slice(2);
    if (only && !file.includes(only)) continue;
    let tests: Record<string, TestFn>;
    try {
      tests = (await load()).tests;
    } catch (err) {
      results.push({ file, name: '(import)', ok: false, error: String((err as Error)?.stack ?? err), millis: 0 });
      continue;
    }
    for (const [name, fn] of Object.entries(tests)) {
      const afterReload = name.endsWith('[after reload]');
      if ((phase === 'after') !== afterReload) continue;
      const t0 = performance.now();
      try {
        await fn();
        results.push({ file, name, ok: true, millis: performance.now() - t0 });
      } catch (err) {
        results.push({ file, name, ok: false, error: (err as Error)?.message ?? String(err), millis: performance.now() - t0 });
      }
      log.textContent += `${results.at(-1)!.ok ? 'ok  ' : 'FAIL'} ${file} › ${name}\n`;
    }
  }
}

runAll().finally(() => {
  (window as unknown as { __browserTests: { done: boolean } }).__browserTests.done = true;
});
