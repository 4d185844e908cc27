// studio eval --resume with another --max-tokens than the answers it keeps were generated with:
// refused, naming the flag, before any model loads. The kept answers were scored and summed with
// the new ones under the new limit ("N answers stopped at the --max-tokens 512 limit" of answers
// cut at 40), a mix no single setting produced. So are other settings that change answers (the
// model, sampling temperature, top-p, seed): they are written beside --out; an --out from before they
// were (no settings file) still resumes, with a note that only its --max-tokens can be checked.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
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
    // Its answers' error texts name the flag, as the summary does, not the studio's field.
    const cut = JSON.parse(readFileSync(out, 'utf8').split('\n')[0]);
    expect(cut.error).toMatch(/\(the answer reached the --max-tokens limit first\)$/);
    expect(readFileSync(out, 'utf8')).not.toContain('Max new tokens');
  });

  it('records the answer settings beside --out and refuses a resume under others, naming both values', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'studio-eval-resume-settings-'));
    const out = join(dir, 'p.jsonl');
    const ids = readFileSync(DATA, 'utf8').trim().split('\n').map((l) => JSON.parse(l).id as string);
    // Every example answered (sampled at 0.7, seed 5): a resume writes the summary again without a model.
    writeFileSync(out, ids.map((id) => JSON.stringify({ id, output: '<think>\nI', finish_reason: 'eos', generated_tokens: 12 })).join('\n') + '\n');
    const resume = (...flags: string[]) => studioInProcess(['eval', '--data', DATA, '--split', 'all', '--out', out, '--resume', '--quiet', '--max-tokens', '40', ...flags]);
    const sampled = ['--model', MODEL, '--temperature', '0.7', '--seed', '5'];

    // Written before settings were recorded: resumed, with a note, and the settings recorded now.
    const older = await resume(...sampled);
    expect(older.code, older.err).toBe(0);
    expect(older.err).toContain(`note: ${out} has no p.jsonl.settings.json (an older studio eval wrote it), so only the --max-tokens of its answers can be checked; resume with the --model, --adapter, --gguf, --max-tokens, --temperature, --top-p, --seed, --bfcl-prompt it was run with`);
    expect(existsSync(`${out}.settings.json`)).toBe(true);

    const refusal = (flag: string, there: string, here: string) =>
      `studio eval: --resume: ${out} holds answers generated with another ${flag} (${there} there, ${here} here); give the ${flag} it was run with`;
    const cases: Array<[string[], string]> = [
      [['--model', 'Qwen/Qwen3-0.6B', '--temperature', '0.7', '--seed', '5'], refusal('--model', resolve(MODEL), 'Qwen/Qwen3-0.6B')],
      [['--model', MODEL, '--seed', '5'], refusal('--temperature', '0.7', '0')],
      [['--model', MODEL, '--temperature', '0.7', '--seed', '6'], refusal('--seed', '5', '6')],
      [['--model', MODEL, '--temperature', '0.7', '--seed', '5', '--top-p', '0.9'], refusal('--top-p', 'none', '0.9')],
    ];
    for (const [flags, said] of cases) {
      const r = await resume(...flags);
      expect(r.code, r.err).toBe(2);
      expect(r.err.trim().split('\n').at(-1)).toBe(said);
    }
    // The same settings resume, with no note.
    const same = await resume(...sampled);
    expect(same.code, same.err).toBe(0);
    expect(same.err).not.toContain('settings.json');
    // Settings written before --gguf was recorded: none was given then, as none is now.
    const settingsPath = `${out}.settings.json`;
    const { '--gguf': gguf, ...withoutGguf } = JSON.parse(readFileSync(settingsPath, 'utf8'));
    expect(gguf).toBeNull();
    writeFileSync(settingsPath, JSON.stringify(withoutGguf));
    const beforeGguf = await resume(...sampled);
    expect(beforeGguf.code, beforeGguf.err).toBe(0);
    expect((await resume(...sampled, '--gguf', DATA)).err.trim().split('\n').at(-1)).toBe(refusal('--gguf', 'none', resolve(DATA)));
  });
});
