// `studio tokenize` (the real entry, bin/studio.mjs, in a child process) on the generated hostile
// corpus and on a 100 MB file. Protects: the command exits 0, writes every good example, names
// every bad record on stderr by file, line, record index, id and reason; and it streams, so a
// 100 MB file runs under a 160 MiB heap cap (holding its examples would need ~275 MiB: 72 MiB for
// the tokenizer plus ~200 MiB of examples, measured).
import { execFile } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { hostileCorpus, rejectedCount, TINY_RECORDS } from './hostile-corpus.ts';
import { QWEN3_TOKENIZER_DIR } from './qwen3-tokenizer.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'studio-hostile-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function studio(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/studio.mjs', ...args], { env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

function writeCorpus(names: (name: string) => boolean): string[] {
  return hostileCorpus()
    .filter((f) => names(f.name))
    .map((f) => {
      const path = join(dir, f.name);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, f.text);
      return path;
    });
}

const idsOf = (path: string) => readFileSync(path, 'utf8').trim().split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { id: string }).id);

describe('studio tokenize on hostile input', () => {
  it('writes every good example and names every bad record, exit code 0', async () => {
    const corpus = hostileCorpus().filter((f) => !f.name.includes('many-tiny'));
    const paths = writeCorpus((n) => !n.includes('many-tiny'));
    const out = join(dir, 'hostile.out.jsonl');
    // --include-failing: every imported record is written, those the quality check fails too.
    const r = await studio(['tokenize', '--model', QWEN3_TOKENIZER_DIR, '--data', paths.join(','), '--out', out, '--include-failing']);
    expect(r.code, r.stderr).toBe(0);
    expect(idsOf(out)).toEqual(corpus.flatMap((f) => f.imported));
    const skipped = r.stderr.split('\n').filter((l) => l.startsWith('  skipped '));
    expect(skipped).toHaveLength(corpus.reduce((n, f) => n + rejectedCount(f), 0));
    for (const f of corpus) {
      for (const want of f.rejected) {
        const line = skipped.find((l) => l.startsWith(`  skipped ${join(dir, f.name)}, line `) && l.includes(`, record ${want.index + 1}`));
        expect(line, `${f.name} record ${want.index} named on stderr`).toBeDefined();
        if (want.id) expect(line).toContain(`id ${JSON.stringify(want.id)}: `);
        expect(line!.replace(/^.*?: /, '')).toMatch(new RegExp(want.reason.source.replace(/^\^/, '')));
      }
    }
    expect(r.stdout).toMatch(new RegExp(`^wrote ${corpus.flatMap((f) => f.imported).length} examples`));
  });

  it('300,000 tiny bad records: the good ones written, 20 named, the rest counted', async () => {
    const [path] = writeCorpus((n) => n.includes('many-tiny'));
    const out = join(dir, 'tiny.out.jsonl');
    const r = await studio(['tokenize', '--model', QWEN3_TOKENIZER_DIR, '--data', path, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(idsOf(out)).toEqual(['t-ok-1', 't-ok-2']);
    expect(r.stderr).toContain(`hostile-many-tiny.jsonl: openai (detected), 2 imported, ${TINY_RECORDS} rejected`);
    expect(r.stderr).toContain('hostile-many-tiny.jsonl, line 3, record 3: record is a number, expected an object');
    expect(r.stderr).toContain(`… and ${TINY_RECORDS - 20} more skipped records`);
  });

  it('streams a 100 MB file under a 160 MiB heap cap', async () => {
    const path = join(dir, 'big.jsonl');
    const w = createWriteStream(path);
    const tools = [{ type: 'function', function: { name: 'convert', parameters: { type: 'object', properties: { value: { type: 'number' }, from: { type: 'string' }, to: { type: 'string' } }, required: ['value', 'from', 'to'] } } }];
    let bytes = 0;
    let records = 0;
    while (bytes < 100e6) {
      // One record in 1000 passes the quality check and is tokenized; the rest call an unknown tool,
      // so the run is mostly import (fast) yet goes through every stage.
      const name = records % 1000 === 0 ? 'convert' : 'unknown_tool';
      const line = JSON.stringify({ id: `r${records}`, tools, messages: [{ role: 'user', content: `Convert ${records} km to miles, please.` }, { role: 'assistant', content: `<think>\nThe user wants ${records} km in miles.\n</think>\n\n`, tool_calls: [{ type: 'function', function: { name, arguments: { value: records, from: 'km', to: 'mi' } } }] }] }) + '\n';
      bytes += line.length;
      records++;
      if (!w.write(line)) await once(w, 'drain');
    }
    w.end();
    await once(w, 'finish');
    const out = join(dir, 'big.out.jsonl');
    const r = await studio(['tokenize', '--model', QWEN3_TOKENIZER_DIR, '--data', path, '--out', out, '--only-passing'], { NODE_OPTIONS: '--max-old-space-size=160' });
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    const passing = Math.ceil(records / 1000);
    expect(r.stdout).toContain(`wrote ${passing} examples to ${out}, ${records - passing} failing quality skipped`);
    expect(idsOf(out)).toHaveLength(passing);
  }, 300_000);
});
