// The studio's main path, against the production build in headless Chromium (SwiftShader WebGPU):
// drop the demo dataset (a real drop event with a file), load the embedded model, train, see the
// CoT and call losses and α on the charts, pause, reload and see the very same curves, resume to
// the end; and a malformed dataset that is refused with a named problem, leaving stored data alone.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strToU8, zipSync } from 'fflate';
import { launchContext } from './chromium.mjs';
import { assertSameChart, chartState, dropFiles, openPanel, waitForChartStep } from './studioHelpers.mjs';

const DEMO = readFileSync('public/demo/demo-dataset.jsonl');
// SwiftShader runs a step of the embedded model in ~3–10 s on a shared CPU.
const STEP_BUDGET_MS = 25_000;
const PAUSE_AT = 20;
const TOTAL_STEPS = 24;

async function importDemo(page, lines) {
  const bytes = lines ? Buffer.from(DEMO.toString('utf8').split('\n').slice(0, lines).join('\n')) : DEMO;
  await dropFiles(page, [{ name: 'demo-dataset.jsonl', bytes }]);
  await page.getByTestId('import-result').waitFor({ timeout: 60_000 });
}

export const tests = {
  async 'drop the demo dataset, train on the embedded model, reload to the same curves, resume'({ context, baseUrl, screenshot }) {
    const page = await context.newPage();
    await page.goto(baseUrl);
    await openPanel(page, 'Dataset');
    await importDemo(page);
    assert.match(await page.getByTestId('import-result').innerText(), /320 examples imported/);
    assert.match(await page.getByTestId('detected-format').innerText(), /demo-dataset\.jsonl → (openai|funreason|hermes)/);
    await page.getByTestId('length-histogram').waitFor({ timeout: 60_000 });
    assert.match(await page.getByTestId('call-share').innerText(), /^\d+\.\d%$/);
    await page.getByRole('button', { name: /^Open example / }).first().click();
    await page.getByTestId('token-view').locator('.tokens .seg-call').first().waitFor({ state: 'attached', timeout: 30_000 });
    assert.ok((await page.getByTestId('token-view').locator('.tokens .seg-cot').count()) > 0, 'CoT tokens are coloured');
    await screenshot('dataset-panel', page);

    await openPanel(page, 'Model');
    await page.getByTestId('load-embedded').click();
    await page.getByTestId('loaded-model').waitFor({ timeout: 60_000 });
    await page.getByTestId('memory-verdict').waitFor({ timeout: 30_000 });
    assert.match(await page.getByTestId('memory-verdict').innerText(), /^✓ Fits/);
    await screenshot('model-panel', page);

    await openPanel(page, 'Training');
    await page.getByLabel('Steps', { exact: true }).fill(String(TOTAL_STEPS));
    await page.getByLabel('Batch (examples)').fill('1');
    await page.getByLabel('Sequence length (tokens)').fill('320');
    await screenshot('training-panel', page);
    await page.getByTestId('start-run').click();
    await page.getByTestId('dashboard').waitFor();
    await page.getByTestId('run-progress').waitFor({ timeout: 30_000 });
    await waitForChartStep(page, 'chart-loss', 2, 120_000);
    await screenshot('dashboard-training', page);
    await waitForChartStep(page, 'chart-loss', PAUSE_AT, PAUSE_AT * STEP_BUDGET_MS);
    await page.getByRole('button', { name: /Pause training/ }).click();
    await page.getByTestId('run-strip').waitFor({ state: 'detached', timeout: 2 * STEP_BUDGET_MS });

    const loss = await chartState(page, 'chart-loss');
    const alpha = await chartState(page, 'chart-alpha');
    assert.ok(loss.lastStep >= PAUSE_AT && loss.lastStep < TOTAL_STEPS, `paused at step ${loss.lastStep}`);
    assert.deepEqual(loss.nonNull, [loss.points, loss.points, loss.points], 'total, CoT and call loss at every step');
    assert.equal(alpha.nonNull[0], alpha.points, 'α at every step');
    const alphaShown = Number(await page.getByTestId('headline-alpha').innerText());
    assert.ok(alphaShown > 0.05 && alphaShown < 0.95, `α within its bounds: ${alphaShown}`);
    assert.notEqual(alphaShown, 0.7, 'α moved from its initial 0.7');

    await page.reload();
    await page.getByTestId('dashboard').waitFor();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="chart-loss"]')?.dataset.points ?? 0) > 0, null, { timeout: 30_000 });
    assertSameChart(loss, await chartState(page, 'chart-loss'), 'loss chart after reload');
    assertSameChart(alpha, await chartState(page, 'chart-alpha'), 'α chart after reload');
    assert.match(await page.getByLabel('Run').locator('option:checked').innerText(), /paused/);
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid="token-strip"]')?.dataset.step ?? 0) === n, Math.floor(loss.lastStep / 5) * 5, { timeout: 30_000 });

    await openPanel(page, 'Training');
    await page.getByTestId('resume-run').click();
    await waitForChartStep(page, 'chart-loss', TOTAL_STEPS, (TOTAL_STEPS - PAUSE_AT + 4) * STEP_BUDGET_MS);
    await page.getByTestId('run-strip').waitFor({ state: 'detached', timeout: STEP_BUDGET_MS });
    const resumed = await chartState(page, 'chart-loss');
    assert.equal(resumed.points, TOTAL_STEPS, 'one point per step: the resumed curve continues the paused one');
    assert.ok((await chartState(page, 'chart-eval')).nonNull[0] >= 4, 'eval loss at every 5th step');
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid="token-strip"]')?.dataset.step ?? 0) === n, TOTAL_STEPS, { timeout: 30_000 });
    assert.ok(Number(await page.getByTestId('token-strip').getAttribute('data-tokens')) > 5, 'per-token losses of the held-out example');
    assert.ok((await page.getByTestId('token-strip').locator('.seg-call').count()) > 0, 'call tokens in the strip');
    await screenshot('dashboard-done-1280', page);
    await page.getByRole('button', { name: /switch to dark theme/i }).click();
    await page.setViewportSize({ width: 1920, height: 1080 });
    await screenshot('dashboard-dark-1920', page);

    const finalAlpha = await chartState(page, 'chart-alpha');
    const finalAlphaText = await page.getByTestId('headline-alpha').innerText();

    // Export the run with its dataset, and make a share link.
    await openPanel(page, 'Runs & snapshots');
    assert.match(await page.getByTestId('runs-table').innerText(), /done/);
    const downloading = page.waitForEvent('download', { timeout: 60_000 });
    await page.getByRole('button', { name: /with its dataset/ }).click();
    const download = await downloading;
    assert.match(download.suggestedFilename(), /-step24\.zip$/);
    const zipPath = join(mkdtempSync(join(tmpdir(), 'studio-snapshot-')), download.suggestedFilename());
    await download.saveAs(zipPath);
    await page.getByTestId('snapshot-notice').waitFor();
    await page.getByTestId('copy-share-link').click();
    const shareUrl = await page.locator('#share-url').inputValue({ timeout: 30_000 });
    assert.match(shareUrl, /#share=[A-Za-z0-9_-]+$/);
    await screenshot('runs-panel', page);

    // A fresh browser profile (nothing stored): import the snapshot and see the same run.
    const fresh = await launchContext();
    try {
      const other = await fresh.newPage();
      await other.goto(baseUrl);
      await openPanel(other, 'Runs & snapshots');
      assert.equal(await other.getByTestId('runs-table').count(), 0, 'the fresh profile has no runs');
      await dropFiles(other, [{ name: download.suggestedFilename(), type: 'application/zip', bytes: readFileSync(zipPath) }]);
      await other.getByTestId('snapshot-notice').waitFor({ timeout: 60_000 });
      assert.match(await other.getByTestId('snapshot-notice').innerText(), /24 steps of metrics/);
      assert.match(await other.getByTestId('runs-table').innerText(), /read-only/);
      await screenshot('snapshot-imported', other);
      await openPanel(other, 'Dashboard');
      await other.waitForFunction(() => Number(document.querySelector('[data-testid="chart-loss"]')?.dataset.points ?? 0) > 0, null, { timeout: 30_000 });
      assertSameChart(resumed, await chartState(other, 'chart-loss'), 'loss chart of the imported snapshot');
      assertSameChart(finalAlpha, await chartState(other, 'chart-alpha'), 'α chart of the imported snapshot');
      await openPanel(other, 'Dataset');
      assert.match(await other.getByTestId('dataset-list').innerText(), /320 examples/, 'the dataset came with the snapshot');

      // The same snapshot again, resumable this time: a second run (new id) to compare with the first.
      await openPanel(other, 'Runs & snapshots');
      await other.getByLabel('Open as').selectOption('resume');
      await dropFiles(other, [{ name: download.suggestedFilename(), type: 'application/zip', bytes: readFileSync(zipPath) }]);
      await other.waitForFunction(() => document.querySelectorAll('[data-testid^="run-row-"]').length === 2, null, { timeout: 60_000 });
      assert.match(await other.getByTestId('snapshot-notice').innerText(), /ready to resume/);
      for (const box of await other.getByRole('checkbox', { name: /^Compare / }).all()) await box.check();
      await other.getByTestId('compare-alpha').waitFor();
      await other.waitForFunction(() => Number(document.querySelector('[data-testid="compare-alpha"]')?.dataset.points ?? 0) > 0, null, { timeout: 30_000 });
      const compared = await chartState(other, 'compare-alpha');
      assert.equal(compared.points, TOTAL_STEPS, 'both runs on one step axis');
      assert.deepEqual(compared.nonNull, [TOTAL_STEPS, TOTAL_STEPS], 'both α curves drawn');
      await screenshot('runs-compare', other);

      // The share link: a read-only dashboard from the URL alone.
      const shared = await fresh.newPage();
      const requests = [];
      shared.on('request', (r) => requests.push(r.method()));
      await shared.goto(shareUrl);
      await shared.getByTestId('shared-run').waitFor({ timeout: 30_000 });
      assert.equal(await shared.getByTestId('shared-finalAlpha').innerText(), finalAlphaText, 'the same final α');
      assert.ok(Number(await shared.getByTestId('shared-chart-alpha').getAttribute('data-points')) >= 20, 'the α curve is drawn');
      assert.ok(Number(await shared.getByTestId('shared-chart-loss').getAttribute('data-points')) >= 20, 'the loss curves are drawn');
      assert.ok(requests.every((m) => m === 'GET'), `nothing uploaded: ${requests.join(',')}`);
      await screenshot('share-link-view', shared);
    } finally {
      await fresh.close();
    }
  },

  async 'a malformed dataset is refused with the problem named, and stored data stays'({ context, baseUrl, screenshot }) {
    const page = await context.newPage();
    await page.goto(baseUrl);
    await openPanel(page, 'Dataset');
    await importDemo(page, 12);
    const list = page.getByTestId('dataset-list');
    assert.match(await list.innerText(), /12 examples/);
    await dropFiles(page, [{ name: 'broken.jsonl', bytes: Buffer.from('{"id": "x", "messages": [\nthis is not json\n{"tools": 42}\n') }]);
    const error = page.getByTestId('dataset-error');
    await error.waitFor({ timeout: 30_000 });
    const text = await error.innerText();
    assert.match(text, /No example could be imported from broken\.jsonl/);
    assert.match(text, /line \d/);
    assert.match(text, /existing datasets are unchanged/);
    assert.equal(await list.locator('li').count(), 1, 'still exactly one dataset');
    assert.match(await list.innerText(), /12 examples/);
    await screenshot('dataset-malformed', page);
  },

  async 'a malformed snapshot is refused with the problem named, and stored data stays'({ context, baseUrl, screenshot }) {
    const page = await context.newPage();
    await page.goto(baseUrl);
    await openPanel(page, 'Dataset');
    await importDemo(page, 12);
    await openPanel(page, 'Runs & snapshots');
    // Not a zip at all.
    await dropFiles(page, [{ name: 'garbage.zip', type: 'application/zip', bytes: Buffer.from('PK this is not really a zip archive') }]);
    const error = page.getByTestId('snapshot-error');
    await error.waitFor({ timeout: 30_000 });
    assert.match(await error.innerText(), /Could not open garbage\.zip: .+\. Nothing was imported/);
    // A real zip whose run.json breaks the schema and carries markup that must stay text.
    const markup = '<img src=x onerror="window.__pwned=1">';
    const bad = zipSync({ 'run.json': strToU8(JSON.stringify({ schema: 'balancesft-run/1', exportedAt: 1, run: { id: markup, name: markup, createdAt: 1, status: 'done' } })) });
    await dropFiles(page, [{ name: 'bad-run.zip', type: 'application/zip', bytes: Buffer.from(bad) }]);
    await page.waitForFunction(() => /bad-run\.zip/.test(document.querySelector('[data-testid="snapshot-error"]')?.textContent ?? ''), null, { timeout: 30_000 });
    const text = await error.innerText();
    assert.match(text, /run\.json/, `names the entry: ${text}`);
    assert.equal(await page.locator('img[src="x"]').count(), 0, 'snapshot text is never rendered as HTML');
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    assert.equal(await page.getByTestId('runs-table').count(), 0, 'no run was created');
    await openPanel(page, 'Dataset');
    assert.equal(await page.getByTestId('dataset-list').locator('li').count(), 1, 'the stored dataset is untouched');
    await openPanel(page, 'Runs & snapshots');
    await screenshot('snapshot-malformed', page);
  },

  async 'a broken share link says what is wrong instead of showing a blank page'({ context, baseUrl }) {
    const page = await context.newPage();
    await page.goto(`${baseUrl}#share=AAAA-not-deflate`);
    const error = page.getByTestId('shared-run-error');
    await error.waitFor({ timeout: 30_000 });
    assert.match(await error.innerText(), /share link cannot be shown: share link: .+Ask for a new link/);
  },
};
