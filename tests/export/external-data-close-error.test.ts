// Loading an exported folder whose external data file (onnx/model.onnx_data, read into memory for
// onnxruntime-web) fails to read and then to close: what the user hears is the read, not the
// close. The folder and its file are real; only that file's read and close are made to fail
// (vi.mock of node:fs/promises, the one module that opens it).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { loadTransformersCausalLM } from '../../src/export/transformersModel.ts';

const fail = vi.hoisted(() => ({ read: false, close: false }));
const READ_ERROR = 'EIO: i/o error, read';
const CLOSE_ERROR = 'EIO: i/o error, close';

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const open = async (...args: Parameters<typeof real.open>) => {
    const handle = await real.open(...args);
    if (!String(args[0]).endsWith('model.onnx_data')) return handle;
    return {
      stat: () => handle.stat(),
      read: (...read: unknown[]) => {
        if (fail.read) return Promise.reject(new Error(READ_ERROR));
        return (handle.read as (...a: unknown[]) => Promise<unknown>)(...read);
      },
      close: async () => {
        await handle.close();
        if (fail.close) throw new Error(CLOSE_ERROR);
      },
    };
  };
  return { ...real, default: { ...real, open }, open };
});

const root = await mkdtemp(join(tmpdir(), 'studio-external-close-'));
afterAll(() => rm(root, { recursive: true, force: true }));

/** A folder holding an external data file (the loader reads it before anything else). */
async function folderWithExternalData(name: string): Promise<string> {
  const dir = join(root, name);
  await mkdir(join(dir, 'onnx'), { recursive: true });
  await writeFile(join(dir, 'onnx', 'model.onnx_data'), new Uint8Array(64));
  return dir;
}

describe('an exported folder whose external data fails to read, then to close', () => {
  it('says the read failed, not the close', async () => {
    Object.assign(fail, { read: true, close: true });
    await expect(loadTransformersCausalLM({ kind: 'directory', dir: await folderWithExternalData('unreadable') }, { dtype: 'fp32' })).rejects.toThrow(READ_ERROR);
  });

  it('after a read that succeeded, says the close failed', async () => {
    Object.assign(fail, { read: false, close: true });
    await expect(loadTransformersCausalLM({ kind: 'directory', dir: await folderWithExternalData('unclosable') }, { dtype: 'fp32' })).rejects.toThrow(CLOSE_ERROR);
  });
});
