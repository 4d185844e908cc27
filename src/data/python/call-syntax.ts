// Parser for calls written in Python-call syntax, the way BFCL's prompt mode and ToolACE/FunReason
// write them: `[get_weather(city="Paris", unit='celsius'), math.factorial(n=5)]`.
// Owns the grammar (a call list of keyword-only calls whose arguments are Python literals) and the
// conversion of literals to JSON-like values. It mirrors BFCL's `ast_parse`/`resolve_ast_by_type`
// where that is well defined, and never evaluates code: no `eval`.
//
// Value mapping (BFCL's, except where noted):
//   int/float → number (a whole float such as 5.0 → IntegralFloat when `keepFloats` asks, as the
//   checker needs; training data reads it as 5); str → string; True/False → boolean; None → null; list → array;
//   tuple → array (BFCL keeps a tuple; JSON has none, and the checker treats tuples as lists);
//   dict → object (non-string keys become their repr, e.g. 1 → "1");
//   a bare name `celsius` → the string "celsius" (BFCL: ast.Name → its id);
//   `...` → the string "...";
//   a nested call `np.array([1, 2])` → its canonical source text "np.array([1, 2])" (BFCL does this
//   for calls without keywords; with keywords it builds a dict — we keep the text for both).
//   arithmetic on number literals `1000*12`, `2**-1`, `-2**2` → its value, folded here without eval
//   (BFCL evals the expression), and `'a' + 'b'` → "ab".
// Rejected with a PySyntaxError: positional arguments in a top-level call (BFCL silently drops them),
// arithmetic on anything but literals, comparisons and bit operators, sets, subscripts, lambdas,
// f-strings, bytes.
import type { Call } from '../example.ts';
import { setOwn } from '../own-keys.ts';
import { formatPythonValue } from './format.ts';
import { floatValue, pythonFloatRepr } from './integral-float.ts';
import { PySyntaxError, tokenizePython, type PyToken } from './tokens.ts';

export { PySyntaxError } from './tokens.ts';

type PyNode =
  // `float`: a number written or computed as a Python float (5.0, 1e3, 4 / 2), not an int.
  | { kind: 'const'; value: string | number | boolean | null; float?: boolean; offset: number }
  | { kind: 'list' | 'tuple'; items: PyNode[]; offset: number }
  | { kind: 'dict'; entries: Array<[PyNode, PyNode]>; offset: number }
  | { kind: 'name'; name: string; offset: number }
  | { kind: 'call'; name: string; args: PyNode[]; kwargs: Array<[string, PyNode]>; offset: number };

const CONSTANT_NAMES: Record<string, boolean | null> = { True: true, False: false, None: null };
// Python refuses these as keyword-argument names (`f(from='x')` is a SyntaxError), so BFCL's decoder does.
const PYTHON_KEYWORDS = new Set(
  'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield'.split(' '),
);
const MAX_NESTING = 100;
const UNSUPPORTED_OPERATORS = new Set(['@', '<', '>', '&', '|', '^', '~', '!']);

/** Does the text (after trimming) start like a Python call list: `[name(`, `name(` or `[]`? */
export function looksLikePythonCalls(text: string): boolean {
  return /^\s*(\[\s*)?[A-Za-z_][\w.]*\s*\(/.test(text) || /^\s*\[\s*\]\s*$/.test(text);
}

/**
 * Parses `[f(a=1), g(b='x')]`, `f(a=1)` or `f(a=1), g()` into calls, in order. `[]` is no calls.
 * Throws PySyntaxError (with the offset) on anything outside the supported subset, and on a
 * positional argument unless `positional` is 'drop': BFCL's decoder reads only keyword arguments, so
 * `f('Paris')` is a call of f with none there (a call all the same, for relevance), while training
 * data with one is refused (no parameter name to learn). `dropped` hears what was left out.
 */
export function parsePythonCalls(
  src: string,
  { positional = 'refuse', dropped, keepFloats = false }: { positional?: 'refuse' | 'drop'; dropped?: string[]; keepFloats?: boolean } = {},
): Call[] {
  const parser = new Parser(tokenizePython(src));
  const nodes = parser.parseTopLevel();
  return nodes.map((node, index) => {
    if (node.kind !== 'call') throw new PySyntaxError(`element ${index} of the call list is not a function call`, node.offset);
    if (node.args.length > 0 && positional === 'refuse') {
      throw new PySyntaxError(`call ${index} (${node.name}) has a positional argument; only keyword arguments name a parameter`, node.args[0].offset);
    }
    if (node.args.length > 0) dropped?.push(`${node.name}'s ${node.args.length === 1 ? 'positional argument was' : `${node.args.length} positional arguments were`} ignored (only keyword arguments name a parameter)`);
    const args: Record<string, unknown> = {};
    for (const [key, value] of node.kwargs) setOwn(args, key, toValue(value, keepFloats));
    return { name: node.name, arguments: args };
  });
}

/** Parses one Python literal (`[1, 'a', {'k': None}]`) into a JSON-like value. */
export function parsePythonLiteral(src: string, { keepFloats = false }: { keepFloats?: boolean } = {}): unknown {
  const parser = new Parser(tokenizePython(src));
  const node = parser.parseExpression();
  parser.expectEnd();
  return toValue(node, keepFloats);
}

/** A whole float becomes an IntegralFloat only when `keepFloats`; otherwise numbers stay numbers. */
function toValue(node: PyNode, keepFloats: boolean): unknown {
  switch (node.kind) {
    case 'const':
      return keepFloats && node.float ? floatValue(node.value as number) : node.value;
    case 'name':
      return node.name;
    case 'list':
    case 'tuple':
      return node.items.map((item) => toValue(item, keepFloats));
    case 'dict': {
      const out: Record<string, unknown> = {};
      for (const [keyNode, valueNode] of node.entries) {
        if (keyNode.kind !== 'const') throw new PySyntaxError('dict keys must be strings, numbers, booleans or None', keyNode.offset);
        const key = typeof keyNode.value === 'string' ? keyNode.value : unparse(keyNode);
        setOwn(out, key, toValue(valueNode, keepFloats));
      }
      return out;
    }
    case 'call':
      return unparse(node);
  }
}

/** Canonical source text of a node, the way Python's `ast.unparse` writes it. */
function unparse(node: PyNode): string {
  switch (node.kind) {
    case 'const':
      return node.float ? pythonFloatRepr(node.value as number) : formatPythonValue(node.value);
    case 'name':
      return node.name;
    case 'list':
      return `[${node.items.map(unparse).join(', ')}]`;
    case 'tuple':
      return node.items.length === 1 ? `(${unparse(node.items[0])},)` : `(${node.items.map(unparse).join(', ')})`;
    case 'dict':
      return `{${node.entries.map(([k, v]) => `${unparse(k)}: ${unparse(v)}`).join(', ')}}`;
    case 'call':
      return `${node.name}(${[...node.args.map(unparse), ...node.kwargs.map(([k, v]) => `${k}=${unparse(v)}`)].join(', ')})`;
  }
}

class Parser {
  private pos = 0;
  private depth = 0;
  constructor(private readonly tokens: PyToken[]) {}

  private peek(): PyToken {
    return this.tokens[this.pos];
  }

  private next(): PyToken {
    return this.tokens[this.pos++];
  }

  private isOp(text: string): boolean {
    const t = this.peek();
    return t.kind === 'op' && t.text === text;
  }

  private expectOp(text: string, context: string): PyToken {
    const t = this.next();
    if (t.kind !== 'op' || t.text !== text) throw new PySyntaxError(`expected "${text}" ${context}, found ${describe(t)}`, t.offset);
    return t;
  }

  expectEnd(): void {
    const t = this.peek();
    if (t.kind !== 'end') {
      if (t.kind === 'op' && UNSUPPORTED_OPERATORS.has(t.text)) throw new PySyntaxError(`operator "${t.text}" is not supported; write the value as a literal`, t.offset);
      throw new PySyntaxError(`unexpected ${describe(t)} after the end of the expression`, t.offset);
    }
  }

  /** `[e, e, …]`, `e, e, …` or a single `e`; the elements are checked to be calls by the caller. */
  parseTopLevel(): PyNode[] {
    const items: PyNode[] = [];
    if (this.isOp('[')) {
      this.next();
      items.push(...this.parseSequence(']', 'in the call list'));
      this.expectOp(']', 'to close the call list');
    } else {
      items.push(this.parseExpression());
      while (this.isOp(',')) {
        this.next();
        if (this.peek().kind === 'end') break;
        items.push(this.parseExpression());
      }
    }
    this.expectEnd();
    return items;
  }

  /** Comma-separated expressions up to (not consuming) `close`; a trailing comma is allowed. */
  private parseSequence(close: string, context: string): PyNode[] {
    const items: PyNode[] = [];
    while (!this.isOp(close)) {
      if (this.peek().kind === 'end') throw new PySyntaxError(`unexpected end of input ${context} (missing "${close}")`, this.peek().offset);
      items.push(this.parseExpression());
      if (this.isOp(',')) this.next();
      else if (!this.isOp(close)) this.failAfterValue(close, context);
    }
    return items;
  }

  private failAfterValue(close: string, context: string): never {
    const t = this.peek();
    if (t.kind === 'op' && UNSUPPORTED_OPERATORS.has(t.text)) throw new PySyntaxError(`operator "${t.text}" is not supported; write the value as a literal`, t.offset);
    if (t.kind === 'end') throw new PySyntaxError(`unexpected end of input ${context} (missing "${close}")`, t.offset);
    throw new PySyntaxError(`expected "," or "${close}" ${context}, found ${describe(t)}`, t.offset);
  }

  // Python's precedence: sum := term (+|- term)*; term := unary (*|/|//|% unary)*;
  // unary := (-|+) unary | power; power := atom [** unary]. So -2**2 == -4 and 2**-1 == 0.5.
  parseExpression(): PyNode {
    let left = this.parseTerm();
    while (this.isOp('+') || this.isOp('-')) {
      const op = this.next();
      left = foldArithmetic(op, left, this.parseTerm());
    }
    return left;
  }

  private parseTerm(): PyNode {
    let left = this.parseUnary();
    while (this.isOp('*') || this.isOp('/') || this.isOp('//') || this.isOp('%')) {
      const op = this.next();
      left = foldArithmetic(op, left, this.parseUnary());
    }
    return left;
  }

  private parseUnary(): PyNode {
    // Every nesting (brackets, signs, powers) passes through here, so bounding the depth here
    // makes hostile output like "[[[[…" or "----…1" a syntax error rather than a stack overflow.
    if (++this.depth > MAX_NESTING) throw new PySyntaxError(`nesting deeper than ${MAX_NESTING} levels`, this.peek().offset);
    try {
      return this.parseUnaryUnbounded();
    } finally {
      this.depth--;
    }
  }

  private parseUnaryUnbounded(): PyNode {
    const t = this.peek();
    if (t.kind === 'op' && (t.text === '-' || t.text === '+')) {
      this.next();
      const operand = this.parseUnary();
      if (operand.kind !== 'const' || typeof operand.value !== 'number') {
        throw new PySyntaxError(`unary "${t.text}" is only supported before a number`, t.offset);
      }
      return { kind: 'const', value: t.text === '-' ? -operand.value : operand.value, float: operand.float, offset: t.offset };
    }
    const base = this.parseAtom();
    if (this.isOp('[')) throw new PySyntaxError('subscripts are not supported', this.peek().offset);
    if (!this.isOp('**')) return base;
    const op = this.next();
    return foldArithmetic(op, base, this.parseUnary());
  }

  private parseAtom(): PyNode {
    const t = this.next();
    switch (t.kind) {
      case 'int':
        return { kind: 'const', value: t.value as number, offset: t.offset };
      case 'float':
        return { kind: 'const', value: t.value as number, float: true, offset: t.offset };
      case 'string': {
        // Adjacent literals concatenate, as in Python: "a" 'b' == "ab".
        let value = t.value as string;
        while (this.peek().kind === 'string') value += this.next().value as string;
        return { kind: 'const', value, offset: t.offset };
      }
      case 'name':
        return this.parseNameOrCall(t);
      case 'op':
        if (t.text === '[') {
          const items = this.parseSequence(']', 'in a list');
          this.next();
          return { kind: 'list', items, offset: t.offset };
        }
        if (t.text === '(') return this.parseParenthesised(t);
        if (t.text === '{') return this.parseDict(t);
        if (t.text === '...') return { kind: 'const', value: '...', offset: t.offset };
        throw new PySyntaxError(`unexpected "${t.text}"`, t.offset);
      case 'end':
        throw new PySyntaxError('unexpected end of input, expected a value', t.offset);
    }
  }

  private parseNameOrCall(first: PyToken): PyNode {
    if (first.text === 'lambda') throw new PySyntaxError('lambdas are not supported', first.offset);
    let name = first.text;
    let dotted = false;
    while (this.isOp('.')) {
      this.next();
      const part = this.next();
      if (part.kind !== 'name') throw new PySyntaxError(`expected a name after "." in "${name}."`, part.offset);
      name += '.' + part.text;
      dotted = true;
    }
    if (this.isOp('(')) return this.parseCallArguments(name, first.offset);
    if (dotted) throw new PySyntaxError(`attribute access "${name}" is not a literal value`, first.offset);
    if (Object.hasOwn(CONSTANT_NAMES, name)) return { kind: 'const', value: CONSTANT_NAMES[name], offset: first.offset };
    return { kind: 'name', name, offset: first.offset };
  }

  private parseCallArguments(name: string, offset: number): PyNode {
    this.expectOp('(', `after ${name}`);
    const args: PyNode[] = [];
    const kwargs: Array<[string, PyNode]> = [];
    const context = `in the arguments of ${name}(…)`;
    while (!this.isOp(')')) {
      const t = this.peek();
      if (t.kind === 'end') throw new PySyntaxError(`unexpected end of input ${context} (missing ")")`, t.offset);
      if (t.kind === 'op' && (t.text === '*' || t.text === '**')) throw new PySyntaxError(`"${t.text}" unpacking is not supported ${context}`, t.offset);
      const after = this.tokens[this.pos + 1];
      if (t.kind === 'name' && after.kind === 'op' && after.text === '=') {
        if (PYTHON_KEYWORDS.has(t.text)) throw new PySyntaxError(`"${t.text}" is a Python keyword and cannot name an argument ${context}`, t.offset);
        this.pos += 2;
        if (kwargs.some(([k]) => k === t.text)) throw new PySyntaxError(`keyword argument "${t.text}" repeated ${context}`, t.offset);
        kwargs.push([t.text, this.parseExpression()]);
      } else {
        if (kwargs.length > 0) throw new PySyntaxError(`positional argument follows keyword argument ${context}`, t.offset);
        args.push(this.parseExpression());
      }
      if (this.isOp(',')) this.next();
      else if (!this.isOp(')')) this.failAfterValue(')', context);
    }
    this.next();
    return { kind: 'call', name, args, kwargs, offset };
  }

  private parseParenthesised(open: PyToken): PyNode {
    if (this.isOp(')')) {
      this.next();
      return { kind: 'tuple', items: [], offset: open.offset };
    }
    const first = this.parseExpression();
    if (this.isOp(')')) {
      this.next();
      return first; // plain parentheses, not a tuple
    }
    if (!this.isOp(',')) this.failAfterValue(')', 'in a tuple');
    this.next();
    const items = [first, ...this.parseSequence(')', 'in a tuple')];
    this.next();
    return { kind: 'tuple', items, offset: open.offset };
  }

  private parseDict(open: PyToken): PyNode {
    const entries: Array<[PyNode, PyNode]> = [];
    while (!this.isOp('}')) {
      if (this.peek().kind === 'end') throw new PySyntaxError('unexpected end of input in a dict (missing "}")', this.peek().offset);
      const key = this.parseExpression();
      if (!this.isOp(':')) {
        if (this.isOp(',') || this.isOp('}')) throw new PySyntaxError('sets are not supported; expected "key: value"', key.offset);
        this.failAfterValue('}', 'in a dict');
      }
      this.next();
      entries.push([key, this.parseExpression()]);
      if (this.isOp(',')) this.next();
      else if (!this.isOp('}')) this.failAfterValue('}', 'in a dict');
    }
    this.next();
    return { kind: 'dict', entries, offset: open.offset };
  }
}

/**
 * Computes `left op right` for number literals (and `str + str`). BFCL evals such expressions;
 * folding constants here gives the same value without running anything.
 */
function foldArithmetic(op: PyToken, left: PyNode, right: PyNode): PyNode {
  const a = left.kind === 'const' ? left.value : undefined;
  const b = right.kind === 'const' ? right.value : undefined;
  if (op.text === '+' && typeof a === 'string' && typeof b === 'string') return { kind: 'const', value: a + b, offset: left.offset };
  if (typeof a !== 'number' || typeof b !== 'number') {
    throw new PySyntaxError(`arithmetic ("${op.text}") is only supported between number literals${op.text === '+' ? ' or two strings' : ''}`, op.offset);
  }
  if ((op.text === '/' || op.text === '//' || op.text === '%') && b === 0) throw new PySyntaxError('division by zero', op.offset);
  if (op.text === '**' && a === 0 && b < 0) throw new PySyntaxError('0 cannot be raised to a negative power', op.offset);
  let value: number;
  switch (op.text) {
    case '+': value = a + b; break;
    case '-': value = a - b; break;
    case '*': value = a * b; break;
    case '/': value = a / b; break;
    case '//': value = Math.floor(a / b); break;
    case '%': value = ((a % b) + b) % b; break; // Python's result takes the divisor's sign
    default: value = a ** b;
  }
  if (!Number.isFinite(value)) throw new PySyntaxError(`arithmetic result of "${op.text}" is not a finite real number`, op.offset);
  // Python's result type: float if either side is, and always for `/` and for an int to a negative power.
  const float = (left.kind === 'const' && left.float) || (right.kind === 'const' && right.float) || op.text === '/' || (op.text === '**' && b < 0);
  return float ? { kind: 'const', value, float, offset: left.offset } : { kind: 'const', value, offset: left.offset };
}

function describe(t: PyToken): string {
  if (t.kind === 'end') return 'end of input';
  if (t.kind === 'string') return `string ${t.text}`;
  return `"${t.text}"`;
}
