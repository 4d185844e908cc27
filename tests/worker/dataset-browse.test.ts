// The Dataset and Playground panels' worker requests (src/worker/datasetBrowse.ts) on fake-indexeddb,
// through the engine's handlers as the page calls them. Protects: the summary and every page, search
// and rule filter equal what the rows say (computed here the slow way over every row); a dataset of
// more than one read chunk is read whole; answers come from the worker's cache once read, and the
// cache follows every change to the dataset (an example included, HDR's new examples, the dataset
// deleted and another imported under its id); it keeps two datasets at most; a small dataset is
// answered while a large one is still being read.
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StudioDb, type ExampleRow } from '../../src/data/db.ts';
import { deleteDataset, describeDatasetDeletion, evalExamples, loadExampleRows, saveDataset, setExampleIncluded, trainingExamples } from '../../src/data/dataset-store.ts';
import type { Example } from '../../src/data/example.ts';
import { EXAMPLE_SPLIT, questionOf } from '../../src/data/split.ts';
import { QUALITY_RULES, summarizeQuality, type QualityRule } from '../../src/data/quality-check.ts';
import { addHdrExamples } from '../../src/hdr/store.ts';
import { StudioEngine } from '../../src/worker/engine.ts';
import { heldOutSamples, lastUserMessage, READ_CHUNK, searchableText } from '../../src/worker/datasetBrowse.ts';
import { callText } from '../../src/data/call-text.ts';
import type { ProgressInfo } from '../../src/worker/protocol.ts';

let n = 0;
const opened: StudioDb[] = [];
function setup() {
  const db = new StudioDb(`dataset-browse-${++n}-${Date.now()}`, { indexedDB, IDBKeyRange });
  opened.push(db);
  const engine = new StudioEngine(undefined, () => undefined, db);
  const h = engine.handlers;
  const progress: ProgressInfo[] = [];
  return {
    db,
    summary: (datasetId: string) => h.datasetSummary({ datasetId }, (p) => progress.push(p)),
    page: (datasetId: string, search = '', rule: QualityRule | null = null, offset = 0, limit = 25) => h.examplePage({ datasetId, search, rule, offset, limit }, () => undefined),
    playground: (datasetId: string) => h.datasetPlayground({ datasetId }, () => undefined),
    progress,
  };
}
afterEach(() => {
  for (const db of opened.splice(0)) db.close();
  vi.restoreAllMocks();
});

const weather = { name: 'get_weather', description: 'Weather now', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } };
const clock = { name: 'get_time', parameters: { type: 'object', properties: { zone: { type: 'string' } } } };

/** Varied examples: every 7th calls a tool it was not given, every 5th leaves out a required
 * argument, every 4th has a system turn, every 9th is a two-turn chat, every 11th needs no call. */
function example(i: number, prefix = 'ex'): Example {
  const calls = i % 11 === 0 ? [] : i % 7 === 0 ? [{ name: 'book_flight', arguments: { to: `Town ${i}` } }] : i % 5 === 0 ? [{ name: 'get_weather', arguments: {} }] : [{ name: 'get_weather', arguments: { city: `Town ${i}` } }];
  const user = { role: 'user' as const, content: `What is the weather in Town ${i}?${' really'.repeat(i % 13)}` };
  const messages = [...(i % 4 === 0 ? [{ role: 'system' as const, content: 'Be brief.' }] : []), user, ...(i % 9 === 0 ? [{ role: 'assistant' as const, content: 'Which day?' }, { role: 'user' as const, content: 'Tomorrow' }] : [])];
  return { id: `${prefix}-${i}`, tools: i % 3 === 0 ? [weather, clock] : [weather], messages, target: { calls, ...(i % 6 === 0 ? { reasoning: `Town ${i} needs weather` } : {}) } };
}

/** The slow reference: every row, filtered here. */
function reference(rows: ExampleRow[], search: string, rule: QualityRule | null) {
  const q = search.trim().toLowerCase();
  return rows.filter((r) => (!q || searchableText(r.example).includes(q)) && (!rule || r.quality.failures.some((f) => f.rule === rule)));
}

const summaryOf = (rows: ExampleRow[]) => {
  const train = rows.filter((r) => r.split === 'train').length;
  // Flagged by this rule and no other: every failure of the example names it.
  const only = (rule: QualityRule) => rows.filter((r) => r.quality.failures.length > 0 && r.quality.failures.every((f) => f.rule === rule));
  const flaggedOnly = Object.fromEntries(QUALITY_RULES.map((rule) => [rule, { examples: only(rule).length, used: only(rule).filter((r) => r.included === 1).length }]));
  // Split by question (every dataset saved here without settings): the distinct questions asked.
  const questions = (of: ExampleRow[]) => new Set(of.map((r) => questionOf(r.example))).size;
  return { quality: summarizeQuality(rows.map((r) => r.quality)), examples: rows.length, train, heldOut: rows.length - train, included: rows.filter((r) => r.included === 1).length, trainIncluded: rows.filter((r) => r.split === 'train' && r.included === 1).length, evaluated: rows.filter((r) => r.split === 'eval' && r.included === 1 && r.example.source !== 'hdr').length, flaggedOnly, questions: { total: questions(rows), heldOut: questions(rows.filter((r) => r.split === 'eval')) } };
};

describe('a dataset read in the worker', () => {
  const EXAMPLES = READ_CHUNK + 500; // two read chunks

  it('summarises and pages exactly what the rows say, searched and filtered by rule', async () => {
    const { db, summary, page, progress } = setup();
    const d = await saveDataset(db, { name: 'big', examples: Array.from({ length: EXAMPLES }, (_, i) => example(i)) });
    const rows = await loadExampleRows(db, d.id);

    const s = await summary(d.id);
    expect(s).toEqual(summaryOf(rows));
    expect(s.quality.call_names_known_tool).toBeGreaterThan(0);
    expect(s.quality.required_args_present).toBeGreaterThan(0);
    expect(s.heldOut).toBeGreaterThan(0);
    // Read a chunk at a time, saying so.
    expect(progress.map((p) => p.done)).toEqual([READ_CHUNK, EXAMPLES]);
    expect(progress.at(-1)).toMatchObject({ label: 'reading examples', total: EXAMPLES });

    const first = await page(d.id);
    expect(first).toMatchObject({ offset: 0, matching: EXAMPLES, total: EXAMPLES });
    expect(first.rows.map((r) => r.id)).toEqual(rows.slice(0, 25).map((r) => r.id));
    const r7 = rows.find((r) => r.id === 'ex-7')!;
    expect((await page(d.id, 'ex-7 ', null)).rows.find((r) => r.id === 'ex-7')).toEqual({
      id: 'ex-7',
      toolNames: ['get_weather'],
      query: lastUserMessage(r7.example),
      calls: r7.example.target.calls,
      passed: false,
      included: false,
      failedRules: r7.quality.failures.map((f) => f.rule),
    });

    const cases: Array<[string, QualityRule | null, number]> = [
      ['Town 12', null, 0],
      ['  TOWN 12 ', null, 25], // trimmed and case-insensitive, second page
      ['book_flight(to=', null, 50], // a call as the table writes it
      ['needs weather', null, 0], // reasoning
      ['', 'call_names_known_tool', 100],
      ['', 'required_args_present', 0],
      ['town 1', 'required_args_present', 25],
      ['get_time', null, 0], // a tool name
      ['no such text', null, 0],
    ];
    for (const [search, rule, offset] of cases) {
      const want = reference(rows, search, rule);
      const got = await page(d.id, search, rule, offset);
      expect(got.matching, `${search} / ${rule}`).toBe(want.length);
      expect(got.total).toBe(EXAMPLES);
      expect(got.offset).toBe(Math.min(offset, Math.max(0, Math.floor((want.length - 1) / 25) * 25)));
      expect(got.rows.map((r) => r.id)).toEqual(want.slice(got.offset, got.offset + 25).map((r) => r.id));
    }
    // Past the end: the last page.
    const failing = reference(rows, '', 'call_names_known_tool');
    const last = await page(d.id, '', 'call_names_known_tool', 100_000);
    expect(last.offset).toBe(Math.floor((failing.length - 1) / 25) * 25);
    expect(last.rows.map((r) => r.id)).toEqual(failing.slice(last.offset).map((r) => r.id));
    expect(callText(r7.example.target.calls[0])).toBe('book_flight(to="Town 7")');
  });

  it('counts the examples training and evaluation take as they read them (a flagged one is left out)', async () => {
    const { db, summary } = setup();
    const d = await saveDataset(db, { name: 'used', examples: Array.from({ length: 300 }, (_, i) => example(i)) });
    const s = await summary(d.id);
    const trained = (await trainingExamples(db, d.id)).length;
    expect(trained).toBeLessThan(s.train); // some training-side examples fail the check
    expect(s.trainIncluded).toBe(trained);
    expect(s.included - s.trainIncluded).toBe((await evalExamples(db, d.id)).length);
    expect(s.evaluated).toBe(s.included - s.trainIncluded);
    // An HDR sample of a held-out question (a re-split put it there) is held out and used, yet no
    // evaluation asks it (byEvalRole): the Ablation form counts the answers it will give by `evaluated`.
    const held = (await evalExamples(db, d.id))[0];
    await addHdrExamples(db, d.id, [{ ...held, id: `${held.id}#hdr-r1-0`, target: { ...held.target, reasoning: 'Book it.' }, source: 'hdr' as const, hdrRound: 1 }]);
    const after = await summary(d.id);
    expect(after.included - after.trainIncluded).toBe(s.included - s.trainIncluded + 1);
    expect(after.evaluated).toBe(s.evaluated);
  });

  it('counts the examples that answer after earlier calls (later steps of a task), and those held out and used', async () => {
    const { db, summary } = setup();
    // Every 3rd example's prompt holds a call and its result; the split decides which are held out.
    const later = (i: number): Example => {
      const e = example(i, 'step');
      return i % 3 ? e : { ...e, messages: [...e.messages, { role: 'assistant', content: '', calls: [{ name: 'get_time', arguments: {} }] }, { role: 'tool', name: 'get_time', content: '12:00' }] };
    };
    const d = await saveDataset(db, { name: 'steps', examples: Array.from({ length: 90 }, (_, i) => later(i)) });
    const rows = await loadExampleRows(db, d.id);
    const s = await summary(d.id);
    const laterRows = rows.filter((r) => r.example.messages.some((m) => m.role === 'tool'));
    expect(laterRows).toHaveLength(30);
    expect(s.laterSteps).toEqual({ examples: 30, heldOutUsed: laterRows.filter((r) => r.split === 'eval' && r.included === 1).length });
    const { laterStepsText } = await import('../../src/ui/dataset/QualityReportView.tsx');
    expect(laterStepsText({ examples: 30, heldOutUsed: 2 })).toBe("30 examples answer after earlier calls in their conversation (a later step of a task, with the tools' results in the prompt); 2 of them held out: an evaluation gives their accuracy apart from the first steps'.");
    expect(laterStepsText({ examples: 1, heldOutUsed: 0 })).toBe("1 example answers after earlier calls in its conversation (a later step of a task, with the tools' results in the prompt); none of them is held out, so an evaluation scores first steps only.");
    // A dataset without any has none to count.
    const plain = await saveDataset(db, { name: 'plain', examples: Array.from({ length: 20 }, (_, i) => example(i, 'plain')) });
    expect((await summary(plain.id)).laterSteps).toBeUndefined();
  });

  it('finds the held-out examples that ask what a used training example asks, and lists them for the Show filter', async () => {
    const { db, summary } = setup();
    // 200 examples asking 50 questions (four ids each; answers differ). Split by question (every
    // import now), the twins share a side; split example by example, as datasets stored before
    // were, the split scatters them.
    const asked = (i: number): Example => ({ ...example(i % 50, 'q'), id: `twin-${i}`, target: { calls: [{ name: 'get_weather', arguments: { city: `Town ${i}` } }] } });
    const byQuestion = await saveDataset(db, { name: 'twins', examples: Array.from({ length: 200 }, (_, i) => asked(i)) });
    const counted = await summary(byQuestion.id);
    expect(counted.repeated).toBeUndefined();
    // It counts the questions instead: 50, and those held out with their four examples each.
    const heldOutRows = (await loadExampleRows(db, byQuestion.id)).filter((r) => r.split === 'eval');
    expect(heldOutRows.length % 4).toBe(0);
    expect(counted.questions).toEqual({ total: 50, heldOut: heldOutRows.length / 4 });
    expect(counted.heldOut).toBe(heldOutRows.length);
    const d = await saveDataset(db, { name: 'twins', examples: Array.from({ length: 200 }, (_, i) => asked(i)), split: EXAMPLE_SPLIT });
    const rows = await loadExampleRows(db, d.id);
    const { promptKey } = await import('../../src/data/prompt-key.ts');
    const expected = () => {
      const trained = new Set(rows.filter((r) => r.split === 'train' && r.included === 1).map((r) => promptKey(r.example)));
      return rows.filter((r) => r.split === 'eval' && trained.has(promptKey(r.example)));
    };
    const twins = expected();
    expect(twins.length).toBeGreaterThan(0);
    const s = await summary(d.id);
    expect(s.questions).toBeUndefined();
    expect(s.repeated).toEqual({ heldOut: twins.length, used: twins.filter((r) => r.included === 1).length });
    const h = new StudioEngine(undefined, () => undefined, db).handlers;
    const listed = await h.examplePage({ datasetId: d.id, search: '', rule: null, use: 'repeated', offset: 0, limit: 200 }, () => undefined);
    expect(listed.rows.map((r) => r.id).sort()).toEqual(twins.map((r) => r.id).sort());
    // The playground's held-out questions say so too: an answer to one is what the adapter learned.
    const offered = await h.datasetPlayground({ datasetId: d.id }, () => undefined);
    expect(offered.samples.filter((x) => x.askedInTraining).map((x) => x.id).sort()).toEqual(twins.filter((r) => heldOutSamples([r]).length > 0).map((r) => r.id).sort());
    // Its training twins left out, a held-out question is asked in training no more.
    const first = twins[0];
    for (const r of rows.filter((t) => t.split === 'train' && promptKey(t.example) === promptKey(first.example))) {
      await setExampleIncluded(db, d.id, r.id, false);
      r.included = 0;
    }
    const after = await summary(d.id);
    expect(after.repeated?.heldOut ?? 0).toBe(expected().length);
    expect(expected().map((r) => r.id)).not.toContain(first.id);
    // The quality report's "Leave them out of evaluation": the report's count is what the worker leaves out.
    const { repeatedLeaveOut } = await import('../../src/ui/dataset/QualityReportView.tsx');
    const ask = repeatedLeaveOut(d.id, after.repeated!.used);
    expect(ask.what).toBe(`the ${after.repeated!.used} held-out examples a training example asks too`);
    expect(await h.setExamplesIncluded({ datasetId: d.id, selection: ask.selection, included: false, expect: ask.count }, () => undefined)).toEqual({ changed: after.repeated!.used });
    expect((await summary(d.id)).repeated).toEqual({ heldOut: after.repeated!.heldOut, used: 0 });
    for (const r of await loadExampleRows(db, d.id)) if (expected().some((t) => t.id === r.id)) expect(r.included).toBe(0);
    // A dataset asking each question once has none.
    const plain = await saveDataset(db, { name: 'plain', examples: Array.from({ length: 40 }, (_, i) => example(i, 'plain')) });
    expect((await summary(plain.id)).repeated).toBeUndefined();
    const { repeatedText } = await import('../../src/ui/dataset/QualityReportView.tsx');
    expect(repeatedText({ heldOut: 3, used: 3 })).toBe('3 held-out examples ask what a training example asks (the same conversation and tools): the model trains on their answer, so their verdicts measure what the model remembers, not the task. The Show filter “held out, asked in training too” lists them.');
    expect(repeatedText({ heldOut: 1, used: 0 })).toBe('1 held-out example asks what a training example asks (the same conversation and tools): the model trains on its answer, so it is not evaluated (it is left out). The Show filter “held out, asked in training too” lists it.');
    expect(repeatedText({ heldOut: 4, used: 2 })).toContain('so the verdicts of the 2 of them evaluated measure what the model remembers');
  });

  it('offers the playground every distinct tool and the held-out single questions, without their examples', async () => {
    const { db, playground } = setup();
    const d = await saveDataset(db, { name: 'play', examples: Array.from({ length: 300 }, (_, i) => example(i)) });
    const rows = await loadExampleRows(db, d.id);
    const p = await playground(d.id);
    expect(p.tools.map((t) => t.name)).toEqual(['get_time', 'get_weather']);
    expect(p.tools[1]).toEqual(weather);
    const want = heldOutSamples(rows).map(({ example: _, ...rest }) => rest);
    expect(want.length).toBeGreaterThan(3);
    expect(p.samples).toEqual(want);
  });
});

describe('the worker’s dataset cache', () => {
  it('answers from the cache once read, and follows inclusion, HDR’s examples, deletion and a new import under the same id', async () => {
    const { db, summary, page } = setup();
    const d = await saveDataset(db, { name: 'a', examples: Array.from({ length: 200 }, (_, i) => example(i)) });
    const where = vi.spyOn(db.examples, 'where');
    const before = await summary(d.id);
    const scans = where.mock.calls.length;
    expect(scans).toBeGreaterThan(0);
    await summary(d.id);
    await page(d.id, 'town 3');
    await page(d.id, 'town 3', null, 25);
    expect(where.mock.calls.length, 'no second read of the rows').toBe(scans);

    // A flagged example included: the dataset row does not change; the write itself is noticed.
    const flagged = (await loadExampleRows(db, d.id)).find((r) => r.included === 0)!;
    await setExampleIncluded(db, d.id, flagged.id, true);
    expect((await summary(d.id)).included).toBe(before.included + 1);

    // HDR's accepted samples: new training examples at the end, found by the search.
    const hdr = [0, 1].map((k) => ({ ...example(1000 + k, 'hdr-r1'), source: 'hdr' as const, hdrRound: 1 }));
    await addHdrExamples(db, d.id, hdr);
    const after = await summary(d.id);
    expect(after).toEqual(summaryOf(await loadExampleRows(db, d.id)));
    expect(after.examples).toBe(202);
    expect(await page(d.id, 'hdr-r1')).toMatchObject({ matching: 2, total: 202 });

    // Deleted: said so, never the old answer.
    const plan = await describeDatasetDeletion(db, d.id);
    await deleteDataset(db, d.id, plan.confirmToken);
    await expect(summary(d.id)).rejects.toThrow(/no dataset/);
    await expect(page(d.id)).rejects.toThrow(/no dataset/);
    // Another dataset imported under the same id (a snapshot's dataset keeps its id).
    await saveDataset(db, { id: d.id, name: 'again', examples: Array.from({ length: 30 }, (_, i) => example(i, 'new')) });
    expect(await summary(d.id)).toEqual(summaryOf(await loadExampleRows(db, d.id)));
    expect((await page(d.id)).rows[0].id).toBe('new-0');
  });

  it('does not keep a read that a write overtook', async () => {
    const db = new StudioDb(`dataset-browse-${++n}-${Date.now()}`, { indexedDB, IDBKeyRange });
    opened.push(db);
    const h = new StudioEngine(undefined, () => undefined, db).handlers;
    const d = await saveDataset(db, { name: 'a', examples: Array.from({ length: READ_CHUNK + 100 }, (_, i) => example(i)) });
    const flagged = (await loadExampleRows(db, d.id)).find((r) => r.included === 0)!;
    let write: Promise<void> | null = null;
    // The write lands while the first chunk is being counted.
    await h.datasetSummary({ datasetId: d.id }, () => (write ??= setExampleIncluded(db, d.id, flagged.id, true)));
    await write;
    expect(await h.datasetSummary({ datasetId: d.id }, () => undefined)).toEqual(summaryOf(await loadExampleRows(db, d.id)));
  });

  it('keeps two datasets at most (the least recently asked is read again)', async () => {
    const { db, summary } = setup();
    const ids: string[] = [];
    for (const name of ['a', 'b', 'c']) ids.push((await saveDataset(db, { name, examples: Array.from({ length: 20 }, (_, i) => example(i, name)) })).id);
    const where = vi.spyOn(db.examples, 'where');
    for (const id of ids) await summary(id);
    const reads = where.mock.calls.length;
    await summary(ids[2]);
    await summary(ids[1]);
    expect(where.mock.calls.length).toBe(reads);
    await summary(ids[0]);
    expect(where.mock.calls.length).toBeGreaterThan(reads);
  });

  it('answers about a small dataset while a large one is still being read', async () => {
    const { db, summary } = setup();
    const big = await saveDataset(db, { name: 'big', examples: Array.from({ length: READ_CHUNK * 2 + 10 }, (_, i) => example(i)) });
    const small = await saveDataset(db, { name: 'small', examples: Array.from({ length: 10 }, (_, i) => example(i, 's')) });
    const order: string[] = [];
    await Promise.all([summary(big.id).then(() => order.push('big')), summary(small.id).then(() => order.push('small'))]);
    expect(order).toEqual(['small', 'big']);
  });

  it('shares one read between requests that arrive while it runs', async () => {
    const { db, summary, page } = setup();
    const d = await saveDataset(db, { name: 'a', examples: Array.from({ length: 50 }, (_, i) => example(i)) });
    const where = vi.spyOn(db.examples, 'where');
    const [s, p] = await Promise.all([summary(d.id), page(d.id, '', QUALITY_RULES[1])]);
    expect(where.mock.calls.length).toBe(1); // one chunk, read once
    expect(p.matching).toBe(s.quality[QUALITY_RULES[1]]);
  });
});
