// The left navigation: one button per panel (a tab list: a column on wide screens, a wrapped row on
// narrow ones, so every arrow key moves, and Home/End go to the first and last panel).
import type { KeyboardEvent } from 'react';

export const PANELS = [
  { id: 'start', label: 'Start here' },
  { id: 'gpu', label: 'GPU' },
  { id: 'model', label: 'Model' },
  { id: 'dataset', label: 'Dataset' },
  { id: 'training', label: 'Training' },
  { id: 'dashboard', label: 'Dashboard' },
  { id: 'eval', label: 'Evaluation & HDR' },
  { id: 'ablation', label: 'Ablation' },
  { id: 'playground', label: 'Playground' },
  { id: 'runs', label: 'Runs & snapshots' },
] as const;
export type PanelId = (typeof PANELS)[number]['id'];

export const tabId = (panel: PanelId) => `nav-${panel}`;

/** The tab a key moves to from tab `at` of `count`, or null for a key the tab list does not take. */
export function tabAfterKey(key: string, at: number, count: number): number | null {
  if (key === 'ArrowDown' || key === 'ArrowRight') return (at + 1) % count;
  if (key === 'ArrowUp' || key === 'ArrowLeft') return (at + count - 1) % count;
  if (key === 'Home') return 0;
  if (key === 'End') return count - 1;
  return null;
}

/** The attributes of the element showing the current panel: the tab panel the tabs control. */
export function tabPanelProps(panel: PanelId) {
  return { id: 'main', role: 'tabpanel', 'aria-labelledby': tabId(panel), tabIndex: 0 } as const;
}

export function Nav({ current, onChange }: { current: PanelId; onChange: (p: PanelId) => void }) {
  const onKey = (e: KeyboardEvent<HTMLDivElement>) => {
    const to = tabAfterKey(e.key, PANELS.findIndex((p) => p.id === current), PANELS.length);
    if (to === null) return;
    e.preventDefault();
    const next = PANELS[to];
    onChange(next.id);
    document.getElementById(tabId(next.id))?.focus();
  };
  return (
    <nav className="sidenav" aria-label="Studio panels">
      {/* No aria-orientation: the list is a column or a row depending on the width, and both arrow pairs work. */}
      <div role="tablist" onKeyDown={onKey}>
        {PANELS.map((p) => (
          <button
            key={p.id}
            id={tabId(p.id)}
            role="tab"
            aria-selected={p.id === current}
            aria-controls="main"
            tabIndex={p.id === current ? 0 : -1}
            className={p.id === current ? 'navitem active' : 'navitem'}
            onClick={() => onChange(p.id)}
          >
            {p.label}
          </button>
        ))}
      </div>
    </nav>
  );
}
