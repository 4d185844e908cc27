// Ctrl-C during `studio export-onnx` ends it as the other long commands end (exit 130, one line
// saying what --out holds) and lets --out go. It printed nothing, and its .export.lock stayed in
// --out for the next export to take over; before the merge (the weights downloading) it still did.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { interruptedStudio } from '../helpers/interrupt.ts';
import { startHub } from '../model/hub-server.ts';

describe('studio export-onnx interrupted', () => {
  it('exits 130 saying what --out holds, and leaves no lock in it', { timeout: 120_000 }, async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'onnx-interrupt-')), 'export');
    const r = await interruptedStudio(['export-onnx', '--model', 'public/models/tiny-qwen3', '--out', out], /export weights [1-9]\d*\/\d+ tensors/);
    expect([r.code, r.signal], r.stderr).toEqual([130, null]);
    // Stopped in the merge, nothing is written (the folder it made goes); in the check, the export stays without its report.
    const said = r.stdout.split('\n').filter((l) => l.startsWith('interrupted: '));
    expect(said, r.stdout).toHaveLength(1);
    if (said[0] === `interrupted: nothing was exported; ${out} is as it was`) expect(existsSync(out)).toBe(false);
    else {
      expect(said[0]).toBe(`interrupted: the export in ${out} is written, but not checked (no export_check.json)`);
      expect(readdirSync(out).sort()).toEqual(['config.json', 'generation_config.json', 'onnx', 'tokenizer.json', 'tokenizer_config.json']);
    }
    expect(existsSync(join(out, '.export.lock'))).toBe(false);
  });

  it('while the model downloads, ends at once: nothing written, no lock, no --out', { timeout: 120_000 }, async () => {
    const root = mkdtempSync(join(tmpdir(), 'onnx-interrupt-'));
    const hub = await startHub({ 'test-org/tiny': 'public/models/tiny-qwen3' });
    // Half the tokenizer, then nothing until the client goes: the download is still on its way at
    // its first progress line, whichever file that names.
    hub.holdNext.add('tokenizer.json');
    try {
      const out = join(root, 'export');
      const args = ['export-onnx', '--model', 'test-org/tiny', '--hub-base', hub.base, '--cache', join(root, 'cache'), '--out', out, '--no-check'];
      const r = await interruptedStudio(args, /test-org\/tiny: \S+ [\d.]+\/[\d.]+ MiB/);
      expect([r.code, r.signal], r.stderr).toEqual([130, null]);
      expect(r.stdout.trim().split('\n'), r.stderr).toEqual([`interrupted: nothing was exported; ${out} is as it was`]);
      expect(existsSync(out)).toBe(false);
    } finally {
      await new Promise((done) => (hub.server.closeAllConnections(), hub.server.close(done)));
      rmSync(root, { recursive: true, force: true });
    }
  });
});
