// The README of what a run pushes to the Hub: its PEFT adapter, or a GGUF file of the model with the
// adapter merged. Front matter the Hub reads (the base model, the library, the tags that file it under
// LoRA, GGUF and function calling) and, for a person, how it was trained and how to load or run it.
// The studio's Runs panel and `studio push` write the same card. (The merged folder's own card is
// written with the folder: mergedExport.ts.)
import type { LoraSettings } from '../model/lora.ts';
import type { RunConfig } from '../train/config.ts';
import { plural } from '../data/plural.ts';
import { accuracyIntervalText } from '../eval/accuracyInterval.ts';
import { chanceText } from '../eval/pairedTest.ts';

export interface AdapterCardFacts {
  /** The card's heading: the repo's name. */
  title: string;
  run: string;
  /** The repo the card is pushed to, for the loading snippet. */
  repo: string;
  /** The base model's Hub id (none for a dropped folder or the embedded model). */
  baseModel?: string;
  config: RunConfig;
  /** The optimizer step the adapter's weights are from (an HDR run's are its last round's: none). */
  adapterStep?: number;
  /** Training examples and the dataset they came from, when known. */
  examples?: number;
  dataset?: string;
  /** The Hub dataset repos the training examples came from or were pushed to (`owner/name`). */
  datasets?: string[];
  /** Examples of the dataset whose expected answer the user edited in the studio: the card says the
   * training and the evaluation read those, not the dataset's own. */
  editedAnswers?: number;
  /** An HDR run's: the rounds it trained on the samples that passed the answer check. */
  hdrRounds?: number;
  /** The newest finished evaluation of this adapter on the run's held-out examples, and the base
   * model's on the same examples and answer length when there is one, with the split of the
   * examples whose verdicts differ (`right`: the adapter right where the base model is wrong). */
  evaluation?: CardEvaluation & { base?: BesideEvaluation };
}

/** A card's evaluation: its tally and answer length, and of its examples those that answer after
 * earlier calls of their conversation (later steps of a task), where it had some. */
export interface CardEvaluation {
  correct: number;
  total: number;
  maxNewTokens: number;
  laterSteps?: { correct: number; total: number };
  /** Of its examples, those whose question a training example asks word for word (the same
   * conversation and tools), where it had some: answered from what the adapter trained on. */
  askedInTraining?: { correct: number; total: number };
}

const percent = (correct: number, total: number) => `${((100 * correct) / total).toFixed(1)}%`;

/** The front matter lines that link a model to its Hub datasets (the Hub's "Datasets used to train"). */
export function datasetsFront(datasets: string[] | undefined): string[] {
  return datasets?.length ? ['datasets:', ...datasets.map((d) => `- ${d}`)] : [];
}

/** The Hub datasets as Markdown links, "a and b". */
export function datasetLinks(datasets: string[]): string {
  const links = datasets.map((d) => `[${d}](https://huggingface.co/datasets/${d})`);
  return links.length > 1 ? `${links.slice(0, -1).join(', ')} and ${links.at(-1)}` : links[0];
}

/** The line a merged model's or GGUF file's card gives its training data, when it is on the Hub. */
export function trainedOnLine(datasets: string[] | undefined): string[] {
  return datasets?.length ? [`Its adapter was trained on ${datasetLinks(datasets)}.`, ''] : [];
}

/** "r = 16, alpha/r = 2.000" (alpha/√r with rsLoRA), as PEFT scales the update: both model cards say it. */
export function loraScaleText(s: LoraSettings): string {
  return s.useRsLora ? `r = ${s.rank}, alpha/√r = ${(s.alpha / Math.sqrt(s.rank)).toPrecision(4)}, rsLoRA` : `r = ${s.rank}, alpha/r = ${(s.alpha / s.rank).toPrecision(4)}`;
}

function objectiveText(config: RunConfig): string {
  if (config.loss === 'sft') return 'a plain token mean over the assistant turns (SFT)';
  const fixed = /^fixed:(.+)$/.exec(config.loss);
  if (fixed) return `the reasoning and call losses combined with a fixed balance weight α = ${fixed[1]}`;
  return `SSB: the reasoning (<think>…</think>) and call losses taken apart and combined with a learned balance weight (rule: ${config.balanceRule ?? 'grad'}), so the short call is not drowned by long reasoning`;
}

export function adapterModelCard(f: AdapterCardFacts): string {
  const s = f.config.lora;
  const front = ['---', ...(f.baseModel ? [`base_model: ${f.baseModel}`] : []), ...datasetsFront(f.datasets), 'library_name: peft', 'pipeline_tag: text-generation', 'tags:', '- lora', '- peft', '- function-calling', '- balancesft-studio', '---'];
  const onHub = f.datasets?.length ? ` (on the Hub: ${datasetLinks(f.datasets)})` : '';
  // Without a Hub id, the base model is whatever adapter_config.json names.
  const tokenizerFrom = f.baseModel ? `"${f.baseModel}"` : 'model.peft_config["default"].base_model_name_or_path';
  return [
    ...front,
    '',
    `# ${f.title}`,
    '',
    `A LoRA adapter${f.baseModel ? ` for ${f.baseModel}` : ''}, trained for function calling with BalanceSFT Studio (run "${f.run}", in the browser on WebGPU).`,
    '',
    '## Training',
    '',
    `- Objective: ${objectiveText(f.config)}.`,
    `- LoRA: ${loraScaleText(s)}, on ${s.targets.join(', ')} in ${s.layers ? `layers ${s.layers.join(', ')}` : 'every layer'}; dropout ${s.dropout}.`,
    `- ${f.adapterStep !== undefined ? `The weights of step ${f.adapterStep} of ${f.config.steps}; learning` : 'Learning'} rate ${f.config.lr}, ${f.config.schedule} schedule, ${f.config.batchSize * f.config.gradAccum} examples a step, sequences of up to ${f.config.seqLen} tokens.`,
    ...(f.hdrRounds !== undefined ? [`- Then ${f.hdrRounds === 1 ? 'one round' : `${f.hdrRounds} rounds`} of HDR (Hard Data Re-sampling): the cases it still got wrong sampled anew, the answers that pass the call check added, training continued.`] : []),
    ...(f.examples !== undefined ? [`- ${f.examples} training examples${f.dataset ? ` from ${f.dataset}` : ''}${onHub}.`] : f.dataset ? [`- Dataset: ${f.dataset}${onHub}.`] : f.datasets?.length ? [`- Dataset: ${datasetLinks(f.datasets)}.`] : []),
    ...(f.editedAnswers ? [`- ${editedAnswersText(f.editedAnswers)}`] : []),
    ...(f.evaluation ? ['', '## Evaluation', '', evaluationText(f.evaluation, f.evaluation.base, { subject: 'the adapter', other: 'the base model' })] : []),
    '',
    '## Use',
    '',
    '```python',
    'from peft import AutoPeftModelForCausalLM',
    'from transformers import AutoTokenizer',
    `model = AutoPeftModelForCausalLM.from_pretrained("${f.repo}")`,
    `tokenizer = AutoTokenizer.from_pretrained(${tokenizerFrom})`,
    '```',
    '',
    `${f.baseModel ? '' : 'PEFT loads the base model that adapter_config.json names (base_model_name_or_path). '}\`model.merge_and_unload()\` gives a plain transformers model; vLLM serves the adapter with \`--enable-lora --lora-modules ${f.title}=${f.repo}\`.`,
    '',
  ].join('\n');
}

/** Another evaluation on the same examples, set beside a card's, with the split of the examples
 * whose verdicts differ (`right`: the card's subject right where the other is wrong). */
export interface BesideEvaluation {
  correct: number;
  total: number;
  split?: { right: number; wrong: number };
  /** Examples the two evaluations judged against different expected answers (edited in between):
   * left out of `split` (compareAnswers' `relabeled`). */
  relabeled?: number;
}

/** A card's evaluation in a sentence or three: the accuracy with its interval, and beside `other`'s
 * (named by `names.other`) with the answer-by-answer split and whether it could be chance. `how`:
 * how the subject answered, where it is not plain. */
function evaluationText(e: CardEvaluation, other: BesideEvaluation | undefined, names: { subject: string; other: string }, how = ''): string {
  const beside = other ? `, against ${percent(other.correct, other.total)} (${other.correct} of ${other.total}) for ${names.other}` : '';
  const split = other?.split && other.split.right + other.split.wrong > 0
    ? ` Answer by answer, ${names.subject} is right on ${other.split.right} ${names.other} got wrong and wrong on ${other.split.wrong} it got right; that split ${chanceText(other.split.right, other.split.wrong)}.`
    : '';
  const n = other?.relabeled ?? 0;
  const relabeled = n > 0 ? ` ${n === 1 ? '1 example was' : `${n} examples were`} judged against another expected answer by each (${n === 1 ? 'its answer was' : 'their answers were'} edited in between), and ${n === 1 ? 'is' : 'are'} left out of the answer-by-answer count.` : '';
  const later = e.laterSteps?.total ? ` Of those examples, ${e.laterSteps.total} answer after earlier calls in their conversation (later steps of a task, with the tools' results in the prompt): ${percent(e.laterSteps.correct, e.laterSteps.total)} of them correct (${e.laterSteps.correct} of ${e.laterSteps.total}).` : '';
  // A card is a public claim: an accuracy partly on questions the adapter trained on says so.
  const a = e.askedInTraining;
  const rest = a && { correct: e.correct - a.correct, total: e.total - a.total };
  const asked = a?.total
    ? ` ${a.total === 1 ? '1 of those questions is' : `${a.total} of those questions are`} asked word for word by a training example too (the same conversation and tools), so ${a.total === 1 ? 'its answer comes' : 'their answers come'} from what the weights were trained on: ${a.correct} of ${a.total} correct there${rest!.total > 0 ? `, and ${percent(rest!.correct, rest!.total)} (${rest!.correct} of ${rest!.total}) on the others` : ''}.`
    : '';
  return `${percent(e.correct, e.total)} of the calls correct (${e.correct} of ${e.total} held-out examples, ${accuracyIntervalText(e.correct, e.total)}; answers of up to ${e.maxNewTokens} tokens)${how} by the studio's AST checker, which checks calls as BFCL's does${beside}.${split}${relabeled}${later}${asked}`;
}

export interface GgufCardFacts {
  title: string;
  /** The studio run whose adapter the file has merged (none: a file the studio did not say it made). */
  run?: string;
  repo: string;
  baseModel?: string;
  /** The file's name in the repo, and its weight type as llama.cpp names it (Q4_K_M, Q8_0, F16…). */
  fileName: string;
  type: string;
  bytes: number;
  /** The repo's other files (this push leaves them there): its other GGUF types are named too. */
  others?: string[];
  /** The Hub dataset repos the adapter was trained on. */
  datasets?: string[];
  /** Examples of the dataset whose expected answer the user edited (AdapterCardFacts.editedAnswers). */
  editedAnswers?: number;
  /** The newest finished evaluation of this file's weights on the run's held-out examples, beside
   * the run's adapter's on the same examples and answer length when there is one. */
  evaluation?: CardEvaluation & { adapter?: BesideEvaluation };
}

/** The weight type in a GGUF file's name as the Hub and Ollama read it (`calls-Q4_K_M.gguf`:
 * Q4_K_M), or null for a name without one. */
export function ggufTypeInName(fileName: string): string | null {
  const m = /[-_.]((?:I?Q[1-8](?:_[0-9A-Z]+)*)|BF16|F16|F32)\.gguf$/i.exec(fileName);
  return m ? m[1].toUpperCase() : null;
}

/** A GGUF repo's card: what Ollama's and llama.cpp's Hub names pull (`hf.co/<repo>:<type>`), for
 * this file and the repo's other GGUF types, each a card of its own would otherwise forget. */
/** The expected answers the user edited, as a card says them: its numbers read those. */
function editedAnswersText(n: number): string {
  return `${n === 1 ? '1 expected answer of the dataset was' : `${n} expected answers of the dataset were`} edited in the studio (labels found wrong): training and the evaluation below read the edited ${n === 1 ? 'one' : 'ones'}, not the dataset's own.`;
}

export function ggufModelCard(f: GgufCardFacts): string {
  const others = (f.others ?? [])
    .filter((p) => p !== f.fileName && !p.includes('/') && p.toLowerCase().endsWith('.gguf'))
    .map((p) => ({ fileName: p, type: ggufTypeInName(p) }))
    .filter((o): o is { fileName: string; type: string } => o.type !== null && o.type !== f.type)
    .sort((a, b) => a.fileName.localeCompare(b.fileName));
  const front = ['---', ...(f.baseModel ? [`base_model: ${f.baseModel}`] : []), ...datasetsFront(f.datasets), 'pipeline_tag: text-generation', 'tags:', '- gguf', '- llama.cpp', '- lora', '- merged', '- function-calling', '- balancesft-studio', '---'];
  return [
    ...front,
    '',
    `# ${f.title}`,
    '',
    f.run
      ? `${f.baseModel ?? 'The model'} with the LoRA adapter of the BalanceSFT Studio run "${f.run}" merged, as one GGUF file (${f.fileName}, ${f.type} weights, ${(f.bytes / 2 ** 20).toFixed(1)} MiB) with its tokenizer and chat template, as llama.cpp's convert_hf_to_gguf.py and llama-quantize write it.`
      : `One GGUF file: ${f.fileName}, ${f.type} weights, ${(f.bytes / 2 ** 20).toFixed(1)} MiB.`,
    '',
    ...trainedOnLine(f.datasets),
    ...(f.editedAnswers ? [editedAnswersText(f.editedAnswers), ''] : []),
    ...(others.length ? [`Other weight types in this repo: ${others.map((o) => `${o.fileName} (${o.type})`).join(', ')}.`, ''] : []),
    ...(f.evaluation ? ['## Evaluation', '', evaluationText(f.evaluation, f.evaluation.adapter, { subject: 'the file', other: "the run's adapter" }, " with this file's weights as llama.cpp reads them,"), ''] : []),
    '## Run it',
    '',
    '```sh',
    `ollama run hf.co/${f.repo}:${f.type}`,
    `llama-server -hf ${f.repo}:${f.type} --jinja`,
    '```',
    '',
    ...(others.length ? [`Another type by its name: ${others.map((o) => `\`hf.co/${f.repo}:${o.type}\``).join(', ')}.`, ''] : []),
    'LM Studio finds it by the repo name too. `--jinja` makes llama.cpp use the chat template in the file, which writes the tool calls.',
    '',
  ].join('\n');
}

export interface DatasetCardFacts {
  /** The card's heading: the repo's name. */
  title: string;
  repo: string;
  /** The studio dataset it is, by its name there. */
  dataset: string;
  /** Its path in the repo. */
  file: string;
  examples: number;
  /** Stored examples not pushed: those the user left out of training. */
  leftOut: number;
  /** Of those pushed, the ones whose expected answer the user edited in the studio (absent: none). */
  edited?: number;
  /** Examples by the format they were imported from (`hdr`: HDR's samples). */
  sources: Record<string, number>;
  /** HDR's samples, and the most rounds one of them took. */
  hdr: { examples: number; rounds: number };
  withReasoning: number;
  /** Examples whose calls are written `[f(a=1)]` (FunReason, BFCL's prompt mode). */
  python: number;
  /** Examples that answer with no call (BFCL's irrelevance). */
  noCall: number;
  /** Examples with BFCL's accepted values, and their BFCL categories. */
  withPossibleAnswer: number;
  categories: Record<string, number>;
}

/** The Hub's size class for a dataset of `n` rows. */
function sizeCategory(n: number): string {
  const bounds: Array<[number, string]> = [[1e3, 'n<1K'], [1e4, '1K<n<10K'], [1e5, '10K<n<100K'], [1e6, '100K<n<1M'], [1e7, '1M<n<10M']];
  return bounds.find(([limit]) => n < limit)?.[1] ?? '10M<n<100M';
}

const counted = (counts: Record<string, number>) => Object.entries(counts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([k, n]) => `${k} ${n}`).join(', ');

/** A dataset repo's card: the data file as the Hub's viewer and datasets.load_dataset find it
 * (`configs`), what the examples are, their columns, and how to read them. */
export function datasetCard(f: DatasetCardFacts): string {
  const front = ['---', 'configs:', '- config_name: default', '  data_files:', '  - split: train', `    path: ${f.file}`, 'task_categories:', '- text-generation', 'tags:', '- function-calling', '- tool-use', '- reasoning', '- balancesft-studio', 'size_categories:', `- ${sizeCategory(f.examples)}`, '---'];
  const pct = (n: number) => `${n} (${((100 * n) / Math.max(1, f.examples)).toFixed(0)}%)`;
  return [
    ...front,
    '',
    `# ${f.title}`,
    '',
    `Function-calling conversations for supervised fine-tuning: the dataset "${f.dataset}" of BalanceSFT Studio, ${f.examples} example${f.examples === 1 ? '' : 's'} in OpenAI's messages form${f.leftOut ? ` (${plural(f.leftOut, 'example')} left out of training ${f.leftOut === 1 ? 'is' : 'are'} not here)` : ''}. Each ends in the assistant turn to learn: its reasoning, then its calls.${f.edited ? ` ${f.edited === 1 ? 'One of them has an expected answer' : `${f.edited} of them have expected answers`} edited in the studio (labels found wrong), not the source's own.` : ''}`,
    '',
    '## What is in it',
    '',
    `- Imported from: ${counted(f.sources)}.`,
    ...(f.hdr.examples ? [`- ${f.hdr.examples} example${f.hdr.examples === 1 ? '' : 's'} added by HDR (Hard Data Re-sampling) in ${f.hdr.rounds === 1 ? 'one round' : `${f.hdr.rounds} rounds`}: new reasoning and calls sampled for cases a trained model got wrong, kept only where the calls passed the answer check (column \`hdr_round\`).`] : []),
    `- With reasoning (\`reasoning_content\`): ${pct(f.withReasoning)}. Answering without a call: ${pct(f.noCall)}.`,
    ...(f.python ? [`- ${f.python} answer${f.python === 1 ? '' : 's'} write${f.python === 1 ? 's' : ''} the calls as Python, \`[f(a=1)]\`, in the content (FunReason's and BFCL's prompt form) rather than as \`tool_calls\`.`] : []),
    ...(f.withPossibleAnswer ? [`- ${f.withPossibleAnswer} with BFCL's accepted values per argument (column \`possible_answer\`)${Object.keys(f.categories).length ? `; categories: ${counted(f.categories)}` : ''}.`] : Object.keys(f.categories).length ? [`- Categories: ${counted(f.categories)}.`] : []),
    '',
    '## Columns',
    '',
    '- `id`: the example\'s id.',
    '- `messages`: the conversation, `role` and `content`; an assistant turn has `reasoning_content` and `tool_calls` (`{"type": "function", "function": {"name", "arguments"}}`, the arguments as JSON text, as OpenAI\'s API writes them); a tool\'s result has the function\'s `name`.',
    '- `tools`: the functions the assistant may call, OpenAI\'s `[{"type": "function", "function": {...}}]` as JSON text (their schemas differ from row to row, which one table column cannot hold).',
    '- `source`: the format the example was imported from; `category`, `possible_answer` (JSON text) and `hdr_round` where known.',
    '',
    '## Use',
    '',
    '```python',
    'import json',
    'from datasets import load_dataset',
    'from transformers import AutoTokenizer',
    `ds = load_dataset("${f.repo}", split="train")`,
    'tokenizer = AutoTokenizer.from_pretrained("Qwen/Qwen3-0.6B")  # the model you train',
    'row = ds[0]',
    'text = tokenizer.apply_chat_template(row["messages"], tools=json.loads(row["tools"]), tokenize=False)',
    '```',
    '',
    `BalanceSFT Studio imports it by its id (${f.repo}) in the Dataset panel, with its categories, accepted values and HDR rounds.`,
    '',
  ].join('\n');
}
