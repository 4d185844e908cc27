// Tokenizers load with faster parts (data/tokenizer-speedup.ts: the byte-level pre-tokenizer, the BPE
// cache, the byte-level decoder): the ids and the decoded texts must be those of the tokenizer as
// transformers.js builds it, for any text, and the pinned transformers.js must still have every
// object the speed-ups replace (else they would be lost without a word).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PreTrainedTokenizer } from '@huggingface/transformers';
import { describe, expect, it } from 'vitest';
import { speedUpTokenizer, tokenizerSpeedUps } from '../../src/data/tokenizer-speedup.ts';
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

const AS_WRITTEN = { skip_special_tokens: false, clean_up_tokenization_spaces: false };
const ALL = { preTokenizer: true, bpeCache: true, decoder: true };

describe('the faster tokenizer parts', () => {
  it('are all in the Qwen3 tokenizer as the studio loads it (transformers.js still has the objects they replace)', () => {
    expect(tokenizerSpeedUps(qwen3Tokenizer())).toEqual(ALL);
  });

  it('gives the ids transformers.js gives, text by text, the second time too', () => {
    const plain = new PreTrainedTokenizer(JSON.parse(json), config);
    const fast = qwen3Tokenizer();
    for (const text of [...TEXTS, ...TEXTS]) expect(ids(fast, text), text).toEqual(ids(plain, text));
  });

  it('gives the ids transformers.js gives for every rendered demo example, and decodes them as it does', () => {
    const plain = new PreTrainedTokenizer(JSON.parse(json), config);
    const fast = qwen3Tokenizer();
    for (const e of demo) {
      const text = renderExample(fast, e).text;
      const tokens = ids(fast, text);
      expect(tokens, e.id).toEqual(ids(plain, text));
      for (const options of [AS_WRITTEN, { skip_special_tokens: true }, {}]) expect(fast.decode(tokens, options), e.id).toBe(plain.decode(tokens, options));
    }
  });

  it('decodes any ids as transformers.js does: special tokens, a character cut between byte tokens, runs of one, ids past the vocabulary', () => {
    const plain = new PreTrainedTokenizer(JSON.parse(json), config);
    const fast = qwen3Tokenizer();
    const special = ids(plain, '<|im_start|>user\nhi<|im_end|><think>x</think>');
    const cut = ids(plain, '日本語 🎉 héllo');
    let seed = 5;
    const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % 151_000;
    // The tiny model's embedding (151,936 rows) is longer than the vocabulary: a sampled id past it has no token.
    const past = [151_800, 151_935];
    const sequences = [special, cut, cut.slice(1), cut.slice(0, -1), [...special, ...cut, ...special], Array.from({ length: 200 }, random), Array.from({ length: 200 }, random), [cut[0]], [special[0]], past, [...cut, ...past, ...special]];
    for (const [k, s] of sequences.entries()) for (const options of [AS_WRITTEN, { skip_special_tokens: true }, {}]) expect(fast.decode(s, options), `sequence ${k}`).toBe(plain.decode(s, options));
  });

  it('splits by its own regex and adds a prefix space where the pre-tokenizer says so (GPT-2 style)', () => {
    const gpt2 = JSON.parse(json);
    gpt2.pre_tokenizer = { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true };
    const plain = new PreTrainedTokenizer(gpt2, config);
    const fast = new PreTrainedTokenizer(JSON.parse(JSON.stringify(gpt2)), config);
    expect(speedUpTokenizer(fast)).toEqual(ALL);
    for (const text of [...TEXTS, ...TEXTS]) expect(ids(fast, text), text).toEqual(ids(plain, text));
  });

  it('leaves a tokenizer without those parts its own', () => {
    const other = JSON.parse(json);
    other.pre_tokenizer = { type: 'Whitespace' };
    other.decoder = { type: 'Metaspace', replacement: '▁', add_prefix_space: true };
    const t = new PreTrainedTokenizer(other, config);
    const before = ids(t, 'Hello there world');
    const text = t.decode(before, AS_WRITTEN);
    expect(speedUpTokenizer(t)).toEqual({ preTokenizer: false, bpeCache: true, decoder: false });
    expect(ids(t, 'Hello there world')).toEqual(before);
    expect(t.decode(before, AS_WRITTEN)).toBe(text);
  });

  it('is what loadTokenizer builds every time', () => {
    expect(tokenizerSpeedUps(loadTokenizer(json + '\n', config))).toEqual(ALL);
  });
});
