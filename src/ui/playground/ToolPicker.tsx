// The tools offered to the model, ticked from the dataset's. A dataset such as xLAM has thousands of
// distinct tools: listing a checkbox for each made a wall of 3,600; past a few dozen the picker shows
// the ticked ones and what a search finds.
import { useState } from 'react';
import type { FunctionSchema } from '../../worker/protocol.ts';

/** Listed whole up to this many; beyond it, the ticked ones and up to this many matches. */
export const TOOLS_LISTED = 40;

/** Ticked before the user picks: a dataset's tools while they are few (the demo's eight, every one a
 * question may need); past that, none rather than an arbitrary few (the first ones by name offered a
 * weather question three tools that could not answer it). */
export const TOOLS_TICKED_AT_FIRST = 8;

export function toolsTickedAtFirst(tools: FunctionSchema[]): string[] {
  return tools.length <= TOOLS_TICKED_AT_FIRST ? tools.map((t) => t.name) : [];
}

/** The tools on show: every one of a small set; else the ticked, then those whose name or
 * description holds `filter` (the first ones, without a filter). `leftOut`: matches not shown. */
export function toolsOnShow(tools: FunctionSchema[], chosen: string[], filter: string, max = TOOLS_LISTED): { shown: FunctionSchema[]; leftOut: number } {
  if (tools.length <= max) return { shown: tools, leftOut: 0 };
  const q = filter.trim().toLowerCase();
  const ticked = tools.filter((t) => chosen.includes(t.name));
  const found = tools.filter((t) => !chosen.includes(t.name) && (!q || t.name.toLowerCase().includes(q) || (t.description ?? '').toLowerCase().includes(q)));
  return { shown: [...ticked, ...found.slice(0, max)], leftOut: Math.max(0, found.length - max) };
}

export function ToolPicker({ tools, chosen, onToggle }: { tools: FunctionSchema[]; chosen: string[]; onToggle: (name: string) => void }) {
  const [filter, setFilter] = useState('');
  const many = tools.length > TOOLS_LISTED;
  const { shown, leftOut } = toolsOnShow(tools, chosen, filter);
  return (
    <>
      {many && (
        <div className="field inline">
          <label htmlFor="play-tool-filter">Find a tool ({tools.length.toLocaleString()} in this dataset)</label>
          <input id="play-tool-filter" type="search" value={filter} placeholder="name or description" onChange={(e) => setFilter(e.target.value)} />
        </div>
      )}
      {shown.map((t) => (
        <label key={t.name} className="check" title={t.description}>
          <input type="checkbox" checked={chosen.includes(t.name)} onChange={() => onToggle(t.name)} /> {t.name}
        </label>
      ))}
      {leftOut > 0 && <span className="small muted">{leftOut.toLocaleString()} more match: refine the search.</span>}
      {tools.length > 0 && chosen.length === 0 && (
        <span className="small muted" data-testid="play-no-tools">
          None ticked: the model can only answer in words. Tick the tools it may call{many ? ' (find them above)' : ''}, or take a held-out example, which brings its own.
        </span>
      )}
    </>
  );
}
