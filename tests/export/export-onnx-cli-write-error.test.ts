// `studio export-onnx --force` in-process, with the disk filling up while the new export is
// written: the earlier export in --out stays whole (it was deleted first, and the failed write left
// neither), and nothing of the new one is left beside it.
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';

const diskFull = vi.hoisted(() => ({ on: false }));
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  const writeFileSync: typeof real.writeFileSync = (path, data, options) => {
    if (diskFull.on && String(path).endsWith('model.onnx')) throw Object.assign(new Error(`ENOSPC: no space left on device, write '${String(path)}'`), { code: 'ENOSPC' });
    return real.writeFileSync(path, data, options);
  };
  return { ...real, default: { ...real, writeFileSync }, writeFileSync };
});

/** Runs `studio export-onnx … --out <out> --no-check --quiet` with the disk full for the model
 * file, in a fresh temporary folder `root` that `prepare` fills first; returns its exit code and
 * what it printed as errors. */
async function exportOnFullDisk(outIn: (root: string) => string, flags: string[], check: (r: { root: string; out: string; code: number; errors: string }) => void, prepare: (out: string) => void = () => undefined): Promise<void> {
  const root = fs.mkdtempSync(join(tmpdir(), 'studio-export-write-error-'));
  const errors: string[] = [];
  const error = console.error;
  console.error = (m: string) => errors.push(m);
  try {
    const out = outIn(root);
    prepare(out);
    diskFull.on = true;
    const code = await main(['export-onnx', '--model', 'public/models/tiny-qwen3', '--out', out, ...flags, '--no-check', '--quiet']);
    check({ root, out, code, errors: errors.join('\n') });
  } finally {
    diskFull.on = false;
    console.error = error;
    fs.rmSync(root, { recursive: true, force: true });
  }
}

describe('studio export-onnx --force when writing the new export fails', () => {
  const earlier = { 'onnx/model_fp16.onnx': 'earlier model', 'export_check.json': '{"passed":true}', 'config.json': '{"earlier":true}', 'tokenizer.json': '{}' };

  it('keeps the earlier export whole and leaves no part of the new one', async () => {
    const prepare = (out: string) => {
      fs.mkdirSync(join(out, 'onnx'), { recursive: true });
      for (const [name, text] of Object.entries(earlier)) fs.writeFileSync(join(out, name), text);
      // An export killed mid-write (Ctrl-C) before this one left its hidden staging folder.
      fs.mkdirSync(join(out, '.export-Kx81Qa', 'onnx'), { recursive: true });
      fs.writeFileSync(join(out, '.export-Kx81Qa', 'onnx', 'model_fp16.onnx'), 'half a model');
      // The user's own hidden files whose names merely start alike are theirs, not a staging folder.
      fs.writeFileSync(join(out, '.export-notes.txt'), 'my notes');
      fs.mkdirSync(join(out, '.export-settings'));
      fs.writeFileSync(join(out, '.export-settings', 'a.json'), '{}');
    };
    await exportOnFullDisk((root) => join(root, 'export'), ['--force'], ({ out, code, errors }) => {
      expect(code).not.toBe(0);
      // Said of --out, not of a file in the staging folder that is gone by the time it is read.
      expect(errors).toBe(`studio export-onnx: --out ${out}: the export could not be written (ENOSPC: no space left on device); the earlier export there (onnx, export_check.json, config.json, tokenizer.json) is kept as it was`);
      for (const [name, text] of Object.entries(earlier)) expect(fs.readFileSync(join(out, name), 'utf8'), name).toBe(text);
      expect(fs.readFileSync(join(out, '.export-notes.txt'), 'utf8')).toBe('my notes');
      expect(fs.readFileSync(join(out, '.export-settings', 'a.json'), 'utf8')).toBe('{}');
      expect(fs.readdirSync(out).sort()).toEqual(['.export-notes.txt', '.export-settings', 'config.json', 'export_check.json', 'onnx', 'tokenizer.json']);
      expect(fs.readdirSync(join(out, 'onnx'))).toEqual(['model_fp16.onnx']);
    }, prepare);
  }, 300_000);

  it('leaves no --out folder it made for an export it could not write', async () => {
    await exportOnFullDisk((root) => join(root, 'new', 'export'), [], ({ root, out, code, errors }) => {
      expect(code).toBe(1);
      expect(errors).toBe(`studio export-onnx: --out ${out}: the export could not be written (ENOSPC: no space left on device); ${out} was not created`);
      expect(fs.readdirSync(root)).toEqual([]); // nor the folder above it that it made on the way
    });
  }, 300_000);
});
