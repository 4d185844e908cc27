// The tools a playground query can offer: every distinct tool of the dataset.
import type { FunctionSchema } from '../../state/queries.ts';

/** Every distinct tool of the dataset (by name, first definition wins), sorted by name. */
export function datasetTools(examples: Array<{ tools: FunctionSchema[] }>): FunctionSchema[] {
  const byName = new Map<string, FunctionSchema>();
  for (const e of examples) for (const t of e.tools) if (!byName.has(t.name)) byName.set(t.name, t);
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}
