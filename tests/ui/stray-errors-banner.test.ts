// The banner for errors the GPU or the worker raised outside any request. It told the user a run
// training now "resumes from its last checkpoint" on a reload, and that the work "goes on": a reload
// stops the run (it waits, interrupted, for a Resume, which starts again from step 0 when it saved no
// checkpoint), and a GPU error stops the job using the GPU at its next readback (gpu/context.ts
// throwIfRefused). Rendered from the capability store as the worker's events fill it.
import { describe, expect, it, vi } from 'vitest';
import { createElement } from 'react';

vi.mock('../../src/state/engine.ts', () => ({ engineClient: () => ({ request: async () => undefined }) }));

const { useCapabilities } = await import('../../src/state/capabilityStore.ts');
const { StrayErrorsBanner } = await import('../../src/ui/shell/StrayErrorsBanner.tsx');
const { renderNow } = await import('../helpers/render.ts');

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();

describe('the stray-errors banner', () => {
  it('shows nothing while there is no such error', () => {
    useCapabilities.setState({ strayErrors: [] });
    expect(renderNow(createElement(StrayErrorsBanner))).toBe('');
  });

  it('lists the errors and says what a reload does to a run training now, as it is', () => {
    useCapabilities.getState().noteHealth({ type: 'gpu-error', message: 'Out of memory' });
    const shown = text(renderNow(createElement(StrayErrorsBanner)));
    expect(shown).toContain('GPU error: Out of memory');
    expect(shown).not.toContain('goes on');
    expect(shown).not.toContain('a run training now resumes from its last checkpoint');
    expect(shown).toContain(
      'A job using the GPU stops at its next result after a GPU error, and says so in its panel. If something stops responding, reload the page: your runs and datasets are kept, and a run training now stops there; resume it afterwards from its last checkpoint (from step 0 if it saved none).',
    );
  });
});
