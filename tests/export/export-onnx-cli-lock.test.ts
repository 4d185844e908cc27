// Two `studio export-onnx` into one --out at once: the second is refused in words while the first
// holds the folder's lock, instead of deleting the first one's staging folder mid-write or moving
// its own files in among the first one's (an fp16 config.json beside an fp32 model). A lock left by
// an export whose process ended (killed mid-export) is taken over.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { EXPORT_LOCK_FILE } from '../../src/cli/localFiles.ts';
import { studio } from '../helpers/studio.ts';

const MODEL = 'public/models/tiny-qwen3';

/** `check` given a fresh temporary folder, removed afterwards. */
async function inRoot(check: (root: string) => Promise<void>): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'studio-export-lock-'));
  try {
    await check(root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** Runs `studio export-onnx` in-process; its exit code and what it printed as errors. */
async function exportInProcess(out: string): Promise<{ code: number; errors: string }> {
  const errors: string[] = [];
  const error = console.error;
  const log = console.log;
  console.error = (m: string) => errors.push(m);
  console.log = () => undefined;
  try {
    const code = await main(['export-onnx', '--model', MODEL, '--out', out, '--no-check', '--quiet']);
    return { code, errors: errors.join('\n') };
  } finally {
    console.error = error;
    console.log = log;
  }
}

describe('studio export-onnx into a folder another export is writing', () => {
  it('refuses the second of two exports started at once, and the first one writes a whole export', async () => {
    await inRoot(async (root) => {
      const out = join(root, 'export');
      const [fp32, fp16] = await Promise.all([
        studio(['export-onnx', '--model', MODEL, '--out', out, '--no-check', '--quiet']),
        studio(['export-onnx', '--model', MODEL, '--out', out, '--no-check', '--quiet', '--dtype', 'fp16']),
      ]);
      const results = [fp32, fp16];
      const won = results.filter((r) => r.code === 0);
      const refused = results.filter((r) => r.code !== 0);
      expect(won, results.map((r) => r.err).join('\n')).toHaveLength(1);
      expect(refused[0].code).toBe(2);
      // Refused while the other one writes; on a machine so busy that the first one finished before
      // the second looked at --out, refused for the export it finds there.
      const busy = `is being written by another studio export-onnx \\(process \\d+, started [0-9T:.-]+Z\\); wait for it to end, or choose another folder \\(if no export is running there, delete ${join(out, EXPORT_LOCK_FILE)}\\)`;
      const done = 'already holds an export \\(onnx\\); choose another folder, or pass --force to replace it';
      expect(refused[0].err.trim()).toMatch(new RegExp(`^studio export-onnx: --out ${out} (${busy}|${done})$`));
      // The winner's export, whole: its config says the dtype of the model file beside it.
      const dtype = won[0] === fp32 ? 'fp32' : 'fp16';
      expect(readdirSync(join(out, 'onnx'))).toEqual([dtype === 'fp32' ? 'model.onnx' : 'model_fp16.onnx']);
      expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'))['transformers.js_config'].dtype).toBe(dtype);
      // No lock and no staging folder left behind.
      expect(readdirSync(out).sort()).toEqual(['config.json', 'generation_config.json', 'onnx', 'tokenizer.json', 'tokenizer_config.json']);
    });
  }, 300_000);

  it('refuses while a running process holds the lock, and leaves that lock and no folder of its own', async () => {
    await inRoot(async (root) => {
      const out = join(root, 'export');
      mkdirSync(out);
      const lock = JSON.stringify({ pid: process.pid, host: hostname(), started: '2026-12-04T08:00:00.000Z' });
      writeFileSync(join(out, EXPORT_LOCK_FILE), lock);
      const r = await exportInProcess(out);
      expect(r.code).toBe(2);
      expect(r.errors).toBe(`studio export-onnx: --out ${out} is being written by another studio export-onnx (process ${process.pid}, started 2026-12-04T08:00:00.000Z); wait for it to end, or choose another folder (if no export is running there, delete ${join(out, EXPORT_LOCK_FILE)})`);
      expect(readdirSync(out)).toEqual([EXPORT_LOCK_FILE]);
      expect(readFileSync(join(out, EXPORT_LOCK_FILE), 'utf8')).toBe(lock);
    });
  }, 300_000);

  it('takes over the lock of an export whose process ended, and lets it go when done', async () => {
    await inRoot(async (root) => {
      const out = join(root, 'export');
      mkdirSync(join(out, '.export-Kx81Qa', 'onnx'), { recursive: true });
      writeFileSync(join(out, '.export-Kx81Qa', 'onnx', 'model.onnx'), 'half a model');
      // A process that has ended: its id names no process now.
      const ended = spawnSync(process.execPath, ['-e', '']).pid;
      writeFileSync(join(out, EXPORT_LOCK_FILE), JSON.stringify({ pid: ended, host: hostname(), started: '2026-12-04T08:00:00.000Z' }));
      const r = await exportInProcess(out);
      expect(r.errors).toBe('');
      expect(r.code).toBe(0);
      expect(readdirSync(out).sort()).toEqual(['config.json', 'generation_config.json', 'onnx', 'tokenizer.json', 'tokenizer_config.json']);
    });
  }, 300_000);

  it('leaves no --out folder and no lock when it refuses before writing', async () => {
    await inRoot(async (root) => {
      const out = join(root, 'new', 'export');
      const errors: string[] = [];
      const error = console.error;
      console.error = (m: string) => errors.push(m);
      try {
        // A --steps past the model's context is refused after --out is looked at (and locked).
        expect(await main(['export-onnx', '--model', MODEL, '--out', out, '--steps', '100000', '--quiet'])).toBe(2);
      } finally {
        console.error = error;
      }
      expect(errors.join('\n')).toMatch(/--steps 100000/);
      expect(existsSync(join(root, 'new'))).toBe(false);
    });
  }, 300_000);
});
