// A chat template that ignores `tools` and `tool_calls` (plain ChatML, as several small models
// ship) rendered an example with tools and a JSON call as an empty answer: the model would have
// been trained to say nothing. Such examples are refused by name; calls written as text (BFCL's
// prompt mode) still render.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderExample } from '../../src/data/chat-render.ts';
import type { Example } from '../../src/data/example.ts';
import { loadTokenizer } from '../../src/data/tokenizer-load.ts';
import { QWEN3_TOKENIZER_DIR, qwen3Tokenizer } from './qwen3-tokenizer.ts';

const CHATML = "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

const chatml = loadTokenizer(
  JSON.parse(readFileSync(join(QWEN3_TOKENIZER_DIR, 'tokenizer.json'), 'utf8')),
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

  it('leaves templates that take tools alone', () => {
    const r = renderExample(qwen3Tokenizer(), weather);
    expect(r.text.slice(r.promptEnd, r.callEnd)).toContain('"name": "get_weather"');
  });
});
