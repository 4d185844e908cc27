// The Dataset panel's push to the Hub: a dataset's Hub button opens a form (a repo named after the
// dataset, private, only the examples used for training, Push held until there is a token); Push
// sends the worker exactly that, shows its progress with a Cancel (nothing committed), and the
// notice says what landed where and how to load it, with a link; a refusal names the dataset.
import { createElement } from 'react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { renderNow } from '../helpers/render.ts';
import { press } from '../helpers/press.ts';

vi.mock('react/jsx-dev-runtime', async (original) => (await import('../helpers/press.ts')).recordingJsxRuntime(original));
const worker = vi.hoisted(() => ({
  asked: [] as unknown[],
  fail: null as null | Error,
  hold: null as null | Promise<void>,
  cancel: null as null | (() => void),
  reply: {} as Record<string, unknown>,
}));
vi.mock('../../src/state/engine.ts', () => ({
  engineClient: () => ({
    onEvent: () => () => undefined,
    request: async (kind: string, payload: Record<string, unknown>, progress?: (p: { label: string; done: number; total: number; unit?: string }) => void) => {
      if (kind === 'cancelDatasetPush') {
        worker.asked.push('cancel');
        worker.cancel?.();
        return true;
      }
      if (kind !== 'pushDatasetToHub') throw new Error(`unexpected request ${kind}`);
      worker.asked.push(payload);
      progress?.({ label: 'uploading (1.5 MiB in all)', done: 2 ** 20, total: 1.5 * 2 ** 20, unit: 'bytes' });
      await worker.hold;
      if (worker.fail) throw worker.fail;
      return {
        repo: 'ada/tool-data',
        repoUrl: 'https://huggingface.co/datasets/ada/tool-data',
        commitUrl: 'https://huggingface.co/datasets/ada/tool-data/commit/abc123',
        created: true,
        files: [
          { path: 'data/train.jsonl', bytes: 1.5 * 2 ** 20 - 2000, lfs: false, sent: true },
          { path: 'README.md', bytes: 2000, lfs: false, sent: true },
        ],
        examples: 118,
        leftOut: 2,
        ...worker.reply,
      };
    },
  }),
}));

const { useDatasetPush } = await import('../../src/state/datasetPushStore.ts');
const { useModel } = await import('../../src/state/modelStore.ts');
const { useDatasets } = await import('../../src/state/datasetStore.ts');
const { DatasetList } = await import('../../src/ui/dataset/DatasetList.tsx');

const initial = useDatasetPush.getState();
const panel = () => renderNow(createElement(DatasetList));
const dataset = { id: 'd1', name: 'tool data / v2', createdAt: 1, files: [{ name: 'a.jsonl', format: 'openai', imported: 120, rejected: 0 }], exampleCount: 120, fingerprint: 'sha256:ab', split: { seed: 1, heldOutFraction: 0.1 }, issues: [], issueCount: 0 };

beforeEach(() => {
  useDatasetPush.setState(initial, true);
  useModel.setState({ hubToken: '' });
  useDatasets.setState({ datasets: [dataset as never], selectedId: 'd1' });
  worker.asked.length = 0;
  worker.fail = null;
  worker.hold = null;
  worker.cancel = null;
  worker.reply = {};
});

describe('the Dataset panel’s push to the Hub', () => {
  it('opens a form from the dataset’s Hub button: a repo named after it, private, only the examples used for training; Push waits for a token', () => {
    expect(panel()).toContain('aria-label="Push dataset tool data / v2 to the Hugging Face Hub"');
    press('Hub');
    let html = panel();
    expect(html).toContain('data-testid="dataset-push-form"');
    expect(html).toContain('Push “tool data / v2” to the Hugging Face Hub');
    expect(html).toContain('value="tool-data-v2"');
    expect(html).toContain('data-testid="dataset-push-only-included" checked=""');
    expect(html).toContain('data-testid="dataset-push-private" checked=""');
    expect(html).toMatch(/<button type="submit" disabled=""[^>]*data-testid="dataset-push-submit"/);
    expect(html).toContain('Paste an access token to push.');
    useModel.getState().setHubToken(' hf_abc ');
    html = panel();
    expect(html).not.toMatch(/<button type="submit" disabled=""/);
    press('Close');
    expect(panel()).not.toContain('data-testid="dataset-push-form"');
  });

  it('sends the worker the dataset, repo, token and choices; the notice says what landed, what stayed, and links to the repo', async () => {
    useModel.getState().setHubToken('hf_abc');
    useDatasetPush.getState().openForm({ datasetId: 'd1', datasetName: 'tool data / v2' });
    await useDatasetPush.getState().push({ repo: ' tool-data ', private: false, onlyIncluded: true });
    expect(worker.asked).toEqual([{ datasetId: 'd1', repo: 'tool-data', token: 'hf_abc', private: false, onlyIncluded: true }]);
    const html = panel();
    expect(html).not.toContain('data-testid="dataset-push-form"');
    expect(html).toContain(
      'Pushed 118 examples of “tool data / v2” to ada/tool-data, a new public dataset repo (data/train.jsonl in OpenAI&#x27;s messages form and a dataset card, 1.5 MiB; the 2 left out of training stayed here) as one commit: https://huggingface.co/datasets/ada/tool-data/commit/abc123. Load it with load_dataset(&quot;ada/tool-data&quot;) in datasets, or import it here by its id.',
    );
    expect(html).toContain('<a href="https://huggingface.co/datasets/ada/tool-data" target="_blank" rel="noreferrer">Open ada/tool-data on the Hub</a>');
  });

  it('says when the repo’s README kept the owner’s own text beside the card, and the list names the dataset’s repo', async () => {
    useModel.getState().setHubToken('hf_abc');
    worker.reply = { created: false, readme: 'kept' };
    useDatasetPush.getState().openForm({ datasetId: 'd1', datasetName: 'tool data / v2' });
    await useDatasetPush.getState().push({ repo: 'tool-data', private: false, onlyIncluded: true });
    expect(panel()).toContain(
      'or import it here by its id. The repo&#x27;s README kept its own text; the studio&#x27;s card is beside it, between two marker comments, and a later push rewrites only that part.',
    );
    // Once the list reads the row again, it names the repo the runs' cards will link.
    expect(panel()).not.toContain('on the Hub:');
    useDatasets.setState({ datasets: [{ ...dataset, hubRepo: 'ada/tool-data' } as never] });
    expect(panel()).toContain('120 examples · openai<span title="The Hugging Face dataset it was imported from or pushed to: the model cards of runs trained on it link it"> · on the Hub: ada/tool-data</span>');
  });

  it('shows its progress in bytes with a Cancel that commits nothing, and holds the Hub buttons meanwhile', async () => {
    useModel.getState().setHubToken('hf_abc');
    let release = () => undefined as void;
    worker.hold = new Promise<void>((r) => (release = r));
    worker.cancel = () => {
      worker.fail = Object.assign(new Error('the push was cancelled; nothing was committed'), { name: 'AbortError' });
      release();
    };
    useDatasetPush.getState().openForm({ datasetId: 'd1', datasetName: 'tool data / v2' });
    const pushing = useDatasetPush.getState().push({ repo: 'x', private: true, onlyIncluded: false });
    await vi.waitFor(() => expect(useDatasetPush.getState().running?.label).toBe('uploading (1.5 MiB in all)'));
    const html = panel();
    expect(html).toContain('Pushing to the Hub: uploading (1.5 MiB in all)');
    expect(html).toContain('1.0 MiB of 1.5 MiB');
    expect(html).toMatch(/aria-disabled="true"[^>]*data-testid="dataset-push-hub"/);
    expect(html).not.toContain('data-testid="dataset-push-form"');
    press('Cancel');
    await pushing;
    expect(worker.asked.at(-1)).toBe('cancel');
    expect(panel()).toContain('The push of “tool data / v2” was cancelled; nothing was committed to the Hub.');
  });

  it('says a refusal with the dataset’s name and keeps the form for another try', async () => {
    useModel.getState().setHubToken('hf_abc');
    useDatasetPush.getState().openForm({ datasetId: 'd1', datasetName: 'tool data / v2' });
    worker.fail = new Error('this token may not write to lab/tool-data; a write token of its owner (or a fine-grained one with write access to it) may');
    await useDatasetPush.getState().push({ repo: 'lab/tool-data', private: true, onlyIncluded: true });
    const html = panel();
    expect(html).toContain('Could not push “tool data / v2” to the Hub: this token may not write to lab/tool-data');
    expect(html).toContain('Nothing stored here changed.');
    expect(html).toContain('data-testid="dataset-push-form"');
  });
});
