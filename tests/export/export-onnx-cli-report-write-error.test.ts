// `studio export-onnx` in-process, with the disk filling up while the check report is written
// after the export and its check: the raw ENOSPC did not say that the export itself was written
// (and checked); now the command says so, prints the check, and leaves no half-written report.
import * as fs from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { exportOnnxInProcess } from '../helpers/exportOnnxCli.ts';
import type { ExportCheckReport } from '../../src/export/verifyExport.ts';

vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  const writeFileSync: typeof real.writeFileSync = (path, data, options) => {
    if (String(path).endsWith('export_check.json')) {
      real.writeFileSync(path, '{"pass'); // what a full disk leaves of it
      throw Object.assign(new Error(`ENOSPC: no space left on device, write '${String(path)}'`), { code: 'ENOSPC' });
    }
    return real.writeFileSync(path, data, options);
  };
  return { ...real, default: { ...real, writeFileSync }, writeFileSync };
});

// The check itself (onnxruntime-web on the export) is tested elsewhere; here it passes at once.
const report = { executionProvider: 'wasm', dtype: 'fp32', maxAbsDiff: 1e-6, tolerance: 1e-3, kvCacheMaxAbsDiff: 1e-6, greedyEqual: true, greedyNearTie: false, passed: true, prompts: [] } as unknown as ExportCheckReport;
vi.mock('../../src/export/verifyExport.ts', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../src/export/verifyExport.ts')>()),
  verifyOnnxExport: async () => report,
}));

describe('studio export-onnx when its check report cannot be written', () => {
  it('says the export is written and checked, prints the check, and leaves no half report', async () => {
    const { code, out, errors, printed } = await exportOnnxInProcess('studio-export-report-error-');
    expect(code).toBe(1);
    expect(errors.at(-1)).toBe(`studio export-onnx: the export in ${out} is written and its check passed, but export_check.json could not be written (ENOSPC: no space left on device)`);
    expect(printed.at(-1)).toMatch(/^check \(wasm, fp32\): .* → passed$/);
    expect(fs.existsSync(join(out, 'onnx/model.onnx'))).toBe(true);
    expect(fs.existsSync(join(out, 'export_check.json'))).toBe(false);
  }, 300_000);
});
