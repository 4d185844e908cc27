// The Model panel's memory verdict: in a browser the GPU's memory is unknown, so "fits" speaks of the
// buffer limits, with the total the user must have (a 7B run said "✓ Fits … 17.1 GiB" outright).
import { readFileSync } from 'node:fs';
import React from 'react';
import { describe, expect, it, vi } from 'vitest';
import { parseModelConfig } from '../../src/model/config.ts';
import { planMemory } from '../../src/model/memory-plan.ts';
import { LORA_TARGETS } from '../../src/model/lora.ts';
import { useModel } from '../../src/state/modelStore.ts';
import { useJobs } from '../../src/state/jobStore.ts';
import { formatBytes } from '../../src/ui/format.ts';
import { MemoryPlanView } from '../../src/ui/model/MemoryPlanView.tsx';
import { renderNow } from '../helpers/render.ts';

vi.mock('../../src/state/engine.ts', () => ({ engineClient: () => ({ request: async () => undefined }) }));

const spec = parseModelConfig(readFileSync('tests/fixtures/models/configs/Qwen2.5-1.5B-Instruct.json', 'utf8'));
const shape = { batch: 1, seqLen: 320, rank: 4, targets: [...LORA_TARGETS], recompute: true };
const GiB = 2 ** 30;
const verdict = (html: string) => /data-testid="memory-verdict">([^<]*)</.exec(html.replace(/<!-- -->/g, '').replace(/&#x27;/g, "'"))?.[1];

describe('the memory verdict', () => {
  it('without the GPU’s memory: within the buffer limits, and how much memory it needs', () => {
    useModel.setState({ info: { ref: 'Qwen/Qwen2.5-1.5B-Instruct' } as never, planShape: shape, planError: null, plan: planMemory(spec, shape, { maxBufferSize: 2 * GiB, maxStorageBufferBindingSize: 2 * GiB }) });
    expect(verdict(renderNow(React.createElement(MemoryPlanView)))).toMatch(/^✓ Fits this GPU's buffer limits: .* needs about [\d.]+ GiB of GPU memory at its peak\. The browser does not say how much memory this GPU has: it needs at least that much free/);
  });

  it('with it (the CLI, or a known GPU): fits outright', () => {
    useModel.setState({ plan: planMemory(spec, shape, { maxBufferSize: 2 * GiB, maxStorageBufferBindingSize: 2 * GiB, memoryBytes: 16 * GiB }) });
    const text = verdict(renderNow(React.createElement(MemoryPlanView)));
    expect(text).toMatch(/^✓ Fits: batch 1 × 320 tokens/);
    expect(text).not.toMatch(/does not say/);
  });

  it('breaks the peak down into rows that add up: the training step and generation each with its total', () => {
    // The KV cache sat among the training rows with no total: the rows summed to more than the peak
    // the verdict named, and nothing said which of them are live at the same time.
    const plan = planMemory(spec, shape, { maxBufferSize: 2 * GiB, maxStorageBufferBindingSize: 2 * GiB });
    useModel.setState({ plan });
    const html = renderNow(React.createElement(MemoryPlanView)).replace(/<!-- -->/g, '');
    const rows = [...html.matchAll(/<tr><th scope="row">([^<]*)<\/th><td>([^<]*)<\/td><\/tr>/g)].map((m) => [m[1], m[2]]);
    const at = (label: RegExp) => rows.findIndex(([l]) => label.test(l));
    const trainingTotal = at(/^Training step in total/);
    const generationTotal = at(/^Generation .* in total/);
    expect(trainingTotal).toBeGreaterThan(0);
    expect(rows[trainingTotal][1]).toBe(formatBytes(plan.trainingBytes));
    expect(rows[generationTotal][1]).toBe(formatBytes(plan.generationBytes));
    // Every row above the training total is part of it, and they add up to it.
    const c = plan.categories;
    const training = [c.weights, c.loraParams, c.loraGrads, c.optimizer, c.activations, c.scratch, c.lmHead, c.inputs, c.kernelScratch];
    expect(training.reduce((a, b) => a + b, 0)).toBe(plan.trainingBytes);
    expect(rows.slice(0, trainingTotal).map(([, v]) => v)).toEqual(training.map(formatBytes));
    expect(at(/cache/i)).toBeGreaterThan(trainingTotal);
    // HDR samples beside the model it retrains: its total is shown, and the peak counts it.
    expect(rows[at(/^HDR in total/)][1]).toBe(formatBytes(plan.hdrBytes));
    expect(Math.max(plan.trainingBytes, plan.generationBytes, plan.hdrBytes)).toBe(plan.peakBytes);
  });

  it('gives HDR its own verdict where its longer retraining passes the binding limit and training does not', () => {
    // The page said "✓ Fits" and HDR then failed on the GPU: its retraining at prompt + answer
    // (1,024 + 512 → 1,600 rows) has buffers a 32 MiB binding cannot hold, the run's 320 rows fit.
    const hdrShape = { ...shape, decode: { batch: 8, maxNewTokens: 512, promptTokens: 1024 } };
    const plan = planMemory(spec, hdrShape, { maxBufferSize: 2 * GiB, maxStorageBufferBindingSize: 32 * 2 ** 20 });
    expect(plan.fits).toBe(true);
    useModel.setState({ planShape: hdrShape, plan });
    const html = renderNow(React.createElement(MemoryPlanView)).replace(/<!-- -->/g, '').replace(/&#x27;/g, "'");
    expect(verdict(html)).toMatch(/^✓ Fits this GPU's buffer limits/);
    const hdr = /data-testid="memory-hdr-verdict">([^<]*)</.exec(html)?.[1];
    // What to change is in the HDR form (its run retrains with the batch of its Adapter run): "the
    // batch size" read as the Training form's, which the HDR form's run does not train with.
    expect(hdr).toMatch(/^✗ HDR does not fit this GPU: it retrains at sequence 1600 \(the longest prompt it mines plus an answer of up to 512 new tokens\), where layer activation .* needs [\d.]+ MiB in one buffer, over this GPU's 32.0 MiB binding limit\. Lower Max new tokens or Examples to mine in the HDR form, or pick as its Adapter a run trained with a smaller batch\.$/);
    // Evaluation asking for longer answers than HDR: the verdict names HDR's, which set its length.
    const longerEval = { ...shape, decode: { batch: 8, maxNewTokens: 2048, hdrMaxNewTokens: 512, promptTokens: 1024 } };
    const planned = planMemory(spec, longerEval, { maxBufferSize: 2 * GiB, maxStorageBufferBindingSize: 32 * 2 ** 20 });
    expect(planned.hdrSeqLen).toBe(1600);
    useModel.setState({ planShape: longerEval, plan: planned });
    const said = renderNow(React.createElement(MemoryPlanView)).replace(/<!-- -->/g, '').replace(/&#x27;/g, "'");
    expect(/data-testid="memory-hdr-verdict">([^<]*)</.exec(said)?.[1]).toMatch(/^✗ HDR does not fit this GPU: it retrains at sequence 1600 \(the longest prompt it mines plus an answer of up to 512 new tokens\)/);
  });

  it('names the ablation form’s fields while this tab’s ablation runs (the plan is then its SSB + HDR arm’s)', () => {
    const hdrShape = { ...shape, decode: { batch: 8, maxNewTokens: 512, promptTokens: 1024 } };
    useModel.setState({ planShape: hdrShape, plan: planMemory(spec, hdrShape, { maxBufferSize: 2 * GiB, maxStorageBufferBindingSize: 32 * 2 ** 20 }) });
    useJobs.setState({ running: { kind: 'ablation', progress: null, datasetId: 'd' } });
    try {
      const html = renderNow(React.createElement(MemoryPlanView)).replace(/<!-- -->/g, '').replace(/&#x27;/g, "'");
      expect(/data-testid="memory-hdr-verdict">([^<]*)</.exec(html)?.[1]).toMatch(/^✗ The SSB \+ HDR arm does not fit this GPU: it retrains at sequence 1600 .*\. Lower Max new tokens or Examples to mine in the Ablation panel, or the Training panel's Batch \(examples\), which every arm trains with\.$/);
    } finally {
      useJobs.setState({ running: null });
    }
  });
});
