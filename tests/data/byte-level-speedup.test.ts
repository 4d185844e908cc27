// Tokenizers load with a faster byte-level pre-tokenizer (data/byte-level-speedup.ts): the ids must
// be those of the tokenizer as transformers.js builds it, for any text, and the pinned
// transformers.js must still have the pre-tokenizer object the speed-up replaces (else it would be
// lost without a word).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PreTrainedTokenizer } from '@huggingface/transformers';
import { describe, expect, it } from 'vitest';
import { byteLevelSpedUp, speedUpByteLevel } from '../../src/data/byte-level-speedup.ts';
import { renderExample } from '../../src/data/chat-render.ts';
import { importDatasetFiles } from '../../src/data/import-dataset.ts';
import { loadTokenizer } from '../../src/data/tokenizer-load.ts';
import { QWEN3_TOKENIZER_DIR, qwen3Tokenizer } from './qwen3-tokenizer.ts';

const json = readFileSync(join(QWEN3_TOKENIZER_DIR, 'tokenizer.json'), 'utf8');
const config = JSON.parse(readFileSync(join(QWEN3_TOKENIZER_DIR, 'tokenizer_config.json'), 'utf8'));
const demo = (await importDatasetFiles([{ name: 'demo.jsonl', blob: new Blob([readFileSync('public/demo/demo-dataset.jsonl')]) }])).examples;

/** Texts a byte-level tokenizer must get right: every byte class, multi-byte characters split over
 * tokens, spaces and newlines of every kind, and each text twice (the second from what is kept). */
const TEXTS = [
  'Hello world', ' leading space', 'trailing space ', '  two  spaces  ', 'tab\there\r\nCRLF\n\nnewlines',
  'héllo wörld', '日本語のテキスト', 'emoji 🎉👩‍👩‍👧 and flags 🇫🇷', 'Ω≈ç√∫˜µ≤≥÷', '\u00a0no-break\u2028line\u200bzero-width',
  'mixed ASCII and ünïcödé in one wörd', '{"name": "get_weather", "arguments": {"city": "Paris", "n": 5.0}}',
  '\x00\x01\x7f control', "it's they're we've I'm you'll he'd", '12345 67.89 -0.5e10', 'CamelCaseIdentifier snake_case_name',
  'combining e\u0301 vs é (NFC)', '\ud83d lone surrogate',
];

const ids = (t: PreTrainedTokenizer, text: string) => t.encode(text, { add_special_tokens: false });

describe('the faster byte-level pre-tokenizer', () => {
  it('is in the Qwen3 tokenizer as the studio loads it (transformers.js still has the object it replaces)', () => {
    expect(byteLevelSpedUp(qwen3Tokenizer())).toBe(true);
  });

  it('gives the ids transformers.js gives, text by text, the second time too', () => {
    const plain = new PreTrainedTokenizer(JSON.parse(json), config);
    const fast = qwen3Tokenizer();
    for (const text of [...TEXTS, ...TEXTS]) expect(ids(fast, text), text).toEqual(ids(plain, text));
  });

  it('gives the ids transformers.js gives for every rendered demo example', () => {
    const plain = new PreTrainedTokenizer(JSON.parse(json), config);
    const fast = qwen3Tokenizer();
    for (const e of demo) {
      const text = renderExample(fast, e).text;
      expect(ids(fast, text), e.id).toEqual(ids(plain, text));
    }
  });

  it('splits by its own regex and adds a prefix space where the pre-tokenizer says so (GPT-2 style)', () => {
    const gpt2 = JSON.parse(json);
    gpt2.pre_tokenizer = { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true };
    const plain = new PreTrainedTokenizer(gpt2, config);
    const fast = new PreTrainedTokenizer(JSON.parse(JSON.stringify(gpt2)), config);
    expect(speedUpByteLevel(fast)).toBe(true);
    for (const text of [...TEXTS, ...TEXTS]) expect(ids(fast, text), text).toEqual(ids(plain, text));
  });

  it('leaves a tokenizer with no byte-level pre-tokenizer as it is', () => {
    const other = JSON.parse(json);
    other.pre_tokenizer = { type: 'Whitespace' };
    const t = new PreTrainedTokenizer(other, config);
    const before = ids(t, 'Hello there world');
    expect(speedUpByteLevel(t)).toBe(false);
    expect(byteLevelSpedUp(t)).toBe(false);
    expect(ids(t, 'Hello there world')).toEqual(before);
  });

  it('is what loadTokenizer builds every time', () => {
    expect(byteLevelSpedUp(loadTokenizer(json + '\n', config))).toBe(true);
  });
});
