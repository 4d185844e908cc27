// A large dataset tokenizes on threads (data/tokenize-pool.ts): the training set and the Dataset
// panel's counts must be what one thread gives, token for token and skip for skip, whatever a thread
// does (answers, dies, is stopped). Real worker_threads threads, as the CLI starts them.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import tokenizeCommand from '../../src/cli/commands/tokenize.ts';
import { defaultSeqLen } from '../../src/jobs/data.ts';
import { nodeTokenizeThreads } from '../../src/cli/tokenizeThreads.ts';
import { StudioDb } from '../../src/data/db.ts';
import { saveDataset } from '../../src/data/dataset-store.ts';
import type { Example } from '../../src/data/example.ts';
import { importDatasetFiles } from '../../src/data/import-dataset.ts';
import { datasetTokenCounts } from '../../src/data/token-counts.ts';
import { THREADS_FROM } from '../../src/data/tokenize-pool.ts';
import { setTokenizeThreads, type TokenizeThreads } from '../../src/data/tokenize-threads.ts';
import { tokenizeAllForTraining } from '../../src/train/prepareData.ts';
import { QWEN3_TOKENIZER_DIR, qwen3Tokenizer } from './qwen3-tokenizer.ts';

const demo = (await importDatasetFiles([{ name: 'demo.jsonl', blob: new Blob([readFileSync('public/demo/demo-dataset.jsonl')]) }])).examples;

/** 1,100 examples: the demo's over again under other ids, with some too long for 320 tokens and
 * some the chat template cannot render (Qwen3's writes no <think> with no user message before it). */
function examples(): Example[] {
  return Array.from({ length: 1100 }, (_, i) => {
    const e = demo[i % demo.length];
    const id = `${e.id}-${i}`;
    if (i % 97 === 5) return { ...e, id, messages: [{ role: 'user' as const, content: `${e.messages.at(-1)!.content} ${'please '.repeat(400)}` }] };
    if (i % 131 === 7) return { ...e, id, messages: [{ role: 'system' as const, content: 'You call functions.' }] };
    return { ...e, id };
  });
}

/** Node's threads, two of them, counting what starts and what is ended. */
function counted(onSpawn?: (thread: ReturnType<TokenizeThreads['spawn']>, n: number) => ReturnType<TokenizeThreads['spawn']>) {
  const real = nodeTokenizeThreads(2);
  const seen = { spawned: 0, terminated: 0, notes: [] as string[] };
  const threads: TokenizeThreads = {
    size: real.size,
    note: (message) => seen.notes.push(message),
    spawn: () => {
      const t = real.spawn();
      const thread = { ...t, terminate: () => (seen.terminated++, t.terminate()) };
      return onSpawn ? onSpawn(thread, ++seen.spawned) : (seen.spawned++, thread);
    },
  };
  return { threads, seen };
}

const plain = (set: Awaited<ReturnType<typeof tokenizeAllForTraining>>) => ({
  examples: set.examples.map((e) => ({ id: e.id, ids: Array.from(e.inputIds), segments: Array.from(e.segments) })),
  tooLong: set.tooLong,
  unrendered: set.unrendered,
});

afterEach(() => void setTokenizeThreads(null));

describe('tokenizing on threads', () => {
  it('gives the training set one thread gives, token for token, with the same examples skipped and named', async () => {
    const tokenizer = qwen3Tokenizer();
    const alone = plain(await tokenizeAllForTraining(tokenizer, examples(), 320));
    expect(alone.tooLong.length).toBeGreaterThan(5);
    expect(alone.unrendered.length).toBeGreaterThan(5);
    const { threads, seen } = counted();
    setTokenizeThreads(threads);
    const progress: number[] = [];
    const threaded = await tokenizeAllForTraining(tokenizer, examples(), 320, { onProgress: (done, total) => progress.push(done / total) });
    expect(seen.spawned).toBe(2);
    expect(seen.terminated).toBe(2); // ended once the set is tokenized
    expect(plain(threaded)).toEqual(alone);
    expect(threaded.examples[0].inputIds).toBeInstanceOf(Int32Array);
    expect(progress.at(-1)).toBe(1);
    expect(progress.every((p, i) => i === 0 || p >= progress[i - 1])).toBe(true);
    expect(progress.length).toBeGreaterThan(10); // a chunk at a time, not one jump
  });

  it('counts a dataset’s tokens on threads as one thread counts them', async () => {
    const tokenizer = qwen3Tokenizer();
    const db = new StudioDb(`token-threads-${Date.now()}`, { indexedDB, IDBKeyRange });
    const a = await saveDataset(db, { name: 'alone', examples: examples() });
    const b = await saveDataset(db, { name: 'threads', examples: examples() });
    const alone = await datasetTokenCounts(db, a.id, tokenizer, 'qwen3');
    expect(alone.filter((e) => e.counts === null).length).toBeGreaterThan(5);
    const { threads, seen } = counted();
    setTokenizeThreads(threads);
    const progress: number[] = [];
    expect(await datasetTokenCounts(db, b.id, tokenizer, 'qwen3', { onProgress: (done) => progress.push(done) })).toEqual(alone);
    expect(seen.spawned).toBe(2);
    expect(progress.at(-1)).toBe(1100);
  });

  it('tokenizes what a thread that failed did not answer on the calling thread, losing nothing', async () => {
    const tokenizer = qwen3Tokenizer();
    const alone = plain(await tokenizeAllForTraining(tokenizer, examples(), 320));
    // The second thread cannot build its tokenizer (as one out of memory could not): it throws, and
    // ends, with the first slices given to it unanswered.
    const { threads, seen } = counted((thread, n) => n === 2 ? { ...thread, post: (m) => thread.post(m.type === 'open' ? { ...m, source: { ...m.source, json: '{ not json' } } : m) } : thread);
    setTokenizeThreads(threads);
    expect(plain(await tokenizeAllForTraining(tokenizer, examples(), 320))).toEqual(alone);
    // Said once, in words: the counts and runs of a large dataset take longer from here on.
    expect(seen.notes).toHaveLength(1);
    expect(seen.notes[0]).toMatch(/^a tokenizing thread failed \(.+\); tokenizing the rest on this one$/);
  });

  it('says when threads cannot start, and tokenizes on the calling thread', async () => {
    const tokenizer = qwen3Tokenizer();
    const notes: string[] = [];
    setTokenizeThreads({ size: 2, spawn: () => { throw new Error('Worker is not allowed here'); }, note: (m) => notes.push(m) });
    const alone = plain(await tokenizeAllForTraining(tokenizer, examples(), 256));
    expect(notes).toEqual(['tokenizing threads could not start (Worker is not allowed here); tokenizing on this one']);
    setTokenizeThreads(null);
    expect(plain(await tokenizeAllForTraining(tokenizer, examples(), 256))).toEqual(alone);
  });

  it('gives the default sequence length of conversations with earlier turns one thread gives, their least counted on threads', async () => {
    // Each example with an earlier turn of its own length: some lose it to fit the length the data
    // suggests, some not even then; one in 50 whose shortest form the template cannot render (its
    // last message a tool result with no call before it) is left out, as the Dataset panel leaves it out.
    const tokenizer = qwen3Tokenizer();
    const set = () => examples().map((e, i): Example => {
      const earlier = [{ role: 'user' as const, content: `First: ${'why '.repeat(5 + (i % 90) * 3)}` }, { role: 'assistant' as const, content: 'Sure.' }];
      const last = e.messages.at(-1)!;
      const messages = i % 50 === 3 ? [...earlier, { role: 'user' as const, content: `<tool_response>\n${last.content}\n</tool_response>` }] : [...earlier, ...e.messages];
      return { ...e, messages };
    });
    const alone = await defaultSeqLen(tokenizer, set());
    const { exampleProfiles } = await import('../../src/data/tokenize-pool.ts');
    const { suggestSeqLen, truncationReport } = await import('../../src/data/length-stats.ts');
    const profiles = (await exampleProfiles(tokenizer, set())).filter((p) => p !== null);
    expect(alone.seqLen).toBe(suggestSeqLen(profiles.map((p) => p.full)));
    expect(alone.report).toEqual(truncationReport(profiles, alone.seqLen));
    expect(alone.report.shortened + alone.report.skipped).toBeGreaterThan(0);
    const { threads, seen } = counted();
    setTokenizeThreads(threads);
    expect(await defaultSeqLen(tokenizer, set())).toEqual(alone);
    // Two pools: the whole examples, then the least of those with earlier turns.
    expect(seen.spawned).toBe(4);
  });

  it('a stop while threads tokenize ends them and throws the stop', async () => {
    const { threads, seen } = counted();
    setTokenizeThreads(threads);
    const stop = new AbortController();
    const run = tokenizeAllForTraining(qwen3Tokenizer(), examples(), 320, { signal: stop.signal, onProgress: (done) => done > 0 && stop.abort('stop') });
    await expect(run).rejects.toBe('stop');
    expect(seen.terminated).toBe(2);
  });

  it('gives studio tokenize’s lines and the default sequence length one thread gives', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokenize-threads-'));
    const data = join(dir, 'data.jsonl');
    // The demo's lines over again under other ids, and one with no request (skipped, and named).
    const lines = readFileSync('public/demo/demo-dataset.jsonl', 'utf8').trim().split('\n');
    writeFileSync(data, Array.from({ length: 1100 }, (_, i) => {
      const o = JSON.parse(lines[i % lines.length]);
      o.id = `${o.id}-${i}`;
      if (i === 7) o.messages = [{ role: 'system', content: 'You call functions.' }, ...o.messages.filter((m: { role: string }) => m.role === 'assistant')];
      return JSON.stringify(o);
    }).join('\n'));
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => {});
    const said = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      const run = (out: string) => tokenizeCommand.run(['--model', QWEN3_TOKENIZER_DIR, '--data', data, '--out', join(dir, out), '--max-len', '320', '--include-failing']);
      expect(await run('alone.jsonl')).toBe(0);
      const { threads, seen } = counted();
      setTokenizeThreads(threads);
      expect(await run('threads.jsonl')).toBe(0);
      expect(seen.spawned).toBe(2);
      expect(readFileSync(join(dir, 'threads.jsonl'), 'utf8')).toBe(readFileSync(join(dir, 'alone.jsonl'), 'utf8'));
      expect(String(said.mock.calls[1][0]).replace('threads.jsonl', 'alone.jsonl')).toBe(said.mock.calls[0][0]);
      // Its notes too (the record it skips, the summary), word for word.
      const notes = quiet.mock.calls.map((c) => String(c[0]));
      expect(notes.slice(notes.length / 2)).toEqual(notes.slice(0, notes.length / 2));
      expect(notes.join('\n')).toMatch(/skipped .*data\.jsonl/);
    } finally {
      quiet.mockRestore();
      said.mockRestore();
    }
    const tokenizer = qwen3Tokenizer();
    setTokenizeThreads(null);
    const alone = await defaultSeqLen(tokenizer, examples());
    const { threads, seen } = counted();
    setTokenizeThreads(threads);
    expect(await defaultSeqLen(tokenizer, examples())).toEqual(alone);
    expect(seen.spawned).toBe(2);
  });

  it(`starts no thread for fewer than ${THREADS_FROM} examples, nor for examples tokenized before`, async () => {
    const tokenizer = qwen3Tokenizer();
    const { threads, seen } = counted();
    setTokenizeThreads(threads);
    await tokenizeAllForTraining(tokenizer, examples().slice(0, THREADS_FROM - 1), 320);
    const set = examples();
    await tokenizeAllForTraining(tokenizer, set, 320);
    expect(seen.spawned).toBe(2);
    // The same example objects again (an ablation's next arm): kept, nothing to start threads for.
    await tokenizeAllForTraining(tokenizer, set, 320);
    expect(seen.spawned).toBe(2);
  });
});
