// studio eval --resume with another --max-tokens than the answers it keeps were generated with:
// refused, naming the flag, before any model loads. The kept answers were scored and summed with
// the new ones under the new limit ("N answers stopped at the --max-tokens 512 limit" of answers
// cut at 40), a mix no single setting produced.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { studioInProcess } from '../helpers/studioInProcess.ts';

const MODEL = 'public/models/tiny-qwen3';
const DATA = 'tests/fixtures/data/openai-tools.jsonl';

describe('studio eval --resume', () => {
  it('refuses answers generated under another --max-tokens, and goes on under the same one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'studio-eval-resume-'));
    const out = join(dir, 'p.jsonl');
    const ids = readFileSync(DATA, 'utf8').trim().split('\n').map((l) => JSON.parse(l).id as string);
    const line = (id: string, finish: string, tokens: number) => JSON.stringify({ id, output: '<think>\nI', finish_reason: finish, generated_tokens: tokens });
    // Cut at a limit of 40, and one that ended by itself after 12 tokens.
    writeFileSync(out, [line(ids[0], 'length', 40), line(ids[1], 'eos', 12)].join('\n') + '\n');
    const resume = (...flags: string[]) => studioInProcess(['eval', '--model', MODEL, '--data', DATA, '--split', 'all', '--out', out, '--resume', '--quiet', ...flags]);
    for (const flags of [[], ['--max-tokens', '20'], ['--max-tokens', '64']]) {
      const r = await resume(...flags);
      expect(r.code).toBe(2);
      expect(r.err.trim().split('\n').at(-1)).toBe(
        `studio eval: --resume: ${out} holds answers generated with another --max-tokens ("${ids[0]}" stopped at the limit after 40 new tokens, where this evaluation allows ${flags[1] ?? 512}); give the --max-tokens it was run with`,
      );
    }
    // An answer longer than the limit says so too, whatever ended it.
    writeFileSync(out, line(ids[1], 'eos', 12) + '\n');
    expect((await resume('--max-tokens', '8')).err.trim().split('\n').at(-1)).toBe(
      `studio eval: --resume: ${out} holds answers generated with another --max-tokens ("${ids[1]}" has 12 new tokens, where this evaluation allows 8); give the --max-tokens it was run with`,
    );
    // Under the limit they were run with, every example answered: summed, with no model loaded.
    writeFileSync(out, ids.map((id, i) => line(id, i === 0 ? 'length' : 'eos', i === 0 ? 40 : 12)).join('\n') + '\n');
    const same = await resume('--max-tokens', '40');
    expect(same.code, same.err).toBe(0);
    expect(same.out).toContain(`every example was already answered; predictions written to ${out}`);
  });
});
