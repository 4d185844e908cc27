// The job context with a stand-in generation, for HDR job tests that need wrong or right answers the
// untrained tiny model would never give. Each model load calls `answers()` for its answering: called
// once per generate call, it gives the text every prompt of that call gets (so "the first call" is
// each run's mining). Use inside vi.mock of src/jobs/context.ts (the real module as `real`).
import type * as JobContextModule from '../../src/jobs/context.ts';

export function standInGeneration(real: typeof JobContextModule, answers: () => () => string): typeof JobContextModule {
  return {
    ...real,
    loadForGeneration: async (...args: Parameters<typeof real.loadForGeneration>) => {
      const loaded = await real.loadForGeneration(...args);
      const answer = answers();
      const generate = async (prompts: number[][]) => {
        const out = answer();
        return prompts.map(() => ({ tokens: Array.from(out, (ch) => ch.charCodeAt(0)), finishReason: 'eos' as const }));
      };
      return { ...loaded, access: { ...loaded.access, generate, decode: (ids: number[]) => String.fromCharCode(...ids) } };
    },
  };
}
