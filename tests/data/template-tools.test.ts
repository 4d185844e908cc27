// A chat template that ignores `tools` and `tool_calls` (plain ChatML, as several small models
// ship) rendered an example with tools and a JSON call as an empty answer: the model would have
// been trained to say nothing. Such examples are refused by name; calls written as text (BFCL's
// prompt mode) still render.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { renderExample } from '../../src/data/chat-render.ts';
import { renderPrompt } from '../../src/data/render-prompt.ts';
import type { Example } from '../../src/data/example.ts';
import { loadTokenizer } from '../../src/data/tokenizer-load.ts';
import { QWEN3_TOKENIZER_DIR, qwen3Tokenizer } from './qwen3-tokenizer.ts';

const CHATML = "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

const chatml = loadTokenizer(
  readFileSync(join(QWEN3_TOKENIZER_DIR, 'tokenizer.json'), 'utf8'),
  { ...JSON.parse(readFileSync(join(QWEN3_TOKENIZER_DIR, 'tokenizer_config.json'), 'utf8')), chat_template: CHATML },
);

const weather: Example = {
  id: 'w1',
  tools: [{ name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }],
  messages: [{ role: 'user', content: 'Weather in Paris?' }],
  target: { calls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] },
};

describe('a chat template that does not take tools', () => {
  it('refuses JSON tool calls it would drop, naming the call and what to do', () => {
    expect(() => renderExample(chatml, weather)).toThrow(
      'example "w1": the model\'s chat template does not write tool calls (the call to get_weather is not in what it renders); train this model on calls written as text: import the data in BFCL prompt mode, or use a model whose template takes tools',
    );
  });

  it('renders calls written as text, with the functions in the system prompt', () => {
    const r = renderExample(chatml, { ...weather, target: { ...weather.target, callSyntax: 'python' } });
    expect(r.text.slice(r.promptEnd)).toContain("[get_weather(city='Paris')]");
    expect(r.text.slice(0, r.promptEnd)).toContain('get_weather');
  });

  it('refuses to ask a question without its tools, as evaluation, HDR sampling and the playground would', () => {
    // The prompt rendered without the tools: the model was asked to call functions it never saw,
    // and an evaluation scored that as its accuracy, with nothing said.
    expect(() => renderPrompt(chatml, weather)).toThrow(
      'example "w1": the model\'s chat template does not list the tools (get_weather is not in the prompt it renders); train this model on calls written as text: import the data in BFCL prompt mode, or use a model whose template takes tools',
    );
    expect(renderPrompt(chatml, { ...weather, target: { ...weather.target, callSyntax: 'python' } }).text).toContain('get_weather');
  });

  it('leaves templates that take tools alone', () => {
    const r = renderExample(qwen3Tokenizer(), weather);
    expect(r.text.slice(r.promptEnd, r.callEnd)).toContain('"name": "get_weather"');
  });
});

// Llama 3.x's template (its tool-call branch, as shipped in Llama-3.2-1B-Instruct): a turn with
// tool_calls is written as the one call, and the turn's content, where the reasoning goes inline, is
// left out. Such an example trained the call alone: no reasoning term for SSB, and nothing said.
const LLAMA3_TOOLS =
  "{{- bos_token }}{%- if not tools is defined %}{%- set tools = none %}{%- endif %}" +
  "{%- if not date_string is defined %}{%- if strftime_now is defined %}{%- set date_string = strftime_now('%d %b %Y') %}{%- else %}{%- set date_string = '26 Jul 2024' %}{%- endif %}{%- endif %}" +
  "{{- '<|start_header_id|>system<|end_header_id|>\\n\\n' }}{%- if tools is not none %}{{- 'Environment: ipython\\n' }}{%- endif %}" +
  "{{- 'Cutting Knowledge Date: December 2023\\n' }}{{- 'Today Date: ' + date_string + '\\n\\n' }}{{- '<|eot_id|>' }}" +
  "{%- if not tools is none %}{%- set first_user_message = messages[0]['content']|trim %}{%- set messages = messages[1:] %}" +
  "{{- '<|start_header_id|>user<|end_header_id|>\\n\\n' -}}{%- for t in tools %}{{- t | tojson(indent=4) }}{{- '\\n\\n' }}{%- endfor %}{{- first_user_message + '<|eot_id|>' }}{%- endif %}" +
  "{%- for message in messages %}" +
  "{%- if not (message.role == 'ipython' or message.role == 'tool' or 'tool_calls' in message) %}{{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}" +
  "{%- elif 'tool_calls' in message %}{%- if not message.tool_calls|length == 1 %}{{- raise_exception('This model only supports single tool-calls at once!') }}{%- endif %}" +
  "{%- set tool_call = message.tool_calls[0].function %}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' -}}" +
  "{{- '{\"name\": \"' + tool_call.name + '\", ' }}{{- '\"parameters\": ' }}{{- tool_call.arguments | tojson }}{{- '}' }}{{- '<|eot_id|>' }}" +
  "{%- else %}{{- '<|start_header_id|>ipython<|end_header_id|>\\n\\n' + message.content + '<|eot_id|>' }}{%- endif %}{%- endfor %}" +
  "{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- endif %}";

describe('a chat template that writes a tool-call turn without its text (Llama 3.x)', () => {
  const llama = loadTokenizer(readFileSync(join(QWEN3_TOKENIZER_DIR, 'tokenizer.json'), 'utf8'), {
    ...JSON.parse(readFileSync(join(QWEN3_TOKENIZER_DIR, 'tokenizer_config.json'), 'utf8')),
    chat_template: LLAMA3_TOOLS,
    bos_token: '<|begin_of_text|>',
    eos_token: '<|eot_id|>',
  });
  const reasoned: Example = { ...weather, target: { ...weather.target, reasoning: 'The user asks for Paris, so one get_weather call.' } };

  it('refuses an example whose reasoning it would drop, naming it and what to do', () => {
    expect(() => renderExample(llama, reasoned)).toThrow(
      'example "w1": the model\'s chat template does not write the reasoning of an answer with tool calls (no <think> block in what it renders); train this model on calls written as text: import the data in BFCL prompt mode, or use a model whose template keeps it',
    );
  });

  it('renders the reasoning when the calls are written as text, and calls without reasoning as they are', () => {
    const r = renderExample(llama, { ...reasoned, target: { ...reasoned.target, callSyntax: 'python' } });
    expect(r.text.slice(r.promptEnd, r.cotEnd)).toBe('<think>\nThe user asks for Paris, so one get_weather call.\n</think>');
    const plain = renderExample(llama, weather);
    expect(plain.text.slice(plain.promptEnd, plain.callEnd)).toBe('{"name": "get_weather", "parameters": {"city": "Paris"}}<|eot_id|>');
  });

  it('writes the same date into every rendering, whatever the day or the locale', () => {
    // Llama 3.x's system header says "Today Date: " from strftime_now, in the runtime's locale: a
    // run resumed the next day trained on other tokens, an evaluation on a later day asked with a
    // prompt the model was never trained on, and a German browser wrote "03 Dez." where the CLI
    // wrote "03 Dec". The template's own fallback date is used everywhere.
    const day = (iso: string) => {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(new Date(iso));
    };
    const reasonless: Example = { ...weather, target: { ...weather.target, callSyntax: 'python' } };
    try {
      day('2026-12-03T12:00:00Z');
      const trained = renderExample(llama, reasonless);
      day('2027-01-15T12:00:00Z');
      expect(renderExample(llama, reasonless).text).toBe(trained.text);
      expect(renderPrompt(llama, reasonless).text).toBe(trained.text.slice(0, trained.promptEnd));
      expect(trained.text).toContain('Today Date: 26 Jul 2024\n');
    } finally {
      vi.useRealTimers();
    }
  });

  it('names the example when its template refuses the conversation, in training and in evaluation alike', () => {
    // An earlier turn with two calls: Llama's template raises. Evaluation and HDR sampling render
    // the question alone (renderPrompt), and said only the template's words, for any of thousands.
    const twoCalls: Example = {
      ...weather,
      id: 'w2',
      messages: [
        { role: 'user', content: 'Weather in Paris and Oslo?' },
        { role: 'assistant', content: '', calls: [{ name: 'get_weather', arguments: { city: 'Paris' } }, { name: 'get_weather', arguments: { city: 'Oslo' } }] },
        { role: 'tool', name: 'get_weather', content: '{"c": 20}' },
        { role: 'tool', name: 'get_weather', content: '{"c": 10}' },
        { role: 'user', content: 'And Rome?' },
      ],
      target: { calls: [{ name: 'get_weather', arguments: { city: 'Rome' } }] },
    };
    const message = 'example "w2": cannot be rendered with the chat template: This model only supports single tool-calls at once!';
    expect(() => renderExample(llama, twoCalls)).toThrow(message);
    expect(() => renderPrompt(llama, twoCalls)).toThrow(message);
  });
});
