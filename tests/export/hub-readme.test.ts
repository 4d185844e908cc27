// The README a push leaves in a repo: the studio's card between its markers, the owner's text and
// front matter kept around it, the studio's own keys and tags set as the card pushed says; and
// against the in-memory Hub, a push that reads the repo's README first and never writes over it
// blind.
import { afterEach, describe, expect, it } from 'vitest';
import { isStudioCard, readmeForPush, STUDIO_FRONT_KEYS, STUDIO_TAGS } from '../../src/export/hubReadme.ts';
import { adapterModelCard, datasetCard, ggufModelCard } from '../../src/export/hubCards.ts';
import { mergedModelCard } from '../../src/export/mergedExport.ts';
import { pushToHub } from '../../src/export/hubPush.ts';
import { DEFAULT_RUN_CONFIG } from '../../src/train/config.ts';
import { TINY_QWEN3_DEFAULT, tinyModelSpec } from '../../src/model/tiny-model.ts';
import { startFakeHubWrites } from '../helpers/fakeHubWrites.mjs';

const adapterCard = adapterModelCard({ title: 'calls', run: 'run one', repo: 'ada/calls', baseModel: 'Qwen/Qwen3-0.6B', config: DEFAULT_RUN_CONFIG });
const ggufCard = ggufModelCard({ title: 'calls', run: 'run one', repo: 'ada/calls', baseModel: 'Qwen/Qwen3-0.6B', fileName: 'calls-Q8_0.gguf', type: 'Q8_0', bytes: 2 ** 20 });
const dataCard = datasetCard({ title: 'calls-data', repo: 'ada/calls-data', dataset: 'demo', file: 'data/train.jsonl', examples: 3, leftOut: 0, sources: { openai: 3 }, hdr: { examples: 0, rounds: 0 }, withReasoning: 3, python: 0, noCall: 0, withPossibleAnswer: 0, categories: {} });

const OWNERS = ['---', 'license: apache-2.0', 'language:', '- en', 'tags: [my-project, peft]', '---', '', '# My calls model', '', 'Notes of mine, which no push may lose.', ''].join('\n');

/** The front matter's lines between the two `---` lines. */
const frontOf = (text: string) => text.split('\n---\n')[0].replace(/^---\n/, '').split('\n');
const count = (text: string, part: string) => text.split(part).length - 1;
/** The YAML comment naming what a push added to the front matter. */
const added = (keys: string, tags: string) => `# balancesft-studio added: keys: ${keys}; tags: ${tags}`;

describe('the README a push leaves', () => {
  it('in a repo without one: the card between its two markers, as the card says', () => {
    const { text, outcome } = readmeForPush(null, adapterCard);
    expect(outcome).toBe('new');
    expect(frontOf(text)).toEqual([...frontOf(adapterCard), added('base_model, library_name, pipeline_tag', 'lora, peft, function-calling, balancesft-studio')]);
    expect(text).toMatch(/\n---\n<!-- balancesft-studio card: .* -->\n# calls\n/);
    expect(text.trimEnd().endsWith('<!-- balancesft-studio card end -->')).toBe(true);
    expect(text).toContain('\n## Training\n');
    expect(readmeForPush('  \n', adapterCard)).toEqual({ text, outcome: 'new' });
  });

  it('in a README of the owner’s: their text and keys kept, the card below it a level down, their tags first', () => {
    const { text, outcome } = readmeForPush(OWNERS, adapterCard);
    expect(outcome).toBe('kept');
    expect(frontOf(text)).toEqual([
      ...['license: apache-2.0', 'language:', '- en', 'tags:', '- my-project', '- peft', '- lora', '- function-calling', '- balancesft-studio', 'base_model: Qwen/Qwen3-0.6B', 'library_name: peft', 'pipeline_tag: text-generation'],
      added('base_model, library_name, pipeline_tag', 'lora, function-calling, balancesft-studio'),
    ]);
    const body = text.slice(text.indexOf('\n---\n') + 5);
    expect(body.startsWith('# My calls model\n\nNotes of mine, which no push may lose.\n\n<!-- balancesft-studio card:')).toBe(true);
    expect(body).toContain('\n## calls\n');
    expect(body).toContain('\n### Training\n');
    expect(count(body, '\n# ')).toBe(0);
  });

  it('a second push rewrites only the card: the owner’s text once, the studio’s keys and tags of the other kind gone, theirs kept', () => {
    const first = readmeForPush(OWNERS, adapterCard).text;
    // The owner writes more below the card, then a GGUF goes to the same repo.
    const edited = `${first}\nA line the owner added at the end.\n`;
    const { text, outcome } = readmeForPush(edited, ggufCard);
    expect(outcome).toBe('kept');
    const front = frontOf(text);
    expect(front).toContain('license: apache-2.0');
    // The owner's "peft" tag stays; library_name: peft was the adapter card's, and the GGUF card sets none.
    expect(front.filter((l) => l.startsWith('- '))).toEqual(['- en', '- my-project', '- peft', '- gguf', '- llama.cpp', '- lora', '- merged', '- function-calling', '- balancesft-studio']);
    expect(front.some((l) => l.startsWith('library_name'))).toBe(false);
    expect(front.at(-1)).toBe(added('base_model, pipeline_tag', 'gguf, llama.cpp, lora, merged, function-calling, balancesft-studio'));
    expect(count(text, 'Notes of mine, which no push may lose.')).toBe(1);
    expect(count(text, 'A line the owner added at the end.')).toBe(1);
    expect(count(text, '<!-- balancesft-studio card:')).toBe(1);
    expect(text).toContain('ollama run hf.co/ada/calls:Q8_0');
    expect(text).not.toContain('AutoPeftModelForCausalLM');
    expect(text.indexOf('<!-- balancesft-studio card end -->')).toBeLessThan(text.indexOf('A line the owner added at the end.'));
    // The same push again changes nothing.
    expect(readmeForPush(text, ggufCard)).toEqual({ text, outcome: 'kept' });
  });

  it('a README that holds only the studio’s card is replaced by the new one; one from before the markers too, the owner’s license kept', () => {
    const only = readmeForPush(null, adapterCard).text;
    expect(readmeForPush(only, ggufCard)).toEqual({ text: readmeForPush(null, ggufCard).text, outcome: 'updated' });
    const old = adapterCard.replace('library_name: peft', 'library_name: peft\nlicense: mit');
    const { text, outcome } = readmeForPush(old, adapterCard);
    expect(outcome).toBe('updated');
    // Without the comment, the keys and tags any studio card writes count as the studio's.
    expect(frontOf(text)).toEqual(['license: mit', ...frontOf(adapterCard), added('base_model, library_name, pipeline_tag', 'lora, peft, function-calling, balancesft-studio')]);
    expect(count(text, '# calls\n')).toBe(1);
  });

  it('reads Windows line ends, a deleted end marker (the card ran to the end) and code fences the card holds', () => {
    const placed = readmeForPush(OWNERS, dataCard).text;
    // Under the owner's text the card's headings go a level down; a `#` comment in its Python does not.
    expect(placed).toContain('\n### Use\n');
    expect(placed).toContain('  # the model you train');
    const cut = placed.replace('<!-- balancesft-studio card end -->', '').replace(/\n/g, '\r\n');
    const { text, outcome } = readmeForPush(cut, dataCard);
    expect(outcome).toBe('kept');
    expect(text).toBe(placed);
  });

  it('every card the studio writes is tagged as the studio’s, with only the keys and tags the merge knows as the studio’s', () => {
    const merged = mergedModelCard(tinyModelSpec(TINY_QWEN3_DEFAULT), { settings: DEFAULT_RUN_CONFIG.lora } as never, 'bf16', { title: 'calls-merged', run: 'run one', baseModel: 'Qwen/Qwen3-0.6B', repo: 'ada/calls-merged' });
    // Without its comment, a README the studio wrote loses exactly these to the next push.
    for (const card of [adapterCard, ggufCard, dataCard, merged]) {
      expect(isStudioCard(card)).toBe(true);
      const front = frontOf(card);
      for (const line of front.filter((l) => /^\w/.test(l))) expect(STUDIO_FRONT_KEYS.has(line.split(':')[0]), line).toBe(true);
      const after = front.slice(front.indexOf('tags:') + 1);
      const end = after.findIndex((l) => !l.startsWith('- '));
      const tags = (end < 0 ? after : after.slice(0, end)).map((l) => l.slice(2));
      expect(tags).toContain('balancesft-studio');
      for (const t of tags) expect(STUDIO_TAGS.has(t), t).toBe(true);
    }
    expect(isStudioCard(OWNERS)).toBe(false);
    expect(isStudioCard('# tiny\n')).toBe(false);
  });
});

describe('the Hub datasets a run trained on, in its cards', () => {
  const data = ['ada/calls-data'];
  const link = '[ada/calls-data](https://huggingface.co/datasets/ada/calls-data)';

  it('are in the front matter the Hub reads (its "Datasets used to train") and in a line a person follows', () => {
    const adapter = adapterModelCard({ title: 'calls', run: 'run one', repo: 'ada/calls', baseModel: 'Qwen/Qwen3-0.6B', config: DEFAULT_RUN_CONFIG, examples: 40, dataset: 'calls', datasets: data });
    expect(adapter).toContain('---\nbase_model: Qwen/Qwen3-0.6B\ndatasets:\n- ada/calls-data\nlibrary_name: peft\n');
    expect(adapter).toContain(`- 40 training examples from calls (on the Hub: ${link}).`);
    const gguf = ggufModelCard({ title: 'calls', run: 'run one', repo: 'ada/calls', fileName: 'calls-Q8_0.gguf', type: 'Q8_0', bytes: 2 ** 20, datasets: data });
    expect(gguf).toContain('---\ndatasets:\n- ada/calls-data\npipeline_tag: text-generation\n');
    expect(gguf).toContain(`\nIts adapter was trained on ${link}.\n`);
    const merged = mergedModelCard(tinyModelSpec(TINY_QWEN3_DEFAULT), { settings: DEFAULT_RUN_CONFIG.lora } as never, 'bf16', { title: 'calls-merged', run: 'run one', datasets: ['ada/a', 'ada/b'] });
    expect(merged).toContain('\ndatasets:\n- ada/a\n- ada/b\n');
    expect(merged).toContain('Its adapter was trained on [ada/a](https://huggingface.co/datasets/ada/a) and [ada/b](https://huggingface.co/datasets/ada/b).');
    expect(adapterCard).not.toContain('datasets:');
    expect(isStudioCard(adapter) && isStudioCard(gguf) && isStudioCard(merged)).toBe(true);
  });

  it('join the datasets an owner lists, and a later card without them takes out only the studio’s', () => {
    const owner = '---\ndatasets:\n- mine/handmade\n---\n# Mine\n';
    const withData = adapterModelCard({ title: 'calls', run: 'run one', repo: 'ada/calls', config: DEFAULT_RUN_CONFIG, datasets: data });
    const first = readmeForPush(owner, withData).text;
    expect(frontOf(first).slice(0, 3)).toEqual(['datasets:', '- mine/handmade', '- ada/calls-data']);
    expect(frontOf(first).at(-1)).toBe(`${added('library_name, pipeline_tag', 'lora, peft, function-calling, balancesft-studio')}; datasets: ada/calls-data`);
    const second = readmeForPush(first, ggufCard).text;
    expect(frontOf(second).slice(0, 2)).toEqual(['datasets:', '- mine/handmade']);
    expect(second).not.toContain('ada/calls-data');
  });
});

describe('a push of a card into a repo that has a README', () => {
  let close: (() => Promise<unknown>) | null = null;
  afterEach(async () => {
    await close?.();
    close = null;
  });
  const USERS = { hf_write: { name: 'ada' } };

  it('reads the README first and keeps the owner’s text; a README the user pushes themselves replaces it as before', async () => {
    const started = await startFakeHubWrites({ users: USERS });
    close = started.close;
    const hub = started.hub;
    const push = (readme: string) => pushToHub({ repo: 'ada/calls', token: 'hf_write', files: [{ path: 'README.md', blob: new Blob([readme]) }], message: 'card', baseUrl: hub.base });
    const first = await push(adapterCard);
    expect(first.readme).toBe('new');
    // The owner edits the README on the Hub.
    const pushed = hub.file('ada/calls', 'README.md').toString();
    const frontEnd = pushed.indexOf('\n---\n') + 5;
    hub.repo('ada/calls').files.set('README.md', new TextEncoder().encode(`${pushed.slice(0, frontEnd)}# Ada's calls\n\nMine.\n\n${pushed.slice(frontEnd)}`));
    const second = await push(ggufCard);
    expect(second.readme).toBe('kept');
    const readme = hub.file('ada/calls', 'README.md').toString();
    expect(readme.startsWith("---\nbase_model: Qwen/Qwen3-0.6B\npipeline_tag: text-generation\ntags:\n- gguf")).toBe(true);
    expect(readme).toContain("# Ada's calls\n\nMine.\n\n<!-- balancesft-studio card:");
    expect(readme).toContain('ollama run hf.co/ada/calls:Q8_0');
    expect(second.files).toEqual([{ path: 'README.md', bytes: new TextEncoder().encode(readme).length, lfs: false, sent: true }]);
    expect(hub.log.filter((l: string) => l.startsWith('GET /ada/calls/resolve/'))).toEqual(['GET /ada/calls/resolve/main/README.md']);

    const own = await push('# Just mine\n');
    expect(own.readme).toBeUndefined();
    expect(hub.file('ada/calls', 'README.md').toString()).toBe('# Just mine\n');
  });

  it('a README the Hub will not give stops the push before it writes anything', async () => {
    const started = await startFakeHubWrites({ users: USERS });
    close = started.close;
    const hub = started.hub;
    await pushToHub({ repo: 'ada/calls', token: 'hf_write', files: [{ path: 'README.md', blob: new Blob([OWNERS]) }], message: 'mine', baseUrl: hub.base });
    hub.failNext.set('/ada/calls/resolve/', 3);
    await expect(pushToHub({ repo: 'ada/calls', token: 'hf_write', files: [{ path: 'README.md', blob: new Blob([adapterCard]) }], message: 'card', baseUrl: hub.base, retries: 2, retryPauseMs: 1 })).rejects.toThrow(
      "reading ada/calls's README.md, whose own text a push keeps: the Hub answered 503",
    );
    expect(hub.repo('ada/calls').commits.map((c: { summary: string }) => c.summary)).toEqual(['mine']);
    expect(hub.file('ada/calls', 'README.md').toString()).toBe(OWNERS);
  });
});
