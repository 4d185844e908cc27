// Step 1 of the embedded model's pre-training (see pretrain.py beside this file): the synthetic
// function-calling corpus it learns from, tokenized exactly as the studio trains (the Qwen3 chat
// template with tools, a segment per token: 0 prompt, 1 CoT, 2 call).
//   npx tsx scripts/demo-model/corpus.ts <out-dir>
// Writes <out-dir>/pretrain.jsonl (PRETRAIN_COUNT examples from the demo generator with another
// seed, less any whose query the demo dataset asks, so the demo's own examples stay unseen) and <out-dir>/demo.jsonl (the demo
// dataset with each example's split, for measuring held-out accuracy).
// Half the pre-training examples list each tool's keys as name, description, parameters and half
// as name, parameters, description, so the model reads either order of the tool list.
// Never runs in CI or at build time: its output feeds a one-off pre-training whose result is
// committed (public/models/tiny-qwen3-pretrained.bin).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Example } from '../../src/data/example.ts';
import { openaiParser } from '../../src/data/formats/openai.ts';
import { DEFAULT_SPLIT, splitOf } from '../../src/data/split.ts';
import { tokenizeExample } from '../../src/data/tokenize-example.ts';
import { DEMO_PATH, generateDemoDataset, qwen3TokenizerFromNodeModules } from '../gen-demo-dataset.ts';

export const PRETRAIN_SEED = 7_000_001;
export const PRETRAIN_COUNT = 6000;

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
const generated = generateDemoDataset(tokenizer, PRETRAIN_COUNT, PRETRAIN_SEED).trim().split('\n');
const pretrain = generated.filter((line) => !demoQueries.has(userText(line)));
console.log(`${generated.length - pretrain.length} generated examples left out: the demo dataset asks the same`);
write('pretrain.jsonl', pretrain, () => ({}), (i) => i % 2 === 0);
write('demo.jsonl', demo, (example) => ({ split: splitOf(example.id, DEFAULT_SPLIT), calls: example.target.calls }), () => true);
