// The HDR job's `cutShort`, reached by the real job on the narrow tiny Qwen3: the untrained model
// accepts no sample, so no round retrains and no cancel can cut one short. A stand-in generation
// answers mining wrong and sampling right (the sample is accepted), and the user cancels as the
// round's retraining starts. Protects: the job says which round and phase the cancel cut short, and
// the CLI's last line and the page's notice name that round instead of "stopped after 1 round"
// (no defect found: this is the coverage the result lacked).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { Example } from '../../src/data/example.ts';
import { DEFAULT_HDR_SETTINGS, hdrStoppedText, type HdrSettings } from '../../src/hdr/index.ts';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../../src/train/config.ts';
import { HDR_FILES, RunFolderWorkspace } from '../../src/jobs/store/folder.ts';
import { tinyEngine } from '../helpers/tinyEngine.ts';

const stand = vi.hoisted(() => ({ cancel: () => undefined as void, result: undefined as unknown }));
const ANSWER = '<think>use lookup for a</think><tool_call>{"name":"lookup","arguments":{"q":"a"}}</tool_call>';

// Mining (the first generation) answers wrong, sampling right: one hard case, one accepted sample.
vi.mock('../../src/jobs/context.ts', async (importOriginal) =>
  (await import('../helpers/standInGeneration.ts')).standInGeneration(await importOriginal(), () => {
    let calls = 0;
    return () => (calls++ === 0 ? 'no idea' : ANSWER);
  }),
);
vi.mock('../../src/hdr/index.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/hdr/index.ts')>();
  return {
    ...real,
    // The user cancels as the round's retraining starts.
    trainerRetraining: (...args: Parameters<typeof real.trainerRetraining>) => {
      const r = real.trainerRetraining(...args);
      return { get balance() { return r.balance; }, train: (examples: Example[], round: number, signal?: AbortSignal) => (stand.cancel(), r.train(examples, round, signal)) };
    },
  };
});
vi.mock('../../src/state/engine.ts', () => ({ engineClient: () => ({ request: async (kind: string) => (kind === 'startHdr' ? stand.result : undefined), onEvent: () => () => undefined }) }));

const tools = [{ name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] } }];
const example: Example = { id: 'a', tools, messages: [{ role: 'user', content: 'find a' }], target: { reasoning: 'lookup it', calls: [{ name: 'lookup', arguments: { q: 'a' } }] }, source: 'openai' };
const CONFIG: RunConfig = { ...DEFAULT_RUN_CONFIG, steps: 2, batchSize: 1, seqLen: 128, evalEvery: 0, evalExamples: 0, checkpointEvery: 0, warmupSteps: 0, lora: { ...DEFAULT_RUN_CONFIG.lora, rank: 2, alpha: 4 } };

describe('an HDR run cancelled in a round\'s retraining', () => {
  it('says the round it cut short, in its result, its rounds file and the page\'s notice', { timeout: 300_000 }, async () => {
    const engine = await tinyEngine();
    stand.cancel = () => engine.cancel();
    const settings: HdrSettings = { ...DEFAULT_HDR_SETTINGS, maxRounds: 2, samplesPerCase: 1, stepsPerRound: 2, maxNewTokens: 48 };
    const store = await new RunFolderWorkspace(mkdtempSync(join(tmpdir(), 'hdr-cut-short-')), { model: 'tiny', data: ['one.jsonl'], adapter: null }).createRun({ kind: 'hdr', name: 'hdr', settings, config: CONFIG });
    const result = await engine.hdr({ store, settings, config: CONFIG, mineSet: [example], evalSet: [], replayPool: [], adapter: null });
    expect(result).toMatchObject({ stopReason: 'aborted', rounds: 1, poolStart: 1, poolEnd: 0, added: 1, cutShort: { round: 1, phase: 'retraining' } });
    expect(JSON.parse(readFileSync(join(store.dir, HDR_FILES.rounds), 'utf8'))).toMatchObject({ round: 1, cancelledIn: 'retraining' });
    // The CLI's last line (src/cli/commands/hdr.ts) starts with these words.
    expect(hdrStoppedText(result)).toBe("stopped in round 1's retraining (cancelled)");
    // The page's notice, from the worker's answer (src/worker/engine.ts passes cutShort on).
    const { useJobs } = await import('../../src/state/jobStore.ts');
    const { useModel } = await import('../../src/state/modelStore.ts');
    const { useDatasets } = await import('../../src/state/datasetStore.ts');
    const { useRuns } = await import('../../src/state/runStore.ts');
    // A model is loaded (HDR asks for one first); the runs and datasets are not re-read here.
    useModel.setState({ info: { ref: 'tiny' } as never });
    useRuns.setState({ refreshRuns: async () => undefined });
    useDatasets.setState({ refreshDatasets: async () => undefined });
    stand.result = { hdrRunId: 'hdr-1', stopReason: result.stopReason, rounds: result.rounds, poolStart: result.poolStart, added: result.added, cutShort: result.cutShort };
    await useJobs.getState().startHdr('d1');
    expect(useJobs.getState().notice).toBe("HDR stopped in round 1's retraining (cancelled): 1 hard case mined, 1 example added to the dataset.");
  });

  it('the CLI says so on its last line, as Ctrl-C during the retraining leaves it', { timeout: 300_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hdr-cut-short-cli-'));
    const data = join(dir, 'one.jsonl');
    // Copies of one question, so the train side has one whatever the split; mining asks the first.
    const line = (id: string) => JSON.stringify({ id, tools: tools.map((t) => ({ type: 'function', function: t })), messages: [{ role: 'user', content: 'find a' }, { role: 'assistant', content: null, reasoning_content: 'lookup it', tool_calls: [{ type: 'function', function: { name: 'lookup', arguments: '{"q":"a"}' } }] }] });
    writeFileSync(data, Array.from({ length: 8 }, (_, i) => line(`a${i}`)).join('\n') + '\n');
    stand.cancel = () => void process.emit('SIGINT');
    const logged: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void logged.push(a.join(' ')));
    const { default: hdr } = await import('../../src/cli/commands/hdr.ts');
    const code = await hdr.run(['--model', 'public/models/tiny-qwen3', '--data', data, '--out', join(dir, 'out'), '--rounds', '2', '--samples', '1', '--steps-per-round', '2', '--max-tokens', '48', '--mine-limit', '1', '--eval-limit', '0', '--rank', '2', '--quiet']);
    log.mockRestore();
    expect(code).toBe(130);
    expect(logged.at(-1)).toBe(`stopped in round 1's retraining (cancelled): pool 1 → 0; 1 example added; adapter written to ${join(dir, 'out')}`);
  });
});
