// `studio export-onnx` of the embedded tiny model, run in-process (main) so that a test file's
// vi.mock of a module the command uses applies: its exit code, --out, and what it printed. --out is
// left under the run's temporary root (tempRoot.ts removes it), to be read after.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.ts';

export async function exportOnnxInProcess(prefix: string): Promise<{ code: number; out: string; errors: string[]; printed: string[] }> {
  const out = join(mkdtempSync(join(tmpdir(), prefix)), 'onnx');
  const errors: string[] = [];
  const printed: string[] = [];
  const [error, log] = [console.error, console.log];
  console.error = (m: string) => errors.push(m);
  console.log = (m: string) => printed.push(m);
  try {
    const code = await main(['export-onnx', '--model', 'public/models/tiny-qwen3', '--out', out, '--quiet']);
    return { code, out, errors, printed };
  } finally {
    [console.error, console.log] = [error, log];
  }
}
