// Helpers for the studio e2e specs: a real drag-and-drop of files onto the page, panel navigation,
// and reading the chart fingerprints the dashboard writes on its chart elements.
import assert from 'node:assert/strict';

/** Dispatches dragenter/dragover/drop with a DataTransfer holding real File objects. */
export async function dropFiles(page, files, target = 'body') {
  const dataTransfer = await page.evaluateHandle((list) => {
    const dt = new DataTransfer();
    for (const f of list) {
      const bytes = Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0));
      dt.items.add(new File([bytes], f.name, { type: f.type }));
    }
    return dt;
  }, files.map((f) => ({ name: f.name, type: f.type ?? '', base64: Buffer.from(f.bytes).toString('base64') })));
  for (const type of ['dragenter', 'dragover', 'drop']) await page.dispatchEvent(target, type, { dataTransfer });
}

export async function openPanel(page, name) {
  await page.getByRole('tab', { name }).click();
}

/** Unfolds a run's exports under its row in the Runs panel (folded until asked, and again after the panel was left). */
export async function openRunExports(page, runName) {
  const toggle = page.getByRole('button', { name: `Export or push ${runName}`, exact: true });
  if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
  await page.getByRole('group', { name: `Exports of ${runName}`, exact: true }).waitFor();
}

/** { points, lastStep, digest, nonNull } of a chart, from the attributes MetricChart writes. */
export async function chartState(page, testId) {
  const el = page.getByTestId(testId);
  return el.evaluate((e) => ({ points: Number(e.dataset.points), lastStep: Number(e.dataset.lastStep), digest: e.dataset.digest, nonNull: (e.dataset.nonNull ?? '').split(',').map(Number) }));
}

/** Resolves once the page has drawn two more frames: what a panel just opened draws on its next
 * frame (a chart) is on screen by then, without a fixed wait. */
export async function nextFrames(page) {
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => done()))));
}

export async function waitForChartStep(page, testId, step, timeout) {
  await page.waitForFunction(
    ([id, s]) => Number(document.querySelector(`[data-testid="${id}"]`)?.dataset.lastStep ?? 0) >= s,
    [testId, step],
    { timeout, polling: 500 },
  );
}

export function assertSameChart(a, b, what) {
  assert.equal(b.points, a.points, `${what}: point count`);
  assert.equal(b.lastStep, a.lastStep, `${what}: last step`);
  assert.equal(b.digest, a.digest, `${what}: values fingerprint`);
}

/** Logs each phase of a long test with its own duration and the time since the start, so a slow
 * CI run says which phase grew: `mark('training to the pause')` after the phase ends. */
export function phaseClock(testName) {
  const start = Date.now();
  let last = start;
  return (phase) => {
    const now = Date.now();
    console.log(`    [${testName} ${((now - start) / 1000).toFixed(1)} s] ${phase}: ${((now - last) / 1000).toFixed(1)} s`);
    last = now;
  };
}
