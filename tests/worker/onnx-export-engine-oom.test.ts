// The Runs panel's "ONNX" when our engine runs out of GPU memory in the export's check: the export
// is saved, and its notice says that our engine ran out of memory, that only the check stopped (the
// export is kept), with what to do in the page, not
// that the check "could not run on onnxruntime-web", which would send the user after the wrong
// runtime. The worker's real job on the Dawn device, then the page's words for what it answered.
import { describe, expect, it, vi } from 'vitest';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { StudioDb } from '../../src/data/db.ts';
import { initLoraAdapter } from '../../src/model/lora.ts';
import { DEFAULT_RUN_CONFIG } from '../../src/train/config.ts';
import { runOnnxExport } from '../../src/worker/onnxExportJob.ts';
import { describeReport } from '../../src/state/onnxExportStore.ts';
import { tinyEngine } from '../helpers/tinyEngine.ts';

// The engine's side of the check runs out of GPU memory on the real device (engineOutOfMemory.ts).
vi.mock('../../src/export/engineLogits.ts', async (importOriginal) =>
  (await import('../helpers/engineOutOfMemory.ts')).withEngineOutOfMemory(await importOriginal()),
);

describe('worker: Export ONNX when our engine runs out of GPU memory in the check', () => {
  it('saves the export and says the engine ran out of memory, not onnxruntime-web', { timeout: 300_000 }, async () => {
    const engine = await tinyEngine();
    const db = new StudioDb(`onnx-engine-oom-${Date.now()}`, { indexedDB, IDBKeyRange });
    const adapter = initLoraAdapter(engine.requireModel().spec, { ...DEFAULT_RUN_CONFIG.lora, rank: 2, alpha: 4 }, 1);
    const out = await engine.run('an ONNX export', runOnnxExport, { db, runId: 'run-oom', adapter, dtype: 'fp32' });
    expect(out.files.map(([name]) => name)).toContain('onnx/model.onnx');
    expect(out.report).toBeNull();
    // Which side failed is data the page words its notice from (the CLI reads the same).
    expect(out.checkError).toEqual({ side: 'engine', message: expect.stringMatching(/^the GPU ran out of memory \(Out of memory: could not allocate the export check logits\)/) });

    const notice = describeReport({ report: out.report, checkError: out.checkError, fileName: 'run-oom-onnx-fp32.zip', bytes: 4 });
    // The studio forms' Batch and Max new tokens do not lower what the check holds: the page says
    // what does free memory for it, and where to check again. The export was written before the
    // check ran and is kept: the notice must not read as though the job threw it away.
    expect(notice).toBe(
      'Saved run-oom-onnx-fp32.zip (4 B), but its check could not run our engine: the GPU ran out of memory (Out of memory: could not allocate the export check logits); only the check stopped: the export was written before it and is kept as it is. Close other tabs that use the GPU, and press ONNX again to check the export.',
    );
    expect(notice).not.toMatch(/onnxruntime-web|without keeping them/);
    db.close();
  });
});
