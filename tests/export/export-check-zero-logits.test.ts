// A check prompt the model gives exactly-zero logits for compares nothing: both runtimes agree on
// zeros whatever the export holds. The embedded tiny model does this for any token outside its
// pre-training data (its embedding rows are zero there), so `--prompt "hi there"` once "passed".
// Such a check must say it could not check, and what to change, not "passed".
import { describe, expect, it } from 'vitest';
import { exportAndCheck } from '../../src/export/index.ts';
import { generateTinyModel, tinyTestOptions } from '../../src/model/tiny-model.ts';
import { memoryModelFiles } from '../../src/model/model-files.ts';
import { inCommandWords } from '../../src/cli/command.ts';
import exportOnnx from '../../src/cli/commands/export-onnx.ts';
import { testGpu } from '../helpers/gpu.ts';

describe('export check on a prompt the model gives no logits for', () => {
  it('says it could not check, naming the prompt and what to change (the CLI names --prompt)', async () => {
    const gpu = await testGpu();
    // Zero weights: every token's embedding row is zero, as the embedded model's unused rows are.
    const tiny = generateTinyModel(tinyTestOptions('qwen3', { initStd: 0 }));
    const files = memoryModelFiles(tiny.files, 'tiny-zero');
    const out = await exportAndCheck(gpu, files, null, { dtype: 'fp32', prompts: [[5, 6]], steps: 2 });
    expect(out.result.files.get('onnx/model.onnx')?.byteLength).toBeGreaterThan(0);
    expect(out.report).toBeNull();
    expect(out.checkError?.side).toBeNull();
    expect(out.checkError?.message).toMatch(/^check prompt 1 \(2 tokens\) gets logit 0 for every token at every position .*compared on nothing; check with prompts in words the model was trained on$/);
    expect(inCommandWords(out.checkError!.message, exportOnnx)).toMatch(/compared on nothing; give --prompt texts in words the model was trained on$/);
  }, 60_000);
});
