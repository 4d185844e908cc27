// The generated hostile corpus (tests/data/hostile-corpus.ts) through the studio's own drop path in
// Chromium: the dataset store's importDataset (what PageDrop calls) → the GPU worker → real
// IndexedDB. Protects issue 17 where it failed in the studio: a record nesting 10,000 deep or a
// parameter typed "constructor" no longer takes the good records down with it (it lost 456 of 650
// before, with a raw DataCloneError), "__proto__" and "constructor" survive structured clone into
// IndexedDB and a reload as the names they are, and a dataset stored before is untouched.
import { StudioDb } from '../../src/data/db.ts';
import { loadExampleRows } from '../../src/data/dataset-store.ts';
import type { ExampleRow } from '../../src/data/db.ts';
import { useDatasets } from '../../src/state/datasetStore.ts';
import { hostileCorpus } from '../data/hostile-corpus.ts';

const EXPECTED_KEY = 'studio-browser-hostile-expected';

function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

/** The corpus as dropped files (flat names: the answer file's folder is not part of a dropped name). */
const corpusFiles = () => hostileCorpus().map((f) => new File([f.text], f.name.replace('possible_answer/', 'answers_')));

async function importThroughStore(files: File[]): Promise<string> {
  const started = performance.now();
  const id = await useDatasets.getState().importDataset(files);
  const state = useDatasets.getState();
  assert(id, `the import saved nothing: ${state.error}`);
  console.log(`studio import of ${files.map((f) => f.name).join(', ')}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return id;
}

/** "__proto__", "constructor" and friends are own data with the values the files gave. */
function checkNames(rows: ExampleRow[]): void {
  const byId = new Map(rows.map((r) => [r.id, r.example]));
  for (const id of ['o-proto-args', 'h-proto-args', 's-proto-args', 'f-proto-kwargs']) {
    const e = byId.get(id);
    assert(e, `${id} was not stored`);
    const props = e.tools[0].parameters.properties!;
    assert(JSON.stringify(Object.keys(props)) === '["__proto__","constructor","toString","host"]', `${id}: parameter names ${JSON.stringify(Object.keys(props))}`);
    assert(Object.getPrototypeOf(props) === Object.prototype, `${id}: the properties' prototype was replaced`);
    const args = e.target.calls[0].arguments;
    assert(Object.hasOwn(args, '__proto__') && typeof Object.getOwnPropertyDescriptor(args, '__proto__')!.value === 'object', `${id}: argument __proto__ lost`);
    assert(Object.getOwnPropertyDescriptor(args, 'constructor')?.value === 'c', `${id}: argument constructor is ${String(args.constructor)}`);
  }
  const typed = byId.get('o-type-constructor')!.tools[0].parameters.properties!;
  assert(typed.host.type === 'constructor' && typed.port.type === 'toString', 'type names turned into something else');
  const bfcl = Object.getOwnPropertyDescriptor(byId.get('simple_1')!.target.calls[0].arguments, '__proto__')?.value as Record<string, unknown>;
  assert(bfcl && Object.getOwnPropertyDescriptor(bfcl, '__proto__')?.value === 'inner', 'BFCL nested __proto__ argument lost');
}

export const tests: Record<string, () => Promise<void>> = {
  async 'the studio drop path imports the hostile corpus: good records stored, bad ones named, earlier data untouched'() {
    const demo = await (await fetch('/demo/demo-dataset.jsonl')).text();
    const earlierId = await importThroughStore([new File([demo.split('\n').slice(0, 12).join('\n')], 'earlier.jsonl')]);
    const db = new StudioDb();
    const earlierRows = await loadExampleRows(db, earlierId);

    const id = await importThroughStore(corpusFiles());
    const last = useDatasets.getState().lastImport!;
    const corpus = hostileCorpus();
    const expected = corpus.flatMap((f) => f.imported);
    assert(last.imported === expected.length, `imported ${last.imported}, expected ${expected.length}`);
    const rejected = corpus.reduce((n, f) => n + (f.name.includes('many-tiny') ? 300_000 : f.rejected.length), 0);
    assert(last.issueCount === rejected, `${last.issueCount} rejections reported, expected ${rejected}`);
    for (const [file, index, id] of [['hostile-openai.jsonl', 1, 'o-deep-args'], ['hostile-openai.jsonl', 5, ''], ['hostile-xlam.json', 4, 'x-type-constructor'], ['hostile-sharegpt.json', 1, 's-from-constructor']] as const) {
      const line = last.issues.find((l) => l.startsWith(`${file}, line `) && l.includes(`, record ${index + 1}`));
      if (index === 5) assert(!line, 'o-type-constructor must import (flagged), not be rejected');
      else assert(line?.includes(`id "${id}"`), `${file} record ${index} not named: ${line}`);
    }

    const rows = await loadExampleRows(db, id);
    assert(JSON.stringify(rows.map((r) => r.id)) === JSON.stringify(expected), `stored ${rows.map((r) => r.id).join(',')}`);
    checkNames(rows);
    assert(rows.find((r) => r.id === 'o-type-constructor')?.included === 0, 'a flagged example must be left out of training by default');
    assert(JSON.stringify(await loadExampleRows(db, earlierId)) === JSON.stringify(earlierRows), 'the earlier dataset changed');
    db.close();
    localStorage.setItem(EXPECTED_KEY, JSON.stringify({ id, earlierId, count: rows.length }));
  },

  async 'the hostile corpus reads back with its names after a reload [after reload]'() {
    const expected = JSON.parse(localStorage.getItem(EXPECTED_KEY) ?? 'null') as { id: string; earlierId: string; count: number } | null;
    assert(expected, 'the import test did not run before the reload');
    const db = new StudioDb();
    const rows = await loadExampleRows(db, expected.id);
    assert(rows.length === expected.count, `${rows.length} rows after the reload, expected ${expected.count}`);
    checkNames(rows);
    assert((await loadExampleRows(db, expected.earlierId)).length === 12, 'the earlier dataset lost rows');
    db.close();
  },
};
