// The guided demo's steps and what the guide shows of them: cancelling the base model's evaluation
// ends step 4 (the trained adapter's evaluation used to start right after); the comparison reads
// only evaluations that answered every example at the demo's settings (a cancelled base run's 3 of 3
// was shown as "base model 100%" against the trained 31); a demo run cut off by a reload or paused
// is offered "Resume", with "Train again" beside it, and steps 4–5 say to resume it. Rendered with
// react-dom/server; the worker client is a request log.
import { createElement } from 'react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { renderNow as render } from '../helpers/render.ts';

const requests: Array<{ kind: string; payload: Record<string, unknown> }> = [];
let reply: (kind: string, payload: Record<string, unknown>) => Promise<unknown> = async () => undefined;
vi.mock('../../src/state/engine.ts', () => ({
  engineClient: () => ({
    request: (kind: string, payload: Record<string, unknown>) => {
      requests.push({ kind, payload });
      return reply(kind, payload);
    },
  }),
}));
vi.mock('../../src/state/download.ts', () => ({ downloadBytes: () => undefined }));

const { useJobs } = await import('../../src/state/jobStore.ts');
const { useModel, EMBEDDED_REF } = await import('../../src/state/modelStore.ts');
const { useRuns } = await import('../../src/state/runStore.ts');
const { useDatasets } = await import('../../src/state/datasetStore.ts');
const { DEMO_DATASET_NAME, DEMO_EVAL, DEMO_RUN_NAME, useDemo } = await import('../../src/state/demoStore.ts');
const { DemoGuide } = await import('../../src/ui/demo/DemoGuide.tsx');

const summary = (total: number, correct: number) => ({ total, correct, accuracy: correct / total, byCategory: { simple: { total, correct, accuracy: correct / total } }, failureRules: {}, finishReasons: {} });
const demoRun = (over: Record<string, unknown> = {}) => ({ id: 'r1', kind: 'train', name: DEMO_RUN_NAME, datasetId: 'd1', status: 'done', config: { steps: 30 }, createdAt: 0, updatedAt: 0, lastStep: 30, ...over });
const evalRow = (id: string, adapterRunId: string | null, over: Record<string, unknown> = {}) => ({
  id,
  kind: 'eval',
  datasetId: 'd1',
  status: 'done',
  config: { adapterRunId, limit: DEMO_EVAL.limit, maxNewTokens: DEMO_EVAL.maxNewTokens, lora: null },
  summary: summary(31, 23),
  createdAt: 1,
  updatedAt: 1,
  ...over,
});
const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

const stores = { jobs: useJobs.getState(), runs: useRuns.getState(), demo: useDemo.getState() };
beforeEach(() => {
  requests.length = 0;
  reply = async () => undefined;
  useJobs.setState(stores.jobs, true);
  useDemo.setState(stores.demo, true);
  useModel.setState({ info: { ref: EMBEDDED_REF } as never });
  useDatasets.setState({ datasets: [{ id: 'd1', name: DEMO_DATASET_NAME, exampleCount: 320 } as never], refreshDatasets: async () => undefined, selectDataset: () => undefined } as never);
  useRuns.setState({ ...stores.runs, runs: [demoRun() as never], active: null, refreshRuns: async () => undefined }, true);
});

describe('the demo’s evaluate step', () => {
  it('ends when the user cancels the base model’s evaluation: the trained one does not start', async () => {
    let aborted = false;
    reply = async (kind) => (kind === 'evaluate' ? { evalRunId: 'e1', summary: summary(3, 2), aborted, requested: 31 } : undefined);
    const evaluated = async () => {
      requests.length = 0;
      await useDemo.getState().evaluate();
      return requests.filter((r) => r.kind === 'evaluate').map((r) => r.payload.runId);
    };
    // Finished, the base model's evaluation is followed by the trained adapter's.
    expect(await evaluated()).toEqual([undefined, 'r1']);
    aborted = true;
    expect(await evaluated()).toEqual([undefined]);
    expect(useDemo.getState()).toMatchObject({ busy: null, error: null });
    expect(useJobs.getState().notice).toMatch(/^Evaluation cancelled after 3 of 31 examples/);
  });

  it('shows the job’s progress with its Cancel under the step while it runs', () => {
    useDemo.setState({ busy: 'evaluate' });
    useJobs.setState({ running: { kind: 'evaluate', progress: { label: 'evaluating', done: 3, total: 31 } } });
    const html = render(createElement(DemoGuide, { onOpen: () => undefined }));
    expect(html).toMatch(/data-testid="demo-evaluate-progress"[\s\S]*aria-label="Cancel the evaluation job"/);
  });
});

describe('the guide’s base-vs-trained accuracy', () => {
  it('compares only evaluations that finished at the demo’s settings', () => {
    useRuns.setState({
      runs: [
        evalRow('e3', 'r1', { summary: summary(31, 25), createdAt: 3 }),
        evalRow('e2', null, { status: 'failed', message: 'stopped before every example was evaluated', summary: summary(3, 3), createdAt: 2 }),
        evalRow('e1b', null, { config: { adapterRunId: null, limit: 8, maxNewTokens: 512, lora: null }, summary: summary(8, 8), createdAt: 1 }),
        evalRow('e1', null, { summary: summary(31, 23), createdAt: 0 }),
        demoRun(),
      ] as never,
    });
    const html = render(createElement(DemoGuide, { onOpen: () => undefined }));
    expect(text(html)).toMatch(/Held-out accuracy: base model 74% \(23 of 31\) → trained 81% \(25 of 31\)/);
  });

  it('shows no base number while the only base evaluation was cancelled', () => {
    useRuns.setState({ runs: [evalRow('e3', 'r1', { summary: summary(31, 25) }), evalRow('e2', null, { status: 'failed', summary: summary(3, 3) }), demoRun()] as never });
    expect(text(render(createElement(DemoGuide, { onOpen: () => undefined })))).toMatch(/Held-out accuracy: base model — → trained 81%/);
  });
});

describe('a demo run that stopped part-way', () => {
  const interrupted = () => useRuns.setState({ runs: [demoRun({ status: 'running', lastStep: 15 })] as never, active: null });

  it('is offered Resume (with Train again beside it), and steps 4–5 say to resume it', () => {
    interrupted();
    const html = render(createElement(DemoGuide, { onOpen: () => undefined }));
    expect(html).toMatch(/<button class="primary"[^>]*data-testid="demo-resume"[^>]*>Resume \(step 15 of 30\)<\/button>/);
    expect(html).toMatch(/<button(?![^>]*class="primary")[^>]*data-testid="demo-train"[^>]*>Train again<\/button>/);
    expect(text(html)).toContain('Resume the training first (step 3).');
  });

  it('resumes the demo run when Resume is pressed', async () => {
    interrupted();
    const resumed: string[] = [];
    useRuns.setState({ resumeRun: async (id: string) => void resumed.push(id) });
    await useDemo.getState().resume();
    expect(resumed).toEqual(['r1']);
  });
});
