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

const { jobBusyText, useJobs } = await import('../../src/state/jobStore.ts');
const { useModel, EMBEDDED_REF } = await import('../../src/state/modelStore.ts');
const { useRuns } = await import('../../src/state/runStore.ts');
const { useDatasets } = await import('../../src/state/datasetStore.ts');
const { DEMO_DATASET_NAME, DEMO_EVAL, DEMO_RUN_CONFIG, DEMO_RUN_NAME, useDemo } = await import('../../src/state/demoStore.ts');
const { DemoGuide } = await import('../../src/ui/demo/DemoGuide.tsx');

const summary = (total: number, correct: number) => ({ total, correct, accuracy: correct / total, byCategory: { simple: { total, correct, accuracy: correct / total } }, failureRules: {}, finishReasons: {} });
const demoRun = (over: Record<string, unknown> = {}) => ({ id: 'r1', kind: 'train', name: DEMO_RUN_NAME, datasetId: 'd1', status: 'done', config: { steps: 30 }, createdAt: 0, updatedAt: 0, lastStep: 30, ...over });
const evalRow = (id: string, adapterRunId: string | null, over: Record<string, unknown> = {}) => ({
  id,
  kind: 'eval',
  datasetId: 'd1',
  status: 'done',
  config: { adapterRunId, limit: DEMO_EVAL.limit, maxNewTokens: DEMO_EVAL.maxNewTokens, lora: null },
  modelRef: EMBEDDED_REF,
  summary: summary(31, 23),
  createdAt: 1,
  updatedAt: 1,
  ...over,
});
const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

const BY_QUESTION = { seed: 1234, evalFraction: 0.1, by: 'question' as const };
const stores = { jobs: useJobs.getState(), runs: useRuns.getState(), demo: useDemo.getState() };
beforeEach(() => {
  requests.length = 0;
  reply = async () => undefined;
  useJobs.setState(stores.jobs, true);
  useDemo.setState(stores.demo, true);
  useModel.setState({ info: { ref: EMBEDDED_REF } as never });
  useDatasets.setState({ datasets: [{ id: 'd1', name: DEMO_DATASET_NAME, exampleCount: 320, split: BY_QUESTION } as never], selectedId: 'd1', refreshDatasets: async () => undefined, selectDataset: () => undefined } as never);
  useRuns.setState({ ...stores.runs, runs: [demoRun() as never], active: null, refreshRuns: async () => undefined }, true);
});

describe('the guide’s data step', () => {
  const dataButton = () => render(createElement(DemoGuide, { onOpen: () => undefined })).match(/<button[^>]*data-testid="demo-data"[^>]*>[^<]*<\/button>/)![0];

  it('says "In use" only while the demo dataset is the selected one, and offers to select it again otherwise', () => {
    expect(dataButton()).toMatch(/aria-disabled="true"[^>]*>In use</);
    useDatasets.setState({ datasets: [{ id: 'd1', name: DEMO_DATASET_NAME, exampleCount: 320, split: BY_QUESTION }, { id: 'mine', name: 'my-data', exampleCount: 10, split: BY_QUESTION }] as never, selectedId: 'mine' });
    expect(dataButton()).not.toMatch(/aria-disabled/);
    expect(dataButton()).toMatch(/>Use the demo dataset</);
  });

  it('imports a copy split example by example (stored before splits went by question) again, and trains on none but one split by question', async () => {
    useDatasets.setState({ datasets: [{ id: 'd1', name: DEMO_DATASET_NAME, exampleCount: 320, split: { seed: 1234, evalFraction: 0.1 } }] as never, selectedId: 'd1' });
    const html = render(createElement(DemoGuide, { onOpen: () => undefined }));
    expect(text(html)).toContain('The demo-dataset stored here (320 examples) was split example by example, before splits kept the examples asking one question together');
    expect(dataButton()).toMatch(/>Import it again, split by question</);
    expect(dataButton()).not.toMatch(/aria-disabled/);
    expect(text(html)).toContain('Import the demo dataset again, split by question (step 2), first.');
    await useDemo.getState().train();
    expect(requests.map((r) => r.kind)).not.toContain('createRun');
    expect(useDemo.getState().error).toMatch(/^Import the demo dataset again, split by question \(step 2\), first/);
    // Step 2 imports the file again (the import splits it by question); the old copy and its runs stay.
    const imported: File[][] = [];
    vi.stubGlobal('fetch', async () => new Response('{"id":"x"}', { status: 200 }));
    useDatasets.setState({ importDataset: async (files: File[]) => (imported.push(files), 'd2') } as never);
    try {
      await useDemo.getState().useDemoData();
    } finally {
      vi.unstubAllGlobals();
    }
    expect(imported.map((f) => f.map((x) => x.name))).toEqual([['demo-dataset.jsonl']]);
  });
});

describe('the demo’s train step', () => {
  it('trains with the demo’s settings and leaves the Training form’s (which the Ablation panel also uses) as the user set them', async () => {
    const mine = { ...useRuns.getState().draft, steps: 200, seqLen: 200, lr: 1e-4 };
    useRuns.setState({ draft: mine });
    reply = async (kind) => (kind === 'createRun' ? { runId: 'r2' } : kind === 'startRun' ? { status: 'done', step: 30 } : undefined);
    await useDemo.getState().train();
    expect(requests.find((r) => r.kind === 'createRun')?.payload).toMatchObject({ datasetId: 'd1', name: DEMO_RUN_NAME, config: DEMO_RUN_CONFIG });
    expect(useRuns.getState().draft).toEqual(mine);
  });
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

  it('evaluates the base model only once: a finished base evaluation at the demo’s settings is reused', async () => {
    reply = async (kind) => (kind === 'evaluate' ? { evalRunId: 'e9', summary: summary(31, 25), aborted: false, requested: 31 } : undefined);
    // Another model's base evaluation, or one cut short, is no base for the demo: evaluated again.
    useRuns.setState({ runs: [evalRow('other', null, { modelRef: 'Qwen/Qwen3-0.6B' }), evalRow('cut', null, { status: 'failed' }), demoRun()] as never });
    await useDemo.getState().evaluate();
    expect(requests.filter((r) => r.kind === 'evaluate').map((r) => r.payload.runId)).toEqual([undefined, 'r1']);
    requests.length = 0;
    useRuns.setState({ runs: [evalRow('e1', null), demoRun()] as never });
    await useDemo.getState().evaluate();
    expect(requests.filter((r) => r.kind === 'evaluate').map((r) => r.payload.runId)).toEqual(['r1']);
    expect(useDemo.getState().error).toBeNull();
  });

  it('says in words which job holds the GPU when another one runs', async () => {
    useJobs.setState({ running: { kind: 'generate', progress: null } });
    await useDemo.getState().evaluate();
    expect(useDemo.getState().error).toBe('A playground answer is using the GPU; wait for it or cancel it first.');
    expect(requests).toEqual([]);
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
        evalRow('e2b', null, { stopped: true, message: 'stopped before every example was evaluated', summary: summary(3, 3), createdAt: 2 }),
        evalRow('e2', null, { status: 'failed', message: 'stopped before every example was evaluated', summary: summary(3, 3), createdAt: 2 }),
        evalRow('e1b', null, { config: { adapterRunId: null, limit: 8, maxNewTokens: 512, lora: null }, summary: summary(8, 8), createdAt: 1 }),
        evalRow('e1', null, { summary: summary(31, 23), createdAt: 0 }),
        demoRun(),
      ] as never,
    });
    const html = render(createElement(DemoGuide, { onOpen: () => undefined }));
    expect(text(html)).toMatch(/Held-out accuracy: base model 74% \(23 of 31\) → trained 81% \(25 of 31\)/);
  });

  it('says how much of the gain is on held-out questions a training example asks word for word, and how much on the others', () => {
    const asked = (inTraining: number, notInTraining: number) => ({ inTraining: { total: 7, correct: inTraining, accuracy: inTraining / 7 }, notInTraining: { total: 24, correct: notInTraining, accuracy: notInTraining / 24 } });
    useRuns.setState({ runs: [evalRow('e3', 'r1', { summary: { ...summary(31, 25), asked: asked(5, 20) }, createdAt: 3 }), evalRow('e1', null, { summary: { ...summary(31, 23), asked: asked(2, 21) }, createdAt: 0 }), demoRun()] as never });
    const said = /data-testid="demo-asked">([^<]*)</.exec(render(createElement(DemoGuide, { onOpen: () => undefined })))?.[1];
    expect(said).toBe('7 of them are asked word for word by a training example too: 2 → 5 right there, answers the adapter trained on. On the other 24, the task itself: 21 → 20.');
    // Evaluations stored before the split was counted say nothing of it.
    useRuns.setState({ runs: [evalRow('e3', 'r1', { summary: summary(31, 25), createdAt: 3 }), evalRow('e1', null, { summary: summary(31, 23), createdAt: 0 }), demoRun()] as never });
    expect(render(createElement(DemoGuide, { onOpen: () => undefined }))).not.toContain('demo-asked');
  });

  it('takes the base model’s accuracy from the embedded model’s evaluation, not another model’s at the same settings', () => {
    useRuns.setState({ runs: [evalRow('e3', 'r1', { summary: summary(31, 25), createdAt: 3 }), evalRow('q', null, { modelRef: 'Qwen/Qwen3-0.6B', summary: summary(31, 30), createdAt: 2 }), evalRow('e1', null), demoRun()] as never });
    expect(text(render(createElement(DemoGuide, { onOpen: () => undefined })))).toMatch(/Held-out accuracy: base model 74% \(23 of 31\) → trained 81%/);
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
    useRuns.setState({ checkpointSteps: new Map([['r1', 15]]) });
    const html = render(createElement(DemoGuide, { onOpen: () => undefined }));
    expect(html).toMatch(/<button class="primary"[^>]*data-testid="demo-resume"[^>]*>Resume from step 15 \(last checkpoint\)<\/button>/);
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

  it('names the step Resume goes on from: the newest checkpoint, not the last step the run reached', () => {
    // Cut off at step 17 with checkpoints every 5 steps: resuming trains again from step 15.
    useRuns.setState({ runs: [demoRun({ status: 'running', lastStep: 17 })] as never, active: null, checkpointSteps: new Map([['r1', 15]]) });
    const resume = () => text(render(createElement(DemoGuide, { onOpen: () => undefined })));
    expect(resume()).toContain('Resume from step 15 (last checkpoint)');
    // Cut off before its first checkpoint: it starts again, and says its stored steps are replaced.
    useRuns.setState({ runs: [demoRun({ status: 'running', lastStep: 3 })] as never, checkpointSteps: new Map() });
    expect(resume()).toContain('Start again from step 0 (its 3 stored steps are replaced)');
  });
});

describe('Train again while another job holds the GPU', () => {
  it('is off and says which job, as in the Training panel (the worker refused it and the run it made was deleted)', () => {
    useJobs.setState({ running: { kind: 'hdr', progress: null } });
    const html = render(createElement(DemoGuide, { onOpen: () => undefined }));
    expect(html).toMatch(/<button[^>]*data-testid="demo-train"[^>]*aria-disabled="true"/);
    expect(text(html)).toContain(jobBusyText('hdr'));
  });
});

describe('steps 4–5 before the demo run trained', () => {
  it('ask to train first, and send a user with a run of their own to the Evaluation panel', () => {
    useRuns.setState({ runs: [], active: null, trainingNow: new Set() });
    expect(text(render(createElement(DemoGuide, { onOpen: () => undefined })))).toContain('Train first (step 3).');
    useRuns.setState({ runs: [{ ...demoRun({ status: 'done', lastStep: 40 }), id: 'mine', name: 'my run' }] as never });
    const html = text(render(createElement(DemoGuide, { onOpen: () => undefined })));
    expect(html).toContain('Train the demo run first (step 3). Your own runs are evaluated in the Evaluation panel.');
  });
});

describe('a demo run training in this tab', () => {
  it('has steps 4–5 wait for it, not ask to train first', () => {
    useRuns.setState({ runs: [demoRun({ status: 'running', lastStep: 12 })] as never, active: { runId: 'r1', progress: null, stepTimes: [], pausing: false, stopping: false } });
    const html = text(render(createElement(DemoGuide, { onOpen: () => undefined })));
    expect(html).not.toContain('Train first (step 3).');
    expect(html).toContain('The demo run is training (step 3); wait until it ends.');
  });
});

describe('a demo run training in another tab of the studio', () => {
  it('is not trained again here, and steps 4–5 say it is training there', () => {
    // Its row says running and another tab holds its lock.
    useRuns.setState({ runs: [demoRun({ status: 'running', lastStep: 12 })] as never, active: null, trainingNow: new Set(['r1']) });
    const html = render(createElement(DemoGuide, { onOpen: () => undefined }));
    expect(html).toMatch(/<button[^>]*data-testid="demo-train"[^>]*aria-disabled="true"/);
    expect(text(html)).toContain('The demo run is training in another tab of the studio; pause or stop it there.');
    expect(text(html)).toContain('The demo run is training in another tab (step 3); wait until it ends.');
    expect(text(html)).not.toContain('Train first (step 3).');
  });
});

describe('another run training in another tab of the studio', () => {
  // That tab holds the GPU: the Training, Evaluation and Ablation panels are held up front, naming
  // the run; the guide's Train, Evaluate and Run HDR stayed on and, pressed, the worker refused them
  // (and the demo run Train made was deleted again).
  it('holds Train, Evaluate and Run HDR, naming that run and where it trains', () => {
    useRuns.setState({ runs: [demoRun(), demoRun({ id: 'r9', name: 'mine', status: 'running', lastStep: 3 })] as never, trainingNow: new Set(['r9']) });
    const html = render(createElement(DemoGuide, { onOpen: () => undefined }));
    for (const step of ['train', 'evaluate', 'hdr']) expect(html.match(new RegExp(`<button[^>]*data-testid="demo-${step}"[^>]*>`))![0]).toMatch(/aria-disabled="true"/);
    expect(text(html)).toContain('The run “mine” is training in another tab of the studio, which holds the GPU until it ends: pause or stop it there first.');
  });
});

describe('the guide’s HDR step', () => {
  const hdrRow = (id: string, fromRunId: string | undefined, createdAt: number) => ({
    id, kind: 'hdr', datasetId: 'd1', status: 'done', config: {}, settings: {}, createdAt, updatedAt: createdAt, ...(fromRunId ? { fromRunId } : {}),
    rounds: [{ round: 1, poolBefore: 5, poolAfter: 1, accepted: 9 }],
  });
  const step5 = () => render(createElement(DemoGuide, { onOpen: () => undefined })).match(/<li class="demo-step( done)?" data-testid="demo-step-5">[\s\S]*?<\/li>/)![0];

  it('is done by HDR that continued the demo run, not by an ablation’s HDR arm on the demo data or HDR from an earlier demo run', () => {
    // The Ablation panel's SSB + HDR arm on the demo dataset: HDR from its own arm's adapter.
    useRuns.setState({ runs: [hdrRow('arm', undefined, 2), demoRun()] as never });
    expect(step5()).not.toMatch(/demo-step done|demo-hdr-result/);
    // "Train again": the new demo run has not trained; the HDR of the previous one is not its step 5.
    useRuns.setState({ runs: [demoRun({ id: 'r2', status: 'created', lastStep: 0, createdAt: 3 }), hdrRow('h1', 'r1', 2), demoRun()] as never });
    expect(step5()).not.toMatch(/demo-step done|demo-hdr-result/);
    useRuns.setState({ runs: [hdrRow('h1', 'r1', 2), demoRun()] as never });
    expect(text(step5())).toMatch(/Hard-case pool: 5 → 1 after one round, 9 new training examples in the dataset/);
  });

  it('says the samples the run added to the dataset, as its run folder’s hdr.json does, not the sum of its finished rounds', () => {
    // Round 2 accepted 3 samples, then its retraining failed: they are in the dataset, its round is not recorded.
    useRuns.setState({ runs: [{ ...hdrRow('h1', 'r1', 2), status: 'failed', poolStart: 5, poolEnd: 0, added: 12 }, demoRun()] as never });
    expect(text(step5())).toMatch(/Hard-case pool: 5 → 0 after one round, 12 new training examples in the dataset/);
  });
});

describe('the guide’s links to other panels', () => {
  it('select the demo’s dataset and run, so the panel opened shows them and not the ones the user picked last', () => {
    const picked: Array<string | null> = [];
    useDatasets.setState({
      datasets: [{ id: 'd1', name: DEMO_DATASET_NAME, exampleCount: 320, split: BY_QUESTION }, { id: 'mine', name: 'my-data', exampleCount: 10 }] as never,
      selectedId: 'mine',
      selectDataset: (id: string | null) => void picked.push(id),
    });
    useRuns.setState({ runs: [demoRun({ id: 'mine-run', name: 'my run', datasetId: 'mine', createdAt: 5 }), demoRun()] as never, selectedRunId: 'mine-run' });
    useDemo.getState().showDemo();
    expect(picked).toEqual(['d1']);
    expect(useRuns.getState().selectedRunId).toBe('r1');
  });
});

describe('the guide’s way to take the model elsewhere', () => {
  it('appears once the demo run is done, naming GGUF, the merged folder, ONNX and the PEFT .zip, with a link to Runs & snapshots', () => {
    const html = render(createElement(DemoGuide, { onOpen: () => undefined }));
    expect(text(html)).toMatch(/its run&#x27;s Export or push in Runs &amp; snapshots saves it as one GGUF file for llama\.cpp, Ollama or LM Studio \(the adapter merged into the weights\), as a Hugging Face folder with the adapter merged \(transformers, vLLM, MLX\), as an ONNX model for transformers\.js, or the run as a \.zip whose adapter Python PEFT loads\./);
    expect(html).toContain('>Open Runs &amp; snapshots</button>');
    useRuns.setState({ runs: [demoRun({ status: 'paused', lastStep: 12 }) as never] });
    expect(render(createElement(DemoGuide, { onOpen: () => undefined }))).not.toContain('demo-take-home');
  });

  it('says, once the demo run is done, how the same steps go on the user’s own data and a real model', () => {
    const next = () => /data-testid="demo-next">([\s\S]*?)<\/p>/.exec(render(createElement(DemoGuide, { onOpen: () => undefined })))?.[1];
    useRuns.setState({ runs: [demoRun({ status: 'paused', lastStep: 12 }) as never] });
    expect(next()).toBeUndefined();
    useRuns.setState({ runs: [demoRun() as never] });
    expect(next()!.replace(/<[^>]+>/g, '')).toBe('Next, your own data. Drop its files on the page, or give a Hugging Face dataset’s id, in the Dataset panel; load a real model in the Model panel (a hardware GPU); then Start training in the Training panel, whose sequence length follows your data. Evaluating the run sets it beside the base model on the same examples, as step 4 does here.');
    expect(next()).toContain('<button class="link">Dataset panel</button>');
    expect(next()).toContain('<button class="link">Model panel</button>');
  });
});

describe('steps 4–5 while something else holds the GPU', () => {
  const actionOf = (html: string, step: string) => html.match(new RegExp(`<button[^>]*data-testid="demo-${step}"[^>]*>`))![0];

  it('are off and say which job holds it (pressed, they only failed with that message)', () => {
    useJobs.setState({ running: { kind: 'generate', progress: null } });
    const html = render(createElement(DemoGuide, { onOpen: () => undefined }));
    for (const step of ['evaluate', 'hdr']) {
      expect(actionOf(html, step)).toMatch(/aria-disabled="true"/);
      expect(html).toMatch(new RegExp(`data-testid="demo-${step}-blocked"[^>]*>${jobBusyText('generate')}<`));
    }
  });

  it('are off while another run trains in this tab', () => {
    useRuns.setState({ runs: [demoRun(), demoRun({ id: 'r9', name: 'mine' })] as never, active: { runId: 'r9', progress: null, stepTimes: [], pausing: false, stopping: false } });
    const html = render(createElement(DemoGuide, { onOpen: () => undefined }));
    for (const step of ['evaluate', 'hdr']) expect(actionOf(html, step)).toMatch(/aria-disabled="true"/);
    expect(text(html)).toContain('A training run is using the GPU; pause it first.');
  });
});

describe('step 1 while a run or job holds the loaded model', () => {
  // The Model panel's load buttons are held then, naming what holds the model; the guide's "Load the
  // embedded model" stayed on and, pressed, only failed with the worker's refusal.
  it('is off and says what holds the model, as the Model panel does', () => {
    useModel.setState({ info: { ref: 'hub:Qwen/Qwen3-0.6B' } as never });
    useRuns.setState({ runs: [demoRun({ id: 'r9', name: 'mine' })] as never, active: { runId: 'r9', progress: null, stepTimes: [], pausing: false, stopping: false } });
    const html = render(createElement(DemoGuide, { onOpen: () => undefined }));
    expect(html.match(/<button[^>]*data-testid="demo-model"[^>]*>/)![0]).toMatch(/aria-disabled="true"/);
    expect(text(html)).toContain('The run “mine” is training with the loaded model: pause or stop it first, then load another model.');
  });
});
