// The studio's data path, against the production build in headless Chromium (SwiftShader WebGPU):
// drop the demo dataset (a real drop event with a file), see its formats, lengths and coloured
// token segments, load the embedded model and its memory plan; and a malformed dataset or snapshot
// that is refused with a named problem, leaving stored data alone. Training, pause, reload,
// resume, snapshots and share links are demo.e2e.mjs's guided path.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { strToU8, zipSync } from 'fflate';
import { dropFiles, nextFrames, openPanel } from './studioHelpers.mjs';

const DEMO = readFileSync('public/demo/demo-dataset.jsonl');

async function importDemo(page, lines) {
  const bytes = lines ? Buffer.from(DEMO.toString('utf8').split('\n').slice(0, lines).join('\n')) : DEMO;
  await dropFiles(page, [{ name: 'demo-dataset.jsonl', bytes }]);
  await page.getByTestId('import-result').waitFor({ timeout: 60_000 });
}

export const tests = {
  async 'drop the demo dataset, see its segments and lengths, load the embedded model and its memory plan'({ context, baseUrl, screenshot }) {
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
    // From the keyboard: the focus stays on the button while the model loads (it used to drop to the body).
    await page.getByTestId('load-embedded').focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('loaded-model').waitFor({ timeout: 60_000 });
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'load-embedded', 'keyboard focus kept');
    await page.getByTestId('memory-verdict').waitFor({ timeout: 30_000 });
    assert.match(await page.getByTestId('memory-verdict').innerText(), /^✓ Fits/);
    await screenshot('model-panel', page);
  },

  async 'the examples one rule alone flagged are used at once, after one confirmation, and left out again'({ context, baseUrl, screenshot }) {
    const page = await context.newPage();
    await page.goto(baseUrl);
    await openPanel(page, 'Dataset');
    // 40 demo examples, 12 of which call a tool they do not declare (call_names_known_tool only).
    let flagged = 0;
    const lines = DEMO.toString('utf8').split('\n').slice(0, 40).map((line) => {
      const o = JSON.parse(line);
      const call = o.messages.at(-1).tool_calls?.[0];
      if (!call || flagged === 12) return line;
      flagged++;
      call.function.name = 'not_declared';
      return JSON.stringify(o);
    });
    await dropFiles(page, [{ name: 'flagged.jsonl', bytes: Buffer.from(lines.join('\n')) }]);
    await page.getByTestId('import-result').waitFor({ timeout: 60_000 });
    const include = page.getByTestId('include-flagged-call_names_known_tool');
    await include.waitFor({ timeout: 60_000 });
    assert.equal(await include.innerText(), 'Train on the 12 examples flagged only by this rule');
    await include.click();
    const question = page.getByTestId('many-inclusion-question');
    assert.match(await question.innerText(), /^Use the 12 examples flagged only by “calls name a provided tool”\?/);
    await question.getByRole('button', { name: 'Use 12' }).click();
    const leaveOut = page.getByTestId('leave-out-flagged-call_names_known_tool');
    await page.getByTestId('quality-report').filter({ hasText: /all used/ }).waitFor({ timeout: 60_000 });
    // The button that asked stays, off with its reason: the focus is back on it, not on the page body.
    await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'include-flagged-call_names_known_tool', null, { timeout: 10_000 });
    assert.equal(await include.getAttribute('aria-disabled'), 'true');
    await page.getByTestId('example-use').selectOption('left-out');
    await page.getByTestId('example-count').filter({ hasText: /^0 of 40$/ }).waitFor({ timeout: 30_000 });
    await screenshot('dataset-many-included', page);

    await leaveOut.click();
    await page.getByTestId('many-inclusion-question').getByRole('button', { name: 'Leave out 12' }).click();
    await page.getByTestId('quality-report').filter({ hasText: /none used/ }).waitFor({ timeout: 60_000 });
    await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'leave-out-flagged-call_names_known_tool', null, { timeout: 10_000 });
    await page.getByTestId('example-count').filter({ hasText: /^12 of 40$/ }).waitFor({ timeout: 30_000 });
  },

  async 'a conversation that calls tools in several turns: its earlier calls are noted as prompt, then learned as examples of their own when asked (a choice kept across reloads)'({ context, baseUrl, screenshot }) {
    const call = (id, name, args) => ({ id, type: 'function', function: { name, arguments: JSON.stringify(args) } });
    const tools = ['find_order', 'refund'].map((name) => ({ type: 'function', function: { name, description: name, parameters: { type: 'object', properties: { order: { type: 'string' } } } } }));
    const conversation = (i) => ({
      id: `order-${i}`,
      tools,
      messages: [
        { role: 'user', content: `Refund order number ${i}.` },
        { role: 'assistant', content: '', reasoning_content: 'Find it first.', tool_calls: [call('a', 'find_order', { order: String(i) })] },
        { role: 'tool', tool_call_id: 'a', content: '{"found": true}' },
        { role: 'assistant', content: '', reasoning_content: 'Found; refund it.', tool_calls: [call('b', 'refund', { order: String(i) })] },
      ],
    });
    const bytes = Buffer.from([0, 1, 2].map((i) => JSON.stringify(conversation(i))).join('\n'));
    const page = await context.newPage();
    await page.goto(baseUrl);
    await openPanel(page, 'Dataset');
    await dropFiles(page, [{ name: 'orders.jsonl', bytes }]);
    await page.getByTestId('import-result').waitFor({ timeout: 60_000 });
    assert.equal(await page.getByTestId('earlier-calls-note').innerText(), "3 examples call tools in earlier turns too; those turns are prompt, not trained (each example's notes say how many). To learn them, tick “Learn every calling turn of a conversation” and import again: each becomes an example of its own.");
    await page.getByTestId('every-call-turn').check();
    await dropFiles(page, [{ name: 'orders.jsonl', bytes }]);
    await page.getByTestId('import-result').filter({ hasText: '6 examples imported' }).waitFor({ timeout: 60_000 });
    assert.match(await page.getByTestId('import-result').innerText(), /orders\.jsonl: openai \(detected\) · 6 imported \(3 of them earlier calling turns\) · 0 rejected/);
    assert.equal(await page.getByTestId('earlier-calls-note').count(), 0);
    const list = page.getByTestId('dataset-list');
    assert.equal(await list.locator('li').count(), 2, 'a dataset of its own: other examples than the first import');
    assert.match(await list.innerText(), /6 examples · openai · 3 of them earlier calling turns/);
    // The second turns answer after the first's call and result: the Quality report counts them.
    await page.getByTestId('quality-later-steps').filter({ hasText: /^3 examples answer after earlier calls in their conversation/ }).waitFor({ timeout: 30_000 });
    await screenshot('dataset-every-call-turn', page);
    // The choice is kept for the next import, after a reload too.
    await page.reload();
    await openPanel(page, 'Dataset');
    assert.equal(await page.getByTestId('every-call-turn').isChecked(), true);
  },

  async 'the Training form’s sequence length follows the dataset chosen until one is typed, kept across reloads, and follows again from “Use N”'({ context, baseUrl }) {
    // Requests far longer than the demo's: the demo's 320 would skip every one of them.
    const tool = { type: 'function', function: { name: 'summarize', description: 'Summarize a text', parameters: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] } } };
    const record = (i) => ({ id: `long-${i}`, tools: [tool], messages: [{ role: 'user', content: `Summarize this: ${'the quick brown fox jumps over the lazy dog '.repeat(40)}${i}` }, { role: 'assistant', content: '', tool_calls: [{ id: 'a', type: 'function', function: { name: 'summarize', arguments: JSON.stringify({ text: `text ${i}` }) } }] }] });
    const page = await context.newPage();
    await page.goto(baseUrl);
    await openPanel(page, 'Dataset');
    await dropFiles(page, [{ name: 'long.jsonl', bytes: Buffer.from(Array.from({ length: 12 }, (_, i) => JSON.stringify(record(i))).join('\n')) }]);
    await page.getByTestId('import-result').waitFor({ timeout: 60_000 });
    await openPanel(page, 'Training');
    const note = page.getByTestId('truncation-note');
    const field = page.getByLabel('Sequence length (tokens)');
    const followed = 'The form takes it from the data chosen, until you type a length of your own.';
    await note.filter({ hasText: followed }).waitFor({ timeout: 60_000 });
    const suggested = (await note.innerText()).match(/The data suggests (\d+) /)[1];
    assert.ok(Number(suggested) > 320, `the suggestion for requests this long: ${suggested}`);
    await page.waitForFunction((n) => document.getElementById('cfg-seqlen')?.value === n, suggested, { timeout: 10_000 });
    assert.match(await note.innerText(), new RegExp(`^Sequence length ${suggested}: `));
    assert.equal(await note.getAttribute('data-skipped'), '0');
    // Typed, the length is the user's, after a reload too.
    await field.fill('384');
    await note.filter({ hasText: `Use ${suggested} (and follow the data chosen from now on)` }).waitFor({ timeout: 10_000 });
    await page.reload();
    await openPanel(page, 'Training');
    await note.filter({ hasText: `Use ${suggested}` }).waitFor({ timeout: 60_000 });
    assert.equal(await field.inputValue(), '384');
    // "Use N" takes the data's length and follows the data again.
    await note.getByRole('button', { name: `Use ${suggested}` }).click();
    await note.filter({ hasText: followed }).waitFor({ timeout: 10_000 });
    await page.waitForFunction((n) => document.getElementById('cfg-seqlen')?.value === n, suggested, { timeout: 10_000 });
  },

  async 'a dataset is split again with a larger share held out: the counts follow, after a reload too'({ context, baseUrl, screenshot }) {
    const page = await context.newPage();
    await page.goto(baseUrl);
    await openPanel(page, 'Dataset');
    await importDemo(page, 120);
    const line = () => page.getByTestId('quality-report').locator('p').first().innerText();
    await page.getByTestId('quality-passed').waitFor({ timeout: 60_000 });
    const sides = (text) => {
      const [seed, train, heldOut] = text.match(/split with seed (\d+): (\d+) for training, (\d+) held out/).slice(1).map(Number);
      return [train, heldOut, seed];
    };
    const [train, heldOut, seed] = sides(await line());
    assert.equal(train + heldOut, 120);
    assert.equal(seed, 1234);
    await page.getByText('Split it again: now 10% held out (seed 1234)').click();
    await page.getByLabel('Held out (% of examples)').fill('40');
    await page.getByTestId('split-again').click();
    const notice = page.getByTestId('split-notice');
    await notice.waitFor({ timeout: 30_000 });
    const said = (await notice.innerText()).match(/^Split again: 40% held out \(seed 1234\), (\d+) of 120 examples held out now; (\d+) examples? changed side\./);
    assert.ok(said, await notice.innerText());
    const now = Number(said[1]);
    // About 48 of 120: the share is a hash's, not a count (binomial sd ≈ 5.4).
    assert.ok(now > heldOut && now > 30 && now < 66, `held out ${heldOut} → ${now}`);
    assert.equal(Number(said[2]), now - heldOut, 'a larger share with the same seed only adds held-out examples');
    await page.waitForFunction((n) => new RegExp(`: ${120 - n} for training, ${n} held out`).test(document.querySelector('[data-testid="quality-report"] p')?.textContent ?? ''), now, { timeout: 30_000 });
    await screenshot('dataset-split-again', page);
    await page.reload();
    await openPanel(page, 'Dataset');
    await page.getByTestId('quality-passed').waitFor({ timeout: 60_000 });
    assert.deepEqual(sides(await line()), [120 - now, now, 1234]);
    // The demo repeats some requests word for word; split by question, each goes with its twins, so
    // no held-out example asks what a training example asks, at any share.
    assert.equal(await page.getByTestId('quality-repeated').count(), 0);
    assert.equal(await page.getByTestId('leave-out-repeated').count(), 0);
    assert.equal(await page.getByTestId('split-by-example').count(), 0);
    // It says how many questions the 120 examples ask (the demo repeats some), and how many are held out.
    const questions = (await page.getByTestId('quality-questions').innerText()).match(/they ask (\d+) distinct questions, (\d+) of them held out, each with every example that asks it/);
    assert.ok(questions && Number(questions[1]) < 120 && Number(questions[2]) <= now, await page.getByTestId('quality-questions').innerText());
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
    // A Hugging Face dataset id that is none: said before any download, and nothing changes.
    await page.getByLabel('From the Hugging Face Hub').fill('xlam-function-calling');
    await page.getByRole('button', { name: 'Look up its files', exact: true }).click();
    await page.waitForFunction(() => /is not a Hugging Face dataset id/.test(document.querySelector('[data-testid="dataset-error"]')?.textContent ?? ''), null, { timeout: 30_000 });
    assert.match(await error.innerText(), /^Looking up xlam-function-calling on the Hugging Face Hub failed: "xlam-function-calling" is not a Hugging Face dataset id; write it as owner\/name \(like Salesforce\/xlam-function-calling-60k\), or paste the dataset page's address\./);
    assert.equal(await page.getByTestId('hub-file-choice').count(), 0, 'no files listed');
    assert.equal(await list.locator('li').count(), 1, 'still exactly one dataset');
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

  async 'answers without reasoning: the Training panel says SSB has little to balance; why a record was skipped outlives a reload'({ context, baseUrl }) {
    const page = await context.newPage();
    await page.goto(baseUrl);
    const tool = { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } };
    const record = (i, args = JSON.stringify({ city: `City ${i}` })) => JSON.stringify({ tools: [tool], messages: [{ role: 'user', content: `Weather in city ${i}?` }, { role: 'assistant', content: '', tool_calls: [{ type: 'function', function: { name: 'get_weather', arguments: args } }] }] });
    // A sixth record whose arguments are not JSON is skipped; why stays readable after a reload.
    const broken = record(6, '{city: 6');
    await dropFiles(page, [{ name: 'plain-calls.jsonl', bytes: Buffer.from([...[1, 2, 3, 4, 5].map((i) => record(i)), broken].join('\n')) }]);
    await page.getByTestId('import-result').waitFor({ timeout: 60_000 });
    await openPanel(page, 'Training');
    const note = page.getByTestId('reasoning-note');
    await note.waitFor({ timeout: 60_000 });
    assert.match(await note.innerText(), /carry no reasoning \(on average \d+ answer tokens each, none of them reasoning\), so SSB has nothing to balance/);
    await page.reload();
    await openPanel(page, 'Dataset');
    const skipped = page.getByTestId('dataset-skipped');
    await skipped.locator('summary').click();
    assert.match(await skipped.innerText(), /Why 1 record was skipped[\s\S]*plain-calls\.jsonl.*line 6/);
  },

  async 'leaving an example out from the keyboard keeps the focus on its toggle, and the table says it'({ context, baseUrl }) {
    const page = await context.newPage();
    await page.goto(baseUrl);
    await openPanel(page, 'Dataset');
    await importDemo(page, 12);
    await page.getByRole('button', { name: /^Open example / }).first().click();
    const toggle = page.getByTestId('toggle-inclusion');
    await toggle.waitFor({ timeout: 30_000 });
    assert.equal(await toggle.innerText(), 'Leave it out');
    // The change re-read the example, and its detail was gone meanwhile ("Reading example …"): the
    // toggle the user pressed went with it, and the focus fell to the page's body.
    await toggle.focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('example-inclusion').getByText(/^Left out by you/).waitFor({ timeout: 30_000 });
    await page.getByTestId('example-used').getByText('left out').waitFor({ timeout: 30_000 });
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'toggle-inclusion', 'keyboard focus kept on the toggle');
    await page.keyboard.press('Enter');
    await page.getByTestId('example-inclusion').getByText(/^Used: trained on|^Used: evaluated/).waitFor({ timeout: 30_000 });
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'toggle-inclusion', 'keyboard focus kept on the toggle');
  },

  async 'an example\'s expected answer is edited (a refusal first, in words), shown as edited, and restored'({ context, baseUrl, screenshot }) {
    const page = await context.newPage();
    await page.goto(baseUrl);
    await openPanel(page, 'Dataset');
    await importDemo(page, 12);
    await page.getByRole('button', { name: /^Open example / }).first().click();
    await page.getByTestId('edit-answer').click();
    const calls = page.locator('#answer-calls');
    const shown = await calls.inputValue();
    assert.match(shown, /^\[/, 'the calls are shown as a list, in the dataset\'s syntax');
    await calls.fill('call it please');
    await page.getByTestId('save-answer').click();
    await page.getByTestId('answer-form').getByRole('alert').getByText(/^Not saved: the calls box holds no call \("call it please"\)/).waitFor({ timeout: 30_000 });
    // The draft is kept to fix: put the calls back, and give the answer a text beside them.
    await calls.fill(shown);
    await page.locator('#answer-content').fill('Looking that up now.');
    await page.getByTestId('save-answer').click();
    await page.getByTestId('answer-saved').getByText('Saved: it passes the quality check and is used.').waitFor({ timeout: 30_000 });
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'edit-answer', 'keyboard focus back on the button that opened the form');
    await page.getByTestId('answer-edited').waitFor({ timeout: 30_000 });
    await screenshot('example-answer-edited', page);
    // The table marks it, and its Show filter finds it alone.
    await page.getByTestId('example-use').selectOption('edited');
    await page.getByTestId('quality-edited').waitFor({ timeout: 30_000 });
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="example-used"]').length === 1, null, { timeout: 30_000 });
    await page.getByTestId('restore-answer').click();
    await page.getByTestId('answer-saved').getByText(/^The imported answer is back: it passes the quality check and is used\.$/).waitFor({ timeout: 30_000 });
    await page.getByTestId('answer-edited').waitFor({ state: 'detached', timeout: 30_000 });
    await page.getByTestId('quality-edited').waitFor({ state: 'detached', timeout: 30_000 });
  },

  async 'on a phone-wide screen (390 px) no panel scrolls sideways'({ context, baseUrl, screenshot }) {
    const page = await context.newPage();
    await page.goto(baseUrl);
    await openPanel(page, 'Dataset');
    await importDemo(page, 40);
    await page.setViewportSize({ width: 390, height: 844 });
    const wide = [];
    for (const panel of await page.getByRole('tab').allInnerTexts()) {
      await openPanel(page, panel);
      await nextFrames(page); // what the panel draws on its next frame (a chart) is laid out by then
      const { scroll, client } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
      if (scroll > client + 1) {
        wide.push(`${panel}: ${scroll} px`);
        await screenshot(`narrow-${panel.toLowerCase().replace(/[^a-z]+/g, '-')}`, page);
      }
    }
    assert.deepEqual(wide, [], `panels wider than the 390 px screen: ${wide.join(', ')}`);
  },
};
