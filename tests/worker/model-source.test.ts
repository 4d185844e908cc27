// Which model a dropped or picked folder is: runs record it ("trained on local:<folder>") and
// messages name it, so two different folders must not get the same name.
import { describe, expect, it, vi } from 'vitest';
import { modelRef, openModelSource } from '../../src/worker/modelSource.ts';
import { opfsModelCache } from '../../src/model/model-cache.ts';
import { trainedOnLoaded } from '../../src/model/model-ref.ts';

describe('a local model’s name', () => {
  it('comes from the folder in the paths a drop walk carries (its Files have an empty webkitRelativePath)', () => {
    const entry = (path: string) => ({ file: new File(['{}'], path.split('/').pop()!), path });
    expect(modelRef({ kind: 'files', files: [entry('my-finetune/config.json'), entry('my-finetune/checkpoint-500/config.json')] })).toBe('local:my-finetune');
    // A label left empty is no name.
    expect(modelRef({ kind: 'files', files: [entry('other-model/config.json')], label: '' })).toBe('local:other-model');
  });

  it('comes from webkitRelativePath for a folder picked with the file chooser, and is generic for loose files', () => {
    const picked = Object.assign(new File(['{}'], 'config.json'), { webkitRelativePath: 'picked/config.json' });
    expect(modelRef({ kind: 'files', files: [picked] })).toBe('local:picked');
    expect(modelRef({ kind: 'files', files: [new File(['{}'], 'config.json')] })).toBe('local:dropped files');
    expect(modelRef({ kind: 'files', files: [{ file: new File(['{}'], 'config.json'), path: 'config.json' }] })).toBe('local:dropped files');
  });

  it('a run stored before drops were named ("local:") still takes a dropped model; named ones only their own', () => {
    expect(trainedOnLoaded('local:', 'local:my-finetune')).toBe(true);
    expect(trainedOnLoaded('local:', 'Qwen/Qwen3-0.6B')).toBe(false);
    expect(trainedOnLoaded('local:my-finetune', 'local:other')).toBe(false);
    expect(trainedOnLoaded('local:my-finetune', 'local:my-finetune')).toBe(true);
    expect(trainedOnLoaded('embedded:tiny-qwen3', undefined)).toBe(false);
  });
});

describe('the embedded model’s load progress', () => {
  const sizes: Record<string, number> = { 'config.json': 700, 'generation_config.json': 160, 'model.safetensors': 20_000, 'tokenizer.json': 11_000, 'tokenizer_config.json': 9_000 };
  const total = Object.values(sizes).reduce((a, b) => a + b, 0);
  const serve = (headers: (name: string) => Record<string, string>) =>
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (url) => {
      const name = String(url).split('/').pop()!;
      return new Response(new Uint8Array(sizes[name]), { headers: headers(name) });
    });
  const progressOf = async () => {
    const seen: Array<{ label: string; bytesDone: number; bytesTotal: number }> = [];
    // The files are not a model (zeros): only the progress reported while they are read matters here.
    await openModelSource({ kind: 'embedded' }, { appBaseUrl: 'http://studio.test/', cache: opfsModelCache() }, (p) => seen.push(p)).catch(() => undefined);
    return seen;
  };

  it('counts the bytes of all its files from the first report (it said 100% after the 700-byte config)', async () => {
    const fetch = serve((name) => ({ 'content-length': String(sizes[name]) }));
    try {
      const seen = await progressOf();
      expect(seen.length).toBe(5);
      expect(seen.map((p) => p.bytesTotal)).toEqual(seen.map(() => total));
      expect(seen[0]).toEqual({ label: 'config.json', bytesDone: 700, bytesTotal: total });
      expect(seen.at(-1)!.bytesDone).toBe(total);
    } finally {
      fetch.mockRestore();
    }
  });

  it('says the total is unknown when the server does not give every file’s size', async () => {
    // Compressed, a file's content-length is not the bytes it reads to.
    const fetch = serve((name): Record<string, string> => (name === 'tokenizer.json' ? { 'content-length': '3000', 'content-encoding': 'gzip' } : { 'content-length': String(sizes[name]) }));
    try {
      const seen = await progressOf();
      expect(seen.map((p) => p.bytesTotal)).toEqual(seen.map(() => 0));
      expect(seen.at(-1)!.bytesDone).toBe(total);
    } finally {
      fetch.mockRestore();
    }
  });
});

describe('a model reference in words', () => {
  it('names the embedded model, a dropped folder and a hub repo as a user does', async () => {
    const { modelRefWords } = await import('../../src/model/model-ref.ts');
    expect(modelRefWords('embedded:tiny-qwen3')).toBe('the embedded tiny Qwen3');
    expect(modelRefWords('local:my-qwen')).toBe('my-qwen (a dropped model)');
    expect(modelRefWords('local:')).toBe('a dropped model');
    expect(modelRefWords('Qwen/Qwen3-0.6B')).toBe('Qwen/Qwen3-0.6B');
  });
});
