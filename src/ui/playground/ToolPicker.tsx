// The tools offered to the model, ticked from the dataset's. A dataset such as xLAM has thousands of
// distinct tools: listing a checkbox for each made a wall of 3,600; past a few dozen the picker shows
// the ticked ones and what a search finds.
import { useState } from 'react';
import type { FunctionSchema } from '../../worker/protocol.ts';

/** Listed whole up to this many; beyond it, the ticked ones and up to this many matches. */
export const TOOLS_LISTED = 40;

/** The tools on show: every one of a small set; else the ticked, then those whose name or
 * description holds `filter` (the first ones, without a filter). */
export function toolsOnShow(tools: FunctionSchema[], chosen: string[], filter: string, max = TOOLS_LISTED): FunctionSchema[] {
  if (tools.length <= max) return tools;
  const q = filter.trim().toLowerCase();
  const ticked = tools.filter((t) => chosen.includes(t.name));
  const found = tools.filter((t) => !chosen.includes(t.name) && (!q || t.name.toLowerCase().includes(q) || (t.description ?? '').toLowerCase().includes(q)));
  return [...ticked, ...found.slice(0, max)];
}

export function ToolPicker({ tools, chosen, onToggle }: { tools: FunctionSchema[]; chosen: string[]; onToggle: (name: string) => void }) {
  const [filter, setFilter] = useState('');
  const many = tools.length > TOOLS_LISTED;
  const shown = toolsOnShow(tools, chosen, filter);
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
      {many && shown.length - chosen.length >= TOOLS_LISTED && <span className="small muted">More match: refine the search.</span>}
    </>
  );
}
