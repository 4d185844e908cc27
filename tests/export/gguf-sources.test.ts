// A GGUF file's sources (export/ggufSources.ts): the base model and Hub datasets written as
// llama.cpp's convert_hf_to_gguf.py writes a model card's base_model and datasets, read back from
// the file's header as `studio push` reads them; llama.cpp's own dataset URLs (without /datasets/)
// read as the same ids; what is not a Hub repo names nothing.
import { describe, expect, it } from 'vitest';
import { ggufLayout, type GgufValue } from '../../src/export/ggufFile.ts';
import { readGgufHeader } from '../../src/export/ggufReadBack.ts';
import { isSourceKey, readGgufSources, sourceMetadata } from '../../src/export/ggufSources.ts';
import { memorySource } from '../../src/model/byte-source.ts';

/** A one-tensor GGUF file with this metadata, its header read back for the source keys. */
async function readBack(metadata: Array<[string, GgufValue]>) {
  const layout = ggufLayout([['general.architecture', { type: 'string', value: 'qwen3' }], ...metadata], [{ name: 'x', shape: [4], type: 'F32' }]);
  const bytes = new Uint8Array(layout.header.byteLength + 16);
  bytes.set(layout.header);
  return (await readGgufHeader(memorySource(bytes, 'x.gguf'), isSourceKey)).values;
}

describe('a GGUF file’s base model and datasets', () => {
  it('are written as convert_hf_to_gguf.py writes them, and read back', async () => {
    const metadata = sourceMetadata({ baseModel: 'Qwen/Qwen3-0.6B', datasets: ['Salesforce/xlam-function-calling-60k', 'ada/calls'] });
    expect(Object.fromEntries(metadata.map(([k, v]) => [k, v.value]))).toEqual({
      'general.base_model.count': 1,
      'general.base_model.0.name': 'Qwen3-0.6B',
      'general.base_model.0.organization': 'Qwen',
      'general.base_model.0.repo_url': 'https://huggingface.co/Qwen/Qwen3-0.6B',
      'general.dataset.count': 2,
      'general.dataset.0.name': 'xlam-function-calling-60k',
      'general.dataset.0.organization': 'Salesforce',
      'general.dataset.0.repo_url': 'https://huggingface.co/datasets/Salesforce/xlam-function-calling-60k',
      'general.dataset.1.name': 'calls',
      'general.dataset.1.organization': 'ada',
      'general.dataset.1.repo_url': 'https://huggingface.co/datasets/ada/calls',
    });
    expect(metadata.find(([k]) => k.endsWith('.count'))![1].type).toBe('u32');
    expect(readGgufSources(await readBack(metadata))).toEqual({ baseModel: 'Qwen/Qwen3-0.6B', datasets: ['Salesforce/xlam-function-calling-60k', 'ada/calls'] });
    // None: no keys, and a file without them names nothing.
    expect(sourceMetadata({})).toEqual([]);
    expect(readGgufSources(await readBack([]))).toEqual({});
  });

  it('reads llama.cpp’s dataset URLs, and names nothing for a URL off the Hub or an id the Hub would refuse', async () => {
    const s = (value: string): GgufValue => ({ type: 'string', value });
    const values = await readBack([
      ['general.base_model.count', { type: 'u32', value: 2 }],
      ['general.base_model.0.repo_url', s('https://github.com/org/model')],
      ['general.base_model.1.repo_url', s('https://huggingface.co/meta-llama/Llama-3.2-1B')],
      ['general.dataset.count', { type: 'u32', value: 3 }],
      ['general.dataset.0.repo_url', s('https://huggingface.co/ada/calls')],
      ['general.dataset.1.repo_url', s('https://huggingface.co/datasets/ada/bad..name')],
      ['general.dataset.2.repo_url', s('https://huggingface.co/datasets/ada/calls/')],
    ]);
    expect(readGgufSources(values)).toEqual({ baseModel: 'meta-llama/Llama-3.2-1B', datasets: ['ada/calls'] });
    // Ids that are not owner/name are not written either.
    expect(sourceMetadata({ baseModel: 'tiny', datasets: ['ada/x/y'] })).toEqual([]);
  });
});
