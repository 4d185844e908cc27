// `studio generate`: one chat turn from a model (optionally with a PEFT LoRA adapter) on the
// headless engine. Renders the user message, or a conversation to go on with (the Playground's
// "Go on": the calls an answer made and what they returned), with an optional system message and
// the tools it may call, as evaluation renders a dataset's question (renderPrompt: the model's own chat template
// plus its generation prompt, the BFCL system prompt for Python-call syntax), generates with the KV cache and streams the text to
// stdout as tokens arrive; speed and the finish reason go to stderr. With --beside-base the base
// model answers after the adapter, and a last line says what differs, as the Playground does. Owns
// argument handling and printing only; generation is src/model/generate.ts.
import { parseFlags, positiveInt, requireFlag } from '../args.ts';
import { CliError, type CliCommand } from '../command.ts';
import { cliGpu, openCliModel } from '../engine.ts';
import { readAdapter } from '../localFiles.ts';
import { checkInputFile } from '../flagPaths.ts';
import { samplingFlags, seedFlag } from '../runFlags.ts';
import { loadEngineModel } from '../../model/engineModel.ts';
import { generate } from '../../model/generate.ts';
import { decodeTokensPerSecond } from '../../model/decoding.ts';
import { prefillChunkTokens } from '../../model/kvCache.ts';
import { readFileSync } from 'node:fs';
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import { renderPrompt, type RenderedPrompt } from '../../data/render-prompt.ts';
import { ToolsNotListedError } from '../../data/chat-render.ts';
import { normalizeToolList } from '../../data/tool-schema.ts';
import { openaiTurns } from '../../data/formats/openai.ts';
import { promptMessages } from '../../data/formats/conversation.ts';
import { besideBaseText, readAnswer, stableText } from '../../eval/index.ts';
import type { Example, FunctionSchema, Message } from '../../data/example.ts';
import { OUT_OF_MEMORY_LOWER } from '../../gpu/errors.ts';

/** The speed line on stderr: the prompt's cost (the first token) and the decoding rate apart; an
 * answer with no step after its first token has no rate (not "0.0 tokens/s"). */
export function generationSummary(r: { tokens: number; finishReason: string; promptTokens: number; millis: number; firstTokenMillis: number }): string {
  const rate = decodeTokensPerSecond(r.tokens, r.finishReason, r.millis - r.firstTokenMillis);
  const head = `${r.tokens} ${r.tokens === 1 ? 'token' : 'tokens'} (${r.finishReason}) from a ${r.promptTokens}-token prompt in ${(r.millis / 1000).toFixed(2)} s`;
  return `${head}; first token ${(r.firstTokenMillis / 1000).toFixed(2)} s${rate === null ? '' : `, then ${rate.toFixed(1)} tokens/s`}`;
}

/** The line between the adapter's answer and the base model's (--beside-base), as the Playground heads it. */
export const BASE_HEADING = "The base model's answer (the same question, settings and seed, without the adapter):";

const usage = `usage: studio generate --model <dir|repo> (--prompt "..." | --conversation <file.json>) [options]

Generates the assistant's reply to one user message, or the next turn of a conversation, with a KV
cache on the GPU (WebGPU through Dawn; SwiftShader when there is no GPU) and streams it to stdout.

options:
  --conversation <file.json>
                        the conversation so far instead of --prompt: OpenAI messages (a JSON list,
                        or an object with "messages" and optionally "tools", as a dataset record),
                        e.g. the question, the assistant's tool_calls and the tool results; the
                        reply is its next assistant turn
  --adapter <dir>       a PEFT LoRA adapter (adapter_config.json + adapter_model.safetensors)
  --system <text>       a system message before the user message
  --tools <file.json>   the tools the model may call: a JSON list of functions (OpenAI's
                        {"type": "function", "function": {...}} or BFCL's {name, description,
                        parameters}); a function-calling adapter answers as it was trained only
                        when it is offered the tools
  --python-calls        ask for calls in Python syntax, [f(a=1)], with BFCL's system prompt, as a
                        FunReason/BalanceSFT or BFCL-prompt dataset trains (default: the
                        template's own <tool_call> JSON)
  --max-tokens <n>      new tokens at most (default 256)
  --temperature <t>     0 = greedy (default 0)
  --top-p <p>           nucleus mass in (0, 1] (default 1); needs --temperature above 0
  --seed <n>            sampling seed (default 0)
  --beside-base         with --adapter: the base model then answers the same, with the same settings
                        and seed, and a last line says what differs (the words, the calls), as the
                        Playground sets the two beside each other: what training changed here
  --hub-base <url>      Hugging Face endpoint for repo ids (default https://huggingface.co or $HF_ENDPOINT)
  --cache <dir>         model download cache
  --quiet               no download progress and no statistics line`;

const flagsSpec = {
  model: 'string', adapter: 'string', prompt: 'string', conversation: 'string', system: 'string', tools: 'string', 'python-calls': 'boolean', 'max-tokens': 'number', temperature: 'number',
  'top-p': 'number', seed: 'number', 'beside-base': 'boolean', 'hub-base': 'string', cache: 'string', quiet: 'boolean',
} as const;

/** The tools of a --tools file, refused with the file's name and what is wrong. */
export function readToolsFile(path: string): FunctionSchema[] {
  checkInputFile(path, 'tools', 'the JSON file of the tools');
  const text = readFileSync(path, 'utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new CliError(`--tools ${path}: not valid JSON (${(err as Error).message}); give a JSON list of functions`, 2);
  }
  try {
    return normalizeToolList(raw, 'the list');
  } catch (err) {
    throw new CliError(`--tools ${path}: ${(err as Error).message}`, 2);
  }
}

/** A --conversation file: its messages as a dataset example's prompt turns (an assistant's calls and
 * reasoning read out of it), and the tools it lists, if any. Refused with the file's name and what
 * is wrong, and when it ends with the assistant's own turn (there is nothing for it to answer). */
export function readConversationFile(path: string): { messages: Message[]; tools?: FunctionSchema[] } {
  checkInputFile(path, 'conversation', 'the JSON file of the conversation');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8').replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new CliError(`--conversation ${path}: not valid JSON (${(err as Error).message}); give a JSON list of messages`, 2);
  }
  const record = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>) : undefined;
  try {
    const messages = promptMessages(openaiTurns(record ? record.messages : raw, record ? 'messages' : 'the list'));
    const listed = record && (record.tools ?? record.functions);
    const tools = listed === undefined || listed === null ? undefined : normalizeToolList(listed, 'tools');
    if (!messages.some((m) => m.role === 'user' && m.content.trim())) throw new Error('it has no user message to answer');
    if (messages.at(-1)!.role === 'assistant') throw new Error("it ends with the assistant's own turn: add what its calls returned (tool messages) or the user's next message");
    return { messages, ...(tools && { tools }) };
  } catch (err) {
    throw new CliError(`--conversation ${path}: ${(err as Error).message}`, 2);
  }
}

/** One question, or a conversation, as the generation prompt, rendered exactly as evaluation renders
 * a dataset example with these tools and this call syntax (a model answers as trained only when
 * asked as trained). */
export function questionPrompt(tokenizer: PreTrainedTokenizer, q: { prompt: string | Message[]; system?: string; tools: FunctionSchema[]; pythonCalls: boolean }): RenderedPrompt {
  const asked: Message[] = typeof q.prompt === 'string' ? [{ role: 'user', content: q.prompt }] : q.prompt;
  const messages: Message[] = [...(q.system !== undefined ? [{ role: 'system' as const, content: q.system }] : []), ...asked];
  const example: Example = { id: 'prompt', tools: q.tools, messages, target: { calls: [], ...(q.pythonCalls ? { callSyntax: 'python' as const } : {}) } };
  try {
    return renderPrompt(tokenizer, example);
  } catch (err) {
    // A dataset's advice (import it in BFCL prompt mode) is no way out for a question typed here.
    if (err instanceof ToolsNotListedError) throw new CliError(`--tools: the model's chat template does not list the tools (${err.tool} is not in the prompt it renders), so the model would never see them; give --python-calls to list them in BFCL's system prompt and ask for calls as text`, 2);
    throw err;
  }
}

const command: CliCommand = {
  summary: 'generate a reply to a prompt with the chat template and a KV cache, streamed',
  usage,
  formFlags: { [OUT_OF_MEMORY_LOWER]: '--max-tokens' },
  async run(argv) {
    const f = parseFlags(argv, flagsSpec);
    const modelArg = requireFlag(f.model, 'model');
    if (f.prompt !== undefined && f.conversation !== undefined) throw new CliError('--prompt and --conversation both say what to answer; give one of them', 2);
    const conversation = f.conversation !== undefined ? readConversationFile(f.conversation) : undefined;
    const prompt = conversation?.messages ?? requireFlag(f.prompt, 'prompt');
    // The Playground refuses a blank question too; the model would answer an empty turn.
    if (typeof prompt === 'string' && !prompt.trim()) throw new CliError('--prompt holds only spaces: give the question to ask', 2);
    const maxNewTokens = positiveInt(f['max-tokens'], 'max-tokens', 256);
    const { temperature, topP } = samplingFlags(f);
    const seed = seedFlag(f.seed, 'seed') ?? 0;
    const quiet = f.quiet ?? false;
    if (f['beside-base'] && f.adapter === undefined) throw new CliError("--beside-base sets an adapter's answer beside the base model's: give --adapter", 2);

    // A conversation given as a dataset record brings its tools; --tools, given, are the ones offered.
    const tools = f.tools !== undefined ? readToolsFile(f.tools) : (conversation?.tools ?? []);
    // The prompt, --max-tokens and the adapter are checked against the model's config and tokenizer
    // before its weights are read (or downloaded), as studio train's settings are.
    const described = await openCliModel(modelArg, { hubBase: f['hub-base'], cacheDir: f.cache, quiet });
    const { spec, tokenizer } = described.model;
    const adapter = await readAdapter(spec, f.adapter, modelArg);
    const { ids } = questionPrompt(tokenizer, { prompt, system: f.system, tools, pythonCalls: f['python-calls'] ?? false });
    const decode = (t: number[]) => tokenizer.decode(t, { skip_special_tokens: false, clean_up_tokenization_spaces: false });
    // Past its context the model reads positions it was never trained on and writes nonsense (it
    // printed a dozen newlines for a 6,507-token prompt on a 4,096-token model, and said nothing).
    if (ids.length + maxNewTokens > spec.maxPositionEmbeddings) {
      throw new CliError(`the prompt is ${ids.length} tokens; with --max-tokens ${maxNewTokens} that passes the model's ${spec.maxPositionEmbeddings}-token context (max_position_embeddings): shorten the prompt or the system prompt, or lower --max-tokens`, 2);
    }

    const { files, stopTokenIds } = await described.withWeights();
    const gpu = await cliGpu();
    // The prefill runs the prompt (but its last token) through the model's activations, a chunk at a
    // time. Generation needs one layer's activations, shared (context.ts loadForGeneration).
    const model = await loadEngineModel(gpu, files, { lora: null, adapter, maxTokens: Math.max(1, Math.min(ids.length - 1, prefillChunkTokens(spec, gpu.ctx.limits))), forwardOnly: true });
    /** One answer from `state` (the model with its adapter, or without: the same weights, uploaded once), streamed to stdout. */
    const answer = async (state: typeof model.state, label: string): Promise<{ text: string; finishReason: string }> => {
      // Streaming: after each token print the part of the decoded text that became stable.
      const tokens: number[] = [];
      let printed = '';
      const flush = (text: string) => {
        if (text.length > printed.length) process.stdout.write(text.slice(printed.length));
        printed = text;
      };
      const started = performance.now();
      let firstTokenMs = 0;
      const [result] = await generate(state, [ids], {
        maxNewTokens,
        temperature,
        topP,
        seed,
        stopTokenIds,
        onToken: (_seq, token) => {
          if (tokens.length === 0) firstTokenMs = performance.now() - started;
          tokens.push(token);
          flush(stableText(decode, tokens));
        },
      });
      const text = decode(result.tokens);
      flush(text);
      process.stdout.write('\n');
      const millis = performance.now() - started;
      if (!quiet) console.error(`${label}${generationSummary({ tokens: result.tokens.length, finishReason: result.finishReason, promptTokens: ids.length, millis, firstTokenMillis: firstTokenMs })}`);
      return { text, finishReason: result.finishReason };
    };
    try {
      const mine = await answer(model.state, f['beside-base'] ? 'with the adapter: ' : '');
      if (!f['beside-base']) return 0;
      process.stdout.write(`\n${BASE_HEADING}\n`);
      // The base model is the loaded weights with no LoRA path (transformer.ts skips it when `lora` is null).
      const base = await answer({ ...model.state, lora: null }, 'the base model: ');
      process.stdout.write(`\n${besideBaseText({ ...mine, ...readAnswer(mine.text, mine.finishReason) }, { ...base, ...readAnswer(base.text, base.finishReason) })}\n`);
      return 0;
    } finally {
      model.release();
    }
  },
};
export default command;
