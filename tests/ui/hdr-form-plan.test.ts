// The HDR form and the memory plan's HDR verdict: Start stayed on where the plan said HDR's
// retraining does not fit this GPU, and the job refused it only once pressed. Now Start is held
// with the verdict beside it, as the Training form's is with training's.
import { readFileSync } from 'node:fs';
import { createElement } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { parseModelConfig } from '../../src/model/config.ts';
import { planMemory } from '../../src/model/memory-plan.ts';
import { LORA_TARGETS } from '../../src/model/lora.ts';
import { useModel } from '../../src/state/modelStore.ts';
import { HdrForm } from '../../src/ui/eval/HdrForm.tsx';
import { renderNow } from '../helpers/render.ts';

vi.mock('../../src/state/engine.ts', () => ({ engineClient: () => ({ request: async () => undefined }) }));

const spec = parseModelConfig(readFileSync('tests/fixtures/models/configs/Qwen2.5-1.5B-Instruct.json', 'utf8'));
const shape = { batch: 1, seqLen: 320, rank: 4, targets: [...LORA_TARGETS], recompute: true, decode: { batch: 8, maxNewTokens: 512, promptTokens: 1024 } };
const GiB = 2 ** 30;

describe('the HDR form', () => {
  it('holds Start with the plan’s HDR verdict, and starts where HDR fits', () => {
    // Retraining at 1,024 + 512 → 1,600 rows passes a 32 MiB binding the run's 320 rows fit.
    const plan = planMemory(spec, shape, { maxBufferSize: 2 * GiB, maxStorageBufferBindingSize: 32 * 2 ** 20 });
    expect(plan.hdrProblems.length).toBeGreaterThan(0);
    // The plan is of a loaded model (a form with none loaded and no run to load one from says so first).
    useModel.setState({ info: { ref: 'Qwen/Qwen2.5-1.5B-Instruct' } as never, plan, planShape: shape });
    const html = renderNow(createElement(HdrForm, { datasetId: 'd', disabled: false })).replace(/<!-- -->/g, '').replace(/&#x27;/g, "'");
    expect(html).toMatch(/data-testid="start-hdr" aria-disabled="true" aria-describedby="hdr-problem"/);
    expect(/id="hdr-problem">([^<]*)</.exec(html)?.[1]).toMatch(/^HDR does not fit this GPU: it retrains at sequence 1600 \(the longest prompt it mines plus an answer of up to 512 new tokens\), where layer activation .* over this GPU's 32.0 MiB binding limit\. Lower Max new tokens or Examples to mine in the HDR form, or pick as its Adapter a run trained with a smaller batch\.$/);
    useModel.setState({ plan: planMemory(spec, shape, { maxBufferSize: 2 * GiB, maxStorageBufferBindingSize: 2 * GiB }) });
    expect(renderNow(createElement(HdrForm, { datasetId: 'd', disabled: false }))).not.toMatch(/aria-disabled|hdr-problem/);
  });
});
