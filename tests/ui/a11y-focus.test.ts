// Keyboard focus after common actions: a button that disables itself or unmounts used to drop the
// focus to the page body; dialogs did not close with Escape nor keep Tab inside; the tabs took only
// Up/Down, and the panel they control was no tab panel.
import { createElement, type ReactElement } from 'react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { renderNow } from '../helpers/render.ts';
import { DEFAULT_RUN_CONFIG } from '../../src/train/config.ts';
import type { StoredRun } from '../../src/jobs/store/schema.ts';

vi.mock('../../src/state/engine.ts', () => ({ engineClient: () => ({ request: async () => undefined, onEvent: () => undefined }) }));

const { KeepFocusButton } = await import('../../src/ui/shell/KeepFocusButton.tsx');
const { restoreLostFocus, focusPanelHeading } = await import('../../src/ui/shell/focusReturn.ts');
const { dialogKeys, trapTarget } = await import('../../src/ui/shell/dialogKeys.ts');
const { Nav, PANELS, tabAfterKey, tabPanelProps } = await import('../../src/ui/shell/Nav.tsx');
const { useRuns } = await import('../../src/state/runStore.ts');
const { useJobs } = await import('../../src/state/jobStore.ts');
const { useDatasets } = await import('../../src/state/datasetStore.ts');
const { useModel } = await import('../../src/state/modelStore.ts');
const { TrainingPanel } = await import('../../src/ui/training/TrainingPanel.tsx');
const { EvalForm } = await import('../../src/ui/eval/EvalForm.tsx');
const { HdrForm } = await import('../../src/ui/eval/HdrForm.tsx');
const { AblationForm } = await import('../../src/ui/ablation/AblationForm.tsx');
const { DatasetList } = await import('../../src/ui/dataset/DatasetList.tsx');
const { RunInfoEditor, RunsTable } = await import('../../src/ui/runs/RunsTable.tsx');
const { DemoGuide } = await import('../../src/ui/demo/DemoGuide.tsx');
const { DashboardPanel } = await import('../../src/ui/dashboard/DashboardPanel.tsx');
const fieldProblems = await import('../../src/state/fieldProblems.ts');
const demoStore = await import('../../src/state/demoStore.ts');

const initial = { runs: useRuns.getState(), jobs: useJobs.getState(), datasets: useDatasets.getState(), model: useModel.getState() };
beforeEach(() => {
  useRuns.setState(initial.runs, true);
  useJobs.setState(initial.jobs, true);
  useDatasets.setState(initial.datasets, true);
  useModel.setState(initial.model, true);
});

const trainRow = (id: string, extra: Partial<StoredRun> = {}) => ({ id, datasetId: 'd', kind: 'train', status: 'paused', createdAt: 1, updatedAt: 1, config: DEFAULT_RUN_CONFIG, lastStep: 3, ...extra }) as StoredRun;

describe('KeepFocusButton', () => {
  const press = (el: ReactElement) => {
    const e = { preventDefault: vi.fn() };
    (el.props as { onClick: (e: unknown) => void }).onClick(e);
    return e;
  };

  it('is off with aria-disabled (still focusable), says why, and ignores its click', () => {
    const onClick = vi.fn();
    const html = renderNow(createElement(KeepFocusButton, { disabled: true, reasonId: 'why', onClick }, 'Go'));
    expect(html).toBe('<button aria-disabled="true" aria-describedby="why">Go</button>');
    const e = press(KeepFocusButton({ disabled: true, onClick, type: 'submit' }));
    expect(onClick).not.toHaveBeenCalled();
    expect(e.preventDefault).toHaveBeenCalled(); // an off submit button submits nothing
  });

  it('is a plain button when on', () => {
    const onClick = vi.fn();
    expect(renderNow(createElement(KeepFocusButton, { reasonId: 'why', onClick }, 'Go'))).toBe('<button>Go</button>');
    press(KeepFocusButton({ onClick }));
    expect(onClick).toHaveBeenCalledOnce();
  });
});

describe('where lost focus goes', () => {
  const doc = (active: 'body' | 'other', ids: string[]) => {
    const body = {} as Element;
    const focused: string[] = [];
    return { focused, doc: { body, activeElement: active === 'body' ? body : ({} as Element), getElementById: (id: string) => (ids.includes(id) ? { focus: () => focused.push(id) } : null) } };
  };

  it('back to the opener, else the fallback, only when it fell to the body', () => {
    const a = doc('body', ['edit-run-r', 'runs-title']);
    expect(restoreLostFocus(a.doc, ['edit-run-r', 'runs-title'])).toBe(true);
    expect(a.focused).toEqual(['edit-run-r']);
    const b = doc('body', ['runs-title']);
    restoreLostFocus(b.doc, ['edit-run-gone', 'runs-title']);
    expect(b.focused).toEqual(['runs-title']);
    const c = doc('other', ['edit-run-r']);
    expect(restoreLostFocus(c.doc, ['edit-run-r'])).toBe(false); // the user put it elsewhere
    expect(c.focused).toEqual([]);
  });

  it('a panel the app opens focuses its heading, which every panel makes focusable', () => {
    const focus = vi.fn();
    const root = { querySelector: (sel: string) => (sel === 'h2[tabindex="-1"]' ? { focus } : null) } as unknown as ParentNode;
    expect(focusPanelHeading(root)).toBe(true);
    expect(focus).toHaveBeenCalled();
    expect(renderNow(createElement(TrainingPanel, { onOpenDashboard: () => undefined }))).toContain('<h2 id="train-title" tabindex="-1">');
    expect(renderNow(createElement(DashboardPanel, { theme: 'light' }))).toContain('<h2 id="dash-title" tabindex="-1">');
    expect(renderNow(createElement(DemoGuide, { onOpen: () => undefined }))).toContain('<h2 id="demo-title" tabindex="-1">');
  });
});

describe('buttons that used to disable themselves under the focus', () => {
  it('Start training is off by aria-disabled and points to its visible reason', () => {
    const html = renderNow(createElement(TrainingPanel, { onOpenDashboard: () => undefined }));
    expect(html).toMatch(/<button class="primary" data-testid="start-run" aria-disabled="true" aria-describedby="start-blocked">/);
    expect(html).toMatch(/id="start-blocked" data-testid="start-blocked">Import a dataset first/);
  });

  it('the job forms stay enabled while a job runs; their button is off, and a field problem is linked', () => {
    useJobs.setState({ running: { kind: 'evaluate', progress: null } });
    for (const [form, testId] of [[EvalForm, 'run-eval'], [HdrForm, 'start-hdr'], [AblationForm, 'start-ablation']] as const) {
      const html = renderNow(createElement(form, { datasetId: 'd', disabled: false }));
      expect(html).not.toMatch(/<fieldset[^>]*disabled/);
      expect(html).toMatch(new RegExp(`data-testid="${testId}" aria-disabled="true"`));
    }
    useJobs.setState({ running: null });
    const { useFieldProblems } = fieldProblems;
    useFieldProblems.getState().setProblem('eval-limit', 'Eval examples', 'enter a number');
    try {
      const html = renderNow(createElement(EvalForm, { datasetId: 'd', disabled: false }));
      expect(html).toMatch(/data-testid="run-eval" aria-disabled="true" aria-describedby="eval-problem"/);
      expect(html).toMatch(/<span class="error" id="eval-problem">Fix/);
    } finally {
      useFieldProblems.getState().setProblem('eval-limit', 'Eval examples', null);
    }
  });

  it('a demo step that works keeps its button focusable', () => {
    const { useDemo } = demoStore;
    useDemo.setState({ busy: 'model' });
    expect(renderNow(createElement(DemoGuide, { onOpen: () => undefined }))).toMatch(/<button class="primary" data-testid="demo-model" aria-disabled="true">Working…<\/button>/);
    useDemo.setState({ busy: null });
  });
});

describe('dialogs and editors', () => {
  it('Escape cancels; Tab goes round the dialog’s controls', () => {
    const onEscape = vi.fn();
    const e = { key: 'Escape', preventDefault: vi.fn(), stopPropagation: vi.fn() };
    dialogKeys(onEscape)(e as never);
    expect(onEscape).toHaveBeenCalledOnce();
    expect([trapTarget(2, 1, false), trapTarget(2, 0, true), trapTarget(2, 0, false), trapTarget(2, -1, false)]).toEqual([0, 1, null, 0]);
  });

  it('the dataset deletion is a modal alert dialog: Keep has the focus, a blocked Delete says why', () => {
    useDatasets.setState({ datasets: [{ id: 'd', name: 'demo', exampleCount: 3, files: [], issueCount: 0, issues: [] } as never], pendingDeletion: { datasetId: 'd', name: 'demo', exampleCount: 3, hardCaseCount: 0, runCount: 1 } as never });
    useRuns.setState({ runs: [trainRow('r', { datasetId: 'd', status: 'running' })], active: { runId: 'r', progress: null, stepTimes: [], pausing: false, stopping: false } });
    const html = renderNow(createElement(DatasetList));
    expect(html).toMatch(/role="alertdialog" aria-modal="true" aria-labelledby="del-title"/);
    expect(html).toMatch(/<button class="danger" aria-disabled="true" aria-describedby="delete-blocked">Delete<\/button>/);
    expect(html).toMatch(/<button autofocus="">Keep it<\/button>/);
    expect(html).toContain('id="delete-dataset-d"'); // where the focus returns
  });

  it('the run editor focuses its first field and links the notes to their problem', () => {
    const html = renderNow(createElement(RunInfoEditor, { run: trainRow('r', { notes: 'x'.repeat(20_000) }), onDone: () => undefined }));
    expect(html).toMatch(/Name <input autofocus="" value="r"\/>/);
    expect(html).toMatch(/<textarea rows="2" aria-invalid="true" aria-describedby="run-info-problem-r">/);
    expect(html).toMatch(/id="run-info-problem-r" data-testid="field-problem"/);
    expect(html).toMatch(/type="submit" aria-disabled="true" aria-describedby="run-info-problem-r">Save/);
    useRuns.setState({ runs: [trainRow('r')] });
    expect(renderNow(createElement(RunsTable, { compare: [], onToggleCompare: () => undefined, onOpenDashboard: () => undefined }))).toContain('id="edit-run-r"');
  });
});

describe('the panel tabs', () => {
  it('every arrow moves (a column or a row), Home and End jump', () => {
    expect(['ArrowDown', 'ArrowRight', 'ArrowUp', 'ArrowLeft', 'Home', 'End', 'a'].map((k) => tabAfterKey(k, 0, 10))).toEqual([1, 1, 9, 9, 0, 9, null]);
    expect(tabAfterKey('ArrowDown', 9, 10)).toBe(0);
  });

  it('the main element is the tab panel, labelled by the current tab, whose id exists', () => {
    const html = renderNow(createElement(Nav, { current: 'runs', onChange: () => undefined }));
    expect(html).not.toMatch(/aria-orientation/);
    const props = tabPanelProps('runs');
    expect(props).toEqual({ id: 'main', role: 'tabpanel', 'aria-labelledby': 'nav-runs', tabIndex: 0 });
    for (const p of PANELS) expect(html).toContain(`id="nav-${p.id}" role="tab"`);
    expect(html).toMatch(/id="nav-runs" role="tab" aria-selected="true" aria-controls="main"/);
  });
});

describe('the ablation form’s button', () => {
  // With every SSB rule unticked the button was on, and the worker refused the start with
  // "ablation: choose at least one SSB rule".
  it('is off with its reason when no SSB rule is ticked', () => {
    const draft = initial.jobs.ablationDraft;
    useJobs.setState({ running: null, ablationDraft: { ...draft, rules: [], hdrRule: null } });
    const html = renderNow(createElement(AblationForm, { datasetId: 'd', disabled: false }));
    expect(html).toMatch(/data-testid="start-ablation" aria-disabled="true" aria-describedby="ablation-problem"/);
    expect(html).toMatch(/<span class="error" id="ablation-problem">Choose at least one SSB rule\.<\/span>/);
    useJobs.setState({ ablationDraft: { ...draft, rules: ['grad'], hdrRule: null } });
    expect(renderNow(createElement(AblationForm, { datasetId: 'd', disabled: false }))).not.toMatch(/ablation-problem/);
  });

  // Every arm trains the loaded model: a sequence past its positions started the ablation, and
  // each of its six arms failed on its own.
  it('is off when the shared sequence length passes the loaded model\'s context', () => {
    const draft = initial.jobs.ablationDraft;
    useJobs.setState({ running: null, ablationDraft: { ...draft, rules: ['grad'], hdrRule: null } });
    const saved = useRuns.getState().draft;
    const model = useModel.getState().info;
    try {
      useRuns.setState({ draft: { ...saved, seqLen: 5000 } });
      useModel.setState({ info: { ...(model ?? {}), maxPositionEmbeddings: 4096 } as never });
      const html = renderNow(createElement(AblationForm, { datasetId: 'd', disabled: false }));
      expect(html).toMatch(/data-testid="start-ablation" aria-disabled="true"/);
      expect(html).toContain('Fix the Training panel&#x27;s configuration first: Sequence length must be at most the model&#x27;s 4096-token context');
    } finally {
      useRuns.setState({ draft: saved });
      useModel.setState({ info: model });
    }
  });
});
