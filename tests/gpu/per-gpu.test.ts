// perGpu: what ops remember per device (the shape classes met, the layout each ran) is one value per
// Gpu, made once, and never shared between two Gpus (a test's device presented as hardware is another).
import { describe, expect, it } from 'vitest';
import { perGpu, type Gpu } from '../../src/gpu/index.ts';

describe('perGpu', () => {
  it('makes one value per Gpu on first use and hands back the same one after', () => {
    let made = 0;
    const classesOf = perGpu(() => (made++, new Set<string>()));
    // The helper only keys on the object: two distinct objects stand in for two devices.
    const a = {} as Gpu;
    const b = {} as Gpu;
    expect(made).toBe(0);
    classesOf(a).add('M1 r16');
    expect(classesOf(a)).toEqual(new Set(['M1 r16']));
    expect(classesOf(b).size).toBe(0);
    expect(made).toBe(2);
  });
});
