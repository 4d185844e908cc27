// The dashboard's per-token loss strip shows each target token's text as the example says it: a
// character split over byte tokens shows once (tokenTexts), and loss rows of two turns are two texts,
// never one character joined across the gap between them.
import { describe, expect, it } from 'vitest';
import { tokenTexts } from '../../src/data/token-segments.ts';
import { textsByRun } from '../../src/jobs/tokenLoss.ts';
import { qwen3Tokenizer } from '../data/qwen3-tokenizer.ts';

describe('the loss strip’s token texts', () => {
  it('shows Greek and an emoji whole, per run of consecutive rows', () => {
    const tokenizer = qwen3Tokenizer();
    const first = tokenizer.encode('Εύρεση 🌦', { add_special_tokens: false });
    const second = tokenizer.encode('ναι', { add_special_tokens: false });
    const ids = [...first, ...second];
    // Rows 10.. of one turn, then a gap, then rows of the next.
    const rows = [...first.map((_, i) => 10 + i), ...second.map((_, i) => 40 + i)];
    const idOf = new Map(rows.map((r, i) => [r, ids[i]]));
    const shown = textsByRun(rows, (run) => tokenTexts(tokenizer, run.map((r) => idOf.get(r)!)));
    expect(shown).toHaveLength(ids.length);
    expect(shown.join('')).toBe('Εύρεση 🌦ναι');
    expect(shown.join('')).not.toContain('\uFFFD');
    // One by one, as the strip decoded them before, the split characters were replacement characters.
    expect(ids.map((id) => tokenizer.decode([id])).join('')).toContain('\uFFFD');
    expect(textsByRun([], () => [])).toEqual([]);
  });
});
