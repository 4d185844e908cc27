// Cancelling a dropped file's import in Chromium, through the studio's own path: the dataset store's
// importDataset → the GPU worker reading and writing a batch at a time → real IndexedDB, and the
// store's cancelImport while rows are being written. Nothing may be left: no dataset row, no example
// row under the import's own id, the datasets stored before as they were.
import { StudioDb } from '../../src/data/db.ts';
import { useDatasets } from '../../src/state/datasetStore.ts';

function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

const until = async (what: string, cond: () => boolean, ms = 60_000) => {
  const end = performance.now() + ms;
  while (!cond()) {
    assert(performance.now() < end, `waited ${ms / 1000} s for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

/** A JSONL file of `n` xLAM records, several 1 MiB chunks of the reader for a large `n`. */
const xlamFile = (name: string, n: number) =>
  new File([Array.from({ length: n }, (_, i) => JSON.stringify({ id: `${name}-${i}`, query: `What is ${i} plus 2?`, tools: '[{"name": "add", "parameters": {"a": {"type": "int"}, "b": {"type": "int"}}}]', answers: `[{"name": "add", "arguments": {"a": ${i}, "b": 2}}]` })).join('\n')], `${name}.jsonl`);

export const tests: Record<string, () => Promise<void>> = {
  async 'a dropped file’s import cancelled while its rows are written saves nothing, and the next import runs'() {
    const db = new StudioDb();
    const datasetsBefore = await db.datasets.toCollection().primaryKeys();
    const rowsBefore = await db.examples.count();
    const store = useDatasets.getState();
    const importing = store.importDataset([xlamFile('cancel-me', 15_000)]);
    await until('the first records to be read', () => (useDatasets.getState().progress?.recordsDone ?? 0) > 0);
    const progress = useDatasets.getState().progress!;
    assert(progress.bytesDone < progress.bytesTotal, `the import had read the whole file (${progress.bytesDone} bytes) before it could be cancelled`);
    await useDatasets.getState().cancelImport();
    assert((await importing) === null, 'the cancelled import returned a dataset');
    const state = useDatasets.getState();
    assert(state.error === null, `an error, not a notice: ${state.error}`);
    assert(state.notice === 'The import of cancel-me was cancelled; nothing was saved, and your existing datasets are unchanged.', `notice: ${state.notice}`);
    assert(state.progress === null, 'the progress bar stays');
    assert(JSON.stringify(await db.datasets.toCollection().primaryKeys()) === JSON.stringify(datasetsBefore), 'the stored datasets changed');
    assert((await db.examples.count()) === rowsBefore, `${(await db.examples.count()) - rowsBefore} example rows were left behind`);

    const next = await store.importDataset([xlamFile('after-cancel', 30)]);
    assert(next, `the next import saved nothing: ${useDatasets.getState().error}`);
    assert(useDatasets.getState().notice === null, 'the notice outlived the next import');
    assert((await db.examples.where('datasetId').equals(next).count()) === 30, 'the next import did not store its 30 examples');
    db.close();
  },
};
