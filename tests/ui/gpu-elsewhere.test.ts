// A run training in another tab of the studio holds the GPU there (its tab's worker holds the GPU's
// Web Lock): Start training here was on, and pressing it made a run, had it refused ("another tab of
// the studio is using the GPU") and removed it again; an evaluation, HDR, an ablation or a playground
// answer were refused alike once pressed. They are now off up front, naming the run.
import { readFileSync } from 'node:fs';
import { createElement, Fragment } from 'react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { renderNow } from '../helpers/render.ts';
import { DEFAULT_RUN_CONFIG } from '../../src/train/config.ts';
import type { StoredRun } from '../../src/jobs/store/schema.ts';
import { parseModelConfig } from '../../src/model/config.ts';
import { planMemory } from '../../src/model/memory-plan.ts';
import { LORA_TARGETS } from '../../src/model/lora.ts';

let reply: (kind: string) => Promise<unknown> = async () => undefined;
const worker = vi.hoisted(() => ({ emit: (_e: unknown) => {} }));
vi.mock('../../src/state/engine.ts', () => ({ engineClient: () => ({ request: (kind: string) => reply(kind), onEvent: (cb: (e: unknown) => void) => (worker.emit = cb) }) }));
const { useRuns } = await import('../../src/state/runStore.ts');
const { useJobs } = await import('../../src/state/jobStore.ts');
const { useDatasets } = await import('../../src/state/datasetStore.ts');
const { useModel } = await import('../../src/state/modelStore.ts');
const { TrainingPanel } = await import('../../src/ui/training/TrainingPanel.tsx');
const { installWorkerEvents } = await import('../../src/state/workerEvents.ts');
const { effectiveStatus } = await import('../../src/state/runStore.ts');
const { EvalPanel } = await import('../../src/ui/eval/EvalPanel.tsx');
const { AblationPanel } = await import('../../src/ui/ablation/AblationPanel.tsx');
const { PlaygroundPanel } = await import('../../src/ui/playground/PlaygroundPanel.tsx');
const { RunControls } = await import('../../src/ui/dashboard/RunControls.tsx');
const { RunActions, RunExports } = await import('../../src/ui/runs/RunActions.tsx');
// A run's row actions and, unfolded, its exports (whose reasons to be off are the row's).
const actionsAndExports = (run: Parameters<typeof RunActions>[0]['run']) => createElement(Fragment, null, createElement(RunActions, { run, onOpenDashboard: () => undefined }), createElement(RunExports, { run }));

const trainRow = (id: string, name: string) => ({ id, name, datasetId: 'd', kind: 'train', status: 'running', createdAt: 1, updatedAt: 1, config: DEFAULT_RUN_CONFIG, lastStep: 3 }) as StoredRun;
const button = (html: string, testId: string) => html.match(new RegExp(`<button[^>]*data-testid="${testId}"[^>]*>`))![0];
const startButton = (html: string) => button(html, 'start-run');
const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

const spec = parseModelConfig(readFileSync('tests/fixtures/models/configs/Qwen2.5-0.5B-Instruct.json', 'utf8'));
const fittingPlan = planMemory(spec, { batch: 1, seqLen: 256, rank: 4, targets: [...LORA_TARGETS], recompute: true }, { maxBufferSize: 2 ** 31, maxStorageBufferBindingSize: 2 ** 31 });

const initial = { runs: useRuns.getState(), jobs: useJobs.getState(), datasets: useDatasets.getState(), model: useModel.getState() };
beforeEach(() => {
  useRuns.setState({ ...initial.runs, runs: [trainRow('r-there', 'ssb r8 there')] }, true);
  useJobs.setState(initial.jobs, true);
  useDatasets.setState({ ...initial.datasets, datasets: [{ id: 'd', name: 'train.jsonl', exampleCount: 40 }] as never, selectedId: 'd' }, true);
  // The memory plan for the form's settings has arrived and fits: Start waits for it otherwise.
  useModel.setState({ ...initial.model, info: { ref: 'tiny' } as never, plan: fittingPlan }, true);
});

describe('Start training while a run trains in another tab', () => {
  it('is on when no tab trains', () => {
    expect(startButton(renderNow(createElement(TrainingPanel, { onOpenDashboard: () => undefined })))).not.toMatch(/aria-disabled="true"/);
  });

  it('is off, saying which run holds the GPU and where', () => {
    useRuns.setState({ trainingNow: new Set(['r-there']) });
    const html = renderNow(createElement(TrainingPanel, { onOpenDashboard: () => undefined }));
    expect(startButton(html)).toMatch(/aria-disabled="true"/);
    expect(text(html)).toContain('The run “ssb r8 there” is training in another tab of the studio, which holds the GPU until it ends: pause or stop it there first.');
  });

  it('is not held by this tab’s own job’s runs (an ablation’s arm it trains here)', () => {
    useRuns.setState({ trainingNow: new Set(['r-there']) });
    useJobs.setState({ rows: new Set(['r-there']), running: { kind: 'ablation', progress: null } });
    expect(text(renderNow(createElement(TrainingPanel, { onOpenDashboard: () => undefined })))).not.toContain('another tab');
  });
});

describe('what holds the GPU in another tab, when it is no training run', () => {
  // An HDR run and an ablation's arms hold a run lock too: the reason said "pause or stop it there
  // first", and there they offer neither (only Cancel in their panel).
  const startReason = () => text(renderNow(createElement(TrainingPanel, { onOpenDashboard: () => undefined })));

  it('an HDR run: says to wait for it or cancel it there', () => {
    useRuns.setState({ runs: [{ id: 'h1', name: 'hdr from ssb r8', datasetId: 'd', kind: 'hdr', status: 'running', createdAt: 1, updatedAt: 1, config: DEFAULT_RUN_CONFIG, settings: {}, rounds: [] } as never], trainingNow: new Set(['h1']) });
    expect(startReason()).toContain('The HDR run “hdr from ssb r8” is running in another tab of the studio, which holds the GPU until it ends: wait for it or cancel it there first.');
  });

  it('an ablation’s arm: names the ablation, to wait for or cancel there', () => {
    const ablation = { id: 'a1', name: 'rules', datasetId: 'd', kind: 'ablation', status: 'running', createdAt: 1, updatedAt: 1, config: {} };
    useRuns.setState({ runs: [ablation as never, trainRow('arm-1', 'rules · ssb:grad')], trainingNow: new Set(['arm-1']) });
    expect(startReason()).toContain('The ablation “rules” is running in another tab of the studio, which holds the GPU until it ends: wait for it or cancel it there first.');
  });
});

describe('the other GPU jobs while a run trains in another tab', () => {
  const reason = 'The run “ssb r8 there” is training in another tab of the studio, which holds the GPU until it ends: pause or stop it there first.';

  it('evaluation, HDR and the ablation are off, saying why', () => {
    useRuns.setState({ trainingNow: new Set(['r-there']) });
    const evalHtml = renderNow(createElement(EvalPanel));
    expect(text(evalHtml)).toContain(reason);
    expect(evalHtml).toMatch(/<fieldset class="stack" disabled="">\s*<legend>Evaluate/);
    expect(evalHtml).toMatch(/<fieldset class="stack" disabled="">\s*<legend>Hard-case re-sampling/);
    const ablationHtml = renderNow(createElement(AblationPanel));
    expect(text(ablationHtml)).toContain(reason);
    expect(ablationHtml).toMatch(/<fieldset class="stack" disabled="" data-testid="ablation-form">/);
  });

  it('the playground’s Generate is off, saying why', () => {
    useRuns.setState({ trainingNow: new Set(['r-there']) });
    const html = renderNow(createElement(PlaygroundPanel));
    expect(button(html, 'play-generate')).toMatch(/aria-disabled="true"/);
    expect(text(html)).toContain(reason);
  });
});

describe('a run this tab trained, once it ends', () => {
  it('is not taken for another tab’s while the page reads the locks again (its lock was read held mid-run)', async () => {
    const seen: Array<{ active: boolean; elsewhere: boolean }> = [];
    useRuns.setState({
      runs: [],
      refreshRuns: async () => {
        const s = useRuns.getState();
        seen.push({ active: !!s.active, elsewhere: text(renderNow(createElement(TrainingPanel, { onOpenDashboard: () => undefined }))).includes('another tab') });
        useRuns.setState({ runs: [trainRow('r-here', 'mine')] });
      },
    });
    reply = async (kind) => {
      if (kind === 'createRun') return { runId: 'r-here' };
      // The page looked at the locks while its run trained (a tab switch): its own lock was held.
      if (kind === 'startRun') {
        useRuns.setState({ trainingNow: new Set(['r-here']) });
        return { status: 'done', step: 3 };
      }
      return undefined;
    };
    await useRuns.getState().startRun('d');
    expect(seen.at(-1)).toEqual({ active: false, elsewhere: false });
  });
});

describe('the rows this tab’s job trained (an ablation’s arms), once it ends', () => {
  it('are not taken for runs another tab trains while the page reads the locks again', () => {
    installWorkerEvents();
    worker.emit({ type: 'job-rows', runIds: ['arm-1'] });
    // The page looked at the locks mid-job (a tab switch): the arm's lock, this tab's, was held.
    useRuns.setState({ trainingNow: new Set(['arm-1']) });
    expect(effectiveStatus(trainRow('arm-1', 'arm'), null, useJobs.getState().rows, useRuns.getState().trainingNow)).toBe('running');
    worker.emit({ type: 'job-rows', runIds: [] });
    expect(effectiveStatus({ ...trainRow('arm-1', 'arm'), status: 'done' }, null, useJobs.getState().rows, useRuns.getState().trainingNow)).toBe('done');
  });
});

describe('Resume while another tab trains or this tab’s job holds the GPU', () => {
  // Resume stayed on: pressed, the worker refused it (another tab's run, or this tab's evaluation,
  // HDR or export holding the GPU). Start training was already held; every Resume is now too.
  const paused = { ...trainRow('r-paused', 'paused here'), status: 'paused', lastStep: 2 } as StoredRun;
  const reason = 'The run “ssb r8 there” is training in another tab of the studio, which holds the GPU until it ends: pause or stop it there first.';
  const resumes = () => {
    useRuns.setState({ runs: [trainRow('r-there', 'ssb r8 there'), paused], selectedRunId: 'r-paused', checkpointSteps: new Map([['r-paused', 2]]) });
    return [
      renderNow(createElement(TrainingPanel, { onOpenDashboard: () => undefined })),
      renderNow(createElement(RunControls, { run: paused })),
      renderNow(actionsAndExports(paused)),
    ];
  };
  const ids = ['resume-run', 'dashboard-resume', 'runs-resume'];

  it('is on when nothing holds the GPU', () => {
    resumes().forEach((html, i) => expect(button(html, ids[i])).not.toMatch(/aria-disabled="true"/));
  });

  it('is off, saying which run in which tab holds it', () => {
    useRuns.setState({ trainingNow: new Set(['r-there']) });
    resumes().forEach((html, i) => {
      expect(button(html, ids[i])).toMatch(/aria-disabled="true"/);
      const describedBy = button(html, ids[i]).match(/aria-describedby="([^"]+)"/)![1];
      expect(text(html.match(new RegExp(`id="${describedBy}"[^>]*>([^<]*)<`))![1])).toContain(reason);
    });
  });

  it('is off while an export on its way loads its run’s model, or a start checks its plan, saying so', () => {
    // Pressed, the resume was refused there and then ("… is loading its model"): it is now off up front.
    useRuns.setState({ startWaiting: { name: 'ssb r8 there', doing: 'Exporting a recipe of', phase: { phase: 'loading', words: 'loading the model' } } } as never);
    resumes().forEach((html, i) => {
      expect(button(html, ids[i])).toMatch(/aria-disabled="true"/);
      const describedBy = button(html, ids[i]).match(/aria-describedby="([^"]+)"/)![1];
      expect(text(html.match(new RegExp(`id="${describedBy}"[^>]*>([^<]*)<`))![1])).toMatch(/^Exporting a recipe of ssb r8 there is loading its model \(the run strip(&#x27;|')s Cancel stops it\)/);
    });
    useRuns.setState({ startWaiting: { name: 'new run', doing: 'Training', phase: { phase: 'checking', words: 'checking' } } } as never);
    resumes().forEach((html, i) => {
      expect(button(html, ids[i])).toMatch(/aria-disabled="true"/);
      expect(text(html)).toContain('A run is starting: its memory plan is being checked');
    });
  });

  it('is off while this tab’s evaluation holds the GPU, saying so', () => {
    useJobs.setState({ running: { kind: 'eval', progress: null } } as never);
    resumes().forEach((html, i) => {
      expect(button(html, ids[i])).toMatch(/aria-disabled="true"/);
      expect(text(html)).toMatch(/is using the GPU; wait for it or cancel it first/);
    });
  });
});
