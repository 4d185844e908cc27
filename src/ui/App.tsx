// The studio's shell: header with the theme switch, a left nav of panels, the active panel, a
// run-status strip visible from every panel, and drag-drop of datasets/snapshots anywhere on the page.
import { useEffect, useRef, useState } from 'react';
import { CapabilityReport, SelfTestFailed, WebGpuMissing } from './capability/CapabilityReport.tsx';
import { Nav, PANELS, tabPanelProps, type PanelId } from './shell/Nav.tsx';
import { focusPanelHeading } from './shell/focusReturn.ts';
import { PageDrop } from './shell/PageDrop.tsx';
import { RunStrip } from './shell/RunStrip.tsx';
import { StrayErrorsBanner } from './shell/StrayErrorsBanner.tsx';
import { ModelPanel } from './model/ModelPanel.tsx';
import { DatasetPanel } from './dataset/DatasetPanel.tsx';
import { TrainingPanel } from './training/TrainingPanel.tsx';
import { DashboardPanel } from './dashboard/DashboardPanel.tsx';
import { RunsPanel } from './runs/RunsPanel.tsx';
import { EvalPanel } from './eval/EvalPanel.tsx';
import { AblationPanel } from './ablation/AblationPanel.tsx';
import { PlaygroundPanel } from './playground/PlaygroundPanel.tsx';
import { SharedRunView } from './snapshot/SharedRunView.tsx';
import { DemoGuide } from './demo/DemoGuide.tsx';
import { shareFragmentOf } from './snapshot/shareFragment.ts';
import { installWorkerEvents } from '../state/workerEvents.ts';
import { useDatasets } from '../state/datasetStore.ts';
import { useRuns } from '../state/runStore.ts';
import { onDatabaseOutdated } from '../state/db.ts';
import { readPref, readTabPref, writePref, writeTabPref } from '../state/localPrefs.ts';
import { useCapabilities } from '../state/capabilityStore.ts';

export type Theme = 'light' | 'dark';

/** Sets the theme on <html> at once: charts read the CSS variables when their effects run, which
 * is before any effect of App, so the attribute must not wait for an effect. */
function applyTheme(theme: Theme): Theme {
  document.documentElement.dataset.theme = theme;
  return theme;
}

function initialTheme(): Theme {
  const saved = readPref('theme');
  if (saved === 'light' || saved === 'dark') return applyTheme(saved);
  return applyTheme(window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');
}

function initialPanel(): PanelId {
  // This tab's (a reload comes back to it; another tab's showing another panel does not move it).
  const saved = readTabPref('studio.panel');
  // First visit: the guided demo (it says whether this browser's GPU is a software one).
  return PANELS.some((p) => p.id === saved) ? (saved as PanelId) : 'start';
}

export function App() {
  const [theme, setTheme] = useState<Theme>(initialTheme);
  const [panel, setPanel] = useState<PanelId>(initialPanel);
  // Counts the times the app itself opened a panel (a button, not a tab): the control pressed is
  // gone with its panel, so the new panel's heading takes the focus.
  const [opened, setOpened] = useState(0);
  const main = useRef<HTMLElement>(null);
  const openPanel = (p: PanelId) => {
    setPanel(p);
    setOpened((n) => n + 1);
  };
  useEffect(() => {
    if (opened > 0) focusPanelHeading(main.current);
  }, [opened]);
  const [share] = useState(() => shareFragmentOf(location.hash));
  const [outdated, setOutdated] = useState(false);
  const gpuLost = useCapabilities((s) => (s.status === 'lost' ? s.problem : null));
  const noWebGpu = useCapabilities((s) => s.status === 'unavailable');
  const gpuProblem = useCapabilities((s) => s.problem);
  const workerCrashed = useCapabilities((s) => (s.status === 'crashed' ? s.problem : null));
  useEffect(() => writePref('theme', theme), [theme]);
  useEffect(() => writeTabPref('studio.panel', panel), [panel]);
  useEffect(() => {
    // Pasting a share link into an open studio changes only the hash: switch views by reloading.
    const onHash = () => {
      if ((shareFragmentOf(location.hash) ?? '') !== (share ?? '')) location.reload();
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, [share]);
  useEffect(() => {
    if (share) return; // a share link is view-only: no worker, no database
    installWorkerEvents();
    // Asked at once, so a browser without WebGPU is told what to do on whichever panel it opens.
    if (useCapabilities.getState().status === 'idle') void useCapabilities.getState().probe();
    void useDatasets.getState().refreshDatasets();
    void useRuns.getState().refreshRuns();
    return onDatabaseOutdated(() => setOutdated(true));
  }, [share]);

  const header = (
    <header className="topbar">
      <h1>BalanceSFT Studio</h1>
      <p className="tagline">Fine-tune function-calling models with LoRA on your own GPU. Nothing leaves this browser unless you push it to the Hub.</p>
      <button className="theme-toggle" aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`} onClick={() => setTheme(applyTheme(theme === 'dark' ? 'light' : 'dark'))}>
        {theme === 'dark' ? '☀ Light' : '☾ Dark'}
      </button>
    </header>
  );

  if (share) {
    return (
      <div className="app">
        {header}
        <main>
          <SharedRunView fragment={share} theme={theme} />
        </main>
      </div>
    );
  }

  return (
    <div className="app">
      {header}
      {outdated && (
        <p className="error banner" role="alert">
          Another tab upgraded the studio database. Reload this page to keep working. <button onClick={() => location.reload()}>Reload</button>
        </p>
      )}
      {gpuLost && (
        <p className="error banner" role="alert" data-testid="gpu-lost">
          {gpuLost[0].toUpperCase() + gpuLost.slice(1)}. Open the GPU panel to reconnect, then resume the run.
        </p>
      )}
      {workerCrashed && (
        <p className="error banner" role="alert" data-testid="worker-crashed">
          {workerCrashed[0].toUpperCase() + workerCrashed.slice(1)}. <button onClick={() => location.reload()}>Reload</button>
        </p>
      )}
      <StrayErrorsBanner />
      <div className="layout">
        <Nav current={panel} onChange={setPanel} />
        <main className="panels" ref={main} {...tabPanelProps(panel)}>
          <RunStrip onOpenDashboard={() => openPanel('dashboard')} />
          {noWebGpu && panel !== 'gpu' && <WebGpuMissing problem={gpuProblem} />}
          {panel !== 'gpu' && <SelfTestFailed />}
          {panel === 'start' && <DemoGuide onOpen={openPanel} />}
          {panel === 'gpu' && <CapabilityReport />}
          {panel === 'model' && <ModelPanel />}
          {panel === 'dataset' && <DatasetPanel />}
          {panel === 'training' && <TrainingPanel onOpenDashboard={() => openPanel('dashboard')} />}
          {panel === 'dashboard' && <DashboardPanel theme={theme} />}
          {panel === 'eval' && <EvalPanel />}
          {panel === 'ablation' && <AblationPanel onOpenTraining={() => openPanel('training')} />}
          {panel === 'playground' && <PlaygroundPanel />}
          {panel === 'runs' && <RunsPanel theme={theme} onOpenDashboard={() => openPanel('dashboard')} onOpenEval={() => openPanel('eval')} />}
        </main>
      </div>
      <PageDrop onDataset={() => openPanel('dataset')} onSnapshot={() => openPanel('runs')} />
    </div>
  );
}
