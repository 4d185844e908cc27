// The studio's own examples, one Example per record: what `studio hdr` writes to hdr-examples.jsonl
// and a snapshot carries as dataset.jsonl. Read back as they were written, with the source they
// name (an HDR sample stays 'hdr' with its round, so it stays on the training side and is known as
// a re-sample). Checked field by field as a snapshot's dataset is; never converts another format.
import { exampleLineFromJson } from '../../snapshot/dataset-jsonl.ts';
import { FieldError } from '../../snapshot/validate.ts';
import { RecordError } from '../record-error.ts';
import type { Example } from '../example.ts';
import { plainNumbers } from '../python/integral-float.ts';
import { storableExample } from '../whole-floats.ts';
import { isObject } from './conversation.ts';
import type { FormatParser } from './format-parser.ts';

/** A line written by hand or by Python may hold `5.0` (the studio writes none): in the target's calls
 * it joins `target.wholeFloats`, as every parser's whole floats do (storableExample); anywhere else,
 * or in a line too malformed for that, it is the number, and the field checks that follow say what is wrong. */
function withPlainNumbers(record: unknown): unknown {
  const target = isObject(record) ? record.target : undefined;
  const shaped = isObject(target) && Array.isArray(target.calls) && target.calls.every(isObject) && (target.wholeFloats === undefined || Array.isArray(target.wholeFloats));
  return shaped ? storableExample(record as unknown as Example) : plainNumbers(record);
}

export const studioParser: FormatParser = {
  format: 'studio',
  label: 'BalanceSFT Studio examples (id, tools, messages, target)',
  reasoning: 'optional',
  detect(record) {
    return isObject(record) && typeof record.id === 'string' && Array.isArray(record.tools) && Array.isArray(record.messages) && isObject(record.target) && Array.isArray(record.target.calls);
  },
  parse(record) {
    try {
      // A snapshot's lines carry the run's "included" choice beside the example: not part of the
      // example (included() reads it).
      return exampleLineFromJson(withPlainNumbers(record)).example;
    } catch (err) {
      if (err instanceof FieldError) throw new RecordError(err.message);
      throw err;
    }
  },
  included(record) {
    return isObject(record) && typeof record.included === 'boolean' ? record.included : undefined;
  },
  imported(record) {
    // `parse` checked the line, "imported" too: read again only where one is there.
    return isObject(record) && record.imported !== undefined ? exampleLineFromJson(withPlainNumbers(record)).imported : undefined;
  },
};
