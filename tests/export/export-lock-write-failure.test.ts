// An export whose lock file could not be written (a full disk) left the lock there, empty: it names
// no process, so it was never taken over, and every later export into that --out waited a second and
// was refused as "being written by another export", though none ran. The write's failure is made
// here (node:fs's writeFileSync fails once, as on a full disk); the lock itself is the real one.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { checkExportFolder, EXPORT_LOCK_FILE } from '../../src/cli/localFiles.ts';

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  return { ...fs, writeFileSync: vi.fn(fs.writeFileSync) };
});

const FOLDER = { model: 'public/models/tiny-qwen3', force: false, files: ['onnx'], sideFiles: ['config.json'] };

describe('export-onnx lock file that cannot be written', () => {
  it('is not left behind: the next export into that --out takes the folder', () => {
    const root = mkdtempSync(join(tmpdir(), 'studio-export-lock-write-'));
    try {
      for (const out of [join(root, 'new'), root]) {
        vi.mocked(writeFileSync).mockImplementationOnce(() => {
          throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        });
        expect(() => checkExportFolder(out, FOLDER)).toThrow(`--out ${out}: ${join(out, EXPORT_LOCK_FILE)} could not be written (ENOSPC: no space left on device)`);
        expect(existsSync(join(out, EXPORT_LOCK_FILE))).toBe(false);
        // A folder made for the lock goes with it.
        if (out !== root) expect(existsSync(out)).toBe(false);
        const held = checkExportFolder(out, FOLDER);
        held.release();
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
