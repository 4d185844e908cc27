// The Model panel against a hub: a repo id is downloaded with progress (bytes and speed) into the
// browser's cache, listed there with its size, and deleted. The "hub" is Playwright routing
// https://huggingface.co/<repo>/resolve/main/<file> to the embedded model's files (no internet in CI).
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { openPanel } from './studioHelpers.mjs';

const REPO = 'studio-test/tiny-qwen3';
const DIR = 'public/models/tiny-qwen3';

/** Serves the embedded model's files as `repo`; with `token`, only to requests that carry it (a gated repo). */
async function serveHub(context, repo = REPO, token = null) {
  const served = [];
  await context.route(`https://huggingface.co/${repo}/resolve/main/**`, async (route) => {
    if (token && route.request().headers().authorization !== `Bearer ${token}`) {
      served.push(`refused ${route.request().headers().authorization ?? 'no token'}`);
      return route.fulfill({ status: route.request().headers().authorization ? 403 : 401, body: 'Access to this model is restricted' });
    }
    const file = decodeURIComponent(new URL(route.request().url()).pathname.split('/').pop());
    const path = `${DIR}/${file}`;
    if (!existsSync(path)) return route.fulfill({ status: 404, body: 'Entry not found' });
    const size = statSync(path).size;
    served.push(`${route.request().method()} ${file}`);
    if (route.request().method() === 'HEAD') return route.fulfill({ status: 200, headers: { 'x-linked-size': String(size), 'content-length': String(size) }, body: '' });
    return route.fulfill({ status: 200, headers: { 'content-type': 'application/octet-stream' }, body: readFileSync(path) });
  });
  return served;
}

export const tests = {
  async 'a hub model downloads with progress, is listed in the cache with its size, and can be deleted'({ context, baseUrl, screenshot }) {
    const served = await serveHub(context);
    const page = await context.newPage();
    await page.goto(baseUrl);
    await openPanel(page, 'Model');
    // Remember every progress text shown, since a local download is over quickly.
    await page.evaluate(() => {
      window.__progressSeen = [];
      new MutationObserver(() => {
        const p = document.querySelector('[data-testid="model-progress"]');
        if (p) window.__progressSeen.push(p.textContent);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await page.getByLabel('Repo id').fill(REPO);
    await page.getByRole('button', { name: 'Load', exact: true }).click();
    await page.getByTestId('loaded-model').waitFor({ timeout: 120_000 });
    assert.match(await page.getByTestId('loaded-model').innerText(), new RegExp(`Loaded: ${REPO}`));
    assert.ok(served.some((s) => s === 'GET model.safetensors'), `weights fetched through the hub route: ${served.join(', ')}`);
    const seen = await page.evaluate(() => window.__progressSeen.join('\n'));
    assert.match(seen, /model\.safetensors: [\d.]+ (KiB|MiB)( of [\d.]+ MiB)? · [\d.]+ (B|KiB|MiB|GiB)\/s/, `progress with bytes and speed: ${seen.slice(0, 400)}`);
    const cached = page.getByTestId('cached-models');
    await page.waitForFunction((repo) => document.querySelector('[data-testid="cached-models"]')?.textContent?.includes(repo), REPO, { timeout: 30_000 });
    // The listed size is the sum of the files the hub served (every one is cached, each verified by size).
    const files = [...new Set(served.filter((s) => s.startsWith('GET ')).map((s) => s.slice(4)))];
    const mib = (files.reduce((sum, f) => sum + statSync(`${DIR}/${f}`).size, 0) / 1024 ** 2).toFixed(1);
    assert.match(await cached.innerText(), new RegExp(`${REPO} · ${files.length} files · ${mib.replace('.', '\\.')} MiB`));
    await screenshot('model-hub-cached', page);
    // The loaded model's files stay while it is loaded; once another model is, they can go.
    const del = page.getByRole('button', { name: `Delete the cached files of ${REPO}` });
    assert.ok(await del.isDisabled(), 'the loaded model’s cached files cannot be deleted');
    await page.getByTestId('load-embedded').click();
    await page.waitForFunction(() => /Loaded: the embedded tiny Qwen3/.test(document.querySelector('[data-testid="loaded-model"]')?.textContent ?? ''), null, { timeout: 120_000 });
    await del.click();
    await page.waitForFunction((repo) => !document.querySelector('[data-testid="cached-models"]')?.textContent?.includes(repo), REPO, { timeout: 30_000 });
  },

  async 'a repo that does not exist says so and what to check'({ context, baseUrl }) {
    await serveHub(context);
    await context.route('https://huggingface.co/studio-test/missing/**', (route) => route.fulfill({ status: 404, body: 'Repository not found' }));
    const page = await context.newPage();
    await page.goto(baseUrl);
    await openPanel(page, 'Model');
    await page.getByLabel('Repo id').fill('studio-test/missing');
    await page.getByRole('button', { name: 'Load', exact: true }).click();
    const error = page.getByTestId('model-error');
    await error.waitFor({ timeout: 60_000 });
    assert.match(await error.innerText(), /Could not load studio-test\/missing: .*config\.json.*Check the repo id/);
  },

  async 'a gated repo asks for an access token; with one it downloads, and the token is kept nowhere'({ context, baseUrl, screenshot }) {
    const gated = 'studio-test/gated-tiny';
    const served = await serveHub(context, gated, 'hf_e2e_token');
    const page = await context.newPage();
    await page.goto(baseUrl);
    await openPanel(page, 'Model');
    await page.getByLabel('Repo id').fill(gated);
    await page.getByRole('button', { name: 'Load', exact: true }).click();
    const error = page.getByTestId('model-error');
    await error.waitFor({ timeout: 60_000 });
    assert.match(await error.innerText(), /HTTP 401 .*gated or private.*Paste an access token \(huggingface\.co\/settings\/tokens\) under “Access token” and load again\./);
    await screenshot('model-gated-refused', page);
    await page.getByLabel('Access token (gated or private repos)').fill('hf_e2e_token');
    await page.getByRole('button', { name: 'Load', exact: true }).click();
    await page.waitForFunction((repo) => document.querySelector('[data-testid="loaded-model"]')?.textContent?.includes(repo), gated, { timeout: 120_000 });
    assert.ok(served.includes('GET model.safetensors'), `the weights came with the token: ${served.join(', ')}`);
    // Not in the page's storage, and gone with a reload.
    const stored = await page.evaluate(async () => JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage } }));
    assert.doesNotMatch(stored, /hf_e2e_token/);
    await page.reload();
    await openPanel(page, 'Model');
    assert.equal(await page.getByLabel('Access token (gated or private repos)').inputValue(), '');
  },
};
