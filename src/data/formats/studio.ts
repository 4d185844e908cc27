// The studio's own examples, one Example per record: what `studio hdr` writes to hdr-examples.jsonl
// and a snapshot carries as dataset.jsonl. Read back as they were written, with the source they
// name (an HDR sample stays 'hdr' with its round, so it stays on the training side and is known as
// a re-sample). Checked field by field as a snapshot's dataset is; never converts another format.
import { exampleLineFromJson } from '../../snapshot/dataset-jsonl.ts';
import { FieldError } from '../../snapshot/validate.ts';
import { RecordError } from '../record-error.ts';
import { isObject } from './conversation.ts';
import type { FormatParser } from './format-parser.ts';

export const studioParser: FormatParser = {
  format: 'studio',
  label: 'BalanceSFT Studio examples (id, tools, messages, target)',
  reasoning: 'optional',
  detect(record) {
    return isObject(record) && typeof record.id === 'string' && Array.isArray(record.tools) && Array.isArray(record.messages) && isObject(record.target) && Array.isArray(record.target.calls);
  },
  parse(record) {
    try {
      // A snapshot's lines carry the run's "included" choice beside the example: a setting of that
      // run, not part of the example; a dataset import decides inclusion by its own check.
      return exampleLineFromJson(record).example;
    } catch (err) {
      if (err instanceof FieldError) throw new RecordError(err.message);
      throw err;
    }
  },
};
