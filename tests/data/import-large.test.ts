// Large imports: 50,000 records as JSONL and as one JSON array, generated here. Protects the
// import staying chunked (progress reported many times, the event loop gets turns while it runs)
// and fast enough (< 30 s on the 2-core CI machine).
import { describe, expect, it } from 'vitest';
import { importDatasetFiles, type ImportProgress } from '../../src/data/import-dataset.ts';

const N = 50_000;

function record(i: number): Record<string, unknown> {
  return {
    id: `r${i}`,
    tools: [
      { type: 'function', function: { name: 'convert', description: 'Convert units', parameters: { type: 'object', properties: { value: { type: 'number' }, from: { type: 'string' }, to: { type: 'string' } }, required: ['value', 'from', 'to'] } } },
    ],
    messages: [
      { role: 'user', content: `Convert ${i} km to miles, please.` },
      { role: 'assistant', content: `<think>\nThe user wants ${i} km in miles.\n</think>\n\n`, tool_calls: [{ type: 'function', function: { name: 'convert', arguments: { value: i, from: 'km', to: 'mi' } } }] },
    ],
  };
}

async function timedImport(blob: Blob, name: string) {
  const progress: ImportProgress[] = [];
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1); // counts event-loop turns the import leaves free
  const t0 = performance.now();
  const result = await importDatasetFiles([{ name, blob }], { onProgress: (p) => progress.push(p) });
  const ms = performance.now() - t0;
  clearInterval(timer);
  return { result, progress, ticks, ms };
}

describe('importing 50,000 records', () => {
  it('streams a JSONL file in chunks with progress, yielding to the event loop, in under 30 s', async () => {
    const lines: string[] = [];
    for (let i = 0; i < N; i++) lines.push(JSON.stringify(record(i)));
    const blob = new Blob([lines.join('\n') + '\n']);
    const { result, progress, ticks, ms } = await timedImport(blob, 'big.jsonl');
    console.log(`50k JSONL (${(blob.size / 2 ** 20).toFixed(1)} MiB): ${ms.toFixed(0)} ms, ${progress.length} progress events, ${ticks} timer ticks`);
    expect(result.issues).toEqual([]);
    expect(result.examples).toHaveLength(N);
    expect(result.examples[N - 1].target.calls[0].arguments).toEqual({ value: N - 1, from: 'km', to: 'mi' });
    expect(ms).toBeLessThan(30_000);
    // One event per 1 MiB chunk (plus the final one), bytes and records never go backwards.
    expect(progress.length).toBeGreaterThanOrEqual(Math.floor(blob.size / 2 ** 20));
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i].bytesDone).toBeGreaterThanOrEqual(progress[i - 1].bytesDone);
      expect(progress[i].recordsDone).toBeGreaterThanOrEqual(progress[i - 1].recordsDone);
    }
    expect(progress.at(-1)).toMatchObject({ recordsDone: N, bytesDone: blob.size, bytesTotal: blob.size });
    expect(ticks).toBeGreaterThan(progress.length / 2);
  });

  it('splits a 50,000-element JSON array element by element, in under 30 s', async () => {
    const parts: string[] = [];
    for (let i = 0; i < N; i++) parts.push(JSON.stringify(record(i), null, 1));
    const blob = new Blob(['[\n' + parts.join(',\n') + '\n]\n']);
    const { result, progress, ms } = await timedImport(blob, 'big.json');
    console.log(`50k JSON array (${(blob.size / 2 ** 20).toFixed(1)} MiB): ${ms.toFixed(0)} ms, ${progress.length} progress events`);
    expect(result.issues).toEqual([]);
    expect(result.examples).toHaveLength(N);
    expect(ms).toBeLessThan(30_000);
    expect(progress.length).toBeGreaterThan(5);
  });
});
