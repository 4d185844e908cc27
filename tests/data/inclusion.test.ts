// Choosing many examples at once: "flagged only by these rules" (the quality report's per-rule
// action and `studio train --include-flagged`, one implementation), ids left out, and the dataset
// store's write of many rows in one transaction with one count on the dataset row.
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { afterEach, describe, expect, it } from 'vitest';
import { StudioDb } from '../../src/data/db.ts';
import { exampleRows, saveDataset, setExamplesIncluded, trainingExamples } from '../../src/data/dataset-store.ts';
import { inclusionExamples } from '../helpers/inclusionExamples.ts';
import { applyInclusionChoice, failingBits, flaggedOnlyBy, parseRuleList, rulesBits } from '../../src/data/inclusion.ts';

describe('flagged only by some rules', () => {
  const rows = () => exampleRows('d', inclusionExamples(), { seed: 1, evalFraction: 0 });

  it('takes an example every failure of which is one of the rules, never a passing one or one that breaks another rule too', () => {
    const only = (rules: Parameters<typeof rulesBits>[0]) => rows().filter((r) => flaggedOnlyBy(failingBits(r.quality), rulesBits(rules))).map((r) => r.id);
    expect(only(['reasoning_as_promised'])).toEqual(['quiet1', 'quiet2']);
    expect(only(['required_args_present'])).toEqual([]);
    expect(only(['reasoning_as_promised', 'required_args_present'])).toEqual(['quiet1', 'both', 'quiet2']);
    expect(only([])).toEqual([]);
  });

  it('applies a choice: the flagged ones included, then the ids left out (a leave-out wins), naming ids no example has', () => {
    const r = rows();
    expect(applyInclusionChoice(r, { includeFlagged: ['reasoning_as_promised'], leaveOut: ['quiet2', 'good', 'nope'] })).toEqual({ unknownIds: ['nope'] });
    expect(r.map((x) => [x.id, x.included])).toEqual([['good', 0], ['quiet1', 1], ['both', 0], ['quiet2', 0]]);
  });

  it('reads rule names as a user gives them, naming one that does not exist and the ones that do', () => {
    expect(parseRuleList(['reasoning_as_promised', 'arg_types_match', 'reasoning_as_promised'], '--include-flagged')).toEqual(['reasoning_as_promised', 'arg_types_match']);
    expect(() => parseRuleList(['reasoning'], '--include-flagged')).toThrow('--include-flagged: no quality rule "reasoning" (the rules are tools_valid_schema, call_names_known_tool, required_args_present, arg_types_match, no_unknown_args, reasoning_as_promised, target_json_parses)');
  });
});

describe('setExamplesIncluded (dataset store)', () => {
  let n = 0;
  const opened: StudioDb[] = [];
  afterEach(() => {
    for (const db of opened.splice(0)) db.close();
  });
  async function setup() {
    const db = new StudioDb(`inclusion-store-${++n}-${Date.now()}`, { indexedDB, IDBKeyRange });
    opened.push(db);
    return { db, dataset: await saveDataset(db, { name: 'fr.jsonl', examples: inclusionExamples(), split: { seed: 1, evalFraction: 0 } }) };
  }

  it('sets every row in one transaction, counts one edit on the dataset row, and says how many changed', async () => {
    const { db, dataset } = await setup();
    const progress: Array<[number, number]> = [];
    expect(await setExamplesIncluded(db, dataset.id, ['quiet1', 'quiet2', 'good'], true, { onProgress: (done, total) => progress.push([done, total]) })).toBe(2);
    expect((await trainingExamples(db, dataset.id)).map((e) => e.id)).toEqual(['good', 'quiet1', 'quiet2']);
    expect((await db.datasets.get(dataset.id))!.inclusionEdits).toBe(1);
    expect(progress).toEqual([[3, 3]]);
    // Nothing to change: the row is not counted again (the views would count for nothing).
    expect(await setExamplesIncluded(db, dataset.id, ['quiet1'], true)).toBe(0);
    expect((await db.datasets.get(dataset.id))!.inclusionEdits).toBe(1);
  });

  it('writes nothing when one id is not in the dataset, naming it', async () => {
    const { db, dataset } = await setup();
    await expect(setExamplesIncluded(db, dataset.id, ['quiet1', 'gone'], true)).rejects.toThrow('dataset "fr.jsonl" has no example "gone"; nothing was changed');
    expect((await db.examples.get([dataset.id, 'quiet1']))!.included).toBe(0);
    expect((await db.datasets.get(dataset.id))!.inclusionEdits).toBeUndefined();
    await expect(setExamplesIncluded(db, 'nope', ['quiet1'], true)).rejects.toThrow('no dataset "nope" (it may have been deleted)');
  });
});
