// A stored dataset pushed to a Hugging Face dataset repo (the worker's pushDatasetToHub request, on
// fake-indexeddb, against the in-memory Hub): one commit under /api/datasets/ with data/train.jsonl
// and a card that names it as the train split; the file imports back as the examples pushed (HDR's
// samples still HDR's, whole floats kept), the ones left out of training stay home unless asked for;
// a dataset with nothing to push makes no repo; Cancel commits nothing; one push at a time.
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { afterEach, describe, expect, it } from 'vitest';
import { StudioDb } from '../../src/data/db.ts';
import { loadExampleRows, setExampleIncluded } from '../../src/data/dataset-store.ts';
import { importDatasetFiles } from '../../src/data/import-dataset.ts';
import { importDatasetIntoDb } from '../../src/data/import-into-db.ts';
import type { Example } from '../../src/data/example.ts';
import { addHdrExamples } from '../../src/hdr/store.ts';
import { dataRequests } from '../../src/worker/dataRequests.ts';
import type { ProgressInfo } from '../../src/worker/protocol.ts';
import { startFakeHubWrites } from '../helpers/fakeHubWrites.mjs';

const idb = { indexedDB, IDBKeyRange };
let n = 0;
const USERS = { hf_write: { name: 'ada' }, hf_read: { name: 'ada', role: 'read' as const } };
let close: (() => Promise<unknown>) | null = null;
afterEach(async () => {
  await close?.();
  close = null;
});

const tool = { type: 'function', function: { name: 'weighted_avg', description: 'Average.', parameters: { type: 'object', properties: { scores: { type: 'array', items: { type: 'number' } } }, required: ['scores'] } } };
const lines = (count: number) =>
  Array.from({ length: count }, (_, i) =>
    JSON.stringify({
      id: `e${i}`,
      tools: [tool],
      messages: [
        { role: 'user', content: `Average ${i} and 80.` },
        { role: 'assistant', content: '', reasoning_content: `Two scores: ${i} and 80.`, tool_calls: [{ type: 'function', function: { name: 'weighted_avg', arguments: i === 0 ? '{"scores": [90.0, 80.5]}' : `{"scores": [${i}, 80]}` } }] },
      ],
    }),
  ).join('\n');

async function setUp() {
  const started = await startFakeHubWrites({ users: USERS });
  close = started.close;
  const db = new StudioDb(`hub-dataset-push-${++n}-${Date.now()}`, idb);
  const stored = (await importDatasetIntoDb(db, [{ name: 'avg.jsonl', blob: new Blob([lines(12)]) }], { name: 'avg scores' })).row!;
  await setExampleIncluded(db, stored.id, 'e3', false);
  const [first] = await loadExampleRows(db, stored.id);
  await addHdrExamples(db, stored.id, [{ ...first.example, id: 'e0~hdr1-0', source: 'hdr', hdrRound: 1, target: { ...first.example.target, reasoning: 'Averaged again.' } }]);
  const requests = dataRequests({ db: () => db, model: () => null, appBaseUrl: () => 'http://127.0.0.1:1/', datasetInUse: () => null });
  return { hub: started.hub, db, datasetId: stored.id, requests };
}

/** The examples as the OpenAI parser reads a pushed file back (openai-record.test.ts checks every format). */
const readBack = ({ parseIssues: _n, ...e }: Example): Example => (e.source === 'hdr' ? e : { ...e, source: 'openai' });

describe('a stored dataset pushed to the Hub', () => {
  it('lands as data/train.jsonl with a card, in one commit to a dataset repo; the file imports back as the examples used for training', async () => {
    const { hub, db, datasetId, requests } = await setUp();
    const progress: ProgressInfo[] = [];
    expect((await db.datasets.get(datasetId))?.hubRepo).toBeUndefined();
    const out = await requests.pushDatasetToHub({ datasetId, repo: 'avg-data', token: 'hf_write', private: true, onlyIncluded: true, baseUrl: hub.base }, (p) => progress.push(p));
    // Remembered: a run trained on it links the repo in its model card.
    expect((await db.datasets.get(datasetId))?.hubRepo).toBe('ada/avg-data');

    expect(out).toMatchObject({ repo: 'ada/avg-data', repoUrl: `${hub.base}/datasets/ada/avg-data`, created: true, examples: 12, leftOut: 1 });
    expect(out.files.map((f) => [f.path, f.lfs])).toEqual([['data/train.jsonl', false], ['README.md', false]]);
    const repo = hub.repo('datasets/ada/avg-data');
    expect(repo.private).toBe(true);
    expect(repo.commits.map((c) => c.summary)).toEqual(['Upload the dataset “avg scores” (12 examples) with BalanceSFT Studio']);
    expect(hub.log).toContain('POST /api/datasets/ada/avg-data/preupload/main');
    expect(hub.log).toContain('POST /api/datasets/ada/avg-data/commit/main');
    expect(progress[0]).toMatchObject({ label: 'reading the examples', done: 13, total: 13 });
    expect(progress.at(-1)).toMatchObject({ label: 'committing', unit: 'bytes' });

    const pushed = (await loadExampleRows(db, datasetId)).filter((r) => r.included === 1).map((r) => r.example);
    const back = await importDatasetFiles([{ name: 'train.jsonl', blob: new Blob([hub.file('datasets/ada/avg-data', 'data/train.jsonl').toString()]) }]);
    expect(back.examples).toEqual(pushed.map(readBack));
    expect(back.examples.map((e) => e.id)).not.toContain('e3');
    expect(back.examples.find((e) => e.id === 'e0~hdr1-0')).toMatchObject({ source: 'hdr', hdrRound: 1 });
    expect(back.examples[0].target.wholeFloats).toEqual([[0, 'scores', 0]]);

    const card = hub.file('datasets/ada/avg-data', 'README.md').toString();
    expect(card).toMatch(/^---\nconfigs:\n- config_name: default\n {2}data_files:\n {2}- split: train\n {4}path: data\/train\.jsonl\n/);
    expect(card).toContain('size_categories:\n- n<1K\n');
    expect(card).toContain('# avg-data');
    expect(card).toContain('the dataset "avg scores" of BalanceSFT Studio, 12 examples in OpenAI\'s messages form (1 example left out of training is not here)');
    expect(card).toContain('- Imported from: openai 11, hdr 1.');
    expect(card).toContain('- 1 example added by HDR (Hard Data Re-sampling) in one round');
    expect(card).toContain('- With reasoning (`reasoning_content`): 12 (100%). Answering without a call: 0 (0%).');
    expect(card).toContain('load_dataset("ada/avg-data", split="train")');
  });

  it('pushes the examples left out of training too when asked, as a new commit to the same repo', async () => {
    const { hub, datasetId, requests } = await setUp();
    await requests.pushDatasetToHub({ datasetId, repo: 'avg-data', token: 'hf_write', private: false, onlyIncluded: true, baseUrl: hub.base }, () => undefined);
    const out = await requests.pushDatasetToHub({ datasetId, repo: 'ada/avg-data', token: 'hf_write', private: false, onlyIncluded: false, baseUrl: hub.base }, () => undefined);
    expect(out).toMatchObject({ created: false, examples: 13, leftOut: 0 });
    expect(hub.repo('datasets/ada/avg-data').commits).toHaveLength(2);
    const text = hub.file('datasets/ada/avg-data', 'data/train.jsonl').toString();
    expect(text.trim().split('\n').map((l) => JSON.parse(l).id)).toContain('e3');
    expect(hub.file('datasets/ada/avg-data', 'README.md').toString()).not.toContain('left out of training');
    // A model repo of the same name is another repo: none was made.
    expect(hub.repos.has('ada/avg-data')).toBe(false);
  });

  it('makes no repo for a dataset with nothing to push, or for a token that may only read', async () => {
    const { hub, db, datasetId, requests } = await setUp();
    for (const r of await loadExampleRows(db, datasetId)) await setExampleIncluded(db, datasetId, r.id, false);
    await expect(requests.pushDatasetToHub({ datasetId, repo: 'avg-data', token: 'hf_write', private: false, onlyIncluded: true, baseUrl: hub.base }, () => undefined)).rejects.toThrow(
      'every example of “avg scores” is left out of training: include some, or push all of them',
    );
    await expect(requests.pushDatasetToHub({ datasetId, repo: 'avg-data', token: 'hf_read', private: false, onlyIncluded: false, baseUrl: hub.base }, () => undefined)).rejects.toThrow('this access token may only read');
    await expect(requests.pushDatasetToHub({ datasetId: 'gone', repo: 'avg-data', token: 'hf_write', private: false, onlyIncluded: false, baseUrl: hub.base }, () => undefined)).rejects.toThrow('this dataset is no longer stored');
    expect(hub.repos.size).toBe(0);
  });

  it('commits nothing when cancelled mid-push, takes one push at a time, and pushes again after', async () => {
    const { hub, datasetId, requests } = await setUp();
    let release!: () => void;
    hub.hold = { path: '/api/datasets/ada/avg-data/preupload', until: new Promise<void>((r) => (release = r)) };
    const push = requests.pushDatasetToHub({ datasetId, repo: 'avg-data', token: 'hf_write', private: false, onlyIncluded: true, baseUrl: hub.base }, () => undefined);
    const failed = push.then(() => null, (err: Error) => err);
    while (!hub.log.includes('POST /api/datasets/ada/avg-data/preupload/main')) await new Promise((r) => setTimeout(r, 5));
    await expect(requests.pushDatasetToHub({ datasetId, repo: 'other', token: 'hf_write', private: false, onlyIncluded: true, baseUrl: hub.base }, () => undefined)).rejects.toThrow('a dataset is being pushed to the Hub already');
    expect(await requests.cancelDatasetPush({}, () => undefined)).toBe(true);
    release();
    expect(await failed).toMatchObject({ name: 'AbortError', message: 'the push was cancelled; nothing was committed' });
    expect(hub.repo('datasets/ada/avg-data').commits).toEqual([]);
    expect(await requests.cancelDatasetPush({}, () => undefined)).toBe(false);
    hub.hold = null;
    await requests.pushDatasetToHub({ datasetId, repo: 'avg-data', token: 'hf_write', private: false, onlyIncluded: true, baseUrl: hub.base }, () => undefined);
    expect(hub.repo('datasets/ada/avg-data').commits).toHaveLength(1);
  });
});
