// The tokenizer as GGUF metadata, the way llama.cpp's convert_hf_to_gguf.py writes a byte-level BPE
// tokenizer (`_set_vocab_gpt2` + `gguf.SpecialVocab`): every id up to the model's vocab_size with
// its token type, the merges, the special token ids, whether BOS/EOS are added, the chat template,
// and `tokenizer.ggml.pre`, which picks llama.cpp's pre-tokenizer. llama.cpp's converter names the
// pre-tokenizer by hashing the token ids of a fixed text; so does this, with the same text and the
// hashes of the tokenizers the studio's models use. An unknown hash is refused: a guessed
// pre-tokenizer would split text otherwise than the model was trained on.
import type { GgufValue } from './ggufFile.ts';

/** llama.cpp's `gguf.TokenType`. */
const TOKEN_TYPE = { NORMAL: 1, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5 } as const;

/** convert_hf_to_gguf.py's `chktxt`: its token ids' SHA-256 names the pre-tokenizer. */
export const PRE_TOKENIZER_CHECK_TEXT =
  '\n \n\n \n\n\n \t \t\t \t\n  \n   \n    \n     \n🚀 (normal) 😶\u200d🌫️ (multiple emojis concatenated) ✅ 🦙🦙 3 33 333 3333 33333 333333 3333333 33333333 3.3 3..3 3...3 កាន់តែពិសេសអាច😁 ?我想在apple工作1314151天～ ------======= нещо на Български \'\'\'\'\'\'```````""""......!!!!!!?????? I\'ve been \'told he\'s there, \'RE you sure? \'M not sure I\'ll make it, \'D you like some tea? We\'Ve a\'lL';

/** Hash → llama.cpp pre-tokenizer, for the tokenizers of the model families the studio trains
 * (from convert_hf_to_gguf.py's `get_vocab_base_pre`). */
export const KNOWN_PRE_TOKENIZERS: Record<string, string> = {
  e636dc30a262dcc0d8c323492e32ae2b70728f4df7dfe9737d9f920a282b8aea: 'qwen2', // Qwen1.5 … Qwen3
  d4540891389ea895b53b399da6ac824becc30f2fba0e9ddbb98f92e55ca0e97c: 'qwen2', // Qwen3-Embedding
  '0ef9807a4087ebef797fc749390439009c3b9eda9ad1a097abbe738f486c01e5': 'llama-bpe', // Llama 3.x
  '855059429035d75a914d1eda9f10a876752e281a054a7a3d421ef0533e5b6249': 'smollm', // SmolLM, SmolLM2
};

export class UnknownTokenizerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnknownTokenizerError';
  }
}

const SPECIAL_TYPES = ['bos', 'eos', 'unk', 'sep', 'pad', 'cls', 'mask'] as const;
/** gguf-py's keys for them (it has none for cls, which llama.cpp's converter then skips). */
const SPECIAL_ID_KEY: Partial<Record<(typeof SPECIAL_TYPES)[number], string>> = {
  bos: 'tokenizer.ggml.bos_token_id', eos: 'tokenizer.ggml.eos_token_id', unk: 'tokenizer.ggml.unknown_token_id',
  sep: 'tokenizer.ggml.seperator_token_id', pad: 'tokenizer.ggml.padding_token_id', mask: 'tokenizer.ggml.mask_token_id',
};
/** Whether a special token is added to every text: gguf-py writes these three. */
const ADD_TOKEN_TYPES = new Set(['bos', 'eos', 'sep']);

interface AddedToken {
  id: number;
  content: string;
  special?: boolean;
}

export interface TokenizerSources {
  /** tokenizer.json, parsed. */
  tokenizer: Record<string, unknown>;
  /** tokenizer_config.json with the chat template (readTokenizerConfig). */
  tokenizerConfig: Record<string, unknown>;
  /** config.json, parsed (its `*_token_id` fill in what tokenizer_config.json does not name). */
  config: Record<string, unknown>;
  vocabSize: number;
  /** The model's tokenizer: ids of a text with its special tokens added (as `tokenizer.encode`). */
  encode(text: string): number[] | Promise<number[]>;
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** The pre-tokenizer llama.cpp should use, named as convert_hf_to_gguf.py would name it. */
export async function preTokenizerName(encode: TokenizerSources['encode']): Promise<string> {
  const ids = await encode(PRE_TOKENIZER_CHECK_TEXT);
  // Python's str() of a list of ints.
  const hash = await sha256Hex(`[${ids.join(', ')}]`);
  const name = KNOWN_PRE_TOKENIZERS[hash];
  if (!name) {
    throw new UnknownTokenizerError(
      `the GGUF export knows the tokenizers of Qwen2/2.5/3, Llama 3 and SmolLM/SmolLM2, and this model's is none of them (its check hash is ${hash.slice(0, 12)}…); export the adapter (Export) and convert the merged model with llama.cpp's convert_hf_to_gguf.py`,
    );
  }
  return name;
}

/** Whether a token llama.cpp should treat as control although tokenizer.json does not say special. */
function looksSpecial(t: string): boolean {
  return ['<pad>', '<mask>', '<2mass>', '[@BOS@]'].includes(t) || (t.startsWith('<|') && t.endsWith('|>')) || (t.startsWith('<｜') && t.endsWith('｜>')) || (t.startsWith('<unused') && t.endsWith('>'));
}

function mergesOf(model: Record<string, unknown>): string[] {
  const merges = model.merges;
  if (!Array.isArray(merges) || merges.length === 0) throw new UnknownTokenizerError('tokenizer.json has no BPE merges, which a GGUF of this tokenizer needs');
  // Pairs (transformers ≥ 4.45) are written as the older "a b" strings, a space inside a part as
  // U+0120, as llama.cpp's SpecialVocab does.
  return merges.map((m) => (typeof m === 'string' ? m : (m as string[]).map((part) => part.replaceAll(' ', '\u0120')).join(' ')));
}

function contentOf(entry: unknown): string | null {
  if (typeof entry === 'string') return entry;
  if (entry && typeof entry === 'object' && typeof (entry as { content?: unknown }).content === 'string') return (entry as { content: string }).content;
  return null;
}

/** The tokenizer.* keys of the GGUF. */
export async function ggufTokenizerMetadata(src: TokenizerSources): Promise<Array<[string, GgufValue]>> {
  const model = src.tokenizer.model as Record<string, unknown> | undefined;
  if (!model || model.type !== 'BPE' || !model.vocab || typeof model.vocab !== 'object') {
    throw new UnknownTokenizerError(`the GGUF export writes byte-level BPE tokenizers; tokenizer.json's model is ${String(model?.type ?? 'missing')}`);
  }
  const pre = await preTokenizerName(src.encode);
  const added = ((src.tokenizer.added_tokens as AddedToken[] | undefined) ?? []).filter((t) => Number.isInteger(t.id) && typeof t.content === 'string');
  const addedById = new Map(added.map((t) => [t.id, t]));
  const byId = new Map<number, string>();
  for (const [token, id] of Object.entries(model.vocab as Record<string, number>)) byId.set(id, token);
  for (const t of added) byId.set(t.id, t.content);
  let top = -1;
  for (const id of byId.keys()) top = Math.max(top, id);
  if (top >= src.vocabSize) throw new UnknownTokenizerError(`tokenizer.json has token id ${top}, past the model's vocab_size ${src.vocabSize}`);

  const tokens: string[] = [];
  const types = new Int32Array(src.vocabSize);
  for (let i = 0; i < src.vocabSize; i++) {
    const token = byId.get(i);
    if (token === undefined) {
      tokens.push(`[PAD${i}]`);
      types[i] = TOKEN_TYPE.UNUSED;
      continue;
    }
    tokens.push(token);
    const a = addedById.get(i);
    types[i] = a ? (a.special || looksSpecial(token) ? TOKEN_TYPE.CONTROL : TOKEN_TYPE.USER_DEFINED) : TOKEN_TYPE.NORMAL;
  }

  const out: Array<[string, GgufValue]> = [
    ['tokenizer.ggml.model', { type: 'string', value: 'gpt2' }],
    ['tokenizer.ggml.pre', { type: 'string', value: pre }],
    ['tokenizer.ggml.tokens', { type: 'string[]', value: tokens }],
    ['tokenizer.ggml.token_type', { type: 'i32[]', value: types }],
    ['tokenizer.ggml.merges', { type: 'string[]', value: mergesOf(model) }],
  ];

  // Special ids: tokenizer_config.json's `<type>_token` found among the added tokens, else
  // config.json's `<type>_token_id`.
  const cfg = src.tokenizerConfig;
  const ids = new Map<(typeof SPECIAL_TYPES)[number], number>();
  for (const type of SPECIAL_TYPES) {
    const content = contentOf(cfg[`${type}_token`]);
    const id = content === null ? undefined : added.find((t) => t.content === content)?.id;
    if (id !== undefined && id < src.vocabSize) ids.set(type, id);
  }
  for (const type of SPECIAL_TYPES) {
    const id = src.config[`${type}_token_id`];
    if (!ids.has(type) && Number.isInteger(id) && (id as number) >= 0 && (id as number) < src.vocabSize) ids.set(type, id as number);
  }
  for (const [type, id] of ids) {
    const key = SPECIAL_ID_KEY[type];
    if (key) out.push([key, { type: 'u32', value: id }]);
  }
  for (const [type, add] of addSpecialTokens(src.tokenizer, cfg)) if (ADD_TOKEN_TYPES.has(type)) out.push([`tokenizer.ggml.add_${type}_token`, { type: 'bool', value: add }]);

  const template = cfg.chat_template;
  if (typeof template === 'string') out.push(['tokenizer.chat_template', { type: 'string', value: template }]);
  else if (Array.isArray(template)) {
    // Named templates: "default" is the chat template, the others are kept by name.
    for (const t of template as Array<{ name?: unknown; template?: unknown }>) {
      if (typeof t.name !== 'string' || typeof t.template !== 'string') continue;
      out.push([t.name === 'default' ? 'tokenizer.chat_template' : `tokenizer.chat_template.${t.name}`, { type: 'string', value: t.template }]);
    }
  }
  return out;
}

/** Whether BOS / EOS are added to a text: tokenizer_config.json's add_*_token, else what
 * tokenizer.json's TemplateProcessing puts first and last. */
function addSpecialTokens(tokenizer: Record<string, unknown>, cfg: Record<string, unknown>): Map<string, boolean> {
  const add = new Map<string, boolean>();
  const post = tokenizer.post_processor as { type?: string; processors?: unknown[] } | null | undefined;
  const processors = (post?.type === 'Sequence' ? post.processors : post ? [post] : []) as Array<{ type?: string; single?: Array<{ SpecialToken?: { id?: string } }> }>;
  const bos = contentOf(cfg.bos_token);
  const eos = contentOf(cfg.eos_token);
  for (const p of processors) {
    if (p.type !== 'TemplateProcessing' || !p.single || p.single.length < 2) continue;
    const first = p.single[0].SpecialToken?.id;
    const last = p.single[p.single.length - 1].SpecialToken?.id;
    if (first) add.set('bos', first === bos);
    if (last) add.set('eos', last === eos);
  }
  for (const type of SPECIAL_TYPES) {
    const v = cfg[`add_${type}_token`];
    if (typeof v === 'boolean') add.set(type, v);
  }
  return add;
}
