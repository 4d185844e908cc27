// Evaluation, HDR and the playground on the embedded model, against the production build: each
// runs on the GPU worker and shows its real result (accuracy and failures with the model's output,
// HDR rounds, a streamed answer with parsed calls).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { chartState, dropFiles, openPanel } from './studioHelpers.mjs';

const DEMO_LINES = readFileSync('public/demo/demo-dataset.jsonl', 'utf8').split('\n').filter(Boolean);

async function prepare(page, baseUrl) {
  await page.goto(baseUrl);
  await openPanel(page, 'Dataset');
  // 60 examples: the seeded split leaves a few on the eval side.
  await dropFiles(page, [{ name: 'demo-60.jsonl', bytes: Buffer.from(DEMO_LINES.slice(0, 60).join('\n')) }]);
  await page.getByTestId('import-result').waitFor({ timeout: 60_000 });
  await openPanel(page, 'Model');
  await page.getByTestId('load-embedded').click();
  await page.getByTestId('loaded-model').waitFor({ timeout: 60_000 });
}

export const tests = {
  async 'an evaluation answers eval examples and shows accuracy and each failure beside the expected calls'({ context, baseUrl, screenshot }) {
    const page = await context.newPage();
    await prepare(page, baseUrl);
    await openPanel(page, 'Evaluation & HDR');
    await page.getByLabel('Eval examples', { exact: true }).fill('2');
    await page.getByLabel('Max new tokens').first().fill('12');
    await page.getByTestId('run-eval').click();
    await page.getByTestId('job-notice').waitFor({ timeout: 300_000 });
    assert.match(await page.getByTestId('job-notice').innerText(), /Evaluated 2 examples: \d+\.\d% correct/);
    const results = page.getByTestId('eval-results');
    await results.waitFor();
    assert.match(await page.getByTestId('eval-accuracy').innerText(), /^\d+\.\d%$/);
    const text = await results.innerText();
    assert.match(text, /Per category/);
    // The random tiny model does not answer correctly in 12 tokens: its failures are listed with output and expectation.
    assert.match(text, /Model output \(\d+ tokens, (length|eos|stop)\)/i);
    assert.match(text, /Expected/i);
    await screenshot('eval-panel', page);
    // A failure's expected answer fixed in place (a wrong label): saved, it says the verdict above
    // was judged against the answer it had then.
    const failure = results.locator('li.detail').first();
    await failure.getByTestId('edit-answer').click();
    await failure.locator('#answer-content').fill('A note beside the calls.');
    await failure.getByTestId('save-answer').click();
    await failure.getByTestId('answer-saved').waitFor({ timeout: 30_000 });
    await failure.getByTestId('expected-edited-since').waitFor({ timeout: 30_000 });
    assert.match(await failure.getByTestId('answer-edited').innerText(), /^You edited this answer\. The dataset’s own: .+\./);
    await screenshot('eval-failure-edited', page);
    // Its kept answers judged again against the answers as they are now: no GPU, a new evaluation.
    await page.getByTestId('judge-again').click();
    await page.getByTestId('eval-judged').getByText(/^Judged its 2 answers again against the expected answers as they are now: 0\.0% → 0\.0% \(no verdict changed\)\.$/).waitFor({ timeout: 30_000 });
    await page.getByTestId('eval-judged-from').waitFor({ timeout: 30_000 });
    assert.match(await page.locator('#eval-run').inputValue(), /^eval-/);
    assert.equal(await results.getByTestId('expected-edited-since').count(), 0, 'the evaluation judged again judged the answer as it is now');
  },

  async 'the playground streams an answer from the GPU and shows what parsed out of it'({ context, baseUrl, screenshot }) {
    const page = await context.newPage();
    await prepare(page, baseUrl);
    await openPanel(page, 'Playground');
    await page.getByLabel('Query').fill('What is the weather in Paris?');
    await page.getByLabel('Max new tokens').fill('10');
    await page.getByTestId('play-generate').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="playground-stats"]') || document.querySelector('[data-testid="playground-error"]'), null, { timeout: 300_000 }).catch(() => undefined);
    await screenshot('playground-panel', page);
    if (await page.getByTestId('playground-error').count()) assert.fail(await page.getByTestId('playground-error').innerText());
    const answer = await page.getByTestId('playground-answer').innerText();
    assert.match(answer, /10 tokens · stopped at the Max new tokens limit|\d+ tokens · ended by the model/);
    // How long the generation took and its rate, model loading left out.
    assert.match(await page.getByTestId('playground-stats').innerText(), / · (stopped at the Max new tokens limit: raise it if the answer is cut off|ended by the model) · first token after \d+(\.\d)? s, then \d+(\.\d)? tokens\/s$/);
    assert.ok((await page.getByTestId('playground-text').innerText()).length > 0, 'the generated text is shown');
    // A held-out question fills the query and its tools, and says what the dataset expects.
    await page.getByTestId('play-sample').click();
    assert.match(await page.getByTestId('play-expected').innerText(), /^demo-\d+ \(1 of \d+\) · the dataset expects (\w+\(.*\)|a plain answer, no call)/);
    assert.ok((await page.getByLabel('Query').inputValue()).trim().length > 0, 'the query is the example\'s question');
    await page.getByTestId('play-sample').click();
    assert.match(await page.getByTestId('play-expected').innerText(), /\(2 of \d+\)/);
    // Its answer is checked as the evaluation checks it (10 tokens: cut off, so counted wrong). Generate
    // waits until the example is read (it is sent as itself, the evaluation's prompt).
    await page.waitForFunction(() => document.querySelector('[data-testid="play-generate"]')?.getAttribute('aria-disabled') !== 'true', null, { timeout: 30_000 });
    await page.getByTestId('play-generate').click();
    await page.getByTestId('playground-check').waitFor({ timeout: 300_000 });
    assert.match(await page.getByTestId('playground-check').innerText(), /^(✓ The evaluation would count this right|✗ The evaluation would count this wrong against the expected answer of example demo-\d+: .+)/);
    await screenshot('playground-panel', page);
    await page.getByLabel('Query').fill('Something else entirely');
    assert.equal(await page.getByTestId('play-expected').count(), 0, 'an edited query no longer claims the example\'s answer');
  },
};

tests['HDR mines hard cases, runs a round and shows pool, pass@k and accepted per round'] = async ({ context, baseUrl, screenshot }) => {
  const page = await context.newPage();
  await prepare(page, baseUrl);
  await openPanel(page, 'Evaluation & HDR');
  // The smallest real HDR run: 2 examples mined, 2 samples each, 8 tokens, 1 round, 1 retraining step.
  await page.getByLabel('Examples to mine').fill('2');
  await page.getByLabel('Eval examples (0 = skip)').fill('0');
  await page.getByLabel('Samples per hard case (N)').fill('2');
  await page.getByLabel('Max rounds').fill('1');
  await page.getByLabel('Retraining steps per round').fill('1');
  await page.getByLabel('Max new tokens').nth(1).fill('8');
  await page.getByTestId('start-hdr').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="job-notice"], [data-testid="job-error"]'), null, { timeout: 300_000 });
  if (await page.getByTestId('job-error').count()) assert.fail(await page.getByTestId('job-error').innerText());
  const notice = await page.getByTestId('job-notice').innerText();
  assert.match(notice, /HDR stopped after 1 round \([a-z ]+\): 2 hard cases mined/);
  // The runs, then the hard cases, are re-read after the job's notice shows: wait for the list.
  await page.getByRole('heading', { name: /^Hard cases \(/ }).waitFor({ timeout: 30_000 });
  const rounds = await page.getByTestId('hdr-results').innerText();
  assert.match(rounds, /Pool before → after/);
  assert.match(rounds, /\n1\t2 → \d\t4\t\d+%/, `round 1 row: ${rounds}`);
  assert.match(rounds, /Hard cases \(\d open of 2\)/);
  await page.getByRole('button', { name: /^Open hard case / }).first().click();
  await page.getByTestId('example-detail').waitFor();
  await screenshot('hdr-panel', page);
};

// Keep the best step, end to end in the browser: a learning rate far too high makes the held-out
// loss rise within a few steps, so patience ends the run early and it keeps the adapter of its
// lowest held-out loss, saying that none came below the loss before training. What the run kept is said where it is used: the dashboard (with the chart's
// ring), the runs table and the adapter offered to evaluation, and again after a reload.
tests['Keep the best step: a run whose held-out loss rises stops early and keeps its best step’s adapter, wherever it is used, after a reload too'] = async ({ context, baseUrl, screenshot }) => {
  const page = await context.newPage();
  await prepare(page, baseUrl);
  await openPanel(page, 'Training');
  const field = (label) => page.getByLabel(label, { exact: true });
  for (const [label, value] of [['Steps', '12'], ['Batch (examples)', '1'], ['Sequence length (tokens)', '320'], ['Learning rate', '0.3'], ['Warm-up steps', '0'], ['Eval loss every (steps, 0 = never)', '1'], ['Eval examples', '2'], ['Checkpoint every (steps)', '0']]) await field(label).fill(value);
  await page.getByLabel('Keep the best step (lowest held-out loss), not the last').check();
  await field('Stop after (evaluations without a lower loss, 0 = never)').fill('2');
  await page.getByTestId('start-run').click();
  const ended = () => page.waitForFunction(() => ['done', 'failed'].includes(document.querySelector('[data-testid="run-controls"]')?.getAttribute('data-status') ?? ''), null, { timeout: 300_000 });
  await ended();
  const said = await page.getByTestId('run-controls').locator('span').first().innerText();
  // At this learning rate no step comes below the loss before training: the run says so, or its kept step would read as a gain.
  const m = said.match(/^Stopped at step (\d+) of 12 \(stopped early: 2 held-out evaluations in a row found no lower loss than step (\d+)’s; it keeps the adapter of step \2, its lowest held-out loss per token \(\d+\.\d{4}, against \d+\.\d{4} at its last step \1\); but no step came below the held-out loss before training \(\d\.\d{4}\): training made the model worse on held-out examples \(a lower learning rate may help\)\)\.$/);
  assert.ok(m, `the dashboard says the run stopped early, which step it kept, and that none beat the start: ${said}`);
  // Said once: the dashboard shows the run that ended, whose line says it (no notice repeating it).
  assert.equal(await page.getByTestId('dashboard-run-notice').count(), 0);
  const [last, kept] = [Number(m[1]), Number(m[2])];
  assert.equal(last, kept + 2, 'two evaluations without a lower loss after the kept step');
  assert.match(await page.getByTestId('kept-step-note').innerText(), new RegExp(`^The ring marks step ${kept}: its held-out loss per token was the run’s lowest`));
  await screenshot('keep-best-dashboard', page);
  const keptEverywhere = async () => {
    await openPanel(page, 'Runs & snapshots');
    assert.match(await page.getByTestId('runs-table').innerText(), new RegExp(`${last} / 12\\s+kept step ${kept}\\b`));
    // Evaluation answers with the kept adapter, and names its step.
    await openPanel(page, 'Evaluation & HDR');
    const offered = await page.locator('#eval-adapter option:checked').innerText();
    assert.match(offered, new RegExp(`\\(step ${kept}\\)$`), `the adapter evaluation offers: ${offered}`);
  };
  await keptEverywhere();
  await page.reload();
  await page.getByRole('tab', { name: 'Dashboard' }).waitFor();
  await openPanel(page, 'Dashboard');
  await page.getByTestId('run-controls').getByText(`it keeps the adapter of step ${kept}`, { exact: false }).waitFor({ timeout: 30_000 });
  await page.getByTestId('kept-step-note').waitFor({ timeout: 30_000 });
  await keptEverywhere();
};


// An ended run trains on from its checkpoint to a new total, from the dashboard: its curve goes on
// where it ended, and the run's length is the new one (after a reload too). Evaluated, it is set
// beside the base model on the same examples.
tests['an ended run trains on to more steps from the dashboard, its curve going on where it ended'] = async ({ context, baseUrl, screenshot }) => {
  const page = await context.newPage();
  await prepare(page, baseUrl);
  await openPanel(page, 'Training');
  const field = (label) => page.getByLabel(label, { exact: true });
  for (const [label, value] of [['Steps', '2'], ['Batch (examples)', '1'], ['Sequence length (tokens)', '320'], ['Eval loss every (steps, 0 = never)', '1'], ['Eval examples', '2'], ['Checkpoint every (steps)', '0']]) await field(label).fill(value);
  await page.getByTestId('start-run').click();
  const status = () => page.getByTestId('run-controls').getAttribute('data-status');
  await page.waitForFunction(() => document.querySelector('[data-testid="run-controls"]')?.getAttribute('data-status') === 'done', null, { timeout: 300_000 });
  assert.match(await page.getByTestId('run-controls').innerText(), /^Finished: 2 of 2 steps\./);
  assert.equal((await chartState(page, 'chart-loss')).lastStep, 2);
  // Another stretch of its length is offered, with what the stretched cosine schedule does to the rate.
  assert.equal(await page.getByLabel('Train on to (steps in all)').inputValue(), '4');
  assert.match(await page.getByTestId('train-on-note').innerText(), /^2 more steps from step 2, with the run’s own settings and examples\. Its cosine learning-rate schedule is laid over the 4 steps: step \d trains at [\d.e+-]+ where the schedule over 2 had /);
  await screenshot('dashboard-train-on', page);
  await page.getByTestId('train-on-start').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="run-controls"]')?.getAttribute('data-status') === 'done' && /Finished: 4 of 4/.test(document.querySelector('[data-testid="run-controls"]')?.textContent ?? ''), null, { timeout: 300_000 });
  assert.equal(await status(), 'done');
  assert.equal((await chartState(page, 'chart-loss')).lastStep, 4);
  await page.reload();
  await openPanel(page, 'Dashboard');
  await page.getByTestId('run-controls').getByText('Finished: 4 of 4 steps.').waitFor({ timeout: 30_000 });
  assert.equal(await page.getByLabel('Train on to (steps in all)').inputValue(), '8');

  // Its evaluation is set beside the base model's on the same examples: the base model answers them
  // after it, and the results show the adapter's, compared with the base model's.
  await openPanel(page, 'Evaluation & HDR');
  assert.equal(await page.getByTestId('eval-with-base').isChecked(), true);
  await page.getByLabel('Eval examples', { exact: true }).fill('2');
  await page.getByLabel('Max new tokens').first().fill('8');
  await page.getByTestId('run-eval').click();
  await page.getByTestId('job-notice').waitFor({ timeout: 300_000 });
  assert.match(await page.getByTestId('job-notice').innerText(), /^Evaluated 2 examples: \d+\.\d% correct\. The base model, on the same examples: \d+\.\d% correct \(\d of 2\)\./);
  assert.match(await page.locator('#eval-run option:checked').innerText(), /^eval of “ssb r4 lr 0\.001” on 2 examples/);
  assert.match(await page.locator('#eval-compare option:checked').innerText(), /^base model/);
  await page.getByTestId('eval-compare-answers').waitFor({ timeout: 30_000 });

  // A new run starts from that run's adapter: its LoRA settings are held to the adapter's, and the
  // dashboard says where it started.
  await openPanel(page, 'Training');
  await page.getByLabel('Start from').selectOption({ label: 'the adapter of ssb r4 lr 0.001 (step 4)' });
  assert.equal(await page.getByLabel('LoRA rank', { exact: true }).isDisabled(), true);
  assert.match(await page.getByTestId('start-from-note').innerText(), /^The new run trains on from that adapter, so its LoRA settings are the adapter’s \(rank 4, alpha 8, on q, k, v, o, gate, up, down\)/);
  await page.getByLabel('Steps', { exact: true }).fill('1');
  await page.getByTestId('start-run').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="run-controls"]')?.getAttribute('data-status') === 'done' && /Finished: 1 of 1/.test(document.querySelector('[data-testid="run-controls"]')?.textContent ?? ''), null, { timeout: 300_000 });
  assert.equal((await page.getByTestId('run-started-from').innerText()).trim(), 'Started from the adapter of “ssb r4 lr 0.001” (step 4).');
  await screenshot('dashboard-started-from', page);
};
