// Q4_K_M, the GGUF most people run in Ollama and LM Studio, and Q5_K_M and Q6_K, compared with
// llama.cpp itself (the build node-llama-cpp ships): the quantizers give ggml's own bytes for rows
// that reach every branch (scripts/gguf-kquant-golden.py); each tensor gets llama-quantize's type,
// for a model K-quantized throughout and for one whose rows (64) make llama-quantize fall back
// (scripts/gguf-kquant-models.ts), and the second's whole files are llama-quantize's byte for byte;
// and llama.cpp runs one as our engine does, within Q4_K's rounding.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readGgufFileInfo } from 'node-llama-cpp';
import { quantize } from '../../src/export/ggufQuant.ts';
import { ggmlTensorBytes, GGML_TYPE, type GgmlQuantType, type GgmlTypeName } from '../../src/export/ggufFile.ts';
import { exportGgufModel, ggufTensorName, ggufTensorType, type GgufExportOptions, type GgufExportType } from '../../src/export/ggufExport.ts';
import { readImportanceMatrix } from '../../src/export/importanceMatrix.ts';
import { memorySource } from '../../src/model/byte-source.ts';
import { weightManifest } from '../../src/model/config.ts';
import { checkGgufWithLlamaCpp } from '../../src/export/ggufCheck.ts';
import { generateTinyModel, tinyModelSpec } from '../../src/model/tiny-model.ts';
import { memoryModelFiles } from '../../src/model/model-files.ts';
import { loadTokenizer } from '../../src/data/tokenizer-load.ts';
import { openLoadedModel, type JobContext } from '../../src/jobs/context.ts';
import { runGgufExport } from '../../src/worker/ggufExportJob.ts';
import { initLoraAdapter } from '../../src/model/lora.ts';
import { nodeQuantPool } from '../../src/cli/quantWorkers.ts';
import { QuantPool, type QuantWorker } from '../../src/export/quantPool.ts';
import { QWEN3_TOKENIZER_DIR } from '../../scripts/gen-tiny-model.ts';
import { IMATRIX_MODEL, imatrixFixturePath, imatrixGoldenPath, KQUANT_MODELS, KQUANT_TYPES, kquantGoldenPath } from '../../scripts/gguf-kquant-models.ts';
import { testGpu } from '../helpers/gpu.ts';

const dir = mkdtempSync(join(tmpdir(), 'gguf-kquant-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const tokenizerJson = readFileSync(join(QWEN3_TOKENIZER_DIR, 'tokenizer.json'), 'utf8');
const tokenizerConfig = readFileSync(join(QWEN3_TOKENIZER_DIR, 'tokenizer_config.json'), 'utf8');
const tokenizer = loadTokenizer(tokenizerJson, JSON.parse(tokenizerConfig));

function f32Of(base64: string): Float32Array {
  const raw = Buffer.from(base64, 'base64');
  return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
}

interface BlockCase {
  name: string;
  values: string;
  [type: string]: string;
}

describe('GGUF block quantizers', () => {
  const golden = JSON.parse(readFileSync(join(import.meta.dirname, '../fixtures/gguf/kquant-golden.json'), 'utf8')) as { cases: BlockCase[] };

  it.each(['Q8_0', 'Q5_0', 'Q5_1', 'Q4_K', 'Q5_K', 'Q6_K'] as GgmlQuantType[])('%s gives llama.cpp\'s bytes: weight-like rows, one sign, zero, constant, tiny, outliers, ties', (type) => {
    for (const c of golden.cases) {
      const raw = Buffer.from(c.values, 'base64');
      const values = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
      expect(Buffer.from(quantize(type, values)).toString('base64'), `${c.name} as ${type}`).toBe(c[type]);
    }
  });

  it.each(['Q5_0', 'Q5_1', 'Q4_K', 'Q5_K', 'Q6_K'] as GgmlQuantType[])('%s with an importance matrix gives llama-quantize --imatrix\'s bytes (weights over orders of magnitude, some zero)', (type) => {
    for (const c of golden.cases) {
      const values = f32Of(c.values);
      const importance = f32Of(c.importance);
      const weighted = Buffer.from(quantize(type, values, importance)).toString('base64');
      expect(weighted, `${c.name} as ${type} with the importance matrix`).toBe(c[`${type} imatrix`]);
      expect(weighted, 'the importance changes the bytes').not.toBe(c[type]);
    }
    // Q8_0 has no weighted form: ggml ignores the matrix.
    const c = golden.cases[0];
    expect(Buffer.from(quantize('Q8_0', f32Of(c.values), f32Of(c.importance))).toString('base64')).toBe(c.Q8_0);
  });

  it('refuses an importance matrix that does not fit the rows or holds a weight that is not a number ≥ 0', () => {
    const values = new Float32Array(512);
    expect(() => quantize('Q4_K', values, new Float32Array(128))).toThrow(/Q4_K with an importance matrix: 128 importance weights are not whole Q4_K blocks of 256/);
    expect(() => quantize('Q5_0', values, new Float32Array(96))).toThrow(/512 values are not whole rows of the 96 importance weights/);
    expect(() => quantize('Q6_K', values, new Float32Array(256).fill(Number.NaN))).toThrow(/importance weight 0 is NaN/);
    expect(() => quantize('Q5_1', values, new Float32Array(512).fill(-1))).toThrow(/importance weight 0 is -1/);
  });

  it('refuses rows that are not whole blocks', () => {
    expect(() => quantize('Q4_K', new Float32Array(320))).toThrow(/Q4_K needs a multiple of 256 values, got 320/);
    expect(() => quantize('Q5_0', new Float32Array(48))).toThrow(/multiple of 32/);
  });

  it('on worker threads (the CLI\'s pool) gives the same bytes, its shares put back in order', async () => {
    const pool = nodeQuantPool(2);
    try {
      // 2,100 blocks of 256: shares of 256K values and a short last one, over two threads.
      const values = new Float32Array(256 * 2100).map((_, i) => Math.sin(i * 0.37) * 0.04 + (i % 997 === 0 ? 1 : 0));
      for (const type of ['Q4_K', 'Q6_K', 'Q8_0'] as GgmlQuantType[]) expect(Buffer.from(await pool.quantize(type, values)).equals(Buffer.from(quantize(type, values))), type).toBe(true);
      await expect(pool.quantize('Q4_K', new Float32Array(320))).rejects.toThrow(/Q4_K needs a multiple of 256 values/);
    } finally {
      pool.close();
    }
    await expect(pool.quantize('Q8_0', new Float32Array(32))).rejects.toThrow(/the quantization pool was closed/);
  }, 60_000);

  it('quantizes on this thread when its workers fail (a worker file that does not load), and says why', async () => {
    // Workers that fail as the first share reaches them, as a browser's does when its script 404s.
    const spawn = (): QuantWorker => {
      let failed = (_: Error) => undefined as void;
      return { post: () => void setTimeout(() => failed(new Error('404 quantWorker.js'))), onReply: () => undefined, onFailure: (l) => (failed = l), terminate: () => undefined };
    };
    const pool = new QuantPool(spawn, 3);
    const values = new Float32Array(256 * 3000).map((_, i) => Math.cos(i * 0.11) * 0.03);
    expect(Buffer.from(await pool.quantize('Q6_K', values)).equals(Buffer.from(quantize('Q6_K', values)))).toBe(true);
    expect(pool.failure?.message).toMatch(/a quantization worker failed \(404 quantWorker\.js\); quantizing on one thread/);
    expect(Buffer.from(await pool.quantize('Q8_0', values)).equals(Buffer.from(quantize('Q8_0', values)))).toBe(true);
    pool.close();
  });
});

const GGML_NAME = new Map<number, GgmlTypeName>(Object.entries(GGML_TYPE).map(([name, id]) => [id, name as GgmlTypeName]));

function modelFiles(name: string) {
  const tiny = generateTinyModel(KQUANT_MODELS[name]);
  const map = new Map(tiny.files);
  map.set('tokenizer.json', tokenizerJson);
  map.set('tokenizer_config.json', tokenizerConfig);
  return { files: memoryModelFiles(map, name), spec: tiny.spec };
}

/** `quantPool`: as the CLI exports it, on worker threads. */
async function exportAs(type: GgufExportType, name: string, quantPool?: QuantPool, importance?: GgufExportOptions['importance']): Promise<{ path: string; files: ReturnType<typeof memoryModelFiles>; weighted: number }> {
  const { files } = modelFiles(name);
  const parts: Uint8Array[] = [];
  const r = await exportGgufModel(await testGpu(), files, { type, adapter: null, name, encode: (t) => tokenizer.encode(t), write: (b) => void parts.push(b.slice()), ...(quantPool ? { quantPool } : {}), ...(importance ? { importance } : {}) });
  const path = join(dir, `${name}-${type}${importance ? '-imatrix' : ''}.gguf`);
  writeFileSync(path, Buffer.concat(parts));
  return { path, files, weighted: r.weightedTensors };
}

/** Each tensor's type and the SHA-256 of its bytes in the GGUF at `path`, as the goldens list them. */
async function tensorHashes(path: string): Promise<Record<string, { type: string; sha256: string }>> {
  const info = await readGgufFileInfo(path, { readTensorInfo: true });
  const bytes = readFileSync(path);
  const ours: Record<string, { type: string; sha256: string }> = {};
  for (const t of info.tensorInfo ?? []) {
    const type = GGML_NAME.get(t.ggmlType as number)!;
    const size = ggmlTensorBytes(type, t.dimensions.map(Number).reverse());
    const start = Number(t.fileOffset);
    ours[t.name] = { type, sha256: createHash('sha256').update(bytes.subarray(start, start + size)).digest('hex') };
  }
  return ours;
}

/** llama.h's LLAMA_FTYPE_MOSTLY_*, as general.file_type. */
const FILE_TYPE = { q4_k_m: 15, q5_k_m: 17, q6_k: 18 };

interface KquantGolden {
  tensors: Record<string, { type: string; sha256: string }>;
}
const kquantGolden = (type: (typeof KQUANT_TYPES)[number], name: string) => JSON.parse(readFileSync(kquantGoldenPath(type, name), 'utf8')) as KquantGolden;

describe('K-quant mixes', () => {
  it.each(KQUANT_TYPES)('%s gives each tensor llama-quantize\'s type: a tied Qwen3 K-quantized throughout, a Llama whose rows of 64 fall back', (type) => {
    for (const name of Object.keys(KQUANT_MODELS)) {
      const spec = tinyModelSpec(KQUANT_MODELS[name]);
      const manifest = weightManifest(spec);
      const tied = !manifest.some((w) => w.name === 'lm_head.weight');
      const ours = Object.fromEntries(manifest.map((w) => [ggufTensorName(w.name), ggufTensorType(ggufTensorName(w.name), w.shape, type, spec.numLayers, tied)]));
      const theirs = Object.fromEntries(Object.entries(kquantGolden(type, name).tensors).filter(([n]) => n !== 'rope_freqs.weight').map(([n, t]) => [n, t.type]));
      expect(ours, `${type} of ${name}`).toEqual(theirs);
    }
  });
});

// Whole files, byte for byte, of the smaller model in each mix: between them they hold every type
// (Q4_K, Q5_K, Q6_K and their fallbacks Q5_0, Q5_1, Q8_0), written in several blocks of rows. The
// larger model's 151,936 × 256 embedding alone took most of a minute to quantize here; its types are
// checked above and its blocks' bytes by the goldens (a Qwen3-0.6B-shaped export matched
// llama-quantize's tensor for tensor, README).
const WHOLE_FILES = [['q4_k_m', 'llama-fallback'], ['q5_k_m', 'llama-fallback'], ['q6_k', 'llama-fallback']] as const;

describe.each(WHOLE_FILES)('%s export of tiny %s', (type, name) => {
  it('is llama-quantize\'s file: the same type and bytes for every tensor', async () => {
    // Q5_K_M as the CLI writes it, on worker threads; the others on this thread.
    const pool = type === 'q5_k_m' ? nodeQuantPool(2) : undefined;
    const { path, files } = await exportAs(type, name, pool).finally(() => pool?.close());
    const golden = kquantGolden(type, name);
    const info = await readGgufFileInfo(path, { readTensorInfo: true });
    expect((info.metadata as unknown as { general: { file_type: number } }).general.file_type).toBe(FILE_TYPE[type]);
    expect(await tensorHashes(path)).toEqual(golden.tensors);
    if (name !== 'llama-fallback' || type !== 'q4_k_m') return;

    // llama.cpp runs it (Q4_K, Q6_K, Q5_0 and Q8_0 matrices: the smaller model has all four), and
    // its next-token distribution is our engine's within their rounding.
    const text = '<|im_start|>user\nWhat is the weather in Oslo?<|im_end|>\n<|im_start|>assistant\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Oslo"}}\n</tool_call><|im_end|>';
    const report = await checkGgufWithLlamaCpp(await testGpu(), files, null, { path, type: 'q4_k_m', texts: [{ text, ids: tokenizer.encode(text) }], maxTokens: 16, threads: 1 });
    expect(report.tokenizerEqual).toBe(true);
    expect(report.topDisagreements).toBe(0);
    // Measured 0.32 over llama.cpp's 40 most likely tokens (Q8_0 on the embedded model: 0.63).
    expect(report.maxGapDiff).toBeLessThan(1.5);
    expect(report.maxGapDiff).toBeGreaterThan(0.01);
    expect(report.passed).toBe(true);
  }, 120_000);
});

describe('Q4_K_M with an importance matrix', () => {
  it('is llama-quantize --imatrix\'s file for the same matrix (Q4_K, Q6_K and Q5_0 weighted, Q8_0 as without), and says which matrix', async () => {
    // The matrix `studio export-gguf --imatrix-data` collected over demo conversations (scripts/gguf-kquant-models.ts).
    const matrix = await readImportanceMatrix(memorySource(readFileSync(imatrixFixturePath), 'llama-fallback.imatrix.gguf'));
    const pool = nodeQuantPool(2);
    const { path, weighted } = await exportAs('q4_k_m', IMATRIX_MODEL, pool, { matrix, fileName: 'llama-fallback.imatrix.gguf' }).finally(() => pool.close());
    const golden = JSON.parse(readFileSync(imatrixGoldenPath, 'utf8')) as KquantGolden;
    const ours = await tensorHashes(path);
    expect(ours).toEqual(golden.tensors);
    // The matrix changed every weighted tensor: the plain file's bytes differ there.
    const plain = kquantGolden('q4_k_m', IMATRIX_MODEL).tensors;
    const changed = Object.keys(ours).filter((n) => ours[n].sha256 !== plain[n].sha256);
    expect(changed.length).toBe(weighted);
    expect(weighted).toBe(20);
    const meta = (await readGgufFileInfo(path)).metadata as unknown as { quantize: { imatrix: Record<string, unknown> } };
    expect(meta.quantize.imatrix).toMatchObject({ file: 'llama-fallback.imatrix.gguf', entries_count: 21, chunks_count: matrix.chunkCount });
    expect(String(meta.quantize.imatrix.dataset)).toMatch(/^demo-dataset\.jsonl: 24 training examples$/);
  }, 120_000);

  it('refuses a matrix of another model and a type it has no use for, before writing anything', async () => {
    const { files } = modelFiles(IMATRIX_MODEL);
    const matrix = await readImportanceMatrix(memorySource(readFileSync(imatrixFixturePath), 'm.gguf'));
    matrix.entries.set('blk.0.attn_q.weight', { sums: new Float32Array(32), count: 5 });
    const written: Uint8Array[] = [];
    const opts = { adapter: null, name: 'x', encode: (t: string) => tokenizer.encode(t), write: (b: Uint8Array) => void written.push(b) };
    await expect(exportGgufModel(await testGpu(), files, { ...opts, type: 'q4_k_m', importance: { matrix, fileName: 'm.gguf' } })).rejects.toThrow(/the importance matrix has 32 values for blk\.0\.attn_q\.weight, which has 64 columns/);
    await expect(exportGgufModel(await testGpu(), files, { ...opts, type: 'q8_0', importance: { matrix, fileName: 'm.gguf' } })).rejects.toThrow(/q8_0 has no use for one/);
    expect(written).toEqual([]);
  });
});

describe('GGUF file sizes', () => {
  it('an export says the size its file has in every other type, to the byte', async () => {
    const { files } = modelFiles('llama-fallback');
    const written = new Map<string, { bytes: number; bytesAs: Record<string, number> }>();
    // Every export checks its own size against what it wrote (ggufExport.ts); the file's header,
    // the same size whatever the type, makes each export's sizes of the others right too. Two quick
    // types show it (a K-quant's whole files are exported above).
    const types = ['q8_0', 'f16'] as const;
    for (const type of types) {
      let bytes = 0;
      const r = await exportGgufModel(await testGpu(), files, { type, adapter: null, name: 'sizes', encode: (t) => tokenizer.encode(t), write: (b) => void (bytes += b.byteLength) });
      expect(r.bytes).toBe(bytes);
      written.set(type, r);
    }
    for (const a of types) for (const b of types) expect(written.get(a)!.bytesAs[b], `${a}'s size as ${b}`).toBe(written.get(b)!.bytes);
    // And what the fallbacks make of each type, from the types it wrote by (its rows of 64 are no
    // whole K-quant blocks; Q8_0's 32-value ones fit them): what the page says beside its buttons.
    const { fallbackAs } = written.get('q8_0') as Awaited<ReturnType<typeof exportGgufModel>>;
    expect(Object.keys(fallbackAs).sort()).toEqual(['q4_k_m', 'q5_k_m', 'q6_k']);
    expect(fallbackAs.q4_k_m).toMatchObject({ rowLengths: [64], block: 256 });
  }, 60_000);
});

describe('the studio\'s GGUF export job', () => {
  it('stops at the next block of rows when the page cancels it, and keeps nothing', async () => {
    const { files, spec } = modelFiles('llama-fallback');
    const cancel = new AbortController();
    const seen: string[] = [];
    const ctx = {
      gpu: await testGpu(),
      model: await openLoadedModel(files, 'llama-fallback'),
      signal: cancel.signal,
      // Cancelled as the first matrix is being written (cancelJob aborts the job's signal).
      progress: (p: { label: string }) => {
        seen.push(p.label);
        if (p.label.includes('embed_tokens')) cancel.abort();
      },
    } as unknown as JobContext;
    const adapter = initLoraAdapter(spec, { rank: 2, alpha: 4, useRsLora: false, dropout: 0, targets: ['q', 'v'] }, 1);
    const err = await runGgufExport(ctx, { adapter, type: 'q4_k_m', name: 'cancelled' }).then(() => null, (e: Error) => e);
    expect(err?.name).toBe('AbortError');
    expect(seen.filter((l) => l.includes('embed_tokens'))).toHaveLength(1);
    expect(seen.some((l) => l.includes('layers.0'))).toBe(false);
  }, 60_000);
});
