// The ablation from the studio, end to end in headless Chromium (SwiftShader WebGPU): drop fixture
// files in five formats, load the embedded model, set the shared training configuration and the
// balance rule in the Training panel, run every arm from the Ablation panel, and see the table
// (one row per arm with BFCL's aggregate), failures by rule and the overlaid call-loss,
// reasoning-loss and α curves on screen; download the report; evaluate the SSB + HDR arm's adapter
// like any run's. Kept small for CI — one of the three SSB rules (four arms), 2 steps and 2 held-out examples per
// arm; `studio ablate`'s test runs every rule: this proves the studio's path, not a result.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { unzipSync } from 'fflate';
import { chartState, dropFiles, openPanel } from './studioHelpers.mjs';

const FIXTURES = ['openai-tools.jsonl', 'hermes-text.jsonl', 'xlam.json', 'funreason.jsonl', 'sharegpt.json'];
const ARMS = ['sft', 'fixed:0.7', 'ssb:uncertainty', 'ssb:uncertainty+hdr'];

export const tests = {
  async 'an ablation from the studio: every arm trained and evaluated alike, the table and the curves on screen, the report downloaded'({ context, baseUrl, screenshot }) {
    const page = await context.newPage();
    await page.goto(baseUrl);
    await openPanel(page, 'Dataset');
    await dropFiles(page, FIXTURES.map((name) => ({ name, bytes: readFileSync(`tests/fixtures/data/${name}`) })));
    await page.getByTestId('import-result').waitFor({ timeout: 60_000 });
    // The fourteen examples ask fourteen questions: at 10% (seed 1234) none is held out. At 30%,
    // five are, for the arms to be evaluated on.
    await page.getByText('Split it again: now 10% held out (seed 1234)').click();
    await page.getByLabel('Held out (% of examples)').fill('30');
    await page.getByTestId('split-again').click();
    await page.getByTestId('split-notice').filter({ hasText: 'Split again: 30% held out (seed 1234), 5 of 14 examples held out now' }).waitFor({ timeout: 30_000 });
    await openPanel(page, 'Model');
    await page.getByTestId('load-embedded').click();
    await page.getByTestId('loaded-model').waitFor({ timeout: 120_000 });

    // What every arm shares comes from the Training panel, where the balance rules are explained.
    await openPanel(page, 'Training');
    await page.getByLabel('Steps', { exact: true }).fill('2');
    await page.getByLabel('Sequence length (tokens)').fill('448');
    await page.getByLabel('LoRA rank').fill('2');
    await page.getByLabel('Learning rate', { exact: true }).fill('0.01');
    await page.getByLabel('Balance rule').selectOption('grad');
    assert.match(await page.getByTestId('rule-help').innerText(), /\(∂L\/∂α = L_cot − L_call\), so α always moves toward whichever part already has the lower loss/);
    await page.getByLabel('Balance rule').selectOption('dwa');
    await page.getByLabel('Window W (steps)').fill('1');
    await page.getByLabel('Balance rule').selectOption('uncertainty');
    assert.match(await page.getByTestId('rule-help').innerText(), /Kendall et al\. 2018/);
    await screenshot('training-balance-rule', page);

    await openPanel(page, 'Ablation');
    assert.match(await page.getByTestId('ablation-shared').innerText(), /Every arm trains with the Training panel's settings: 2 steps, batch 1, sequence 448, learning rate 0\.01, LoRA rank 2, scale /);
    assert.equal(await page.getByTestId('ablation-arms').innerText(), '6 arms: sft, fixed:0.7, ssb:grad, ssb:uncertainty, ssb:dwa, ssb:uncertainty+hdr');
    await page.getByRole('checkbox', { name: 'grad' }).uncheck();
    await page.getByRole('checkbox', { name: 'dwa' }).uncheck();
    assert.equal(await page.getByTestId('ablation-arms').innerText(), `${ARMS.length} arms: ${ARMS.join(', ')}`);
    await page.getByLabel('Name', { exact: true }).fill('fixtures');
    await page.getByLabel('Held-out examples').fill('2');
    await page.getByLabel('Max new tokens').fill('2');
    await page.getByLabel('Answers at once').fill('2');
    await page.getByLabel('HDR rounds').fill('1');
    await page.getByLabel('Samples per hard case').fill('1');
    await page.getByLabel('Retraining steps per round').fill('1');
    await page.getByLabel('Examples to mine').fill('1');
    await page.getByTestId('start-ablation').click();
    await page.getByTestId('job-ablation').waitFor({ timeout: 30_000 });
    await screenshot('ablation-running', page);
    await page.getByTestId('job-notice').filter({ hasText: `The ablation finished: ${ARMS.length} arms` }).waitFor({ timeout: 540_000 });

    const table = page.getByTestId('ablation-table');
    for (const arm of ARMS) await table.getByTestId(`ablation-arm-${arm}`).waitFor();
    // The base model (no adapter) answered the same examples: the row every arm is read against.
    assert.match(await table.getByTestId('ablation-base').innerText(), /base model\s+no adapter\s+\d+\.\d% \(\d\/2\)/);
    assert.match(await table.innerText(), /BFCL overall/);
    const uncertainty = await table.getByTestId('ablation-arm-ssb:uncertainty').innerText();
    const [from, to] = uncertainty.match(/(\d\.\d{3}) → (\d\.\d{3})/).slice(1).map(Number);
    assert.equal(from, 0.7);
    assert.ok(Math.abs(to - from) > 0.02, `the uncertainty rule moved α: ${from} → ${to}`);
    // Its answers beside SFT's: how many it fixed and broke, not only the net accuracy, and whether
    // that split could be chance (a p-value where any verdict differs).
    const [, fixed, broken] = uncertainty.match(/\+(\d+) −(\d+) \(\d+ of \d+ the same(?:; p (?:=|<) [\d.]+)?\)/);
    assert.equal(/; p [=<]/.test(uncertainty), Number(fixed) + Number(broken) > 0, uncertainty);
    // The verdict above the table: the best arm, and whether any differs from SFT beyond chance; or,
    // where every arm answered both examples alike right or wrong, that the test cannot tell them apart.
    assert.match(await page.getByTestId('ablation-verdict').innerText(), /^Verdict: (Highest accuracy: .*|Every arm answered all 2 held-out examples (right|wrong).*: the test is at its .*)\.$/);
    await page.getByTestId('ablation-failures').waitFor();
    for (const id of ['ablation-chart-call', 'ablation-chart-cot', 'ablation-chart-alpha']) {
      const chart = await chartState(page, id);
      assert.ok(chart.points >= 2, `${id}: ${chart.points} steps drawn`);
    }
    // SFT has no α to learn: three curves on the α chart, four on the loss charts (named in the label,
    // each with its first and latest value: "<title>: <arm> from … to …; <arm> …").
    const curves = async (id) =>
      (await page.getByTestId(id).getAttribute('aria-label'))
        .replace(/^[^:]*: /, '')
        .split('; ')
        .map((part) => part.replace(/ (from [\d.e+-]+ at step \d+ to [\d.e+-]+|[\d.e+-]+) at step \d+$|: no values yet$/, ''));
    assert.deepEqual(await curves('ablation-chart-alpha'), ARMS.filter((a) => a !== 'sft'));
    assert.deepEqual(await curves('ablation-chart-call'), ARMS);
    await screenshot('ablation-results', page);

    const downloading = page.waitForEvent('download', { timeout: 60_000 });
    await page.getByTestId('download-ablation').click();
    const download = await downloading;
    assert.equal(download.suggestedFilename(), 'fixtures-ablation.zip');
    const files = unzipSync(new Uint8Array(readFileSync(await download.path())));
    assert.deepEqual(Object.keys(files).sort(), ['ablation.json', 'alpha.png', 'loss-call.png', 'loss-cot.png', 'report.md', 'results.csv']);
    assert.match(new TextDecoder().decode(files['report.md']), /\| ssb:uncertainty\+hdr \| /);
    // A header, the base model's row, then one per arm.
    assert.deepEqual(new TextDecoder().decode(files['results.csv']).trim().split('\n').slice(1).map((l) => l.split(',')[0]), ['base model', ...ARMS]);

    // Every arm is an ordinary run: the SSB + HDR arm's adapter is offered for evaluation.
    await openPanel(page, 'Evaluation & HDR');
    const options = await page.locator('#eval-adapter option').allInnerTexts();
    assert.ok(options.some((o) => /fixtures · ssb:uncertainty\+hdr \(HDR, round 1\)/.test(o)), options.join(' | '));
    assert.ok(options.some((o) => /fixtures · sft \(step 2\)/.test(o)), options.join(' | '));
  },
};
