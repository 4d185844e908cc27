// A stored dataset downloaded as JSONL in Chromium, through the studio's own path: the Dataset panel's
// Download (the store's downloadDataset) asks the GPU worker, which reads real IndexedDB and hands the
// file back as a Blob. Dropped on the page again, the file is the same dataset: nothing new is stored.
// tests/snapshot/dataset-export.test.ts holds the file's lines to the stored rows.
import { useDatasets } from '../../src/state/datasetStore.ts';
import { engineClient } from '../../src/state/engine.ts';

function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

const file = (name: string, n: number) =>
  new File([Array.from({ length: n }, (_, i) => JSON.stringify({ id: `${name}-${i}`, query: `What is ${i} plus 2?`, tools: '[{"name": "add", "parameters": {"a": {"type": "int"}, "b": {"type": "int"}}}]', answers: `[{"name": "add", "arguments": {"a": ${i}, "b": 2}}]` })).join('\n')], `${name}.jsonl`);

export const tests: Record<string, () => Promise<void>> = {
  async 'a stored dataset downloads as JSONL from the worker, and dropped again it is the same dataset'() {
    const id = await useDatasets.getState().importDataset([file('export-me', 25)]);
    assert(id, `the import saved nothing: ${useDatasets.getState().error}`);
    const out = await engineClient().request('exportDataset', { datasetId: id });
    assert(out.file instanceof Blob && out.name === 'export-me.jsonl' && out.examples === 25, `exported ${out.name}: ${out.examples} examples`);
    const lines = (await out.file.text()).trim().split('\n').map((l) => JSON.parse(l) as { id: string; included?: boolean });
    assert(lines.length === 25 && lines[24].id === 'export-me-24' && lines.every((l) => l.included === true), `the file's lines: ${lines.length}, last ${lines.at(-1)?.id}`);
    // Through the panel's button: the browser saves it, and the panel is free again.
    await useDatasets.getState().downloadDataset(id);
    assert(useDatasets.getState().error === null && useDatasets.getState().exporting === null, `download: ${useDatasets.getState().error}`);
    const again = await useDatasets.getState().importDataset([new File([out.file], out.name)]);
    assert(again === id && useDatasets.getState().lastImport?.alreadyStoredAs === 'export-me', `imported again: ${again} (${useDatasets.getState().lastImport?.alreadyStoredAs})`);
  },
};
