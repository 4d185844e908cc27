// A run folder's PEFT adapter that cannot be imported (a truncated adapter_model.safetensors), whose
// file then fails to close: what `--adapter <run folder>` and a run folder's readAdapter say is why the
// import failed, not the close. The folder and its files are real; only the close is made to fail
// (vi.mock of byte-source-node.ts, the module that opens the file).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { readPeftAdapter } from '../../src/jobs/store/folder.ts';
import { initLoraAdapter } from '../../src/model/lora.ts';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, exportPeftAdapter } from '../../src/model/peft.ts';
import { generateTinyModel, tinyTestOptions } from '../../src/model/tiny-model.ts';

const fail = vi.hoisted(() => ({ close: false }));
const CLOSE_ERROR = 'EIO: i/o error, close';

vi.mock('../../src/model/byte-source-node.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/model/byte-source-node.ts')>();
  return {
    ...real,
    nodeFileSource: async (...args: Parameters<typeof real.nodeFileSource>) => {
      const src = await real.nodeFileSource(...args);
      return {
        ...src,
        async close() {
          await src.close();
          if (fail.close) throw new Error(CLOSE_ERROR);
        },
      };
    },
  };
});

const { spec } = generateTinyModel(tinyTestOptions('qwen3'));
const peft = exportPeftAdapter(spec, initLoraAdapter(spec, { rank: 2, alpha: 4, useRsLora: false, dropout: 0, targets: ['q', 'v'] }, 1), 'tiny');
const dir = mkdtempSync(join(tmpdir(), 'studio-peft-close-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The adapter folder read with its close failing or not: the error each read ends in. */
async function readError(closeFails: boolean): Promise<string> {
  fail.close = closeFails;
  return readPeftAdapter(dir, spec).then(() => 'read', (err: Error) => err.message);
}

describe('a run folder’s adapter that cannot be imported, then fails to close', () => {
  it('says why the import failed, as it does when the close succeeds', async () => {
    writeFileSync(join(dir, ADAPTER_CONFIG_FILE), peft.adapterConfigJson);
    writeFileSync(join(dir, ADAPTER_WEIGHTS_FILE), peft.adapterSafetensors.subarray(0, 100));
    const importFailure = await readError(false);
    expect(importFailure).toContain(ADAPTER_WEIGHTS_FILE);
    expect(await readError(true)).toBe(importFailure);
  });

  it('after an import that succeeded, says the close failed', async () => {
    writeFileSync(join(dir, ADAPTER_WEIGHTS_FILE), peft.adapterSafetensors);
    expect(await readError(false)).toBe('read');
    expect(await readError(true)).toBe(CLOSE_ERROR);
  });
});
