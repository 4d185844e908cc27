// The contract each dataset format module implements. One module per format; detection and
// parsing see one record at a time, so the importer can stream files of any size.
// A parser never reads files, never keeps state between records, and throws RecordError for a
// record it cannot turn into an Example.
import type { Example, SourceFormat } from '../example.ts';

export interface ParseContext {
  /** Id to use when the record carries none: stable, derived from the file name and index. */
  fallbackId: string;
}

export interface FormatParser {
  format: SourceFormat;
  /** Human name for the format picker. */
  label: string;
  /** Whether reasoning is promised by the format: checked per example by the quality check. */
  reasoning: 'required' | 'absent' | 'optional';
  /** True when the record has this format's distinctive shape. Cheap and never throws. */
  detect(record: unknown): boolean;
  parse(record: unknown, ctx: ParseContext): Example;
  /** The user's choice to train on the record or not, where it carries one beside the example (a
   * snapshot's dataset.jsonl line: "included"); undefined where it carries none. Read only after
   * `parse` accepted the record. */
  included?(record: unknown): boolean | undefined;
  /** The example as it was imported, where the record carries one beside its edited answer (the
   * studio's own lines: "imported"); undefined where it carries none. Read only after `parse`
   * accepted the record. */
  imported?(record: unknown): Example | undefined;
}
