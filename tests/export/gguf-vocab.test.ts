// The tokenizer as GGUF metadata: the pre-tokenizer named by the hash llama.cpp's converter uses,
// token types, merges, special ids and the chat template (llama.cpp reading them back is
// gguf-llama-cpp.test.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ggufTokenizerMetadata, preTokenizerName, UnknownTokenizerError } from '../../src/export/ggufVocab.ts';
import { loadTokenizer } from '../../src/data/tokenizer-load.ts';
import { QWEN3_TOKENIZER_DIR } from '../../scripts/gen-tiny-model.ts';

const qwen = loadTokenizer(readFileSync(join(QWEN3_TOKENIZER_DIR, 'tokenizer.json'), 'utf8'), JSON.parse(readFileSync(join(QWEN3_TOKENIZER_DIR, 'tokenizer_config.json'), 'utf8')));
const qwenEncode = (t: string) => qwen.encode(t);

/** A byte-level BPE tokenizer.json in the shape transformers saves, small enough to read whole. */
const tokenizer = {
  model: { type: 'BPE', vocab: { a: 0, b: 1, ab: 2, 'Ġ': 3, 'Ġab': 4 }, merges: [['a', 'b'], ['Ġ', 'ab'], ['a b', 'c']] },
  added_tokens: [
    { id: 5, content: '<|end|>', special: true },
    { id: 6, content: '<tool_call>', special: false },
    { id: 7, content: '<|im_start|>', special: false },
  ],
  post_processor: { type: 'Sequence', processors: [{ type: 'ByteLevel' }, { type: 'TemplateProcessing', single: [{ SpecialToken: { id: '<|im_start|>' } }, { Sequence: { id: 'A' } }] }] },
};

describe('GGUF tokenizer metadata', () => {
  it('names the real Qwen3 tokenizer as llama.cpp does (qwen2), and refuses a tokenizer it does not know', async () => {
    expect(await preTokenizerName(qwenEncode)).toBe('qwen2');
    const err = await preTokenizerName(() => [1, 2, 3]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnknownTokenizerError);
    expect((err as Error).message).toMatch(/knows the tokenizers of Qwen2\/2\.5\/3, Llama 3 and SmolLM\/SmolLM2.*check hash is [0-9a-f]{12}…\); export the adapter/);
  });

  it('lists every id up to vocab_size with its type, the merges as "a b", special ids, add_bos and the chat template', async () => {
    const meta = new Map(
      await ggufTokenizerMetadata({
        tokenizer,
        tokenizerConfig: { eos_token: '<|end|>', bos_token: { content: '<|im_start|>' }, pad_token: null, chat_template: [{ name: 'default', template: 'T' }, { name: 'tool_use', template: 'U' }] },
        config: { pad_token_id: 5, unk_token_id: 99 },
        vocabSize: 10,
        encode: qwenEncode,
      }),
    );
    const value = (k: string) => (meta.get(k) as { value: unknown } | undefined)?.value;
    expect(value('tokenizer.ggml.model')).toBe('gpt2');
    expect(value('tokenizer.ggml.pre')).toBe('qwen2');
    expect(value('tokenizer.ggml.tokens')).toEqual(['a', 'b', 'ab', 'Ġ', 'Ġab', '<|end|>', '<tool_call>', '<|im_start|>', '[PAD8]', '[PAD9]']);
    // normal ×5, control (special), user-defined (added, not special), control (looks special), unused ×2
    expect([...(value('tokenizer.ggml.token_type') as Int32Array)]).toEqual([1, 1, 1, 1, 1, 3, 4, 3, 5, 5]);
    expect(value('tokenizer.ggml.merges')).toEqual(['a b', 'Ġ ab', 'aĠb c']);
    expect(value('tokenizer.ggml.eos_token_id')).toBe(5);
    expect(value('tokenizer.ggml.bos_token_id')).toBe(7);
    // pad from config.json (under gguf-py's name for it); its unk id is past the vocabulary, so left out.
    expect(value('tokenizer.ggml.padding_token_id')).toBe(5);
    expect([...meta.keys()].filter((k) => k.endsWith('_token_id')).sort()).toEqual(['tokenizer.ggml.bos_token_id', 'tokenizer.ggml.eos_token_id', 'tokenizer.ggml.padding_token_id']);
    expect(value('tokenizer.ggml.add_bos_token')).toBe(true);
    expect(value('tokenizer.chat_template')).toBe('T');
    expect(value('tokenizer.chat_template.tool_use')).toBe('U');
  });

  it('says add_bos_token as tokenizer_config.json says it, over the template', async () => {
    const meta = new Map(await ggufTokenizerMetadata({ tokenizer, tokenizerConfig: { add_bos_token: false, bos_token: '<|im_start|>' }, config: {}, vocabSize: 8, encode: qwenEncode }));
    expect((meta.get('tokenizer.ggml.add_bos_token') as { value: boolean }).value).toBe(false);
  });

  it('refuses a tokenizer that is not BPE, has no merges, or ids past the model\'s vocabulary', async () => {
    const base = { tokenizerConfig: {}, config: {}, vocabSize: 8, encode: qwenEncode };
    await expect(ggufTokenizerMetadata({ ...base, tokenizer: { model: { type: 'Unigram', vocab: [] } } })).rejects.toThrow(/writes byte-level BPE tokenizers; tokenizer.json's model is Unigram/);
    await expect(ggufTokenizerMetadata({ ...base, tokenizer: { model: { ...tokenizer.model, merges: [] } } })).rejects.toThrow(/no BPE merges/);
    await expect(ggufTokenizerMetadata({ ...base, vocabSize: 6, tokenizer })).rejects.toThrow(/token id 7, past the model's vocab_size 6/);
  });
});
