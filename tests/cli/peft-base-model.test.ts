// The adapter a CLI run writes names its base model where Python PEFT finds it from any folder:
// `AutoPeftModelForCausalLM.from_pretrained(run_dir)` loads base_model_name_or_path first. A
// --model folder given relative to where the studio ran ("models/qwen") was written as typed, so
// PEFT run from the run folder (or anywhere else) found no such model; it is its absolute path now,
// as a recipe's train.py already names it. A hub repo id stays the id.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCliModel } from '../../src/cli/engine.ts';
import { modelFromAnywhere } from '../../src/cli/localFiles.ts';
import { importDatasetFiles } from '../../src/data/import-dataset.ts';
import { RunFolderStore } from '../../src/jobs/store/folder.ts';
import { generateTinyModel } from '../../src/model/tiny-model.ts';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../../src/train/config.ts';
import { NARROW, TOKENIZER_DIR } from '../helpers/tinyEngine.ts';

describe('the base model a CLI run\'s adapter_config.json names', () => {
  it('is a --model folder\'s absolute path, however it was given', { timeout: 300_000 }, async () => {
    const root = mkdtempSync(join(tmpdir(), 'peft-base-'));
    try {
      for (const [name, data] of generateTinyModel(NARROW).files) writeFileSync(join(root, name), data);
      for (const name of ['tokenizer.json', 'tokenizer_config.json']) writeFileSync(join(root, name), readFileSync(join(TOKENIZER_DIR, name)));
      const given = relative(process.cwd(), root);
      expect(given.startsWith('/')).toBe(false);
      const { engine } = await (await openCliModel(given, { quiet: true })).engine();
      const demo = (await importDatasetFiles([{ name: 'demo.jsonl', blob: new Blob([readFileSync('public/demo/demo-dataset.jsonl')]) }])).examples;
      const config: RunConfig = { ...DEFAULT_RUN_CONFIG, steps: 1, batchSize: 1, seqLen: 320, evalExamples: 0, evalEvery: 0 };
      const out = join(root, 'run');
      const outcome = await engine.train({ store: new RunFolderStore(out, { model: given, data: ['demo.jsonl'] }), config, examples: { train: demo.slice(0, 2), eval: [] }, resume: false });
      expect(outcome).toMatchObject({ status: 'done' });
      expect(JSON.parse(readFileSync(join(out, 'adapter_config.json'), 'utf8')).base_model_name_or_path).toBe(resolve(given));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('is a hub repo id as it is', () => {
    expect(modelFromAnywhere('Qwen/Qwen2.5-0.5B-Instruct')).toBe('Qwen/Qwen2.5-0.5B-Instruct');
  });
});
