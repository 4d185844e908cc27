// Step 1 of the embedded model's pre-training (see pretrain.py beside this file): the synthetic
// function-calling corpus it learns from, tokenized exactly as the studio trains (the Qwen3 chat
// template with tools, a segment per token: 0 prompt, 1 CoT, 2 call).
//   npx tsx scripts/demo-model/corpus.ts <out-dir>
// Writes <out-dir>/pretrain.jsonl (PRETRAIN_COUNT examples from the demo generator with another
// seed, its stock-price questions and its requests that need no call worded otherwise, both thinned
// out, less any whose query the demo dataset asks, so the demo's own examples stay unseen: its six
// small-talk requests never appear) and <out-dir>/demo.jsonl (the demo dataset with each example's
// split, for measuring held-out accuracy).
// Half the pre-training examples list each tool's keys as name, description, parameters and half
// as name, parameters, description, so the model reads either order of the tool list.
// Never runs in CI or at build time: its output feeds a one-off pre-training whose result is
// committed (public/models/tiny-qwen3-pretrained.bin).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Example } from '../../src/data/example.ts';
import { openaiParser } from '../../src/data/formats/openai.ts';
import { DEFAULT_SPLIT, sideOf } from '../../src/data/split.ts';
import { tokenizeExample } from '../../src/data/tokenize-example.ts';
import { DEMO_PATH, generateDemoDataset, qwen3TokenizerFromNodeModules, type Phrasings } from '../gen-demo-dataset.ts';

export const PRETRAIN_SEED = 7_000_001;
export const PRETRAIN_COUNT = 6000;
/** One stock-price question in this many is kept (140 of 550), worded otherwise than the demo asks
 * ("Price check on NVDA."): the model learns the call, and generalises it to the demo's wording
 * ("What's NVDA trading at?"); keeping one in 12 instead scored the same on the demo's held-out split. */
const STOCK_ONLY_EVERY = 4;

/** One request that needs no call in this many is kept (74), worded otherwise than the demo's six
 * small-talk requests, which stay unseen. With none, the model answered every request with a call
 * (small talk included) and collapsed onto a stock-price call for anything new, so HDR's samples for
 * the demo's hard cases never passed; with one in 4 the demo's training unlearned calls (80.6% →
 * 77.4% held out); one in 12: 74.2% → 83.9% with `studio train`, and HDR solves a hard case. */
const SMALL_TALK_EVERY = 12;

const OTHER_SMALL_TALK: Array<[string, string]> = [
  ['Tell me a fun fact about owls.', 'Owls can turn their heads about 270 degrees.'],
  ['Write a limerick about a frog.', 'A frog with a taste for the blues / sang songs in his green rubber shoes.'],
  ['Say good night in Spanish.', 'Buenas noches!'],
  ['Suggest a name for a puppy.', 'How about Biscuit, or Pepper?'],
  ['Thanks a lot, that helps.', 'Glad it helped!'],
  ['I feel a bit tired today.', 'Be kind to yourself; a short walk and some water can help.'],
  ['Give me a riddle.', 'What has keys but opens no locks? A piano.'],
  ['Write one line of a poem about the sea.', 'The sea keeps every secret the moon tells it.'],
];

const PHRASINGS: Phrasings = {
  stock: (rng, symbol) => [`Latest quote for ${symbol}, please.`, `How is ${symbol} stock priced right now?`, `Price check on ${symbol}.`][Math.floor(rng() * 3)],
  smallTalk: (rng) => OTHER_SMALL_TALK[Math.floor(rng() * OTHER_SMALL_TALK.length)],
};

/** A request that needs no call. */
function isSmallTalk(line: string): boolean {
  return JSON.parse(line).category === 'irrelevance';
}

/** A request answered by one get_stock_price call and nothing else. */
function isStockOnly(line: string): boolean {
  const calls = (JSON.parse(line).messages as Array<{ tool_calls?: Array<{ function: { name: string } }> }>).flatMap((m) => m.tool_calls ?? []);
  return calls.length === 1 && calls[0].function.name === 'get_stock_price';
}

const outDir = process.argv[2];
if (!outDir) throw new Error('usage: npx tsx scripts/demo-model/corpus.ts <out-dir>');
mkdirSync(outDir, { recursive: true });
const tokenizer = qwen3TokenizerFromNodeModules();

function keyOrder(example: Example, descriptionFirst: boolean): Example {
  const tools = example.tools.map(({ name, description, parameters, ...rest }) => (descriptionFirst && description !== undefined ? { name, description, parameters, ...rest } : { name, parameters, ...(description !== undefined ? { description } : {}), ...rest }));
  return { ...example, tools };
}

function write(file: string, lines: string[], extra: (example: Example, i: number) => Record<string, unknown>, order: (i: number) => boolean) {
  const out: string[] = [];
  lines.forEach((line, i) => {
    const example = keyOrder(openaiParser.parse(JSON.parse(line), { fallbackId: `x${i}` }), order(i));
    const t = tokenizeExample(tokenizer, example);
    out.push(JSON.stringify({ id: example.id, ids: t.inputIds, segs: t.segments, ...extra(example, i) }));
  });
  writeFileSync(join(outDir, file), out.join('\n') + '\n');
  console.log(`${file}: ${out.length} examples`);
}

const demo = readFileSync(DEMO_PATH, 'utf8').trim().split('\n');
// A generated query that the demo dataset also asks is left out: the demo's held-out accuracy
// must come from what the model generalises, not from an answer it has memorised.
const userText = (line: string) => JSON.stringify((JSON.parse(line).messages as Array<{ role: string; content: string }>).filter((m) => m.role === 'user'));
const demoQueries = new Set(demo.map(userText));
const generated = generateDemoDataset(tokenizer, PRETRAIN_COUNT, PRETRAIN_SEED, PHRASINGS).trim().split('\n');
const asked = generated.filter((line) => !demoQueries.has(userText(line)));
let smallTalkSeen = 0;
const pretrain = asked.filter((line, i) => (isSmallTalk(line) ? smallTalkSeen++ % SMALL_TALK_EVERY === 0 : !isStockOnly(line) || i % STOCK_ONLY_EVERY === 0));
console.log(`${generated.length - asked.length} generated examples left out: the demo dataset asks the same; ${asked.length - pretrain.length} stock-price questions and requests that need no call thinned out (${pretrain.filter(isStockOnly).length} and ${pretrain.filter(isSmallTalk).length} kept)`);
write('pretrain.jsonl', pretrain, () => ({}), (i) => i % 2 === 0);
write('demo.jsonl', demo, (example) => ({ split: sideOf(example, DEFAULT_SPLIT), calls: example.target.calls }), () => true);
