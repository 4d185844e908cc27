// Pushing to the Hub against an in-memory Hub that checks what the real one checks: the files land
// byte for byte as one commit, weights through LFS (one PUT, or multipart parts with their ETags),
// small text inline; the Hub's upload modes are followed, its stored objects not sent again; every
// refusal (token, rights, repo name, an LFS object error) said in words; a push stopped part-way
// commits nothing. SHA-256 against node:crypto at every split of the input.
import { createHash, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { pushToHub, repoIdProblem, type HubPushProgress } from '../../src/export/hubPush.ts';
import { Sha256, sha256OfBlob } from '../../src/export/sha256.ts';
import { adapterModelCard, ggufModelCard, ggufTypeInName } from '../../src/export/hubCards.ts';
import { DEFAULT_RUN_CONFIG } from '../../src/train/config.ts';
import { startFakeHubWrites } from '../helpers/fakeHubWrites.mjs';

const USERS = { hf_write: { name: 'ada', orgs: ['lab'] }, hf_read: { name: 'ada', role: 'read' as const }, hf_bob: { name: 'bob' } };
let close: (() => Promise<unknown>) | null = null;
afterEach(async () => {
  await close?.();
  close = null;
});

async function fakeHub(extra: { multipartAbove?: number; chunkSize?: number } = {}) {
  const started = await startFakeHubWrites({ users: USERS, ...extra });
  close = started.close;
  return started.hub;
}

const weights = randomBytes(300_000);
const files = () => [
  { path: 'adapter_config.json', blob: new Blob([JSON.stringify({ r: 8, lora_alpha: 16 })]) },
  { path: 'adapter_model.safetensors', blob: new Blob([weights]) },
  { path: 'README.md', blob: new Blob(['# tiny\n']) },
];

describe('sha256', () => {
  it('matches node:crypto for every length around the block edges, fed in pieces of every size', async () => {
    const data = randomBytes(300);
    for (const n of [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 129, 300]) {
      const want = createHash('sha256').update(data.subarray(0, n)).digest('hex');
      for (const piece of [1, 7, 64, 100, 300]) {
        const h = new Sha256();
        for (let at = 0; at < n; at += piece) h.update(data.subarray(at, Math.min(n, at + piece)));
        expect(h.hex(), `${n} bytes in pieces of ${piece}`).toBe(want);
      }
    }
    const seen: number[] = [];
    expect(await sha256OfBlob(new Blob([weights]), { sliceBytes: 65_536, onBytes: (d) => seen.push(d) })).toBe(createHash('sha256').update(weights).digest('hex'));
    expect(seen).toEqual([65_536, 131_072, 196_608, 262_144, 300_000]);
  });
});

describe('the cards of what a run pushes', () => {
  const config = { ...DEFAULT_RUN_CONFIG, steps: 40, lora: { ...DEFAULT_RUN_CONFIG.lora, rank: 16, alpha: 32, useRsLora: true } };
  it('an adapter’s: base model, objective, LoRA, the step, the evaluation against the base model, how to load it', async () => {
    const card = adapterModelCard({ title: 'calls', run: 'my run', repo: 'ada/calls', baseModel: 'Qwen/Qwen3-0.6B', config, adapterStep: 30, examples: 900, dataset: 'calls.jsonl', evaluation: { correct: 25, total: 31, maxNewTokens: 96, base: { correct: 23, total: 31, split: { right: 3, wrong: 1 } } } });
    expect(card).toMatch(/^---\nbase_model: Qwen\/Qwen3-0\.6B\nlibrary_name: peft\npipeline_tag: text-generation\ntags:\n- lora\n/);
    expect(card).toContain('- Objective: SSB: the reasoning (<think>…</think>) and call losses taken apart and combined with a learned balance weight (rule: grad)');
    expect(card).toContain('- LoRA: r = 16, alpha/√r = 8.000, rsLoRA, on q, k, v, o, gate, up, down in every layer;');
    expect(card).toContain('- The weights of step 30 of 40;');
    expect(card).toContain('- 900 training examples from calls.jsonl.');
    expect(card).toContain('80.6% of the calls correct (25 of 31 held-out examples, 95% interval 64–91%; answers of up to 96 tokens) by the studio\'s AST checker, which checks calls as BFCL\'s does, against 74.2% (23 of 31) for the base model. Answer by answer, the adapter is right on 3 the base model got wrong and wrong on 1 it got right; that split could be chance (p = 0.63, exact McNemar test on the 4 examples whose verdicts differ); more held-out examples would tell.');
    // Where some held-out examples are later steps of a task, the card counts them apart.
    const stepped = adapterModelCard({ title: 'calls', run: 'my run', repo: 'ada/calls', config, evaluation: { correct: 25, total: 31, maxNewTokens: 96, laterSteps: { correct: 6, total: 10 } } });
    expect(stepped).toContain("answers of up to 96 tokens) by the studio's AST checker, which checks calls as BFCL's does. Of those examples, 10 answer after earlier calls in their conversation (later steps of a task, with the tools' results in the prompt): 60.0% of them correct (6 of 10).");
    expect(card).not.toContain('later steps');
    // Where training asks some held-out questions word for word, the card says what the others score.
    const asked = adapterModelCard({ title: 'calls', run: 'my run', repo: 'ada/calls', config, evaluation: { correct: 25, total: 31, maxNewTokens: 96, askedInTraining: { correct: 5, total: 7 } } });
    expect(asked).toContain("which checks calls as BFCL's does. 7 of those questions are asked word for word by a training example too (the same conversation and tools), so their answers come from what the weights were trained on: 5 of 7 correct there, and 83.3% (20 of 24) on the others.");
    expect(adapterModelCard({ title: 'calls', run: 'my run', repo: 'ada/calls', config, evaluation: { correct: 1, total: 1, maxNewTokens: 96, askedInTraining: { correct: 1, total: 1 } } })).toContain('1 of those questions is asked word for word by a training example too (the same conversation and tools), so its answer comes from what the weights were trained on: 1 of 1 correct there.');
    expect(card).not.toContain('word for word');
    // Examples whose expected answer was edited between the two evaluations are said, and left out of the split.
    const relabeled = adapterModelCard({ title: 'calls', run: 'my run', repo: 'ada/calls', config, evaluation: { correct: 25, total: 31, maxNewTokens: 96, base: { correct: 23, total: 31, split: { right: 2, wrong: 1 }, relabeled: 2 } } });
    expect(relabeled).toContain('that split could be chance (p = 1.00, exact McNemar test on the 3 examples whose verdicts differ); more held-out examples would tell. 2 examples were judged against another expected answer by each (their answers were edited in between), and are left out of the answer-by-answer count.');
    expect(card).not.toContain('another expected answer');
    // Labels the user fixed are said: the card's numbers read them, not the dataset's own.
    const fixed = adapterModelCard({ title: 'calls', run: 'my run', repo: 'ada/calls', config, examples: 900, dataset: 'calls.jsonl', editedAnswers: 3 });
    expect(fixed).toContain("- 900 training examples from calls.jsonl.\n- 3 expected answers of the dataset were edited in the studio (labels found wrong): training and the evaluation below read the edited ones, not the dataset's own.");
    expect(card).not.toContain('edited in the studio');
    expect(ggufModelCard({ title: 'calls', run: 'my run', repo: 'ada/calls', fileName: 'calls-Q4_K_M.gguf', type: 'Q4_K_M', bytes: 2 ** 20, editedAnswers: 1 })).toContain("1 expected answer of the dataset was edited in the studio (labels found wrong): training and the evaluation below read the edited one, not the dataset's own.");
    const { datasetCard } = await import('../../src/export/hubCards.ts');
    const facts = { title: 'calls-data', repo: 'ada/calls-data', dataset: 'demo', file: 'data/train.jsonl', examples: 3, leftOut: 0, sources: { openai: 3 }, hdr: { examples: 0, rounds: 0 }, withReasoning: 3, python: 0, noCall: 0, withPossibleAnswer: 0, categories: {} };
    expect(datasetCard({ ...facts, edited: 1 })).toContain("Each ends in the assistant turn to learn: its reasoning, then its calls. One of them has an expected answer edited in the studio (labels found wrong), not the source's own.");
    expect(datasetCard(facts)).not.toContain('edited in the studio');
    // Without the answers to set side by side (or none differing), the card says the tallies alone.
    expect(adapterModelCard({ title: 'calls', run: 'my run', repo: 'ada/calls', config, evaluation: { correct: 25, total: 31, maxNewTokens: 96, base: { correct: 25, total: 31, split: { right: 0, wrong: 0 } } } })).not.toContain('Answer by answer');
    expect(card).toContain('tokenizer = AutoTokenizer.from_pretrained("Qwen/Qwen3-0.6B")');
    const bare = adapterModelCard({ title: 'calls', run: 'my run', repo: 'ada/calls', config: { ...config, loss: 'fixed:0.5' }, hdrRounds: 1 });
    expect(bare).toMatch(/^---\nlibrary_name: peft\n/);
    expect(bare).toContain('combined with a fixed balance weight α = 0.5');
    expect(bare).toContain('- Then one round of HDR (Hard Data Re-sampling)');
    expect(bare).toContain('- Learning rate');
    expect(bare).not.toContain('## Evaluation');
    expect(bare).toContain('AutoTokenizer.from_pretrained(model.peft_config["default"].base_model_name_or_path)');
  });

  it('a GGUF file’s: what Ollama and llama.cpp pull by the repo’s name', () => {
    const card = ggufModelCard({ title: 'calls', run: 'my run', repo: 'ada/calls', baseModel: 'Qwen/Qwen3-0.6B', fileName: 'calls-Q4_K_M.gguf', type: 'Q4_K_M', bytes: 400 * 2 ** 20 });
    expect(card).toMatch(/^---\nbase_model: Qwen\/Qwen3-0\.6B\npipeline_tag: text-generation\ntags:\n- gguf\n/);
    expect(card).toContain('(calls-Q4_K_M.gguf, Q4_K_M weights, 400.0 MiB)');
    expect(card).toContain('ollama run hf.co/ada/calls:Q4_K_M\nllama-server -hf ada/calls:Q4_K_M --jinja');
    expect(card).not.toContain('Other weight types');
    expect(card).not.toContain('## Evaluation');
    // Evaluated: the file's weights beside the adapter's, answer by answer.
    const evaluated = ggufModelCard({ title: 'calls', run: 'my run', repo: 'ada/calls', fileName: 'calls-Q4_K_M.gguf', type: 'Q4_K_M', bytes: 400 * 2 ** 20, evaluation: { correct: 24, total: 31, maxNewTokens: 96, adapter: { correct: 25, total: 31, split: { right: 1, wrong: 2 } } } });
    expect(evaluated).toContain("## Evaluation\n\n77.4% of the calls correct (24 of 31 held-out examples, 95% interval 60–89%; answers of up to 96 tokens) with this file's weights as llama.cpp reads them, by the studio's AST checker, which checks calls as BFCL's does, against 80.6% (25 of 31) for the run's adapter. Answer by answer, the file is right on 1 the run's adapter got wrong and wrong on 2 it got right; that split could be chance (p = 1.00, exact McNemar test on the 3 examples whose verdicts differ); more held-out examples would tell.\n\n## Run it");
    expect([ggufTypeInName('calls-Q4_K_M.gguf'), ggufTypeInName('my-run-q8_0.gguf'), ggufTypeInName('m.IQ4_XS.gguf'), ggufTypeInName('m-BF16.gguf'), ggufTypeInName('model.gguf'), ggufTypeInName('q4.txt')]).toEqual(['Q4_K_M', 'Q8_0', 'IQ4_XS', 'BF16', null, null]);
  });

  it('a GGUF file’s, pushed beside other types: names them, so a second push does not forget the first', async () => {
    const hub = await fakeHub();
    const gguf = (fileName: string, type: string) => ({
      repo: 'ada/calls-gguf',
      token: 'hf_write',
      baseUrl: hub.base,
      message: `Upload ${type}`,
      files: async (repo: string, existing: () => Promise<string[]>) => [
        { path: fileName, blob: new Blob([new Uint8Array(64).fill(1)]) },
        { path: 'README.md', blob: new Blob([ggufModelCard({ title: 'calls', repo, fileName, type, bytes: 64, others: await existing() })]) },
      ],
    });
    await pushToHub(gguf('calls-Q8_0.gguf', 'Q8_0'));
    expect(hub.file('ada/calls-gguf', 'README.md').toString()).not.toContain('Other weight types');
    await pushToHub(gguf('calls-Q4_K_M.gguf', 'Q4_K_M'));
    const card = hub.file('ada/calls-gguf', 'README.md').toString();
    expect(card).toContain('\nOther weight types in this repo: calls-Q8_0.gguf (Q8_0).\n');
    expect(card).toContain('ollama run hf.co/ada/calls-gguf:Q4_K_M');
    expect(card).toContain('Another type by its name: `hf.co/ada/calls-gguf:Q8_0`.');
    expect(hub.log).toContain('GET /api/models/ada/calls-gguf/tree/main');
    // The same type again replaces its file: not listed as another.
    await pushToHub(gguf('calls-Q4_K_M.gguf', 'Q4_K_M'));
    expect(hub.file('ada/calls-gguf', 'README.md').toString()).toContain('Other weight types in this repo: calls-Q8_0.gguf (Q8_0).');
  });
});

describe('pushToHub', () => {
  it('creates the repo and lands every file byte for byte in one commit: weights through LFS with their SHA-256, text inline', async () => {
    const hub = await fakeHub();
    const seen: HubPushProgress[] = [];
    const out = await pushToHub({ repo: 'ada/tiny-adapter', token: 'hf_write', files: files(), message: 'Upload tiny', description: 'from a test', private: true, baseUrl: hub.base, onProgress: (p) => seen.push(p) });
    expect(out).toMatchObject({ repo: 'ada/tiny-adapter', repoUrl: `${hub.base}/ada/tiny-adapter`, created: true });
    expect(out.commitUrl).toBe(`${hub.base}/ada/tiny-adapter/commit/${out.commitOid}`);
    expect(out.files).toEqual([
      { path: 'adapter_config.json', bytes: 23, lfs: false, sent: true },
      { path: 'adapter_model.safetensors', bytes: 300_000, lfs: true, sent: true },
      { path: 'README.md', bytes: 7, lfs: false, sent: true },
    ]);
    const repo = hub.repo('ada/tiny-adapter');
    expect(repo.private).toBe(true);
    expect(repo.commits).toEqual([{ summary: 'Upload tiny', description: 'from a test', paths: ['adapter_config.json', 'adapter_model.safetensors', 'README.md'], oid: out.commitOid }]);
    expect(hub.file('ada/tiny-adapter', 'adapter_model.safetensors').equals(weights)).toBe(true);
    expect(hub.file('ada/tiny-adapter', 'README.md').toString()).toBe('# tiny\n');
    const oid = createHash('sha256').update(weights).digest('hex');
    expect(hub.log.filter((l: string) => !l.startsWith('OPTIONS'))).toEqual([
      'GET /api/whoami-v2',
      'POST /api/repos/create',
      'POST /api/models/ada/tiny-adapter/preupload/main',
      'POST /ada/tiny-adapter.git/info/lfs/objects/batch',
      `PUT /lfs-upload/${oid}/300000`,
      `POST /lfs-verify/${oid}`,
      'POST /api/models/ada/tiny-adapter/commit/main',
    ]);
    expect(seen.map((p) => p.phase).filter((p, i, all) => p !== all[i - 1])).toEqual(['checking', 'hashing', 'uploading', 'committing']);
    expect(seen.at(-1)).toEqual({ phase: 'committing', bytesDone: 300_030, bytesTotal: 300_030 });
  });

  it('sends a large file in the parts the Hub asks for, each ETag handed back in order, and completes it', async () => {
    const hub = await fakeHub({ multipartAbove: 100_000, chunkSize: 64 * 1024 });
    const seen: number[] = [];
    const out = await pushToHub({ repo: 'lab/big', token: 'hf_write', files: files(), message: 'Upload', baseUrl: hub.base, onProgress: (p) => p.phase === 'uploading' && seen.push(p.bytesDone) });
    expect(out.repo).toBe('lab/big');
    expect(hub.file('lab/big', 'adapter_model.safetensors').equals(weights)).toBe(true);
    expect(hub.log.filter((l: string) => l.startsWith('PUT /lfs-part/')).length).toBe(5);
    expect(hub.log.some((l: string) => l.startsWith('POST /lfs-complete/'))).toBe(true);
    expect(seen).toEqual([0, 65_536, 131_072, 196_608, 262_144, 300_000, 300_000]);
  });

  it('writes a second commit into a repo that is there, sends no object the Hub has, and names a bare repo after the token’s user', async () => {
    const hub = await fakeHub();
    await pushToHub({ repo: 'tiny', token: 'hf_write', files: files(), message: 'one', baseUrl: hub.base });
    const again = await pushToHub({ repo: 'tiny', token: 'hf_write', files: [...files(), { path: 'sub/notes.txt', blob: new Blob(['more']) }], message: 'two', baseUrl: hub.base });
    expect(again).toMatchObject({ repo: 'ada/tiny', created: false });
    expect(again.files.find((f) => f.path === 'adapter_model.safetensors')).toEqual({ path: 'adapter_model.safetensors', bytes: 300_000, lfs: true, sent: false });
    expect(hub.log.filter((l: string) => l.startsWith('PUT ')).length).toBe(1);
    const repo = hub.repo('ada/tiny');
    expect(repo.commits.map((c: { summary: string }) => c.summary)).toEqual(['one', 'two']);
    expect(hub.file('ada/tiny', 'sub/notes.txt').toString()).toBe('more');
  });

  it('says what is wrong with the token, the rights, the repo id or a file, and commits nothing', async () => {
    const hub = await fakeHub();
    const push = (repo: string, token: string, extra = {}) => pushToHub({ repo, token, files: files(), message: 'x', baseUrl: hub.base, ...extra });
    await expect(push('ada/x', 'hf_nope')).rejects.toThrow(/does not accept this access token .*huggingface\.co\/settings\/tokens/);
    await expect(push('ada/x', 'hf_read')).rejects.toThrow(/may only read; pushing needs a write token/);
    await expect(push('lab/x', 'hf_bob')).rejects.toThrow(/^this token may not create lab\/x in lab: You don't have the rights/);
    await push('ada/mine', 'hf_write');
    await expect(push('ada/mine', 'hf_bob')).rejects.toThrow(/^this token may not write to ada\/mine: You don't have write access .*a write token of its owner/);
    await expect(push('ada/bad name', 'hf_write')).rejects.toThrow(/is not a Hub repo id/);
    await expect(push('ada/x', '  ')).rejects.toThrow(/needs an access token with write access/);
    await expect(pushToHub({ repo: 'ada/x', token: 'hf_write', files: [{ path: '../up', blob: new Blob(['a']) }], message: 'x', baseUrl: hub.base })).rejects.toThrow(/“\.\.\/up” is not a path in a repo/);
    const other = randomBytes(1000);
    hub.lfsErrors.set(createHash('sha256').update(other).digest('hex'), { code: 422, message: 'Object too large' });
    await expect(pushToHub({ repo: 'ada/y', token: 'hf_write', files: [{ path: 'w.safetensors', blob: new Blob([other]) }], message: 'x', baseUrl: hub.base })).rejects.toThrow('the Hub will not take w.safetensors: Object too large (422)');
    expect(hub.repo('ada/y').commits).toEqual([]);
    await expect(pushToHub({ repo: 'ada/z', token: 'hf_write', files: files(), message: 'x', baseUrl: 'http://127.0.0.1:9', retryPauseMs: 1 })).rejects.toThrow(/^checking the token: no answer from 127\.0\.0\.1:9 \(.*\) in 4 tries; check the connection/);
    expect(repoIdProblem('Qwen/Qwen3-0.6B')).toBeNull();
    expect(repoIdProblem('a/b/c')).toMatch(/not a Hub repo id/);
  });

  it('tries a failed upload or request again, up to its retries, and never a commit', async () => {
    const hub = await fakeHub({ multipartAbove: 100_000, chunkSize: 64 * 1024 });
    hub.failNext.set('/lfs-part/', 2).set('/api/models/ada/flaky/preupload/', 1);
    const out = await pushToHub({ repo: 'ada/flaky', token: 'hf_write', files: files(), message: 'x', baseUrl: hub.base, retryPauseMs: 1 });
    expect(hub.file('ada/flaky', 'adapter_model.safetensors').equals(weights)).toBe(true);
    expect(out.created).toBe(true);
    expect(hub.log.filter((l: string) => l.startsWith('PUT /lfs-part/')).length).toBe(7);
    hub.failNext.set('/lfs-upload/', 4);
    const again = pushToHub({ repo: 'ada/flaky2', token: 'hf_write', files: [{ path: 'w.safetensors', blob: new Blob([randomBytes(2000)]) }], message: 'x', baseUrl: hub.base, retryPauseMs: 1 });
    await expect(again).rejects.toThrow(/^uploading w\.safetensors: the Hub answered 503: Service Unavailable$/);
    hub.failNext.set('/api/models/ada/flaky/commit/', 1);
    await expect(pushToHub({ repo: 'ada/flaky', token: 'hf_write', files: files(), message: 'y', baseUrl: hub.base, retryPauseMs: 1 })).rejects.toThrow(/^pushing to ada\/flaky: the Hub answered 503/);
    expect(hub.log.filter((l: string) => l === 'POST /api/models/ada/flaky/commit/main').length).toBe(2);
  });

  it('stops at once when aborted mid-upload: nothing committed, the same push later lands', async () => {
    const hub = await fakeHub();
    let release!: () => void;
    hub.hold = { path: '/lfs-upload/', until: new Promise<void>((r) => (release = r)) };
    const stop = new AbortController();
    const pushing = pushToHub({ repo: 'ada/held', token: 'hf_write', files: files(), message: 'x', baseUrl: hub.base, signal: stop.signal, onProgress: (p) => p.phase === 'uploading' && setTimeout(() => stop.abort(new DOMException('stopped', 'AbortError')), 20) });
    await expect(pushing).rejects.toThrow('stopped');
    release();
    hub.hold = null;
    expect(hub.repo('ada/held').commits).toEqual([]);
    const out = await pushToHub({ repo: 'ada/held', token: 'hf_write', files: files(), message: 'x', baseUrl: hub.base });
    expect(out.created).toBe(false);
    expect(hub.repo('ada/held').commits.length).toBe(1);
  });
});
