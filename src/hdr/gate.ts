// HDR's quality gate (DESIGN.md, "HDR"): decides whether one sampled answer for a hard case may
// become a training example. A candidate is accepted only if it
//   parses            — the calls decode (no unterminated <think>/<tool_call>, valid JSON/Python);
//   answers           — the AST checker passes it against the hard case's ground truth, and
//                       evaluation would count it (a reply the token limit cut off before it
//                       declined to call does not);
//   is well formatted — its calls are written in the hard case's call syntax (JSON blocks or a
//                       Python-call list), with one <think>…</think> block before them;
//   reasons           — the reasoning is non-empty and names every function it calls;
//   passes the base quality check — the new example itself passes checkExample with reasoning
//                       required (known tools, required args, argument types…).
// Every failed condition is reported (not just the first), so rounds can count why samples were
// rejected. Pure: never generates, never stores, never mutates the hard case.
import type { Example } from '../data/example.ts';
import { checkExample } from '../data/quality-check.ts';
import { categoryKind, checkAnswer, groundTruthOf, type FinishReason, type ParsedGeneration } from '../eval/index.ts';

export const GATE_RULES = ['parse', 'answer', 'format', 'reasoning_missing', 'reasoning_malformed', 'reasoning_no_function', 'base_quality'] as const;
export type GateRule = (typeof GATE_RULES)[number];

export interface GateFailure {
  rule: GateRule;
  detail: string;
}

export interface GateVerdict {
  accepted: boolean;
  failures: GateFailure[];
  /** The answer check alone (what pass@k counts), independent of the reasoning rules. */
  answerCorrect: boolean;
  parsed: ParsedGeneration | undefined;
  /** The training example this candidate would become (present whenever it parsed). */
  candidate?: Example;
}

const TOOL_CLOSE = '</tool_call>';

function countOf(text: string, needle: string): number {
  let n = 0;
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length)) n++;
  return n;
}

/** The example a sampled answer becomes: the hard case's prompt and tools, the sample's target. */
export function candidateExample(hardCase: Example, parsed: ParsedGeneration, round: number): Example {
  const target: Example['target'] = { reasoning: parsed.reasoning ?? '', calls: parsed.calls };
  if (parsed.content) target.content = parsed.content;
  if (hardCase.target.callSyntax) target.callSyntax = hardCase.target.callSyntax;
  if (parsed.wholeFloats?.length) target.wholeFloats = parsed.wholeFloats;
  const out: Example = { id: `${hardCase.id}#hdr${round}`, tools: hardCase.tools, messages: hardCase.messages, target, source: 'hdr', hdrRound: round };
  if (hardCase.possibleAnswer) out.possibleAnswer = hardCase.possibleAnswer;
  if (hardCase.category) out.category = hardCase.category;
  return out;
}

/** How a sampled answer ended (the generator's finish reason and its length in tokens). */
export interface SampleEnding {
  finishReason: FinishReason;
  generatedTokens: number;
}

/** `ending`: how the sample ended; without it, as if it ended on its own. */
export function qualityGate(hardCase: Example, output: string, round: number, ending?: SampleEnding): GateVerdict {
  const failures: GateFailure[] = [];
  const fail = (rule: GateRule, detail: string) => failures.push({ rule, detail });
  const { category } = groundTruthOf(hardCase);
  // Judged as evaluation judges it, so a sample evaluation would fail is never trained on as right.
  const check = checkAnswer(hardCase, output, ending?.finishReason ?? 'eos', ending?.generatedTokens ?? 0);
  const parsed = check.parsed;
  const answerCorrect = check.valid;
  if (!parsed || parsed.error) {
    fail('parse', parsed?.error?.message ?? 'the output could not be read');
    // Still right as evaluation counts it (an unreadable reply to a question no function fits
    // calls nothing), so pass@k agrees with the eval score; but there is nothing to train on.
    return { accepted: false, failures, answerCorrect, parsed };
  }
  const error = check.errors[0];
  if (!answerCorrect) fail('answer', `${error?.rule}: ${error?.message}`);

  const expectsCalls = categoryKind(category) !== 'irrelevance';
  const python = hardCase.target.callSyntax === 'python';
  if (expectsCalls) {
    const okFormat = python ? parsed.format === 'python' : parsed.format === 'tool_call' || parsed.format === 'json';
    if (!okFormat) fail('format', `calls written as ${parsed.format}, expected ${python ? 'a Python-call list' : '<tool_call> JSON blocks'}`);
    // The chat template writes a reply's text before its calls: words after them would be trained
    // in front of the call, which is not what the model wrote (special tokens like <|im_end|> aside).
    if (parsed.format === 'tool_call') {
      const tail = output.slice(output.lastIndexOf(TOOL_CLOSE) + TOOL_CLOSE.length).replace(/<\|[^|>]*\|>/g, '').trim();
      if (tail) fail('format', `text after the calls ("${tail.slice(0, 40)}${tail.length > 40 ? '…' : ''}")`);
    }
  } else if (python && !hardCase.target.content?.trim() && parsed.format !== 'python') {
    // The dataset says "no function applies" as [] (BFCL's prompt mode), not in words.
    fail('format', 'answered in words; this dataset answers a question no function fits with []');
  }

  const reasoning = parsed.reasoning?.trim() ?? '';
  if (reasoning === '') fail('reasoning_missing', parsed.reasoning === undefined ? 'no <think>…</think> block' : 'the <think> block is empty');
  else {
    // One reasoning block, opened at most once, closed once, and nothing but whitespace before it.
    const opens = countOf(output, '<think>');
    const closes = countOf(output, '</think>');
    if (opens > 1 || closes !== 1) fail('reasoning_malformed', `${opens} <think> and ${closes} </think> tags; expected one block`);
    else if (opens === 1 && output.slice(0, output.indexOf('<think>')).trim() !== '') fail('reasoning_malformed', 'text before the <think> block');
    if (/<\/?tool_call>/.test(reasoning)) fail('reasoning_malformed', 'a <tool_call> tag inside the reasoning');
    for (const name of new Set(parsed.calls.map((c) => c.name))) {
      // The name as a word: "get_weathering" does not name get_weather.
      const named = new RegExp(`(?<![\\w.])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?!\\w)`).test(reasoning);
      if (!named) fail('reasoning_no_function', `the reasoning never names "${name}", the function it calls`);
    }
  }

  const candidate = candidateExample(hardCase, parsed, round);
  const quality = checkExample(candidate, 'required');
  for (const f of quality.failures) {
    // Missing reasoning is already reported under its own gate rule.
    if (f.rule === 'reasoning_as_promised' && reasoning === '') continue;
    fail('base_quality', `${f.rule}: ${f.detail}`);
  }
  return { accepted: failures.length === 0, failures, answerCorrect, parsed, candidate };
}
