// Snapshot zips: export → import gives back the run, the PEFT adapter, the checkpoint and the
// dataset exactly; the adapter entries are the bytes exportPeftAdapter writes (loadable by Python
// PEFT); and every kind of bad snapshot is refused with one error naming the entry and the field.
import { describe, expect, it } from 'vitest';
import { initLoraAdapter } from '../../src/model/lora.ts';
import { exportPeftAdapter } from '../../src/model/peft.ts';
import { tinyModelSpec, tinyTestOptions } from '../../src/model/tiny-model.ts';
import { decodeCheckpoint } from '../../src/train/checkpointFile.ts';
import { SNAPSHOT_ZIP_LIMITS } from '../../src/snapshot/limits.ts';
import { exportSnapshot, importSnapshot } from '../../src/snapshot/snapshot-file.ts';
import { SnapshotError } from '../../src/snapshot/validate.ts';
import { readZip, writeZip } from '../../src/snapshot/zip.ts';
import { readFileSync } from 'node:fs';
import { importDatasetFiles } from '../../src/data/import-dataset.ts';
import { datasetFingerprint } from '../../src/data/fingerprint.ts';
import { encodeDatasetJsonl, parseDatasetJsonl } from '../../src/snapshot/dataset-jsonl.ts';
import { checkpointFor, examples, fullInput, runJson, spec, trainedAdapter } from './fixtures.ts';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

/** The entries of a valid snapshot with some replaced (or removed with null), re-zipped. */
async function tampered(changes: Record<string, Uint8Array | null>): Promise<Uint8Array> {
  const entries = readZip(exportSnapshot(await fullInput()), SNAPSHOT_ZIP_LIMITS, 'test');
  for (const [name, data] of Object.entries(changes)) {
    if (data === null) entries.delete(name);
    else entries.set(name, data);
  }
  return writeZip([...entries].map(([name, data]) => ({ name, data, level: 6 })), new Date(Date.UTC(2025, 0, 1)));
}

async function runWith(edit: (run: Record<string, any>) => void): Promise<Uint8Array> {
  const entries = readZip(exportSnapshot(await fullInput()), SNAPSHOT_ZIP_LIMITS, 'test');
  const run = JSON.parse(dec(entries.get('run.json')!));
  edit(run);
  return tampered({ 'run.json': enc(JSON.stringify(run)) });
}

async function refusal(bytes: Uint8Array, options = {}): Promise<string> {
  const err = await importSnapshot(bytes, options).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SnapshotError);
  return (err as Error).message;
}

describe('snapshot export and import', () => {
  it('round-trips run.json, the adapter, the checkpoint and the dataset exactly', async () => {
    const input = await fullInput();
    const zip = exportSnapshot(input);
    const snap = await importSnapshot(zip, { spec });
    const want = await runJson();
    expect(snap.run).toEqual({ ...want, schema: 'balancesft-run/1' });
    const adapter = trainedAdapter();
    expect(snap.adapter!.adapter.settings).toMatchObject({ rank: 4, alpha: 8, targets: ['q', 'v', 'down'] });
    for (const [key, values] of adapter.tensors) expect(snap.adapter!.adapter.tensors.get(key)).toEqual(values);
    const expectedState = (await decodeCheckpoint(checkpointFor(adapter))).state;
    expect(snap.checkpoint!.state).toEqual(expectedState);
    expect(snap.dataset).toEqual(examples());
  });

  it('carries the fields a tool came with beyond name, description and parameters (OpenAI\'s "strict"), in their order', async () => {
    const file = { name: 'openai-template.jsonl', blob: new Blob([readFileSync('tests/fixtures/data/openai-template.jsonl')]) };
    const imported = (await importDatasetFiles([file])).examples;
    const strictTool = imported.flatMap((e) => e.tools).find((t) => (t as unknown as Record<string, unknown>).strict === true);
    expect(strictTool).toBeDefined();
    const back = parseDatasetJsonl(encodeDatasetJsonl(imported)).examples;
    expect(back).toEqual(imported);
    expect(back.map((e) => JSON.stringify(e.tools))).toEqual(imported.map((e) => JSON.stringify(e.tools)));
    expect(await datasetFingerprint(back)).toBe(await datasetFingerprint(imported));
  });

  it('refuses to export a dataset its import would refuse, rather than write a file nobody can open', async () => {
    const bad = { ...examples(1)[0], messages: [{ role: 'robot', content: 'hi' }] } as unknown as ReturnType<typeof examples>[number];
    const input = { ...(await fullInput()), dataset: [bad] };
    expect(() => exportSnapshot(input)).toThrow(/^dataset\.jsonl line 1: messages\[0\]\.role must be one of/);
  });

  it('writes adapter_config.json and adapter_model.safetensors byte-identical to exportPeftAdapter', async () => {
    const entries = readZip(exportSnapshot(await fullInput()), SNAPSHOT_ZIP_LIMITS, 'test');
    const peft = exportPeftAdapter(spec, trainedAdapter(), 'embedded:tiny-qwen3');
    expect(dec(entries.get('adapter_config.json')!)).toBe(peft.adapterConfigJson);
    expect(entries.get('adapter_model.safetensors')).toEqual(peft.adapterSafetensors);
    expect([...entries.keys()].sort()).toEqual(['adapter_config.json', 'adapter_model.safetensors', 'checkpoint.safetensors', 'dataset.jsonl', 'run.json']);
  });

  it('is deterministic: the same run exports to the same bytes', async () => {
    expect(exportSnapshot(await fullInput())).toEqual(exportSnapshot(await fullInput()));
  });

  it('imports a snapshot unzipped and compressed again with macOS\'s Finder (its folder, __MACOSX/ and .DS_Store)', async () => {
    const original = exportSnapshot(await fullInput());
    const files = [...readZip(original, SNAPSHOT_ZIP_LIMITS, 'test')];
    const finder = writeZip(
      [
        { name: 'first-run-step30/', data: new Uint8Array(0), level: 0 },
        ...files.map(([name, data]) => ({ name: `first-run-step30/${name}`, data, level: 6 as const })),
        { name: 'first-run-step30/.DS_Store', data: new Uint8Array(6148), level: 6 },
        { name: '__MACOSX/', data: new Uint8Array(0), level: 0 },
        { name: '__MACOSX/first-run-step30/', data: new Uint8Array(0), level: 0 },
        ...files.map(([name]) => ({ name: `__MACOSX/first-run-step30/._${name}`, data: new Uint8Array(4096), level: 6 as const })),
      ],
      new Date(Date.UTC(2025, 0, 1)),
    );
    const [again, snap] = [await importSnapshot(finder), await importSnapshot(original)];
    expect(again.run).toEqual(snap.run);
    expect(again.adapter!.files).toEqual(snap.adapter!.files);
    expect(again.checkpoint!.bytes).toEqual(snap.checkpoint!.bytes);
  });

  it('imports without a loaded model by checking shapes against run.json model.spec', async () => {
    const snap = await importSnapshot(exportSnapshot(await fullInput()));
    expect(snap.adapter!.adapter.tensors.size).toBe(2 * 3 * 2);
  });

  it('keeps a diverged (NaN) loss as null, and a metrics-only snapshot needs no adapter', async () => {
    const run = await runJson(5);
    run.metrics[2].loss = NaN;
    run.metrics[3].gradNorm = Infinity;
    const snap = await importSnapshot(exportSnapshot({ run }));
    expect(snap.run.metrics[2].loss).toBeNull();
    expect(snap.run.metrics[3].gradNorm).toBeNull();
    expect(snap.run.metrics[1].loss).toBe(run.metrics[1].loss);
    expect(snap.adapter).toBeUndefined();
    expect(snap.checkpoint).toBeUndefined();
  });

  it('exports and imports a run trained before seeds were limited to 32 bits (seed 5000000000), as it was trained', async () => {
    const run = await runJson(3);
    run.config = { ...run.config, seed: 5_000_000_000 };
    expect((await importSnapshot(exportSnapshot({ run }))).run.config.seed).toBe(5_000_000_000);
  });

  it('refuses to export a run.json that import would refuse', async () => {
    const run = await runJson(3);
    run.config = { ...run.config, lr: -1 };
    expect(() => exportSnapshot({ run })).toThrow(/run\.json: config\.lr must be ≥ 0/);
  });

  it('refuses to export a zip whose entries import would refuse for their size, naming the entry and the limit', async () => {
    // The row and line counts run.json and dataset.jsonl allow (limits.ts) can take either past its zip entry cap.
    const input = await fullInput();
    const datasetBytes = encodeDatasetJsonl(input.dataset!).byteLength;
    const limits = { ...SNAPSHOT_ZIP_LIMITS, maxEntryBytes: { ...SNAPSHOT_ZIP_LIMITS.maxEntryBytes, 'dataset.jsonl': datasetBytes - 1 } };
    expect(() => exportSnapshot(input, limits)).toThrow(`dataset.jsonl: ${datasetBytes} bytes, but a snapshot's dataset.jsonl may have at most ${datasetBytes - 1} (import refuses more); export the run without its dataset`);
    const total = { ...SNAPSHOT_ZIP_LIMITS, maxTotalBytes: 1000 };
    expect(() => exportSnapshot(input, total)).toThrow(/^snapshot: its entries come to \d+ bytes, but a snapshot may hold at most 1000 \(import refuses more\)$/);
    expect(await importSnapshot(exportSnapshot(input), { spec })).toBeDefined();
  });
});

describe('snapshot import refuses bad snapshots', () => {
  it('without run.json', async () => {
    expect(await refusal(await tampered({ 'run.json': null }))).toBe('snapshot: run.json is missing; this is not a BalanceSFT Studio snapshot');
  });

  it('with a wrong schema version, naming the field', async () => {
    expect(await refusal(await runWith((r) => (r.schema = 'balancesft-run/9')))).toMatch(/^run\.json: schema must be "balancesft-run\/1"/);
  });

  it('with a non-finite or wrong-typed metric, naming its path', async () => {
    expect(await refusal(await runWith((r) => (r.metrics[7].loss = '1.5')))).toMatch(/^run\.json: metrics\[7\]\.loss must be a finite number/);
    expect(await refusal(await runWith((r) => (r.metrics[2].step = 1.5)))).toMatch(/^run\.json: metrics\[2\]\.step must be a whole number/);
    expect(await refusal(await runWith((r) => (r.metrics[3].step = 1)))).toMatch(/metrics must be in increasing step order/);
  });

  it('with unknown fields, missing fields, and over-long strings', async () => {
    expect(await refusal(await runWith((r) => (r.run.html = '<b>x</b>')))).toBe('run.json: run.html is not a known field');
    expect(await refusal(await runWith((r) => delete r.config.lora.rank))).toBe('run.json: config.lora.rank is missing');
    expect(await refusal(await runWith((r) => (r.run.name = 'x'.repeat(201))))).toBe('run.json: run.name is 201 characters long; the limit is 200');
    expect(await refusal(await runWith((r) => (r.config.loss = 'mystery')))).toMatch(/^run\.json: config: /);
    expect(await refusal(await runWith((r) => (r.hdrRounds[1].passRate = 1.5)))).toBe('run.json: hdrRounds[1].passRate must be ≤ 1, got 1.5');
    expect(await refusal(await runWith((r) => (r.evaluation.byCategory = JSON.parse('{"__proto__": 0.5}'))))).toBe('run.json: evaluation.byCategory."__proto__" is not an allowed name');
  });

  it('with a dataset line whose call arguments gained a __proto__ argument (kept as data, so the fingerprint no longer matches)', async () => {
    const lines = examples().map((e) => JSON.stringify(e));
    lines[1] = lines[1].replace('"arguments":{"a":1', '"arguments":{"__proto__":{"x":1},"a":1');
    expect(await refusal(await tampered({ 'dataset.jsonl': enc(lines.join('\n')) }))).toMatch(/^dataset\.jsonl: fingerprint sha256:\w+ differs from run\.json dataset\.fingerprint/);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('with adapter weights that do not match adapter_config.json', async () => {
    // The same LoRA settings on a narrower model: same keys, different shapes.
    const narrow = tinyModelSpec(tinyTestOptions('qwen3', { hiddenSize: 32, numHeads: 2, numKvHeads: 1 }));
    const wrongShapes = exportPeftAdapter(narrow, initLoraAdapter(narrow, trainedAdapter().settings, 1), 'x');
    const message = await refusal(await tampered({ 'adapter_model.safetensors': wrongShapes.adapterSafetensors, 'checkpoint.safetensors': null }));
    expect(message).toMatch(/^adapter_model\.safetensors: tensor "base_model\.model\.model\.layers\.0\.\S+" has shape \[\d+, \d+\], but r=4 on Qwen3ForCausalLM needs \[\d+, \d+\]$/);
  });

  it('with an adapter whose settings differ from run.json config.lora', async () => {
    const config = JSON.parse(exportPeftAdapter(spec, trainedAdapter(), 'x').adapterConfigJson);
    config.lora_alpha = 32;
    const message = await refusal(await tampered({ 'adapter_config.json': enc(JSON.stringify(config)) }));
    expect(message).toMatch(/^adapter_config\.json: r=4, alpha=32, .* differ from run\.json config\.lora \(r=4, alpha=8,/);
  });

  it('with an adapter_config.json PEFT features the engine does not run, naming that file', async () => {
    const config = JSON.parse(exportPeftAdapter(spec, trainedAdapter(), 'x').adapterConfigJson);
    config.use_dora = true;
    expect(await refusal(await tampered({ 'adapter_config.json': enc(JSON.stringify(config)) }))).toBe('adapter_config.json: DoRA adapters (use_dora=true) are not supported');
    expect(await refusal(await tampered({ 'adapter_config.json': enc('{oops') }))).toMatch(/^adapter_config\.json: not valid JSON/);
  });

  it('with a target_modules regex that could backtrack for ever, or one that is no regex, quickly and naming the config', async () => {
    const config = JSON.parse(exportPeftAdapter(spec, trainedAdapter(), 'x').adapterConfigJson);
    const t0 = performance.now();
    for (const pattern of ['(.+)+Z', '((.+)+)+Z', '(a|aa)+b']) {
      config.target_modules = pattern;
      expect(await refusal(await tampered({ 'adapter_config.json': enc(JSON.stringify(config)) }))).toBe(
        `adapter_config.json: target_modules ${JSON.stringify(pattern)} repeats a group that itself repeats or alternates, which can take for ever to match; list the module names instead`,
      );
    }
    expect(performance.now() - t0).toBeLessThan(5000); // (.+)+Z alone took 31 s to fail, ((.+)+)+Z never ended
    config.target_modules = '(';
    expect(await refusal(await tampered({ 'adapter_config.json': enc(JSON.stringify(config)) }))).toMatch(/^adapter_config\.json: target_modules "\(" is not a regular expression/);
    expect(await refusal(await tampered({ 'adapter_config.json': enc('null') }))).toBe('adapter_config.json: is not a JSON object of LoRA settings');
  });

  it('with rsLoRA on in the adapter only, saying so instead of listing equal numbers', async () => {
    const config = JSON.parse(exportPeftAdapter(spec, trainedAdapter(), 'x').adapterConfigJson);
    config.use_rslora = true;
    expect(await refusal(await tampered({ 'adapter_config.json': enc(JSON.stringify(config)) }))).toMatch(/rsLoRA on, layers all differ from run\.json config\.lora \(r=4, alpha=\d+, targets [\w,]+, rsLoRA off, layers all\)$/);
  });

  it('with a run.json that is not JSON, calling it that', async () => {
    const zip = await tampered({ 'run.json': enc('{"loss": NaN}') });
    expect(await refusal(zip)).toMatch(/^run\.json: not valid JSON \(/);
  });

  it('with only half of the adapter', async () => {
    expect(await refusal(await tampered({ 'adapter_config.json': null, 'checkpoint.safetensors': null }))).toMatch(/^adapter_config\.json: missing/);
  });

  it('with NaN adapter weights', async () => {
    const adapter = trainedAdapter();
    adapter.tensors.values().next().value![5] = NaN;
    const peft = exportPeftAdapter(spec, adapter, 'embedded:tiny-qwen3');
    const message = await refusal(await tampered({ 'adapter_model.safetensors': peft.adapterSafetensors, 'checkpoint.safetensors': null }));
    expect(message).toMatch(/^adapter_model\.safetensors: tensor .* holds NaN at element 5/);
  });

  it('with a checkpoint that does not belong to the adapter or the model', async () => {
    const other = trainedAdapter();
    other.tensors.get([...other.tensors.keys()][1])![0] += 1;
    expect(await refusal(await tampered({ 'checkpoint.safetensors': checkpointFor(other) }))).toMatch(/^checkpoint\.safetensors: its LoRA parameters differ from adapter_model\.safetensors/);
    expect(await refusal(await tampered({ 'checkpoint.safetensors': enc('not a checkpoint') }))).toMatch(/^checkpoint\.safetensors: /);
  });

  it('when the loaded model is not the one the run was trained on', async () => {
    const other = tinyModelSpec(tinyTestOptions('qwen3', { numLayers: 3 }));
    expect(await refusal(exportSnapshot(await fullInput()), { spec: other })).toBe(
      'run.json: model.spec.numLayers is 2, but the loaded model has 3; load the model the run was trained on',
    );
  });

  it('with a dataset that no longer matches its fingerprint', async () => {
    const changed = examples();
    changed[2].messages[0].content = 'add 2 and 2';
    const jsonl = enc(changed.map((e) => JSON.stringify(e)).join('\n'));
    expect(await refusal(await tampered({ 'dataset.jsonl': jsonl }))).toMatch(/^dataset\.jsonl: fingerprint sha256:[0-9a-f]+ differs from run\.json dataset\.fingerprint/);
    const badLine = enc(examples().map((e, i) => (i === 3 ? JSON.stringify({ ...e, messages: [{ role: 'robot', content: 'x' }] }) : JSON.stringify(e))).join('\n'));
    expect(await refusal(await tampered({ 'dataset.jsonl': badLine }))).toMatch(/^dataset\.jsonl line 4: messages\[0\]\.role must be one of/);
    const badInclusion = enc(examples().map((e, i) => JSON.stringify({ ...e, included: i === 1 ? 'yes' : true })).join('\n'));
    expect(await refusal(await tampered({ 'dataset.jsonl': badInclusion }))).toBe('dataset.jsonl line 2: included must be true or false');
  });

  it('carries whether each example was used for training beside it, outside the fingerprint', async () => {
    const inclusion = new Map(examples().map((e, i) => [e.id, i !== 2]));
    const snap = await importSnapshot(exportSnapshot({ ...(await fullInput()), datasetInclusion: inclusion }), { spec });
    expect(snap.dataset).toEqual(examples());
    expect(snap.datasetInclusion).toEqual(inclusion);
    expect((await importSnapshot(exportSnapshot(await fullInput()))).datasetInclusion).toBeUndefined();
  });

  it('that is not a zip at all', async () => {
    expect(await refusal(enc('PK but not really a zip file'))).toMatch(/^snapshot: not a zip file/);
    expect(await refusal(new Uint8Array(0), { label: 'dropped.zip' })).toBe('dropped.zip: not a zip file (only 0 bytes)');
  });
});
