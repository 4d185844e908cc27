// One model answer, end to end: decode the calls out of the generated text, then run the AST
// checker, with BFCL's runner semantics around decoding (eval_runner.py's ast_file_runner and
// relevance_file_runner). This is the entry point evaluation runs and HDR's quality gate use.
// Owns only the decode-then-check glue; never generates text and never touches storage.
import type { Call, FunctionSchema, PossibleAnswer } from '../data/example.ts';
import { unboxCalls } from '../data/whole-floats.ts';
import { astCheck, categoryKind, type AstCheckResult } from './ast-checker.ts';
import { parseGeneratedCalls, type CallParseError, type ParsedGeneration } from './parse-generated-calls.ts';

export interface GenerationCheckInput {
  functions: FunctionSchema[];
  possibleAnswer: PossibleAnswer;
  category: string;
  /** Generated text, or calls that were already decoded. */
  output: string | Call[];
  underscoreDots?: boolean;
}

export interface GenerationCheckResult extends AstCheckResult {
  /** The decoded generation, when `output` was text; its numbers are plain (5.0 reads 5), so it
   * can be stored and posted to another thread. */
  parsed?: ParsedGeneration;
}

/** The rule of an output whose calls could not be decoded (bad syntax, or no call at all). */
export const DECODER_FAILED = 'ast_decoder:decoder_failed';
/** The same, for a relevance question (BFCL's rule there). */
export const RELEVANCE_DECODER_FAILED = 'relevance_error:decoder_failed';

export function checkGeneratedOutput({ functions, possibleAnswer, category, output, underscoreDots }: GenerationCheckInput): GenerationCheckResult {
  const kind = categoryKind(category);
  if (typeof output !== 'string') return astCheck({ functions, possibleAnswer, calls: output, category, underscoreDots });

  // The checker sees 5.0 as the float it is; what the result carries has plain numbers.
  const withFloats = parseGeneratedCalls(output, { keepFloats: true });
  const { calls: plainCalls, wholeFloats } = unboxCalls(withFloats.calls);
  const parsed: ParsedGeneration = { ...withFloats, calls: plainCalls, ...(wholeFloats.length ? { wholeFloats } : {}) };
  // BFCL: for irrelevance, output that fails to decode is "no call", i.e. a pass.
  const decodedNoCall = parsed.error !== undefined || parsed.format === 'text';
  // BFCL: a relevance answer that fails to decode fails with the decoder's reason ("no call was
  // made" would hide that the model wrote one BFCL cannot read).
  if (kind === 'relevance' && parsed.error) return decodeFailure(RELEVANCE_DECODER_FAILED, 'Invalid syntax. Failed to decode AST when it should have.', parsed, parsed.error);
  if (kind === 'irrelevance' || kind === 'relevance') {
    const calls = decodedNoCall ? [] : withFloats.calls;
    return withIgnored({ ...astCheck({ functions, possibleAnswer, calls, category, underscoreDots }), parsed });
  }
  if (parsed.error) return decodeFailure(DECODER_FAILED, 'Invalid syntax. Failed to decode AST.', parsed, parsed.error);
  if (parsed.format === 'text') {
    const preview = parsed.content.length > 80 ? `${parsed.content.slice(0, 80)}…` : parsed.content;
    return {
      valid: false,
      errors: [{ rule: DECODER_FAILED, where: 'output', message: `Invalid syntax. No function call found in the output: ${JSON.stringify(preview)}` }],
      parsed,
    };
  }
  return withIgnored({ ...astCheck({ functions, possibleAnswer, calls: withFloats.calls, category, underscoreDots }), parsed });
}

/** A failure of the decoder, at the offset it points to, with its reason after BFCL's words. */
function decodeFailure(rule: string, words: string, parsed: ParsedGeneration, error: CallParseError): GenerationCheckResult {
  const where = error.offset === undefined ? 'output' : `output@${error.offset}`;
  return { valid: false, errors: [{ rule, where, message: `${words} ${error.message}` }], parsed };
}

/** A verdict on calls that decoding cut short says so beside its reason ("missing city" alone would
 * hide that the model wrote `get_weather('Paris')`). */
function withIgnored(result: GenerationCheckResult): GenerationCheckResult {
  const ignored = result.parsed?.ignored;
  if (result.valid || !ignored?.length || !result.errors.length) return result;
  const [first, ...rest] = result.errors;
  return { ...result, errors: [{ ...first, message: `${first.message} (${ignored.join('; ')})` }, ...rest] };
}
