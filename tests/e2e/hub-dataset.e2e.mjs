// The Dataset panel against a Hugging Face dataset repo, in the built app: its files looked up and
// listed with their sizes (the train split's ticked), another file ticked instead, downloaded and
// stored under a name that says which; then the stored dataset downloaded as JSONL. The "Hub" is
// Playwright routing https://huggingface.co's tree API and file URLs to fixtures (no internet in CI).
import assert from 'node:assert/strict';
import { openPanel } from './studioHelpers.mjs';

const REPO = 'studio-test/fc-data';
const line = (id, i) => JSON.stringify({ id: `${id}-${i}`, query: `What is ${i} plus 2?`, tools: '[{"name": "add", "parameters": {"a": {"type": "int"}, "b": {"type": "int"}}}]', answers: `[{"name": "add", "arguments": {"a": ${i}, "b": 2}}]` });
const FILES = {
  'data/train.jsonl': Array.from({ length: 12 }, (_, i) => line('train', i)).join('\n'),
  'data/test.jsonl': Array.from({ length: 3 }, (_, i) => line('test', i)).join('\n'),
};

async function serveDatasetRepo(context) {
  const served = [];
  await context.route(`https://huggingface.co/api/datasets/${REPO}/tree/main?recursive=true`, (route) =>
    route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify([{ type: 'file', path: 'README.md', size: 8 }, { type: 'directory', path: 'data', size: 0 }, ...Object.entries(FILES).map(([path, text]) => ({ type: 'file', path, size: Buffer.byteLength(text), oid: `oid-${path}` }))]) }),
  );
  await context.route(`https://huggingface.co/datasets/${REPO}/resolve/main/**`, (route) => {
    const path = decodeURIComponent(new URL(route.request().url()).pathname.split('/resolve/main/')[1]);
    served.push(`${route.request().method()} ${path}`);
    return FILES[path] === undefined ? route.fulfill({ status: 404, body: 'Entry not found' }) : route.fulfill({ status: 200, body: FILES[path] });
  });
  return served;
}

export const tests = {
  async 'a Hub dataset’s files are listed before any download; the file ticked is imported, named by it, and the dataset downloads as JSONL'({ context, baseUrl, screenshot }) {
    const served = await serveDatasetRepo(context);
    const page = await context.newPage();
    await page.goto(baseUrl);
    await openPanel(page, 'Dataset');
    await page.getByLabel('From the Hugging Face Hub').fill(`https://huggingface.co/datasets/${REPO}`);
    await page.getByRole('button', { name: 'Look up its files', exact: true }).click();
    const choice = page.getByTestId('hub-file-choice');
    await choice.waitFor({ timeout: 30_000 });
    assert.equal(await page.getByTestId('hub-choice-total').innerText(), `2 dataset files listed; 1 file ticked, ${(Buffer.byteLength(FILES['data/train.jsonl']) / 1024).toFixed(1)} KiB to download.`);
    assert.deepEqual(served, [], 'nothing downloaded by the lookup');
    await screenshot('dataset-hub-files', page);
    await choice.getByLabel(/data\/train\.jsonl/).uncheck();
    await choice.getByLabel(/data\/test\.jsonl/).check();
    await choice.getByRole('button', { name: 'Import 1 file' }).click();
    await page.getByTestId('hub-import-source').waitFor({ timeout: 60_000 });
    assert.equal(await page.getByTestId('hub-import-source').innerText(), `From ${REPO}: 1 file. The files you chose; left out: data/train.jsonl.`);
    assert.deepEqual(served, ['GET data/test.jsonl']);
    assert.equal(await choice.count(), 0, 'the listing closes once its files are stored');
    const name = `${REPO} · test`;
    assert.match(await page.getByTestId('dataset-list').innerText(), new RegExp(`${name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\s+3 examples · xlam`));

    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.getByRole('button', { name: `Download dataset ${name} as JSONL` }).click()]);
    assert.equal(download.suggestedFilename(), 'studio-test-fc-data · test.jsonl');
    const lines = (await (await import('node:fs/promises')).readFile(await download.path(), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => [l.id, l.included]), [['test-0', true], ['test-1', true], ['test-2', true]]);
  },
};
