// An ablation arm whose α swung between its bounds: the demo ablation's DWA arm went 0.70 → 0.05
// (step 11) → 0.95 (steps 13–17) → 0.05 (steps 18–20), and the panel's table and report.md said
// "0.700 → 0.050", where it stopped, as if the rule had settled on the call.
import 'fake-indexeddb/auto';
import { createElement } from 'react';
import { describe, expect, it } from 'vitest';
import type { AblationResult } from '../../src/jobs/ablate.ts';
import { ablationMarkdown } from '../../src/jobs/ablationReport.ts';
import { useRuns } from '../../src/state/runStore.ts';
import { AblationResults } from '../../src/ui/ablation/AblationResults.tsx';
import { renderNow } from '../helpers/render.ts';

const summary = { total: 4, correct: 3, accuracy: 0.75, byCategory: { simple: { total: 4, correct: 3, accuracy: 0.75 } }, failureRules: {}, finishReasons: {} };
const DWA = [...Array(10).fill(0.7), 0.05, 0.3, 0.95, 0.95, 0.95, 0.95, 0.95, 0.05, 0.05, 0.05];
const GRAD = Array.from({ length: 20 }, (_, i) => 0.7 + 0.011 * i);

function result(): AblationResult {
  const arm = (id: string, alphas: number[]) => ({
    id, label: id, loss: id,
    run: { id: `run-${id}`, name: id, kind: 'train' as const },
    evalRun: { id: `eval-${id}`, name: `eval ${id}` },
    summary,
    curve: alphas.map((alpha, i) => ({ step: i + 1, loss: 1, lossCot: 0.1, lossCall: 1, alpha })),
    alpha0: 0.7,
    finalAlpha: alphas.at(-1)!,
  });
  return {
    name: 'abl', heldOut: 4, stopped: false, skipped: 0, failed: [],
    shared: { steps: 20, seed: 1, batchSize: 2, seqLen: 256, lr: 1e-3, lora: { rank: 4, alpha: 8, dropout: 0, targets: ['q_proj'] }, alpha0: 0.7, alphaMin: 0.05, alphaMax: 0.95, decoding: { maxNewTokens: 64, batchSize: 4, seed: 1 } },
    arms: [arm('ssb:dwa', DWA), arm('ssb:grad', GRAD)],
  } as unknown as AblationResult;
}

const SWUNG = 'swung between its bounds 0.05 and 0.95 (from one to the other twice)';

describe('an ablation arm whose α swung between its bounds', () => {
  it('says so in the panel’s α column, and gives a one-way arm its ends alone', () => {
    useRuns.setState({ runs: [{ id: 'abl-swing', name: 'abl', datasetId: 'd', kind: 'ablation', status: 'done', createdAt: 1, updatedAt: 1, config: {}, result: result() } as never] });
    const html = renderNow(createElement(AblationResults)).replace(/<!-- -->/g, '');
    expect(html).toContain(`<td>0.700 → 0.050, ${SWUNG}</td>`);
    expect(html).toContain('<td>0.700 → 0.909</td>');
  });

  it('says so in report.md’s table and in its account of the arm, where it ended by chance of where the run stopped', () => {
    const md = ablationMarkdown(result());
    expect(md).toContain(`| 0.700 → 0.050, ${SWUNG} |`);
    expect(md).toContain(`- **ssb:dwa**: ssb:dwa. α ${SWUNG}; it ended at 0.05 by chance of where the run stopped; final training loss`);
    // A one-way move, rounded to two decimals (it said "+0.209" to the third).
    expect(md).toContain('- **ssb:grad**: ssb:grad. α 0.700 → 0.909 (+0.21); final training loss');
  });
});
