// The AST checker with the Berkeley Function Calling Leaderboard's semantics (bfcl/eval_checker/
// ast_eval/ast_checker.py, Python language): does a list of calls match the ground truth's
// accepted values? Owns the per-category matching and the per-call checks; rule names are
// BFCL's `error_type` strings so results compare with BFCL's score files. Never parses model text
// (parse-generated-calls.ts does) and never throws on model output.
//
// Rules, in BFCL's order, per call (simple_function_checker):
//   wrong_func_name → missing_required → unexpected_param (not in the schema or not in the answer)
//   → type check (int accepted for float; tuples are lists; one level of array item types)
//   → value check (strings after standardize_string; lists in order; dicts key by key)
//   → missing_optional (an omitted parameter passes only if "" is among its accepted values).
// Categories: simple (exactly one call), multiple (one call, its schema picked by the answer's
// function name), parallel / parallel_multiple (equal counts, order-free greedy matching as BFCL
// does it), irrelevance (valid when no call is made), relevance (valid when some call is made).
// The per-parameter type and value rules live in parameter-checker.ts (with BFCL's deviations).
import type { Call, FunctionSchema, JsonSchema, PossibleAnswer } from '../data/example.ts';
import { checkParameter } from './parameter-checker.ts';
import { isPlainObject, pyRepr } from './python-values.ts';

export type AstCategoryKind = 'simple' | 'multiple' | 'parallel' | 'irrelevance' | 'relevance';

export interface AstCheckError {
  /** BFCL's error_type, e.g. "simple_function_checker:missing_required" or "value_error:string". */
  rule: string;
  /** Where it failed: `calls[1]`, `calls[0].arguments.unit`, `ground_truth[2]`, … */
  where: string;
  message: string;
}

export interface AstCheckResult {
  valid: boolean;
  /** Empty when valid. The first entry is the failure; later ones detail it (parallel sub-errors). */
  errors: AstCheckError[];
}

export interface AstCheckInput {
  /** The function schemas offered to the model (BFCL's `function` field). */
  functions: FunctionSchema[];
  /** BFCL's ground_truth; ignored for irrelevance/relevance. */
  possibleAnswer: PossibleAnswer;
  /** The calls the model made, in order. */
  calls: Call[];
  /** BFCL category name: simple, multiple, parallel, parallel_multiple, irrelevance, live_simple, … */
  category: string;
  /**
   * Compare function names with dots replaced by underscores (BFCL's convert_func_name, used for
   * models whose API forbids "." in tool names, e.g. OpenAI's). Default false.
   */
  underscoreDots?: boolean;
}

type Failure = AstCheckError & { details?: AstCheckError[] };
type AnswerParams = Record<string, unknown[]>;

/** Maps a BFCL category name to the checker that applies, as BFCL does (by substring). */
export function categoryKind(category: string): AstCategoryKind {
  const c = category.toLowerCase();
  if (c.includes('irrelevance')) return 'irrelevance';
  if (c.includes('relevance')) return 'relevance';
  if (c.includes('java') || c.includes('sql') || c.includes('exec') || c.includes('multi_turn')) {
    throw new Error(`category "${category}" is not supported by the Python AST checker`);
  }
  if (c.includes('parallel')) return 'parallel';
  if (c.includes('multiple')) return 'multiple';
  if (c.includes('simple')) return 'simple';
  throw new Error(`unknown category "${category}" (expected simple, multiple, parallel, parallel_multiple, irrelevance or relevance)`);
}

/** A failure's errors as one line, the way BFCL's score files give them: the first error's message,
 * then why each candidate call did not match (`[where: rule: message]`); undefined when valid. */
export function errorsText(errors: AstCheckError[]): string | undefined {
  const [first, ...details] = errors;
  if (!first) return undefined;
  return details.length === 0 ? first.message : `${first.message} ${details.map((d) => `[${d.where}: ${d.rule}: ${d.message}]`).join(' ')}`;
}

export function astCheck(input: AstCheckInput): AstCheckResult {
  const failure = checkByCategory(input);
  if (!failure) return { valid: true, errors: [] };
  const { details, ...head } = failure;
  return { valid: false, errors: [head, ...(details ?? [])] };
}

function checkByCategory({ functions, possibleAnswer, calls, category, underscoreDots = false }: AstCheckInput): Failure | null {
  const kind = categoryKind(category);
  if (kind === 'irrelevance') {
    if (calls.length === 0) return null;
    return {
      rule: 'irrelevance_error:decoder_success',
      where: 'calls',
      message: `Valid syntax. Decoded ${calls.length} function call(s) (${calls.map((c) => c.name).join(', ')}) when none should be made.`,
    };
  }
  if (kind === 'relevance') {
    if (calls.length > 0) return null;
    return { rule: 'relevance_error:decoder_failed', where: 'calls', message: 'No function call was made when one should be.' };
  }
  const answerProblem = validateGroundTruth(possibleAnswer);
  if (answerProblem) return answerProblem;
  if (kind === 'parallel') return parallelNoOrderChecker(functions, calls, possibleAnswer, underscoreDots);
  const expectedCount = kind === 'simple' ? 1 : possibleAnswer.length;
  if (calls.length !== expectedCount) {
    const checker = kind === 'simple' ? 'simple_function_checker' : 'multiple_function_checker';
    return { rule: `${checker}:wrong_count`, where: 'calls', message: `Wrong number of functions: expected ${expectedCount}, got ${calls.length}.` };
  }
  // simple uses the first schema; multiple picks the schema named by the ground truth.
  const [expectedName] = Object.keys(possibleAnswer[0]);
  const schema = kind === 'simple' ? functions[0] : findSchema(functions, expectedName);
  if (!schema) {
    if (kind === 'simple') return { rule: 'checker:bad_schema', where: 'functions', message: 'No function schema was offered.' };
    return missingSchema(expectedName, 'ground_truth[0]');
  }
  return simpleFunctionChecker(schema, calls[0], possibleAnswer[0], 'calls[0]', underscoreDots);
}

function validateGroundTruth(possibleAnswer: PossibleAnswer): Failure | null {
  if (!Array.isArray(possibleAnswer) || possibleAnswer.length === 0) {
    return { rule: 'checker:bad_ground_truth', where: 'ground_truth', message: 'The ground truth lists no calls for a category that expects some.' };
  }
  for (let i = 0; i < possibleAnswer.length; i++) {
    const entry = possibleAnswer[i];
    const names = isPlainObject(entry) ? Object.keys(entry) : [];
    if (names.length !== 1 || !isPlainObject(entry[names[0]])) {
      return { rule: 'checker:bad_ground_truth', where: `ground_truth[${i}]`, message: 'Each ground-truth entry must be {function_name: {param: [accepted values]}}.' };
    }
    for (const [param, accepted] of Object.entries(entry[names[0]])) {
      if (!Array.isArray(accepted)) {
        return { rule: 'checker:bad_ground_truth', where: `ground_truth[${i}].${names[0]}.${param}`, message: `Accepted values of ${pyRepr(param)} must be a list, got ${pyRepr(accepted)}.` };
      }
    }
  }
  return null;
}

function findSchema(functions: FunctionSchema[], name: string): FunctionSchema | undefined {
  return functions.find((f) => f.name === name);
}

function missingSchema(name: string, where: string): Failure {
  return { rule: 'checker:bad_ground_truth', where, message: `The ground truth names function ${pyRepr(name)}, which is not among the offered functions.` };
}

function expectedFunctionName(name: string, underscoreDots: boolean): string {
  return underscoreDots ? name.replace(/\./g, '_') : name;
}

function parallelNoOrderChecker(functions: FunctionSchema[], calls: Call[], possibleAnswer: PossibleAnswer, underscoreDots: boolean): Failure | null {
  if (calls.length !== possibleAnswer.length) {
    return {
      rule: 'parallel_function_checker_no_order:wrong_count',
      where: 'calls',
      message: `Wrong number of functions: expected ${possibleAnswer.length}, got ${calls.length}.`,
    };
  }
  // Greedy, as BFCL: each ground-truth call takes the first unmatched model call that passes.
  const matched = new Set<number>();
  for (let i = 0; i < possibleAnswer.length; i++) {
    const [expectedName] = Object.keys(possibleAnswer[i]);
    const schema = findSchema(functions, expectedName);
    if (!schema) return missingSchema(expectedName, `ground_truth[${i}]`);
    const details: AstCheckError[] = [];
    let found = false;
    for (let j = 0; j < calls.length && !found; j++) {
      if (matched.has(j)) continue;
      const failure = simpleFunctionChecker(schema, calls[j], possibleAnswer[i], `calls[${j}]`, underscoreDots);
      if (failure) details.push(withoutDetails(failure));
      else {
        matched.add(j);
        found = true;
      }
    }
    if (!found) {
      const considered = calls.map((_, j) => j).filter((j) => !matched.has(j));
      return {
        rule: 'parallel_function_checker_no_order:cannot_find_match',
        where: `ground_truth[${i}]`,
        message: `Could not find a matching function among index [${considered.join(', ')}] of model output for index ${i} of possible answers (${expectedName}).`,
        details,
      };
    }
  }
  return null;
}

function withoutDetails({ rule, where, message }: Failure): AstCheckError {
  return { rule, where, message };
}

/** BFCL's simple_function_checker: one model call against one ground-truth call. */
function simpleFunctionChecker(schema: FunctionSchema, call: Call, answer: PossibleAnswer[number], where: string, underscoreDots: boolean): Failure | null {
  const accepted = Object.values(answer)[0] as AnswerParams;
  const properties: Record<string, JsonSchema> = schema.parameters?.properties ?? {};
  const required: string[] = schema.parameters?.required ?? [];
  const funcName = expectedFunctionName(schema.name, underscoreDots);

  if (call.name !== funcName) {
    return {
      rule: 'simple_function_checker:wrong_func_name',
      where,
      message: `Function name ${pyRepr(funcName)} not found in model output (got ${pyRepr(call.name)}).`,
    };
  }
  const modelParams = call.arguments ?? {};
  for (const param of required) {
    if (!Object.hasOwn(modelParams, param)) {
      return { rule: 'simple_function_checker:missing_required', where: `${where}.arguments.${param}`, message: `Missing required parameter: ${pyRepr(param)}.` };
    }
  }
  for (const [param, rawValue] of Object.entries(modelParams)) {
    const at = `${where}.arguments.${param}`;
    if (!Object.hasOwn(properties, param) || !Object.hasOwn(accepted, param)) {
      return { rule: 'simple_function_checker:unexpected_param', where: at, message: `Unexpected parameter: ${pyRepr(param)}.` };
    }
    const failure = checkParameter(param, rawValue, properties[param], accepted[param], at);
    if (failure) return failure;
  }
  for (const [param, values] of Object.entries(accepted)) {
    if (!Object.hasOwn(modelParams, param) && !values.includes('')) {
      return {
        rule: 'simple_function_checker:missing_optional',
        where: `${where}.arguments.${param}`,
        message: `Optional parameter ${pyRepr(param)} not provided and not marked as optional.`,
      };
    }
  }
  return null;
}
