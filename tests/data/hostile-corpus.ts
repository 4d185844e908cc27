// A generated corpus of hostile dataset files, one per source format (plus BFCL's answer file and a
// file of 300,000 tiny records), each mixing good records with every hostile class of issue 17:
// nesting 10,000 deep (in arguments, schemas, answer dicts, JSON-in-strings, Python calls, xLAM type
// strings), names that collide with Object.prototype ("__proto__", "constructor", "toString",
// "hasOwnProperty") as parameters, arguments, types and roles, non-finite numbers, a bracket bomb in
// a system prompt, records over and just under the per-record limit, and more records in one chunk
// than a spread can take. Each file says which records must import, which must be rejected (by
// index, with the id when the record has one, and a reason), and which must be flagged by the
// quality check. Pure string building, no Node APIs, so the browser tests generate the same files.

export const DEEP = 10_000;
/** Schemas take 37 bytes a level: 5,000 levels stay under the 256 KiB record limit. */
const DEEP_SCHEMA = 5_000;

export interface HostileFile {
  name: string;
  text: string;
  /** Ids that must be imported, in order. */
  imported: string[];
  /** Records that must be rejected: index in the file, id when the record carries one, reason. */
  rejected: Array<{ index: number; id?: string; reason: RegExp }>;
  /** Imported examples the quality check must flag, with the rule expected among their failures. */
  flagged: Record<string, string>;
}

const j = (v: unknown) => JSON.stringify(v);
/** `{"a":{"a":…1…}}` `depth` levels deep, as text (building the object and stringifying it would itself overflow). */
export const deepObjectText = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
export const deepListText = (depth: number) => '['.repeat(depth) + '1' + ']'.repeat(depth);
/** A JSON-Schema object whose property `a` holds another object schema, `depth` levels deep. */
const deepSchemaText = (depth: number) => '{"type":"object","properties":{"a":'.repeat(depth) + '{"type":"string"}' + '}}'.repeat(depth);

const PING = { type: 'object', properties: { host: { type: 'string' } }, required: ['host'] };
/** Parameters whose names are Object.prototype's own names. */
export const PROTO_PARAMS = {
  type: 'object',
  // Computed keys define own properties; a plain `__proto__:` in a literal would set the prototype.
  properties: { ['__proto__']: { type: 'object' }, constructor: { type: 'string' }, toString: { type: 'integer' }, host: { type: 'string' } },
  required: ['__proto__', 'constructor', 'host'],
};
/** Arguments with those names (written as text: an object literal with `__proto__:` would set the prototype). */
export const PROTO_ARGS_TEXT = '{"__proto__": {"polluted": true}, "constructor": "c", "toString": 7, "host": "h"}';

// ---- OpenAI ---------------------------------------------------------------------------------

function openaiText(id: string, params: string, args: string, role = 'user'): string {
  return `{"id": ${j(id)}, "tools": [{"type": "function", "function": {"name": "ping", "parameters": ${params}}}], "messages": [{"role": ${j(role)}, "content": "ping ${id}"}, {"role": "assistant", "content": "", "tool_calls": [{"type": "function", "function": {"name": "ping", "arguments": ${args}}}]}]}`;
}
const okOpenai = (id: string) => openaiText(id, j(PING), j({ host: id }));

function openaiFile(): HostileFile {
  const words = 'the quick brown fox jumps over the lazy dog ';
  const nearLimit = `{"id": "o-near-limit", "tools": [{"type": "function", "function": {"name": "ping", "parameters": ${j(PING)}}}], "messages": [{"role": "user", "content": ${j(words.repeat(Math.floor((250 << 10) / words.length)))}}, {"role": "assistant", "content": "", "tool_calls": [{"type": "function", "function": {"name": "ping", "arguments": {"host": "x"}}}]}]}`;
  const lines = [
    okOpenai('o-ok-1'),
    openaiText('o-deep-args', j(PING), `{"host": ${deepObjectText(DEEP)}}`),
    openaiText('o-deep-args-string', j(PING), j(`{"host": ${deepObjectText(DEEP)}}`)),
    openaiText('o-deep-schema', deepSchemaText(DEEP_SCHEMA), j({ host: 'h' })),
    openaiText('o-proto-args', j(PROTO_PARAMS), PROTO_ARGS_TEXT),
    openaiText('o-type-constructor', j({ type: 'object', properties: { host: { type: 'constructor' }, port: { type: 'toString' }, tag: { type: 'hasOwnProperty' } } }), j({ host: 'h', port: 1, tag: 't' })),
    openaiText('o-role-constructor', j(PING), j({ host: 'h' }), 'constructor'),
    openaiText('o-required-constructor', j({ type: 'object', properties: { host: { type: 'string' } }, required: ['host', 'constructor', 'toString'] }), j({ host: 'h' })),
    openaiText('o-infinity', j(PING), '{"host": 1e999}'),
    `{"id": "o-too-big", "messages": [{"role": "user", "content": "${'x'.repeat(300 << 10)}"}]}`,
    nearLimit,
    okOpenai('o-ok-2'),
  ];
  return {
    name: 'hostile-openai.jsonl',
    text: lines.join('\n') + '\n',
    imported: ['o-ok-1', 'o-proto-args', 'o-type-constructor', 'o-required-constructor', 'o-near-limit', 'o-ok-2'],
    rejected: [
      { index: 1, id: 'o-deep-args', reason: /^record nests deeper than 34 levels \(at messages\[1\]\.tool_calls\[0\]\.function\.arguments\.host\.a…/ },
      { index: 2, id: 'o-deep-args-string', reason: /^the parsed example nests deeper than 34 levels \(at target\.calls\[0\]\.arguments\.host/ },
      { index: 3, id: 'o-deep-schema', reason: /^record nests deeper than 34 levels \(at tools\[0\]\.function\.parameters\.properties/ },
      { index: 6, id: 'o-role-constructor', reason: /^messages\[0\] has unknown role "constructor"$/ },
      { index: 8, id: 'o-infinity', reason: /^the parsed example target\.calls\[0\]\.arguments\.host is Infinity, not a finite number$/ },
      { index: 9, reason: /^record is over the 256\.0 KiB per-record limit \(300\.\d KiB\); skipped$/ },
    ],
    flagged: { 'o-type-constructor': 'tools_valid_schema', 'o-required-constructor': 'tools_valid_schema' },
  };
}

// ---- xLAM -----------------------------------------------------------------------------------

function xlamText(id: string, params: string, answers: string): string {
  return `{"id": ${j(id)}, "query": "ping it", "tools": ${j(`[{"name": "ping", "parameters": ${params}}]`)}, "answers": ${j(answers)}}`;
}

function xlamFile(): HostileFile {
  const okParams = j({ host: { type: 'str', description: 'host' } });
  const protoParams = '{"__proto__": {"type": "dict"}, "constructor": {"type": "str"}, "hasOwnProperty": {"type": "str, optional"}, "host": {"type": "str"}}';
  const records = [
    xlamText('x-ok-1', okParams, j([{ name: 'ping', arguments: { host: 'a' } }])),
    xlamText('x-proto-params', protoParams, '[{"name": "ping", "arguments": {"__proto__": {"k": 1}, "constructor": "c", "host": "h"}}]'),
    xlamText('x-deep-answers', okParams, `[{"name": "ping", "arguments": {"host": ${deepObjectText(DEEP)}}}]`),
    xlamText('x-deep-type', j({ host: { type: 'List['.repeat(DEEP) + 'int' + ']'.repeat(DEEP) } }), '[]'),
    xlamText('x-type-constructor', j({ host: { type: 'constructor' } }), '[]'),
    xlamText('x-ok-2', okParams, j([{ name: 'ping', arguments: { host: 'b' } }])),
  ];
  return {
    name: 'hostile-xlam.json',
    text: '[\n' + records.join(',\n') + '\n]\n',
    imported: ['x-ok-1', 'x-proto-params', 'x-ok-2'],
    rejected: [
      { index: 2, id: 'x-deep-answers', reason: /^the parsed example nests deeper than 34 levels \(at target\.calls\[0\]\.arguments\.host/ },
      { index: 3, id: 'x-deep-type', reason: /^tools\[0\]\.parameters\.host: type nests deeper than 16 levels$/ },
      { index: 4, id: 'x-type-constructor', reason: /^tools\[0\]\.parameters\.host: unknown type "constructor"$/ },
    ],
    flagged: {},
  };
}

// ---- Qwen/Hermes ChatML ---------------------------------------------------------------------

function hermesText(id: string, tools: string, call: string, role = 'user'): string {
  const text = `<|im_start|>system\n# Tools\n\n<tools>\n${tools}\n</tools><|im_end|>\n<|im_start|>${role}\nping it<|im_end|>\n<|im_start|>assistant\n<tool_call>\n${call}\n</tool_call><|im_end|>\n`;
  return j({ id, text });
}

function hermesFile(): HostileFile {
  const tool = j({ type: 'function', function: { name: 'ping', parameters: PING } });
  const protoTool = j({ type: 'function', function: { name: 'ping', parameters: PROTO_PARAMS } });
  const lines = [
    hermesText('h-ok-1', tool, j({ name: 'ping', arguments: { host: 'a' } })),
    hermesText('h-role-constructor', tool, j({ name: 'ping', arguments: { host: 'a' } }), 'constructor'),
    hermesText('h-deep-call', tool, `{"name": "ping", "arguments": {"host": ${deepObjectText(DEEP)}}}`),
    hermesText('h-proto-args', protoTool, `{"name": "ping", "arguments": ${PROTO_ARGS_TEXT}}`),
    hermesText('h-ok-2', tool, j({ name: 'ping', arguments: { host: 'b' } })),
  ];
  return {
    name: 'hostile-hermes.jsonl',
    text: lines.join('\n') + '\n',
    imported: ['h-ok-1', 'h-proto-args', 'h-ok-2'],
    rejected: [
      { index: 1, id: 'h-role-constructor', reason: /^ChatML turn with unknown role "constructor"$/ },
      { index: 2, id: 'h-deep-call', reason: /^the parsed example nests deeper than 34 levels \(at target\.calls\[0\]\.arguments\.host/ },
    ],
    flagged: {},
  };
}

// ---- ShareGPT -------------------------------------------------------------------------------

function sharegptText(id: string, from: string, call: string, params = PING): string {
  return j({ id, tools: j([{ name: 'ping', parameters: params }]), conversations: [{ from, value: 'ping it' }, { from: 'function_call', value: call }] });
}

function sharegptFile(): HostileFile {
  const records = [
    sharegptText('s-ok-1', 'human', j({ name: 'ping', arguments: { host: 'a' } })),
    sharegptText('s-from-constructor', 'constructor', j({ name: 'ping', arguments: { host: 'a' } })),
    sharegptText('s-from-tostring', 'toString', j({ name: 'ping', arguments: { host: 'a' } })),
    sharegptText('s-deep-call', 'human', `{"name": "ping", "arguments": {"host": ${deepListText(DEEP)}}}`),
    sharegptText('s-proto-args', 'human', `{"name": "ping", "arguments": ${PROTO_ARGS_TEXT}}`, PROTO_PARAMS),
    sharegptText('s-ok-2', 'human', j({ name: 'ping', arguments: { host: 'b' } })),
  ];
  return {
    name: 'hostile-sharegpt.json',
    text: '[\n' + records.join(',\n') + '\n]\n',
    imported: ['s-ok-1', 's-proto-args', 's-ok-2'],
    rejected: [
      { index: 1, id: 's-from-constructor', reason: /^conversations\[0\] has unknown "from" "constructor"$/ },
      { index: 2, id: 's-from-tostring', reason: /^conversations\[0\] has unknown "from" "toString"$/ },
      { index: 3, id: 's-deep-call', reason: /^the parsed example nests deeper than 34 levels \(at target\.calls\[0\]\.arguments\.host/ },
    ],
    flagged: {},
  };
}

// ---- FunReason / BalanceSFT (Python calls) ---------------------------------------------------

const BFCL_SYSTEM = 'You are an expert in composing functions.\nHere is a list of functions in JSON format that you can invoke.\n';

function funreasonText(id: string, system: string, output: string): string {
  return j({ id, system, query: 'ping it', output: `<think>\nThe user wants a ping.\n</think>\n\n${output}` });
}

function funreasonFile(): HostileFile {
  const fns = (params: object) => BFCL_SYSTEM + j([{ name: 'ping', description: 'Ping a host.', parameters: params }]);
  const bomb = '[{'.repeat(60_000) + '}]'.repeat(60_000);
  const records = [
    funreasonText('f-ok-1', fns(PING), "[ping(host='a')]"),
    funreasonText('f-bracket-bomb', `${BFCL_SYSTEM}${bomb}`, "[ping(host='a')]"),
    funreasonText('f-deep-python', fns(PING), `[ping(host=${deepListText(DEEP)})]`),
    funreasonText('f-proto-kwargs', fns(PROTO_PARAMS), "[ping(__proto__={'k': 1}, constructor='c', toString=7, host='h')]"),
    funreasonText('f-ok-2', fns(PING), "[ping(host='b')]"),
  ];
  return {
    name: 'hostile-funreason.jsonl',
    text: records.join('\n') + '\n',
    imported: ['f-ok-1', 'f-deep-python', 'f-proto-kwargs', 'f-ok-2'],
    rejected: [{ index: 1, id: 'f-bracket-bomb', reason: /^system prompt lists no functions/ }],
    // The Python parser stops at 100 levels: the target is kept and flagged, not a crash.
    flagged: { 'f-deep-python': 'target_json_parses' },
  };
}

// ---- BFCL question + possible_answer files --------------------------------------------------

function bfclQuestion(id: string, params: object | string): string {
  return `{"id": ${j(id)}, "question": [[{"role": "user", "content": "ping it"}]], "function": [{"name": "ping", "description": "Ping.", "parameters": ${typeof params === 'string' ? params : j(params)}}]}`;
}

function bfclFiles(): [HostileFile, HostileFile] {
  const dictParams = { type: 'dict', properties: { ['__proto__']: { type: 'dict', properties: { ['__proto__']: { type: 'string' }, depth: { type: 'integer' } } }, host: { type: 'string' } }, required: ['host'] };
  const questions = [
    bfclQuestion('simple_0', { type: 'dict', properties: { host: { type: 'string' } }, required: ['host'] }),
    bfclQuestion('simple_1', dictParams),
    bfclQuestion('simple_2', { type: 'dict', properties: { host: { type: 'constructor' } }, required: ['host'] }),
    bfclQuestion('simple_3', { type: 'dict', properties: { host: { type: 'string' } } }),
    bfclQuestion('simple_4', deepSchemaText(DEEP_SCHEMA)),
  ];
  const answers = [
    '{"id": "simple_0", "ground_truth": [{"ping": {"host": ["a"]}}]}',
    // "__proto__" as an argument and as a key of a nested dict argument: both must survive the join.
    '{"id": "simple_1", "ground_truth": [{"ping": {"__proto__": [{"__proto__": ["inner"], "depth": [2]}], "host": ["h"]}}]}',
    '{"id": "simple_2", "ground_truth": [{"ping": {"host": ["c"]}}]}',
    `{"id": "simple_3", "ground_truth": [{"ping": {"host": [${deepObjectText(DEEP)}]}}]}`,
  ];
  return [
    {
      name: 'BFCL_v3_hostile.json',
      text: questions.join('\n') + '\n',
      imported: ['simple_0', 'simple_1', 'simple_2'],
      rejected: [
        { index: 3, id: 'simple_3', reason: /^no possible_answer for BFCL question "simple_3"/ },
        { index: 4, id: 'simple_4', reason: /^record nests deeper than 34 levels \(at function\[0\]\.parameters\.properties/ },
      ],
      flagged: { simple_2: 'tools_valid_schema' },
    },
    {
      name: 'possible_answer/BFCL_v3_hostile.json',
      text: answers.join('\n') + '\n',
      imported: [],
      rejected: [{ index: 3, id: 'simple_3', reason: /^record nests deeper than 34 levels \(at ground_truth\[0\]\.ping\.host\[0\]\.a/ }],
      flagged: {},
    },
  ];
}

// ---- More records in one chunk than a spread takes ------------------------------------------

export const TINY_RECORDS = 300_000;

function manyTinyFile(): HostileFile {
  return {
    name: 'hostile-many-tiny.jsonl',
    text: [okOpenai('t-ok-1'), okOpenai('t-ok-2'), ...Array.from({ length: TINY_RECORDS }, () => '0')].join('\n') + '\n',
    imported: ['t-ok-1', 't-ok-2'],
    rejected: [
      { index: 2, reason: /^record is a number, expected an object$/ },
      { index: TINY_RECORDS + 1, reason: /^record is a number, expected an object$/ },
    ],
    flagged: {},
  };
}

/** Every file; BFCL's go last because its questions are joined with their answers after all files are read. */
export function hostileCorpus(): HostileFile[] {
  return [openaiFile(), xlamFile(), hermesFile(), sharegptFile(), funreasonFile(), manyTinyFile(), ...bfclFiles()];
}

/** Records each file must reject in all (the many-tiny file lists only its first and last). */
export function rejectedCount(file: HostileFile): number {
  return file.name === 'hostile-many-tiny.jsonl' ? TINY_RECORDS : file.rejected.length;
}
