// The next HDR run retries the open hard cases earlier runs left (DESIGN.md, "HDR": generation runs on
// the mined examples or the hard pool). A run mining the first 40 training examples never asked
// again an open case further on: it said "Hard-case pool 0 → 0 … answered every mined example
// correctly" above a list showing that case open. Reached by the real job on the narrow tiny Qwen3,
// with a stand-in generation that answers everything wrong: the open case is asked at mining, joins
// the pool with the failed outputs it had, and the run's notes say so; `studio hdr --adapter` of an
// earlier HDR run's folder does the same with that folder's open cases.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { Example } from '../../src/data/example.ts';
import { DEFAULT_HDR_SETTINGS, openCasesNotes, type HdrSettings } from '../../src/hdr/index.ts';
import { jobExamplesToMine } from '../../src/jobs/hdr.ts';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../../src/train/config.ts';
import { HDR_FILES, RunFolderWorkspace } from '../../src/jobs/store/folder.ts';
import { tinyEngine } from '../helpers/tinyEngine.ts';

// Every answer wrong (every example asked is a hard case, and no sample is accepted), unless a test
// sets another answer.
const answer = vi.hoisted(() => ({ text: 'no idea' }));
vi.mock('../../src/jobs/context.ts', async (importOriginal) => (await import('../helpers/standInGeneration.ts')).standInGeneration(await importOriginal(), () => () => answer.text));

const tools = [{ name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] } }];
const example = (id: string): Example => ({ id, tools, messages: [{ role: 'user', content: `find ${id}` }], target: { reasoning: 'lookup it', calls: [{ name: 'lookup', arguments: { q: id } }] }, source: 'openai' });
const CONFIG: RunConfig = { ...DEFAULT_RUN_CONFIG, steps: 2, batchSize: 1, seqLen: 128, evalEvery: 0, evalExamples: 0, checkpointEvery: 0, warmupSteps: 0, lora: { ...DEFAULT_RUN_CONFIG.lora, rank: 2, alpha: 4 } };
const settings: HdrSettings = { ...DEFAULT_HDR_SETTINGS, maxRounds: 1, samplesPerCase: 1, stepsPerRound: 1, maxNewTokens: 16 };
const lines = (path: string) => readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l));

describe('an HDR run and the open hard cases earlier runs left', () => {
  it('asks them again beside the examples it mines, keeping their failed outputs', { timeout: 300_000 }, async () => {
    const engine = await tinyEngine();
    const train = ['a', 'b', 'c'].map(example);
    const store = await new RunFolderWorkspace(mkdtempSync(join(tmpdir(), 'hdr-open-cases-')), { model: 'tiny', data: ['d.jsonl'], adapter: null }).createRun({ kind: 'hdr', name: 'hdr', settings, config: CONFIG });
    let notes: string[] = [];
    // The mining set is the first example; an earlier run left c open, and x, which this data lacks.
    const result = await engine.hdr({
      store, settings, config: CONFIG, mineSet: train.slice(0, 1), evalSet: [], replayPool: train, adapter: null,
      openCases: [{ exampleId: 'c', round: 1, failedOutputs: ['an earlier wrong answer'] }, { exampleId: 'x', round: 1, failedOutputs: ['?'] }],
      events: { onMined: (_report, _pool, n) => (notes = n) },
    });
    expect(result).toMatchObject({ poolStart: 2, poolEnd: 2 });
    expect(lines(join(store.dir, HDR_FILES.mined)).map((p) => p.id)).toEqual(['a', 'c']);
    const c = lines(join(store.dir, HDR_FILES.hardCases)).find((h) => h.id === 'c');
    expect(c.failed_outputs[0]).toBe('an earlier wrong answer');
    expect(c.failed_outputs).toContain('no idea');
    expect(notes).toEqual([
      'also asked 1 open hard case an earlier HDR run left (c), beside the 1 example chosen to mine',
      '1 open hard case an earlier HDR run left not asked again (x): its example is not among the training examples this run mines (held out or left out now, or not in its data)',
    ]);
  });

  it('an open case the model now answers right is solved: it leaves the pool', { timeout: 300_000 }, async () => {
    const engine = await tinyEngine();
    // Every example asks for the same call, and every answer makes it.
    const same = (id: string): Example => ({ ...example(id), target: { reasoning: 'lookup it', calls: [{ name: 'lookup', arguments: { q: 'same' } }] } });
    answer.text = '<think>\nlookup it\n</think>\n\n<tool_call>\n{"name": "lookup", "arguments": {"q": "same"}}\n</tool_call>';
    try {
      const train = ['a', 'b', 'c'].map(same);
      const store = await new RunFolderWorkspace(mkdtempSync(join(tmpdir(), 'hdr-open-solved-')), { model: 'tiny', data: ['d.jsonl'], adapter: null }).createRun({ kind: 'hdr', name: 'hdr', settings, config: CONFIG });
      const result = await engine.hdr({ store, settings, config: CONFIG, mineSet: train.slice(0, 1), evalSet: [], replayPool: train, adapter: null, openCases: [{ exampleId: 'c', round: 1, failedOutputs: ['an earlier wrong answer'] }] });
      expect(result).toMatchObject({ poolStart: 0, poolEnd: 0 });
      expect(lines(join(store.dir, HDR_FILES.mined)).map((p) => [p.id, p.valid])).toEqual([['a', true], ['c', true]]);
      expect(readFileSync(join(store.dir, HDR_FILES.hardCases), 'utf8').trim()).toBe('');
    } finally {
      answer.text = 'no idea';
    }
  });

  it('studio hdr --mine eval looks the open cases up on the held-out side it mines', () => {
    const held = ['h1', 'h2'].map(example);
    const taken = jobExamplesToMine({ mineSet: held.slice(0, 1), replayPool: ['a', 'b'].map(example), openCases: [{ exampleId: 'h2', round: 1, failedOutputs: [] }, { exampleId: 'a', round: 1, failedOutputs: [] }], mineFrom: held });
    expect(taken).toMatchObject({ retried: ['h2'], notAsked: ['a'] });
    expect(openCasesNotes(taken, 1, 'held-out')[1]).toBe('1 open hard case an earlier HDR run left not asked again (a): its example is not among the held-out examples this run mines (trained on or left out now, or not in its data)');
  });

  it('studio hdr --adapter of an earlier HDR run’s folder asks that run’s open hard cases again', { timeout: 300_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hdr-open-cases-cli-'));
    const data = join(dir, 'one.jsonl');
    // Copies of one question, so all are on one side (the training side, with this split).
    const line = (id: string) => JSON.stringify({ id, tools: tools.map((t) => ({ type: 'function', function: t })), messages: [{ role: 'user', content: 'find a' }, { role: 'assistant', content: null, reasoning_content: 'lookup it', tool_calls: [{ type: 'function', function: { name: 'lookup', arguments: '{"q":"a"}' } }] }] });
    writeFileSync(data, Array.from({ length: 8 }, (_, i) => line(`a${i}`)).join('\n') + '\n');
    const { default: hdr } = await import('../../src/cli/commands/hdr.ts');
    const common = ['--model', 'public/models/tiny-qwen3', '--data', data, '--rounds', '1', '--samples', '1', '--steps-per-round', '1', '--max-tokens', '16', '--mine-limit', '1', '--eval-limit', '0', '--quiet'];
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const said: string[] = [];
    const err = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void said.push(a.join(' ')));
    expect(await hdr.run([...common, '--out', join(dir, 'first'), '--rank', '2'])).toBe(0);
    // The first run left a0 open; as if it had mined further, it left a5 open instead.
    writeFileSync(join(dir, 'first', HDR_FILES.hardCases), JSON.stringify({ id: 'a5', round: 1, failed_outputs: ['an earlier wrong answer'] }) + '\n');
    expect(await hdr.run([...common, '--out', join(dir, 'second'), '--adapter', join(dir, 'first')])).toBe(0);
    log.mockRestore();
    err.mockRestore();
    expect(lines(join(dir, 'second', HDR_FILES.mined)).map((p) => p.id)).toEqual(['a0', 'a5']);
    expect(lines(join(dir, 'second', HDR_FILES.hardCases)).find((h) => h.id === 'a5').failed_outputs[0]).toBe('an earlier wrong answer');
    expect(said).toContain('note: also asked 1 open hard case an earlier HDR run left (a5), beside the 1 example chosen to mine');
    // Its rounds retrain on words the embedded model has no embedding for ("lookup"), and it says so.
    expect(said.some((l) => /^note: \d+% of this data’s tokens \(counted in 8 of its training examples\) are ones --model public\/models\/tiny-qwen3 has no embedding for/.test(l))).toBe(true);
  });
});
