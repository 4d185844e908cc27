// `studio generate` asks a question as evaluation asks a dataset's: with the tools offered, and in
// Python-call syntax with BFCL's system prompt when asked to. A function-calling adapter asked
// without its tools answers nonsense, which made the README's adapter check useless.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { studioInProcess } from '../helpers/studioInProcess.ts';
import { questionPrompt, readConversationFile, readToolsFile } from '../../src/cli/commands/generate.ts';
import { importDatasetFiles } from '../../src/data/import-dataset.ts';
import { renderPrompt } from '../../src/data/render-prompt.ts';
import { QWEN3_TOKENIZER_DIR, qwen3Tokenizer } from '../data/qwen3-tokenizer.ts';
import { loadTokenizer } from '../../src/data/tokenizer-load.ts';

const fixture = (name: string) => ({ name, blob: new Blob([readFileSync(join('tests/fixtures/data', name))]) });

describe('studio generate --tools', () => {
  it('renders a question with tools as evaluation renders the dataset example, JSON and Python syntax', async () => {
    const tokenizer = qwen3Tokenizer();
    const openai = (await importDatasetFiles([fixture('openai-tools.jsonl')])).examples.find((e) => e.messages.length === 1 && e.messages[0].role === 'user' && e.tools.length > 0)!;
    const asked = questionPrompt(tokenizer, { prompt: openai.messages[0].content, tools: openai.tools, pythonCalls: false });
    expect(asked.text).toBe(renderPrompt(tokenizer, openai).text);
    expect(asked.text).toContain('<tools>');

    const bfcl = (await importDatasetFiles([fixture('bfcl/BFCL_v3_simple.json'), fixture('bfcl/possible_answer/BFCL_v3_simple.json')], { bfclPromptMode: true })).examples[0];
    expect(bfcl.target.callSyntax).toBe('python');
    const python = questionPrompt(tokenizer, { prompt: bfcl.messages.at(-1)!.content, tools: bfcl.tools, pythonCalls: true });
    expect(python.text).toBe(renderPrompt(tokenizer, bfcl).text);
    expect(python.text).toContain('[func_name1(params_name1=params_value1');
  });

  it('on a template that leaves the tools out, says to ask with --python-calls (it gave a dataset\'s advice about an example "prompt")', () => {
    const chatml = loadTokenizer(readFileSync(join(QWEN3_TOKENIZER_DIR, 'tokenizer.json'), 'utf8'), {
      ...JSON.parse(readFileSync(join(QWEN3_TOKENIZER_DIR, 'tokenizer_config.json'), 'utf8')),
      chat_template: "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}",
    });
    const tools = [{ name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }];
    expect(() => questionPrompt(chatml, { prompt: 'Weather in Paris?', tools, pythonCalls: false })).toThrow(
      "--tools: the model's chat template does not list the tools (get_weather is not in the prompt it renders), so the model would never see them; give --python-calls to list them in BFCL's system prompt and ask for calls as text",
    );
    expect(questionPrompt(chatml, { prompt: 'Weather in Paris?', tools, pythonCalls: true }).text).toContain('get_weather');
  });

  it('refuses a tools file that is missing, not JSON or not a list of functions, naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tools-'));
    expect(() => readToolsFile(join(dir, 'none.json'))).toThrow(`--tools ${join(dir, 'none.json')}: no such file`);
    writeFileSync(join(dir, 'bad.json'), '[{"name": "f",');
    expect(() => readToolsFile(join(dir, 'bad.json'))).toThrow(/--tools .*bad\.json: not valid JSON \(.*\); give a JSON list of functions/);
    writeFileSync(join(dir, 'nameless.json'), '[{"description": "x"}]');
    expect(() => readToolsFile(join(dir, 'nameless.json'))).toThrow(/--tools .*nameless\.json: the list\[0\] has no "name"/);
    writeFileSync(join(dir, 'one.json'), '\uFEFF{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}');
    expect(readToolsFile(join(dir, 'one.json')).map((t) => t.name)).toEqual(['get_weather']);
  });

  it('the README\'s generate line, copied, asks the embedded model a question it answers with the right call', () => {
    // It named a tools.json no one had ("no such file"), and its "Weather in Oslo?" with any tools
    // got web_search for Lisbon from the demo model, which learned the demo's phrasings.
    const readme = readFileSync('README.md', 'utf8');
    const line = /npx studio generate (--model \S+) --adapter \S+ --prompt "([^"]+)" \\\n\s+--tools (\S+)/.exec(readme)!;
    expect(line, 'the README\'s generate line').not.toBeNull();
    const [, model, prompt, toolsFile] = line;
    const r = spawnSync(process.execPath, ['bin/studio.mjs', 'generate', ...model.split(' '), '--prompt', prompt, '--tools', toolsFile, '--max-tokens', '96'], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/<tool_call>\s*\{"name": "get_weather", "arguments": \{"city": "Oslo"/);
  });

  it('generates from that prompt on the embedded model', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tools-'));
    const tools = [{ type: 'function', function: { name: 'get_weather', description: 'Get the weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }];
    writeFileSync(join(dir, 'tools.json'), JSON.stringify(tools));
    const r = await studioInProcess(['generate', '--model', 'public/models/tiny-qwen3', '--prompt', 'Weather in Oslo?', '--tools', join(dir, 'tools.json'), '--max-tokens', '2']);
    expect(r.code, r.err).toBe(0);
    const want = questionPrompt(qwen3Tokenizer(), { prompt: 'Weather in Oslo?', tools: readToolsFile(join(dir, 'tools.json')), pythonCalls: false }).ids.length;
    expect(r.err).toMatch(new RegExp(`from a ${want}-token prompt`));
  });
});

describe('studio generate --conversation', () => {
  const tools = [
    { type: 'function', function: { name: 'find_order', description: 'Find an order', parameters: { type: 'object', properties: { email: { type: 'string' } }, required: ['email'] } } },
    { type: 'function', function: { name: 'refund', description: 'Refund an order', parameters: { type: 'object', properties: { order: { type: 'string' } }, required: ['order'] } } },
  ];
  const soFar = [
    { role: 'user', content: 'Refund my last order; I am ann@example.com.' },
    { role: 'assistant', content: '<think>\nFind the order first.\n</think>\n\n', tool_calls: [{ id: 'a', type: 'function', function: { name: 'find_order', arguments: '{"email": "ann@example.com"}' } }] },
    { role: 'tool', tool_call_id: 'a', content: '{"order": "A-1"}' },
  ];

  it('asks the next turn exactly as training renders that turn of a dataset conversation (its tools from the record)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'conversation-'));
    writeFileSync(join(dir, 'so-far.json'), JSON.stringify({ tools, messages: soFar }));
    const conversation = readConversationFile(join(dir, 'so-far.json'));
    // The same conversation with its next turn, a dataset record: that turn's example's prompt.
    const record = { id: 'c', tools, messages: [...soFar, { role: 'assistant', content: '', tool_calls: [{ id: 'b', type: 'function', function: { name: 'refund', arguments: '{"order": "A-1"}' } }] }] };
    const [example] = (await importDatasetFiles([{ name: 'c.jsonl', blob: new Blob([JSON.stringify(record)]) }])).examples;
    const tokenizer = qwen3Tokenizer();
    const asked = questionPrompt(tokenizer, { prompt: conversation.messages, tools: conversation.tools!, pythonCalls: false });
    expect(asked.text).toBe(renderPrompt(tokenizer, example).text);
    expect(asked.text).toContain('<tool_response>\n{"order": "A-1"}\n</tool_response>');
    // A plain list of messages is a conversation too, with the tools of --tools.
    writeFileSync(join(dir, 'list.json'), JSON.stringify(soFar));
    expect(readConversationFile(join(dir, 'list.json'))).toEqual({ messages: conversation.messages });
    const r = await studioInProcess(['generate', '--model', 'public/models/tiny-qwen3', '--conversation', join(dir, 'so-far.json'), '--max-tokens', '2']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(new RegExp(`from a ${questionPrompt(qwen3Tokenizer(), { prompt: conversation.messages, tools: conversation.tools!, pythonCalls: false }).ids.length}-token prompt`));
  });

  it('refuses a conversation with nothing to answer, or not one, naming the file; and --prompt beside it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'conversation-'));
    const file = (name: string, value: unknown) => {
      writeFileSync(join(dir, name), typeof value === 'string' ? value : JSON.stringify(value));
      return join(dir, name);
    };
    const ended = file('ended.json', soFar.slice(0, 2));
    expect(() => readConversationFile(ended)).toThrow(`--conversation ${ended}: it ends with the assistant's own turn: add what its calls returned (tool messages) or the user's next message`);
    const none = file('none.json', [{ role: 'system', content: 'Be brief.' }]);
    expect(() => readConversationFile(none)).toThrow(`--conversation ${none}: it has no user message to answer`);
    const role = file('role.json', [{ role: 'robot', content: 'hi' }]);
    expect(() => readConversationFile(role)).toThrow(`--conversation ${role}: the list[0] has unknown role "robot"`);
    expect(() => readConversationFile(file('bad.json', '[{"role": '))).toThrow(/--conversation .*bad\.json: not valid JSON/);
    expect(() => readConversationFile(join(dir, 'gone.json'))).toThrow(`--conversation ${join(dir, 'gone.json')}: no such file`);
    const both = await studioInProcess(['generate', '--model', 'public/models/tiny-qwen3', '--prompt', 'Hi', '--conversation', file('ok.json', soFar)]);
    expect(both.code).toBe(2);
    expect(both.err.trim()).toBe('studio generate: --prompt and --conversation both say what to answer; give one of them');
  });
});


// The Playground's "beside the base model" on the command line: after the adapter's answer, the
// base model answers the same prompt with the same settings and seed, and a last line says what
// differs, in the Playground's words (eval/besideBase.ts).
describe('studio generate --beside-base', () => {
  const MODEL = 'public/models/tiny-qwen3';
  /** A PEFT folder for the embedded model: B = 0 (a no-op, as training starts), or every weight
   * moved (`shift`), so its answers are another model's. */
  async function adapterFolder(shift: number): Promise<string> {
    const { exportPeftAdapter } = await import('../../src/model/peft.ts');
    const { generateTinyModel, TINY_QWEN3_DEFAULT } = await import('../../src/model/tiny-model.ts');
    const { initLoraAdapter } = await import('../../src/model/lora.ts');
    const { spec } = generateTinyModel(TINY_QWEN3_DEFAULT);
    const adapter = initLoraAdapter(spec, { rank: 4, alpha: 8, dropout: 0, useRsLora: false, targets: ['q', 'v', 'down'] }, 3);
    for (const [key, t] of adapter.tensors) if (key.includes('lora_B')) t.forEach((_, i) => (t[i] = shift * Math.sin(i * 12.9898 + key.length)));
    const dir = mkdtempSync(join(tmpdir(), 'beside-base-'));
    const peft = exportPeftAdapter(spec, adapter, MODEL);
    writeFileSync(join(dir, 'adapter_config.json'), peft.adapterConfigJson);
    writeFileSync(join(dir, 'adapter_model.safetensors'), peft.adapterSafetensors);
    return dir;
  }
  const common = ['--model', MODEL, '--prompt', 'What is the weather in Oslo?', '--max-tokens', '12', '--temperature', '0.8', '--seed', '5', '--quiet'];

  it('answers with the adapter, then the base model with the same seed, and says what differs', { timeout: 300_000 }, async () => {
    const { BASE_HEADING } = await import('../../src/cli/commands/generate.ts');
    const baseAlone = await studioInProcess(['generate', ...common]);
    expect(baseAlone.code, baseAlone.err).toBe(0);
    // A no-op adapter (B = 0) answers as the base model does, word for word, and says so.
    const noop = await studioInProcess(['generate', ...common, '--adapter', await adapterFolder(0), '--beside-base']);
    expect(noop.code, noop.err).toBe(0);
    const [mine, base] = noop.out.split(`\n${BASE_HEADING}\n`);
    expect(mine).toBe(baseAlone.out);
    expect(base.trimEnd().split('\n').at(-1)).toBe('The base model answers the same, word for word: training did not change this answer.');
    expect(base.slice(0, baseAlone.out.length)).toBe(baseAlone.out);
    // Moved weights answer otherwise: the adapter's answer is the one --adapter alone gives, the base
    // model's the one it alone gives, and the last line compares their calls.
    const moved = await adapterFolder(0.5);
    const adapterAlone = await studioInProcess(['generate', ...common, '--adapter', moved]);
    const beside = await studioInProcess(['generate', ...common, '--adapter', moved, '--beside-base']);
    expect(beside.code, beside.err).toBe(0);
    const [withAdapter, rest] = beside.out.split(`\n${BASE_HEADING}\n`);
    expect(withAdapter).toBe(adapterAlone.out);
    expect(adapterAlone.out).not.toBe(baseAlone.out);
    expect(rest.startsWith(baseAlone.out)).toBe(true);
    expect(rest.slice(baseAlone.out.length).trim()).toMatch(/^(Neither answer’s calls parse\.|Neither calls a tool; the base model’s words differ\.|The base model makes (the same|other) calls.*|The (base model’s|adapter’s) calls do not parse; the (adapter’s|base model’s) do\.)$/);
  });

  it('is refused without an adapter to set beside the base model, before the model loads', async () => {
    const r = await studioInProcess(['generate', '--model', '/no/such/model', '--prompt', 'hi', '--beside-base']);
    expect(r.code).toBe(2);
    expect(r.err.trim()).toBe("studio generate: --beside-base sets an adapter's answer beside the base model's: give --adapter");
  });
});
