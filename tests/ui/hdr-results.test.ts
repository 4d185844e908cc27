// The HDR rounds table under the HDR form, rendered with react-dom/server reading the stores'
// current state. Protects what a run with no round yet says: mining while it mines, the first
// round once mining is done (the whole first round read "mining hard cases…"), and a run that
// mined nothing says so instead of "every hard case was solved"; after its rounds, which round's
// adapter the run keeps, and the pool and samples added as the CLI's hdr.json says them.
import { createElement } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { renderNow as render } from '../helpers/render.ts';
import { DEFAULT_HDR_SETTINGS } from '../../src/hdr/settings.ts';
import { DEFAULT_RUN_CONFIG } from '../../src/train/config.ts';

/** What the worker answers a startHdr request with. */
const hdrAnswer = vi.hoisted(() => ({ result: undefined as unknown, events: [] as Array<(e: unknown) => void> }));
vi.mock('../../src/state/engine.ts', () => ({
  engineClient: () => ({ request: async (kind: string) => (kind === 'startHdr' ? hdrAnswer.result : undefined), onEvent: (l: (e: unknown) => void) => hdrAnswer.events.push(l) }),
}));
const { useRuns } = await import('../../src/state/runStore.ts');
const { useJobs } = await import('../../src/state/jobStore.ts');
const { HdrResults } = await import('../../src/ui/eval/HdrResults.tsx');
const { useModel } = await import('../../src/state/modelStore.ts');
const { useDatasets } = await import('../../src/state/datasetStore.ts');

const hdrRun = (over: Record<string, unknown>) => ({
  id: 'hdr-1', datasetId: 'd1', kind: 'hdr', status: 'running', createdAt: 10, updatedAt: 10, name: 'HDR', config: DEFAULT_RUN_CONFIG, settings: DEFAULT_HDR_SETTINGS, rounds: [], ...over,
});
const firstRow = (html: string) => /<tbody><tr><td colSpan="8">([^<]*)<\/td>/.exec(html.replace(/<!-- -->/g, ''))?.[1];

describe('HDR rounds table before its first round', () => {
  it('says mining while it mines, and the first round once mining is done', () => {
    // The worker said its job writes this row.
    useJobs.setState({ running: { kind: 'hdr', progress: null }, rows: new Set(['hdr-1']) });
    useRuns.setState({ runs: [hdrRun({})] as never });
    expect(firstRow(render(createElement(HdrResults, { datasetId: null })))).toBe('mining hard cases…');
    useRuns.setState({ runs: [hdrRun({ mined: { examples: 8, correct: 5, hardCases: 3 } })] as never });
    expect(firstRow(render(createElement(HdrResults, { datasetId: null })))).toBe('3 hard cases mined from 8 examples; the first round is under way…');
    useJobs.setState({ running: null, rows: new Set() });
  });

  it('a finished run that mined no hard case says so, not that every hard case was solved', () => {
    useRuns.setState({ runs: [hdrRun({ status: 'done', message: 'no_hard_cases', stopReason: 'no_hard_cases', mined: { examples: 8, correct: 8, hardCases: 0 } })] as never });
    expect(firstRow(render(createElement(HdrResults, { datasetId: null })))).toBe('no rounds: the model answered every mined example correctly: no hard case');
  });
});

describe('HDR rounds table after a round', () => {
  it('says how many examples mining left out and why, as the CLI does', () => {
    // A mining set with some examples failing the quality check (the user included them) was
    // mined from fewer examples than chosen, and nothing said so.
    const note = '2 examples not mined: they fail the quality check HDR requires (example "x": call: no such function)';
    useRuns.setState({ runs: [hdrRun({ status: 'done', message: 'no_hard_cases', stopReason: 'no_hard_cases', mined: { examples: 6, correct: 6, hardCases: 0, notes: [note] } })] as never });
    const html = render(createElement(HdrResults, { datasetId: null })).replace(/<!-- -->/g, '');
    expect(html).toContain(`Mining: ${note.replace(/"/g, '&quot;')}.`);
  });

  it('says which examples a round\'s retraining skipped, as the CLI does', async () => {
    // Accepted samples longer than the retraining's sequence length were counted as accepted and
    // their cases as solved, while the round never trained on them, and nothing said so.
    const tooLong = 'example "a#hdr1.0": 401 tokens even with earlier turns left out (system prompt, tools and the final turn are never cut), over the 320-token limit; skipped';
    const round = {
      round: 1, poolBefore: 2, poolAfter: 0, samples: 6, passAtK: 1, gatePassed: 2, accepted: 2, duplicates: 0, rejectedByRule: {}, solved: ['a', 'b'],
      evalAccuracyBefore: null, evalAccuracyAfter: null, training: { steps: 2, examples: 1, lossFirst: 2, lossLast: 1, skipped: [tooLong] }, replayed: 0, millis: 5,
    };
    useRuns.setState({ runs: [hdrRun({ status: 'done', message: 'pool_empty', stopReason: 'pool_empty', rounds: [round] })] as never });
    const html = render(createElement(HdrResults, { datasetId: null })).replace(/<!-- -->/g, '');
    expect(html).toContain(`Round 1 retrained on 1 example, skipping 1: ${tooLong.replace(/"/g, '&quot;')}.`);
    const { roundLine } = await import('../../src/cli/commands/hdr.ts');
    expect(roundLine(round).split('\n')[1]).toBe(`  round 1 retrained on 1 example, skipping 1: ${tooLong}`);
  });

  it('says how many of a round\'s samples stopped at the token limit, as the CLI does', async () => {
    // Every sample of a round ran into Max new tokens, and only rounds.jsonl's finish reasons could tell.
    const round = {
      round: 1, poolBefore: 2, poolAfter: 2, samples: 4, sampleEndings: { length: 3, eos: 1 }, passAtK: 0, gatePassed: 0, accepted: 0, duplicates: 0, rejectedByRule: { parse: 3, answer: 1 }, solved: [],
      evalAccuracyBefore: null, evalAccuracyAfter: null, training: null, replayed: 0, millis: 5,
    };
    useRuns.setState({ runs: [hdrRun({ status: 'done', message: 'pool_stopped_shrinking', stopReason: 'pool_stopped_shrinking', settings: { ...DEFAULT_HDR_SETTINGS, maxNewTokens: 48 }, rounds: [round] })] as never });
    const html = render(createElement(HdrResults, { datasetId: null })).replace(/<!-- -->/g, '');
    expect(html).toContain('Round 1: 3 of 4 sampled answers stopped at the Max new tokens 48 limit; raise it if they were cut off mid-answer.');
    const { roundLine } = await import('../../src/cli/commands/hdr.ts');
    expect(roundLine(round, { limit: '--max-tokens 48' }).split('\n')[1]).toBe('  round 1: 3 of 4 sampled answers stopped at the --max-tokens 48 limit; raise it if they were cut off mid-answer');
  });

  it('says how many right answers the quality gate rejected and why, beside pass@k, as the CLI does', async () => {
    // "pool 2 → 1  pass@k 100.0%  accepted 1": b's sample passed the answer check (all pass@k
    // asks) but its reasoning failed the gate, which only rounds.jsonl said.
    const round = {
      round: 1, poolBefore: 2, poolAfter: 1, samples: 2, passAtK: 1, gatePassed: 1, accepted: 1, duplicates: 0, rejectedByRule: { reasoning_malformed: 1, reasoning_no_function: 1 },
      rightButRejected: { samples: 1, byRule: { reasoning_malformed: 1, reasoning_no_function: 1 }, casesLeftOpen: 1 }, solved: ['a'],
      evalAccuracyBefore: null, evalAccuracyAfter: null, training: { steps: 1, examples: 1, lossFirst: 2, lossLast: 1, skipped: [] }, replayed: 0, millis: 5,
    };
    const said = 'round 1: 1 sampled answer passed the answer check but the quality gate rejected it (reasoning_malformed 1, reasoning_no_function 1), so 1 hard case pass@k counts as answered stays in the pool';
    useRuns.setState({ runs: [hdrRun({ status: 'done', message: 'round_limit', stopReason: 'round_limit', rounds: [round] })] as never });
    const html = render(createElement(HdrResults, { datasetId: null })).replace(/<!-- -->/g, '');
    expect(html).toContain(`R${said.slice(1)}.`);
    const { roundLine } = await import('../../src/cli/commands/hdr.ts');
    expect(roundLine(round).split('\n')).toEqual(['round 1: pool 2 → 1  pass@k 100.0%  accepted 1 (0 duplicates)  held-out accuracy not measured', `  ${said}`]);
  });

  it('gives the answers each round fixed and broke, and over the run whether that could be chance, as the CLI does', async () => {
    // "50% → 75%" on 8 examples is 3 answers fixed and 1 broken: a split chance gives 63% of the time.
    const base = { poolBefore: 2, poolAfter: 1, samples: 6, passAtK: 1, gatePassed: 1, accepted: 1, duplicates: 0, rejectedByRule: {}, solved: ['a'], training: { steps: 2, examples: 1, lossFirst: 2, lossLast: 1, skipped: [] }, replayed: 0, millis: 5 };
    const rounds = [
      { ...base, round: 1, evalAccuracyBefore: 0.5, evalAccuracyAfter: 0.75, evalChanges: { fixed: 3, broken: 1 }, evalChangesSinceStart: { fixed: 3, broken: 1 } },
      { ...base, round: 2, evalAccuracyBefore: 0.75, evalAccuracyAfter: 0.875, evalChanges: { fixed: 1, broken: 0 }, evalChangesSinceStart: { fixed: 3, broken: 0 } },
    ];
    useRuns.setState({ runs: [hdrRun({ status: 'done', message: 'pool_empty', stopReason: 'pool_empty', rounds })] as never });
    const html = render(createElement(HdrResults, { datasetId: null })).replace(/<!-- -->/g, '');
    expect(html).toContain('3 fixed, 1 broken, p = 0.63: could be chance');
    expect(html).toContain('1 fixed, 0 broken, p = 1.00: could be chance');
    expect(html).toContain('Held-out accuracy 50% → 88% over rounds 1–2. 3 held-out answers turned right and 0 wrong between them: that split could be chance (p = 0.25, exact McNemar test on the 3 examples whose verdicts differ); more held-out examples would tell.');
    const { roundLine, runChangesLine } = await import('../../src/cli/commands/hdr.ts');
    expect(roundLine(rounds[0])).toBe('round 1: pool 2 → 1  pass@k 100.0%  accepted 1 (0 duplicates)  held-out accuracy 50.0% → 75.0% (3 fixed, 1 broken, p = 0.63: could be chance)');
    expect(runChangesLine(rounds)).toBe('held-out accuracy 50.0% → 87.5% over rounds 1–2 (3 fixed, 0 broken, p = 0.25: could be chance)');
    // One round says it in its own row; a run with none re-evaluated has nothing to add.
    expect(runChangesLine(rounds.slice(0, 1))).toBeNull();
    expect(runChangesLine(rounds.map(({ evalChanges: _c, evalChangesSinceStart: _s, ...r }) => ({ ...r, evalAccuracyAfter: null })))).toBeNull();
  });

  it('says a round that evaluated nothing was not measured, and one that retrained nothing was not retrained, not "— → —"', async () => {
    const round = { round: 1, poolBefore: 3, poolAfter: 2, samples: 24, passAtK: 0.33, gatePassed: 4, accepted: 1, duplicates: 3, rejectedByRule: {}, solved: ['a'], training: { steps: 2, examples: 1, lossFirst: 2, lossLast: 1, skipped: [] }, replayed: 0, millis: 5, evalAccuracyBefore: null, evalAccuracyAfter: null };
    useRuns.setState({ runs: [hdrRun({ status: 'done', message: 'max_rounds', stopReason: 'max_rounds', rounds: [round] })] as never });
    const cells = [...render(createElement(HdrResults, { datasetId: null })).replace(/<!-- -->/g, '').matchAll(/<td>(.*?)<\/td>/g)].map((m) => m[1]);
    expect(cells.at(-1)).toBe('<span class="muted">not measured</span>');
    // The CLI says why in its flags: "eval not evaluated" said neither what nor why.
    const { roundLine } = await import('../../src/cli/commands/hdr.ts');
    expect(roundLine(round, { notMeasured: 'not measured (--eval-limit 0)' })).toContain('  held-out accuracy not measured (--eval-limit 0)');
    expect(cells.join()).not.toContain('— → —');
    // Evaluated before, but nothing accepted to retrain on: the accuracy stands, and says why there is no "after".
    useRuns.setState({ runs: [hdrRun({ status: 'done', message: 'max_rounds', stopReason: 'max_rounds', rounds: [{ ...round, accepted: 0, training: null, evalAccuracyBefore: 0.5 }] })] as never });
    const kept = [...render(createElement(HdrResults, { datasetId: null })).replace(/<!-- -->/g, '').matchAll(/<td>(.*?)<\/td>/g)].map((m) => m[1]);
    expect(kept.at(-1)).toBe('50% (not retrained: no sample accepted)');
  });

  it('says a round a cancel cut short in its retraining was cut short, as the CLI does', async () => {
    // A Cancel (Ctrl-C) while round 1 retrained: its row read as a finished round, and the run as
    // "stopped after 1 round", with an adapter holding 2 of its steps.
    const round = {
      round: 1, poolBefore: 3, poolAfter: 2, samples: 9, passAtK: 1 / 3, gatePassed: 1, accepted: 1, duplicates: 0, rejectedByRule: {}, solved: ['a'],
      evalAccuracyBefore: 0.25, evalAccuracyAfter: null, training: { steps: 2, examples: 1, lossFirst: 2, lossLast: 1, skipped: [] }, replayed: 0, millis: 5, cancelledIn: 'retraining' as const,
    };
    const cut = 'round 1 was cancelled during its retraining, after 2 steps: the adapter holds those, and the held-out accuracy after the round was not measured';
    useRuns.setState({ runs: [hdrRun({ status: 'done', message: 'aborted', stopReason: 'aborted', rounds: [round] })] as never });
    const html = render(createElement(HdrResults, { datasetId: null })).replace(/<!-- -->/g, '');
    expect(html).toContain(`R${cut.slice(1)}.`);
    const { roundLine } = await import('../../src/cli/commands/hdr.ts');
    expect(roundLine(round).split('\n').slice(1)).toEqual([`  ${cut}`]);
  });

  it('says an HDR run ended inside a round it cut short, not "stopped after 1 round"', async () => {
    // A model is loaded (HDR asks for one first); the runs and datasets are not re-read here.
    useModel.setState({ info: { ref: 'tiny' } as never });
    useRuns.setState({ refreshRuns: async () => undefined });
    useDatasets.setState({ refreshDatasets: async () => undefined });
    hdrAnswer.result = { hdrRunId: 'hdr-1', stopReason: 'aborted', rounds: 2, poolStart: 3, added: 2, cutShort: { round: 2, phase: 'retraining' } };
    await useJobs.getState().startHdr('d1');
    expect(useJobs.getState().notice).toBe("HDR stopped in round 2's retraining, after 1 finished round (cancelled): 3 hard cases mined, 2 examples added to the dataset.");
    hdrAnswer.result = { hdrRunId: 'hdr-1', stopReason: 'pool_empty', rounds: 2, poolStart: 3, added: 3 };
    await useJobs.getState().startHdr('d1');
    expect(useJobs.getState().notice).toBe('HDR stopped after 2 rounds (every hard case was solved): 3 hard cases mined, 3 examples added to the dataset.');
  });
});

describe('HDR rounds table: the adapter the run keeps', () => {
  // Every round's retrained adapter was kept in the browser, and the page said nothing of which one
  // evaluation, export and HDR from the run use. The run keeps its last round's; the table says so.
  const round = (n: number) => ({
    round: n, poolBefore: 3 - n, poolAfter: 2 - n, samples: 3, passAtK: 1, gatePassed: 1, accepted: 1, duplicates: 0, rejectedByRule: {}, solved: ['a'],
    evalAccuracyBefore: null, evalAccuracyAfter: null, training: { steps: 1, examples: 1, lossFirst: 2, lossLast: 1, skipped: [] }, replayed: 0, millis: 5,
  });
  it('names the round whose adapter is kept, and says the earlier ones are not', () => {
    useRuns.setState({ runs: [hdrRun({ status: 'done', message: 'pool_empty', stopReason: 'pool_empty', rounds: [round(1), round(2)] })] as never, checkpointSteps: new Map([['hdr-1', 2]]) });
    const html = render(createElement(HdrResults, { datasetId: null })).replace(/<!-- -->/g, '');
    expect(html).toContain('Kept with this run: the adapter after round 2, which evaluation, export and HDR from this run use; the earlier rounds’ adapters are not kept.');
  });
  it('a run that mined no hard case keeps the adapter it started from, not one "after round 0"', () => {
    useRuns.setState({ runs: [hdrRun({ status: 'done', message: 'no_hard_cases', stopReason: 'no_hard_cases', rounds: [], fromRunId: 'sft' })] as never, checkpointSteps: new Map([['hdr-1', 0]]) });
    const html = render(createElement(HdrResults, { datasetId: null })).replace(/<!-- -->/g, '');
    expect(html).toContain('Kept with this run: the adapter it started from (no round retrained it), which evaluation, export and HDR from this run use.');
    expect(html).not.toContain('round 0');
    useRuns.setState({ runs: [hdrRun({ status: 'done', message: 'no_hard_cases', stopReason: 'no_hard_cases', rounds: [] })] as never });
    expect(render(createElement(HdrResults, { datasetId: null })).replace(/<!-- -->/g, '')).toContain('Kept with this run: an adapter that changes nothing (it started from the base model, and no round retrained it)');
  });
  it('a round that accepted nothing retrained nothing: the adapter kept is the last one a round retrained', () => {
    // Round 1's samples all failed the gate, so it did not retrain; the text said "the adapter after round 1".
    const idle = (n: number) => ({ ...round(n), poolAfter: round(n).poolBefore, gatePassed: 0, accepted: 0, solved: [], training: null });
    useRuns.setState({ runs: [hdrRun({ status: 'done', message: 'pool_stopped_shrinking', stopReason: 'pool_stopped_shrinking', rounds: [idle(1)], fromRunId: 'sft' })] as never, checkpointSteps: new Map([['hdr-1', 1]]) });
    const html = render(createElement(HdrResults, { datasetId: null })).replace(/<!-- -->/g, '');
    expect(html).toContain('Kept with this run: the adapter it started from (no round retrained it), which evaluation, export and HDR from this run use.');
    expect(html).not.toContain('after round 1');
    useRuns.setState({ runs: [hdrRun({ status: 'done', message: 'pool_stopped_shrinking', stopReason: 'pool_stopped_shrinking', rounds: [round(1), idle(2)] })] as never, checkpointSteps: new Map([['hdr-1', 2]]) });
    expect(render(createElement(HdrResults, { datasetId: null })).replace(/<!-- -->/g, '')).toContain('Kept with this run: the adapter after round 1 (round 2 retrained nothing), which evaluation, export and HDR from this run use.');
    // Round 2 retrained after an idle round 1: no earlier round made an adapter to keep or drop.
    useRuns.setState({ runs: [hdrRun({ status: 'done', message: 'pool_empty', stopReason: 'pool_empty', rounds: [idle(1), round(2)], fromRunId: 'sft' })] as never, checkpointSteps: new Map([['hdr-1', 2]]) });
    expect(render(createElement(HdrResults, { datasetId: null })).replace(/<!-- -->/g, '')).toContain('Kept with this run: the adapter after round 2, which evaluation, export and HDR from this run use.');
  });
  it('a round a cancel cut short keeps the steps it took, and a first round has no earlier ones', () => {
    const cut = { ...round(1), evalAccuracyAfter: null, training: { ...round(1).training, steps: 2 }, cancelledIn: 'retraining' as const };
    useRuns.setState({ runs: [hdrRun({ status: 'done', message: 'aborted', stopReason: 'aborted', rounds: [cut] })] as never, checkpointSteps: new Map([['hdr-1', 1]]) });
    const html = render(createElement(HdrResults, { datasetId: null })).replace(/<!-- -->/g, '');
    expect(html).toContain('Kept with this run: the adapter of round 1, cut short by the cancel after 2 steps of its retraining, which evaluation, export and HDR from this run use.');
    expect(html).not.toContain('earlier rounds');
  });
  it('says nothing of an adapter a run does not have', () => {
    useRuns.setState({ runs: [hdrRun({ status: 'failed', message: 'ENOSPC', stopReason: 'ENOSPC', rounds: [round(1)] })] as never, checkpointSteps: new Map() });
    expect(render(createElement(HdrResults, { datasetId: null }))).not.toContain('hdr-adapter-kept');
  });
});

describe('HDR rounds table of a run cut off', () => {
  const round = { round: 1, poolBefore: 3, poolAfter: 2, samples: 3, passAtK: 1, gatePassed: 1, accepted: 1, duplicates: 0, rejectedByRule: {}, solved: ['a'], evalAccuracyBefore: null, evalAccuracyAfter: null, training: null, replayed: 0, millis: 5 };
  const shown = () => render(createElement(HdrResults, { datasetId: null })).replace(/<!-- -->/g, '');
  // A run whose worker the browser ended while this page stayed open read "Interrupted (the page
  // was closed)": the page knows better, its worker told it so.
  it('says its GPU worker was ended when that is what this page saw', async () => {
    const { installWorkerEvents } = await import('../../src/state/workerEvents.ts');
    installWorkerEvents();
    useJobs.setState({ rows: new Set(['hdr-1']) });
    useRuns.setState({ runs: [hdrRun({ rounds: [round] })] as never, active: null, checkpointSteps: new Map() });
    for (const l of hdrAnswer.events) l({ type: 'worker-crashed', message: 'gone' });
    expect(shown()).toContain("Interrupted (the studio’s GPU worker was ended by the browser: out of memory, or a crash) after round 1.");
    useRuns.setState({ runs: [hdrRun({})] as never });
    expect(firstRow(shown())).toBe('interrupted (the studio’s GPU worker was ended by the browser: out of memory, or a crash) before its first round');
  });
  it('of a row an earlier page left running, does not claim to know which', () => {
    useJobs.setState({ rows: new Set(), crashedRows: new Set() });
    useRuns.setState({ runs: [hdrRun({ rounds: [round] })] as never, active: null, checkpointSteps: new Map() });
    expect(shown()).toContain('Interrupted (the page was closed, or its GPU worker was ended, while it ran) after round 1.');
    useRuns.setState({ runs: [hdrRun({})] as never });
    expect(firstRow(shown())).toBe('interrupted (the page was closed, or its GPU worker was ended, while it ran) before its first round');
  });
});

describe('HDR rounds table: what the run added to the dataset', () => {
  // The table showed each finished round's accepted samples only: a run whose retraining failed
  // after accepting a sample read "no rounds", with the sample in the dataset and hdr.json's added 1.
  it('says the pool and the samples added, as the run recorded them when it ended', () => {
    useRuns.setState({ runs: [hdrRun({ status: 'failed', message: 'GPU device was lost', stopReason: 'GPU device was lost', mined: { examples: 2, correct: 1, hardCases: 1 }, poolStart: 1, poolEnd: 0, added: 1 })] as never, checkpointSteps: new Map() });
    const html = render(createElement(HdrResults, { datasetId: null })).replace(/<!-- -->/g, '');
    expect(html).toContain('Hard-case pool 1 → 0; 1 example added to the dataset.');
  });
  it('on a row kept before those figures, says only what its finished rounds did', () => {
    const round = { round: 1, poolBefore: 3, poolAfter: 1, samples: 3, passAtK: 1, gatePassed: 2, accepted: 2, duplicates: 0, rejectedByRule: {}, solved: ['a', 'b'], evalAccuracyBefore: null, evalAccuracyAfter: null, training: null, replayed: 0, millis: 5 };
    useRuns.setState({ runs: [hdrRun({ status: 'done', message: 'round_limit', stopReason: 'round_limit', rounds: [round] })] as never, checkpointSteps: new Map() });
    const html = render(createElement(HdrResults, { datasetId: null })).replace(/<!-- -->/g, '');
    expect(html).toContain('Hard-case pool 3 → 1 in the finished rounds; 2 examples accepted in them.');
  });
  it('says nothing of a pool before mining', () => {
    useRuns.setState({ runs: [hdrRun({ status: 'failed', message: 'no model', stopReason: 'no model', poolStart: 0, poolEnd: 0, added: 0 })] as never, checkpointSteps: new Map() });
    expect(render(createElement(HdrResults, { datasetId: null }))).not.toContain('hdr-totals');
  });
});
