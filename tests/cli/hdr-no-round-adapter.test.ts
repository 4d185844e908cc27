// An HDR run that ended before a round finished (cancelled while it mined or sampled, or nothing to
// mine) writes no adapter; given as --adapter, it was refused as any folder without
// adapter_config.json, where its own last line had said why. Now the refusal says so too, and which
// adapter it started from.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readAdapter } from '../../src/cli/localFiles.ts';
import { generateTinyModel, TINY_QWEN3_DEFAULT } from '../../src/model/tiny-model.ts';

describe('an HDR run folder that finished no round, as --adapter', () => {
  it('is refused saying it ended before its first round and what it started from', async () => {
    const spec = generateTinyModel(TINY_QWEN3_DEFAULT).spec;
    const dir = mkdtempSync(join(tmpdir(), 'hdr-no-round-'));
    writeFileSync(join(dir, 'hdr.json'), JSON.stringify({ adapter: '/runs/a', status: 'done', stopReason: 'aborted', rounds: 0 }));
    await expect(readAdapter(spec, dir, 'm')).rejects.toThrow(`--adapter ${dir}: no adapter_config.json; it is an HDR run that ended (cancelled) before it finished a round, so it has no adapter: give the one it started from, /runs/a`);
    writeFileSync(join(dir, 'hdr.json'), JSON.stringify({ adapter: null, status: 'done', stopReason: 'no_hard_cases', rounds: 0 }));
    await expect(readAdapter(spec, dir, 'm')).rejects.toThrow(`--adapter ${dir}: no adapter_config.json; it is an HDR run that ended (the model answered every mined example correctly: no hard case) before it finished a round, so it has no adapter: it started from a fresh LoRA`);
  });
});
