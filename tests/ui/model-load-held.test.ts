// The Model panel's load buttons while a run trains or a job holds the GPU: they stayed active, and
// a load then failed with "a training run is using the GPU …", naming no run. Now they are off, and
// say beside them which run (or job) holds the model and what to do.
import { createElement } from 'react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { renderNow as render } from '../helpers/render.ts';

vi.mock('../../src/state/engine.ts', () => ({ engineClient: () => ({ request: async () => null }) }));
const { jobBusyText, useJobs } = await import('../../src/state/jobStore.ts');
const { useRuns } = await import('../../src/state/runStore.ts');
const { ModelSourcePicker } = await import('../../src/ui/model/ModelSourcePicker.tsx');

const buttons = (html: string) => html.match(/<button[^>]*>/g)!;
const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
const stores = { jobs: useJobs.getState(), runs: useRuns.getState() };
beforeEach(() => {
  useJobs.setState(stores.jobs, true);
  useRuns.setState(stores.runs, true);
});

describe('the model load buttons', () => {
  it('are on while nothing holds the GPU', () => {
    expect(buttons(render(createElement(ModelSourcePicker))).filter((b) => /aria-disabled="true"|disabled=""/.test(b))).toEqual([expect.stringContaining('type="submit"')]);
  });

  it('are off while a run trains, naming the run', () => {
    useRuns.setState({ runs: [{ id: 'r1', kind: 'train', name: 'ssb r8 lr 0.0005' }] as never, active: { runId: 'r1', progress: null, stepTimes: [], pausing: false, stopping: false } });
    const html = render(createElement(ModelSourcePicker));
    const load = buttons(html).filter((b) => /data-testid="load-embedded"|aria-label="Download and load/.test(b));
    expect(load.length).toBeGreaterThan(1);
    for (const b of load) expect(b).toMatch(/aria-disabled="true"[^>]*aria-describedby="model-load-held"|aria-describedby="model-load-held"[^>]*aria-disabled="true"/);
    expect(text(html)).toContain('The run “ssb r8 lr 0.0005” is training with the loaded model: pause or stop it first, then load another model.');
  });

  it('are off while a job holds the GPU, saying which', () => {
    useJobs.setState({ running: { kind: 'evaluate', progress: null } });
    const html = render(createElement(ModelSourcePicker));
    expect(html).toMatch(/data-testid="load-embedded"/);
    expect(buttons(html).find((b) => b.includes('load-embedded'))).toMatch(/aria-disabled="true"/);
    expect(text(html)).toContain(jobBusyText('evaluate'));
  });
});
