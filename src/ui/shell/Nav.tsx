// The left navigation: one button per panel, arrow keys move between them (a vertical tab list).
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

export function Nav({ current, onChange }: { current: PanelId; onChange: (p: PanelId) => void }) {
  const onKey = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    e.preventDefault();
    const i = PANELS.findIndex((p) => p.id === current);
    const next = PANELS[(i + (e.key === 'ArrowDown' ? 1 : PANELS.length - 1)) % PANELS.length];
    onChange(next.id);
    document.getElementById(`nav-${next.id}`)?.focus();
  };
  return (
    <nav className="sidenav" aria-label="Studio panels">
      <div role="tablist" aria-orientation="vertical" onKeyDown={onKey}>
        {PANELS.map((p) => (
          <button
            key={p.id}
            id={`nav-${p.id}`}
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
