// `studio train --every-call-turn` on conversations that call tools in two turns each (main() in
// this process, the tiny model): each calling turn trains as an example, held out with its
// conversation; run.json records the choice, a resume keeps it without the flag, and eval of the
// run folder as --adapter scores the turns the run held out, as it learned them.
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { studioInProcess } from '../helpers/studioInProcess.ts';
import { generateTinyModel } from '../../src/model/tiny-model.ts';
import { NARROW, TOKENIZER_DIR } from '../helpers/tinyEngine.ts';
import { adapterRun } from '../../src/cli/localFiles.ts';
import { conversationOf } from '../../src/data/call-turns.ts';

function modelDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'studio-turns-model-'));
  for (const [name, data] of generateTinyModel(NARROW).files) writeFileSync(join(dir, name), data);
  for (const name of ['tokenizer.json', 'tokenizer_config.json']) copyFileSync(join(TOKENIZER_DIR, name), join(dir, name));
  return dir;
}

/** Ten conversations, each finding an order and then refunding it. */
function dataFile(): string {
  const call = (id: string, name: string, order: number) => ({ id, type: 'function', function: { name, arguments: JSON.stringify({ order }) } });
  const tools = ['find_order', 'refund'].map((name) => ({ type: 'function', function: { name, description: name, parameters: { type: 'object', properties: { order: { type: 'integer' } } } } }));
  const lines = Array.from({ length: 10 }, (_, i) => ({
    id: `order-${i}`,
    tools,
    messages: [
      { role: 'user', content: `Refund order ${i}.` },
      { role: 'assistant', content: '', reasoning_content: 'Find it first.', tool_calls: [call('a', 'find_order', i)] },
      { role: 'tool', tool_call_id: 'a', content: '{"found": true}' },
      { role: 'assistant', content: '', reasoning_content: 'Refund it.', tool_calls: [call('b', 'refund', i)] },
    ],
  }));
  const path = join(mkdtempSync(join(tmpdir(), 'studio-turns-data-')), 'orders.jsonl');
  writeFileSync(path, lines.map((l) => JSON.stringify(l)).join('\n'));
  return path;
}

async function studio(...args: string[]) {
  const r = await studioInProcess(args);
  return { ...r, last: r.err.trim().split('\n').at(-1) };
}

describe('studio train --every-call-turn', () => {
  it('trains every calling turn, records it, resumes and evaluates as it learned', { timeout: 600_000 }, async () => {
    const model = modelDir();
    const data = dataFile();
    const out = mkdtempSync(join(tmpdir(), 'studio-turns-out-'));
    // Split seed 8 holds out 2 of the 10 conversations (checked below: 4 of the 20 turns).
    const common = ['--model', model, '--data', data, '--batch', '1', '--seq', '320', '--rank', '2', '--alpha', '4', '--eval-every', '0', '--split-seed', '8', '--quiet'];
    const plain = await studio('train', '--out', join(out, 'plain'), '--steps', '1', ...common);
    expect(plain.code, plain.err).toBe(0);
    expect(plain.out).toContain('trained 1 step on 8 examples, holding out 2 (split seed 8)');
    expect(plain.err).toContain('note: example "order-0": 1 earlier turn that calls a tool is in the prompt, not trained: to learn it as an example of its own, give --every-call-turn');

    const run = join(out, 'every');
    const every = await studio('train', '--out', run, '--steps', '1', '--checkpoint-every', '1', '--every-call-turn', ...common);
    expect(every.code, every.err).toBe(0);
    expect(every.out).toContain('trained 1 step on 16 examples, holding out 4 (split seed 8)');
    expect(every.err).not.toContain('earlier turn');
    expect(JSON.parse(readFileSync(join(run, 'run.json'), 'utf8')).source.everyCallTurn).toBe(true);
    expect(JSON.parse(readFileSync(join(out, 'plain', 'run.json'), 'utf8')).source.everyCallTurn).toBeUndefined();
    expect(adapterRun(run).everyCallTurn).toBe(true);

    // A resume without the flag reads the conversations as the run did: the same examples.
    const resumed = await studio('train', '--out', run, '--steps', '2', '--resume', ...common);
    expect(resumed.code, resumed.err).toBe(0);
    expect(resumed.out).toContain('trained 2 steps on 16 examples');

    // eval of the folder scores the turns it held out: both turns of each held-out conversation.
    const predictions = join(out, 'held-out.jsonl');
    const scored = await studio('eval', '--model', model, '--adapter', run, '--data', data, '--out', predictions, '--max-tokens', '4', '--quiet');
    expect(scored.code, scored.err).toBe(0);
    const lines = readFileSync(predictions, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; after_calls?: boolean });
    const ids = lines.map((l) => l.id);
    // The second turn answers after the first's call: its line says so (a pushed card counts them).
    for (const l of lines) expect(l.after_calls ?? false).toBe(!l.id.includes('#call'));
    expect(ids).toHaveLength(4);
    const conversations = new Set(ids.map(conversationOf));
    expect(conversations.size).toBe(2);
    for (const c of conversations) expect(ids.filter((id) => conversationOf(id) === c).sort()).toEqual([c, `${c}#call1`]);
    // And studio push --eval puts them on the card.
    const { pushedEvaluation } = await import('../../src/cli/pushEvaluation.ts');
    const scoredHere = pushedEvaluation({ eval: predictions }, { kind: 'adapter', dir: run, weights: join(run, 'adapter_model.safetensors') });
    expect(scoredHere?.laterSteps?.total).toBe(2);
    expect(scoredHere?.total).toBe(4);
  });
});
