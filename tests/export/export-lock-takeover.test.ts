// Two exports that find the same lock of an ended export in --out both took it: each removed the
// lock it judged ended and made its own, and the slower one's removal deleted the faster one's fresh
// lock, so both wrote into one folder. The window is a few microseconds between processes; here the
// second export runs inside it, at the first one's removal of the stale lock (node:fs's rmSync is
// wrapped to start it there); the lock and its takeover are the real ones.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { checkExportFolder, EXPORT_LOCK_FILE, type ExportFolder } from '../../src/cli/localFiles.ts';

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  return { ...fs, rmSync: vi.fn(fs.rmSync) };
});

const FOLDER = { model: 'public/models/tiny-qwen3', force: false, files: ['onnx'], sideFiles: ['config.json'] };

function tryExport(out: string): ExportFolder | Error {
  try {
    return checkExportFolder(out, FOLDER);
  } catch (err) {
    return err as Error;
  }
}

describe('two exports taking over the lock an ended export left', () => {
  it('leave exactly one owner; the other is refused in words', () => {
    const out = mkdtempSync(join(tmpdir(), 'studio-export-takeover-'));
    const lock = join(out, EXPORT_LOCK_FILE);
    try {
      const ended = spawnSync(process.execPath, ['-e', '']).pid;
      writeFileSync(lock, JSON.stringify({ pid: ended, host: hostname(), started: '2026-12-04T08:00:00.000Z' }) + '\n');
      const fs = { rmSync: vi.mocked(rmSync) };
      const original = fs.rmSync.getMockImplementation()!;
      let second: ExportFolder | Error | undefined;
      fs.rmSync.mockImplementation((path, opts) => {
        // The second export runs just before the first removes the lock it judged ended.
        if (path === lock && second === undefined) second = tryExport(out);
        return original(path, opts);
      });
      const first = tryExport(out);
      fs.rmSync.mockImplementation(original);
      const results = [first, second!];
      const owners = results.filter((r) => !(r instanceof Error)) as ExportFolder[];
      expect(owners).toHaveLength(1);
      const refused = results.find((r) => r instanceof Error) as Error;
      expect(refused.message).toMatch(new RegExp(`^--out ${out} is being (written|taken over) by another export`));
      // The owner's lock is in place (a third export is refused), and nothing else was left there.
      expect(readdirSync(out)).toEqual([EXPORT_LOCK_FILE]);
      expect(tryExport(out)).toBeInstanceOf(Error);
      owners[0].release();
      const after = tryExport(out) as ExportFolder;
      expect(after).not.toBeInstanceOf(Error);
      after.release();
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
