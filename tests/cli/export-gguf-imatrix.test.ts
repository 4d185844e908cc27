// `studio export-gguf` with an importance matrix: collected on the GPU from a dataset's training
// examples (the run folder's split and length) and saved as llama-imatrix's file, or read from such a
// file; a file made either way from the same matrix is the same file. The flags that cannot go
// together, a file that is no matrix and a matrix of another model are refused in words, and
// nothing is written.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { studioInProcess } from '../helpers/studioInProcess.ts';
import { tinyModelMap } from '../helpers/tinyEngine.ts';
import { memorySource } from '../../src/model/byte-source.ts';
import { readImportanceMatrix } from '../../src/export/importanceMatrix.ts';
import { imatrixFixturePath } from '../../scripts/gguf-kquant-models.ts';

const DATA = 'public/demo/demo-dataset.jsonl';
const root = mkdtempSync(join(tmpdir(), 'studio-gguf-imatrix-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const model = join(root, 'model');
mkdirSync(model);
for (const [name, data] of tinyModelMap()) writeFileSync(join(model, name), data);

describe('studio export-gguf with an importance matrix', () => {
  it('collects one from the run\'s training examples, saves it as llama-imatrix does, and the saved file gives the same GGUF', { timeout: 180_000 }, async () => {
    const run = join(root, 'run');
    const trained = await studioInProcess(['train', '--model', model, '--data', DATA, '--out', run, '--steps', '1', '--batch', '1', '--seq', '320', '--rank', '2', '--eval-every', '0', '--quiet']);
    expect(trained.code, trained.err).toBe(0);
    const saved = join(root, 'run.imatrix.gguf');
    const first = join(root, 'first.gguf');
    // --check-data compares the file with the trained model over the answers of the run's held-out
    // conversations, as the studio's Check it does. Given the same files as --imatrix-data, they are
    // imported once: a record they pass over is said once.
    const data = join(root, 'data-with-a-bad-record.jsonl');
    writeFileSync(data, `${readFileSync(DATA, 'utf8')}{"messages": "not a list"}\n`);
    const r = await studioInProcess(['export-gguf', '--model', model, '--adapter', run, '--out', first, '--type', 'q4_k_m', '--imatrix-data', data, '--imatrix-examples', '12', '--save-imatrix', saved, '--check-data', data, '--no-check', '--quiet']);
    expect(r.code, r.err).toBe(0);
    expect(r.err.match(/"messages" is the string "not a list"/g)).toHaveLength(1);
    const line = /^check in the engine over the answers of (\d) held-out conversations \((\d+) positions\): mean KL divergence from the trained model (\S+) nats, the same most likely next token (at every position|at [\d.]+% of them)$/m.exec(r.out);
    expect(line, r.out).not.toBeNull();
    expect(Number(line![1])).toBeGreaterThan(4);
    expect(Number(line![3])).toBeGreaterThan(0);
    expect(r.out).toMatch(/^importance matrix: 12 training examples, \d+ tokens, 14 weights, in [\d.]+ s$/m);
    expect(r.out).toContain(`wrote ${saved}: the importance matrix as llama-imatrix writes it (llama-quantize --imatrix run.imatrix.gguf)`);
    expect(r.out).toMatch(/24 tensors as q4_k_m \(12 Q5_0, 3 Q8_0, 9 F32\), 12 weighted by the importance matrix, LoRA merged/);
    const matrix = await readImportanceMatrix(memorySource(readFileSync(saved), 'run.imatrix.gguf'));
    expect(matrix.entries.size).toBe(14);
    expect(matrix).toMatchObject({ datasets: ['data-with-a-bad-record.jsonl: 12 training examples'], chunkCount: 12 });
    // The run's own length: no example past --seq 320 is in it.
    expect(matrix.chunkSize).toBeLessThanOrEqual(320);

    // The saved matrix gives the same file.
    const again = join(root, 'again.gguf');
    const fromFile = await studioInProcess(['export-gguf', '--model', model, '--adapter', run, '--out', again, '--type', 'q4_k_m', '--imatrix', saved, '--no-check', '--quiet']);
    expect(fromFile.code, fromFile.err).toBe(0);
    expect(readFileSync(again).equals(readFileSync(first))).toBe(true);
  });

  it('refuses flags that cannot go together, a file that is no matrix and a matrix of another model, writing nothing', { timeout: 60_000 }, async () => {
    const out = join(root, 'refused.gguf');
    const refusals: Array<[string[], RegExp]> = [
      [['--type', 'q8_0', '--imatrix-data', DATA], /an importance matrix weighs the K-quant mixes' rounding \(--type q4_k_m, q5_k_m or q6_k\); q8_0 has no use for one/],
      [['--type', 'q4_k_m', '--imatrix-data', DATA, '--imatrix', imatrixFixturePath], /give the importance matrix one way/],
      [['--type', 'q4_k_m', '--save-imatrix', join(root, 'm.gguf')], /--save-imatrix writes the matrix --imatrix-data collects: give --imatrix-data/],
      [['--type', 'q4_k_m', '--imatrix-data', DATA, '--save-imatrix', join(root, 'run.imatrix.gguf')], /--save-imatrix .*run\.imatrix\.gguf exists; pass --force to replace it/],
      [['--type', 'q4_k_m', '--imatrix-data', DATA, '--imatrix-examples', '0'], /--imatrix-examples/],
      [['--adapter', join(root, 'run'), '--adapter-only', '--check-data', DATA], /--check-data compares a whole model's file with the trained model/],
      [['--type', 'q4_k_m', '--imatrix', join(root, 'missing.gguf')], /--imatrix .*missing\.gguf: no such file/],
      [['--type', 'q4_k_m', '--imatrix', DATA], /--imatrix demo-dataset\.jsonl is neither a GGUF nor an imatrix\.dat importance matrix/],
      [['--type', 'q4_k_m', '--imatrix', imatrixFixturePath], /--imatrix .*llama-fallback\.imatrix\.gguf: the importance matrix has 64 values for blk\.0\.attn_q\.weight, which has 32 columns: it is not a matrix of /],
    ];
    for (const [flags, message] of refusals) {
      const r = await studioInProcess(['export-gguf', '--model', model, '--out', out, '--no-check', '--quiet', ...flags]);
      expect(r.code, flags.join(' ')).toBe(2);
      expect(r.err, flags.join(' ')).toMatch(message);
      expect(existsSync(out)).toBe(false);
      expect(existsSync(`${out}.partial`)).toBe(false);
    }
    // --force replaces an earlier export, never a file the export reads (it wrote the GGUF over the dataset).
    const dataset = join(root, 'dataset.jsonl');
    writeFileSync(dataset, readFileSync(DATA));
    for (const flag of ['--check-data', '--imatrix-data']) {
      const r = await studioInProcess(['export-gguf', '--model', model, '--out', dataset, '--type', 'q4_k_m', flag, dataset, '--force', '--no-check', '--quiet']);
      expect([r.code, r.err.trim()], flag).toEqual([2, `studio export-gguf: --out ${dataset} is also the ${flag} file; writing it would destroy it: choose another --out`]);
    }
    expect(readFileSync(dataset).equals(readFileSync(DATA))).toBe(true);
  });
});
