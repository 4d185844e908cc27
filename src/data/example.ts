// The one shape every dataset format is parsed into (DESIGN.md, "The Example shape").
// Owns only types and tiny pure helpers; never touches storage, the tokenizer or the GPU.

/** JSON Schema subset used for function parameters (OpenAI / BFCL form). */
export interface JsonSchema {
  type?: string | string[];
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  default?: unknown;
  additionalProperties?: boolean | JsonSchema;
  [key: string]: unknown;
}

/** A tool the model may call, in the OpenAI function form (without the `{type:'function'}` wrapper). */
export interface FunctionSchema {
  name: string;
  description?: string;
  parameters: JsonSchema;
}

export interface Call {
  name: string;
  arguments: Record<string, unknown>;
}

export type Role = 'system' | 'user' | 'assistant' | 'tool';

export interface Message {
  role: Role;
  content: string;
  /** Assistant turns earlier in the conversation may carry calls of their own. */
  calls?: Call[];
  /** Where those calls held a whole float (`5.0`, stored as 5), as Target.wholeFloats lists them:
   * the prompt writes them `5.0` again, as the dataset did and HF's template does. */
  wholeFloats?: Array<Array<string | number>>;
  /** Reasoning of an earlier assistant turn, if the source kept it. */
  reasoning?: string;
  /** For role 'tool': which function produced this observation. */
  name?: string;
}

/** How the target's calls are written when rendered for training. */
export type CallSyntax = 'json' | 'python';

export interface Target {
  /** Text inside <think>…</think>, without the tags; absent when the format has none. */
  reasoning?: string;
  /** Empty for an irrelevant query that needs no call. */
  calls: Call[];
  /** Plain assistant text when no tool applies (or text accompanying the calls). */
  content?: string;
  /** FunReason/BalanceSFT records keep the Python-call syntax `[f(a=1)]`. Default 'json'. */
  callSyntax?: CallSyntax;
  /** Where `calls` held a whole float (`5.0`, stored as 5): call index, then keys and list
   * indices in its arguments (whole-floats.ts). Rendering writes these `5.0` again. */
  wholeFloats?: Array<Array<string | number>>;
}

/** A dataset file's format; 'studio' is the studio's own Example lines (HDR's accepted samples,
 * a snapshot's dataset.jsonl), whose examples keep the source they name. */
export type SourceFormat = 'openai' | 'hermes' | 'sharegpt' | 'xlam' | 'glaive' | 'funreason' | 'bfcl' | 'studio';

export interface Example {
  id: string;
  tools: FunctionSchema[];
  /** The conversation up to (not including) the target assistant turn. */
  messages: Message[];
  target: Target;
  /** Where it came from: the source format, or 'hdr' for re-sampled examples. */
  source?: SourceFormat | 'hdr' | 'demo';
  /** BFCL-style accepted values per call, when the source gives them (possible_answer files). */
  possibleAnswer?: PossibleAnswer;
  /** BFCL category when known: simple, multiple, parallel, parallel_multiple, irrelevance. */
  category?: string;
  /** HDR round that produced this example. */
  hdrRound?: number;
  /**
   * Problems the parser recovered from instead of rejecting the record (e.g. a `<tool_call>` whose
   * JSON does not parse, an unclosed `<think>`); the quality check reports each under its `rule`.
   * Some only say what the parser changed or left out (quality-check.ts PARSE_NOTE_RULES): those
   * are shown as notes and fail nothing.
   */
  parseIssues?: ParseIssue[];
}

/** A recoverable problem found while parsing; `rule` names the quality rule it breaks, or the note it is. */
export interface ParseIssue {
  rule: string;
  detail: string;
}

/** BFCL possible_answer: a list of calls, each `{fname: {arg: [accepted values…]}}`. */
export type PossibleAnswer = Array<Record<string, Record<string, unknown[]>>>;
