// Which model a dropped or picked folder is: runs record it ("trained on local:<folder>") and
// messages name it, so two different folders must not get the same name.
import { describe, expect, it } from 'vitest';
import { modelRef } from '../../src/worker/modelSource.ts';
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
