// The list of format parsers and automatic detection. Detection looks at a sample of records and
// picks the format most of them match; the user's override always wins.
// Never parses whole files: the importer hands it the first records it read.
import type { SourceFormat } from '../example.ts';
import { bfclParser, isPossibleAnswerRecord } from './bfcl.ts';
import type { FormatParser } from './format-parser.ts';
import { funreasonParser } from './funreason.ts';
import { glaiveParser } from './glaive.ts';
import { hermesParser } from './hermes.ts';
import { openaiParser } from './openai.ts';
import { sharegptParser } from './sharegpt.ts';
import { studioParser } from './studio.ts';
import { xlamParser } from './xlam.ts';

/** Most specific first: FunReason records are also OpenAI/ShareGPT-shaped, so they are tried first;
 * the studio's own records (a `target`) are OpenAI-shaped too. */
export const FORMAT_PARSERS: readonly FormatParser[] = [studioParser, bfclParser, xlamParser, glaiveParser, funreasonParser, hermesParser, openaiParser, sharegptParser];

/** The formats a user may choose (the Format select, --format), in the order detection tries them. */
export const FORMAT_NAMES: readonly SourceFormat[] = FORMAT_PARSERS.map((p) => p.format);

export function parserFor(format: SourceFormat): FormatParser {
  const p = FORMAT_PARSERS.find((f) => f.format === format);
  if (!p) throw new Error(`unknown dataset format "${format}" (known: ${FORMAT_NAMES.join(', ')})`);
  return p;
}

export function isSourceFormat(name: string): name is SourceFormat {
  return FORMAT_PARSERS.some((f) => f.format === name);
}

/** The first matching parser for one record, or undefined. */
export function detectRecordFormat(record: unknown): FormatParser | undefined {
  return FORMAT_PARSERS.find((p) => p.detect(record));
}

export type DetectedKind = { kind: 'examples'; parser: FormatParser } | { kind: 'possible_answer' };

/** Majority vote over a sample; ties go to the more specific parser (earlier in the list). */
export function detectFileFormat(sample: unknown[]): DetectedKind | undefined {
  if (sample.length && sample.filter(isPossibleAnswerRecord).length > sample.length / 2) return { kind: 'possible_answer' };
  const votes = new Map<FormatParser, number>();
  for (const r of sample) {
    const p = detectRecordFormat(r);
    if (p) votes.set(p, (votes.get(p) ?? 0) + 1);
  }
  let best: FormatParser | undefined;
  for (const p of FORMAT_PARSERS) if ((votes.get(p) ?? 0) > (best ? votes.get(best)! : 0)) best = p;
  return best ? { kind: 'examples', parser: best } : undefined;
}
