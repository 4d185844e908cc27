// Writes out WGSL loops whose trip count is an override constant: `for (var c = 0u; c < HD4; c++)
// { … }` becomes HD4 copies of the body with c replaced by 0u, 1u, …. For CPU adapters: SwiftShader
// compiles WGSL without unrolling such loops, so a private array indexed by the counter (a row of q
// held in registers) lives in memory and every access is a per-lane gather or scatter; with literal
// indices it lives in registers. Attention's row kernels ran 2–3× faster so (attention.ts).
// GPU drivers unroll a constant bound themselves, so hardware adapters keep the source as written.
// The copies sit on the loop's first line and the lines it spanned stay, so a compile error still
// names the line of the source file.
import { shaderFile, type ShaderFile } from './pipelines.ts';

const HEADER = /for \(var (\w+) = 0u; \1 < (\w+); \1\+\+\) \{/;

/** `shader` with every loop `for (var x = 0u; x < NAME; x++) { … }` whose NAME is a key of `counts`
 * written out counts[NAME] times; a loop whose body has `break` or `continue` stays a loop. */
export function unrollLoops(shader: ShaderFile, counts: Record<string, number>): ShaderFile {
  const names = Object.keys(counts).sort();
  for (const name of names) {
    const n = counts[name];
    if (!Number.isInteger(n) || n < 0 || n > 256) throw new RangeError(`unrollLoops: ${name} = ${n} is not a loop count from 0 to 256`);
  }
  const variant = names.map((k) => `${k}=${counts[k]}`).join(',');
  const key = `${shader.file}#${shader.variant ?? ''}#${variant}`;
  let file = unrolled.get(key);
  if (!file) {
    file = { ...shaderFile(shader.file, unrollSource(shader.code, counts)), variant: shader.variant ? `${shader.variant},${variant}` : variant };
    unrolled.set(key, file);
  }
  return file;
}

const unrolled = new Map<string, ShaderFile>();

/** The source text with the loops written out (exported for its tests). */
export function unrollSource(code: string, counts: Record<string, number>): string {
  let out = '';
  let from = 0;
  const headers = new RegExp(HEADER.source, 'g'); // its own: the bodies are scanned recursively
  for (let m = headers.exec(code); m; m = headers.exec(code)) {
    const [header, counter, bound] = m;
    if (!(bound in counts)) continue;
    const open = m.index + header.length - 1;
    const close = matchingBrace(code, open);
    const body = unrollSource(code.slice(open + 1, close), counts);
    if (/\b(break|continue)\b/.test(stripComments(body))) continue;
    // The body's comments go: its lines are joined, and a `//` would hide the copies after it.
    const flat = stripComments(body).replace(/\s*\n\s*/g, ' ').trim();
    const use = new RegExp(`(?<![\\w.])${counter}(?!\\w)`, 'g');
    const copies = Array.from({ length: counts[bound] }, (_, i) => `{ ${flat.replace(use, `${i}u`)} }`);
    const lines = code.slice(m.index, close + 1).split('\n').length - 1;
    out += code.slice(from, m.index) + copies.join(' ') + '\n'.repeat(lines);
    from = close + 1;
    headers.lastIndex = from;
  }
  return out + code.slice(from);
}

/** The index of the `}` closing the `{` at `open`, skipping comments. */
function matchingBrace(code: string, open: number): number {
  let depth = 0;
  for (let i = open; i < code.length; i++) {
    if (code.startsWith('//', i)) i = code.indexOf('\n', i) === -1 ? code.length : code.indexOf('\n', i);
    else if (code.startsWith('/*', i)) {
      const end = code.indexOf('*/', i);
      if (end === -1) break;
      i = end + 1;
    }
    else if (code[i] === '{') depth++;
    else if (code[i] === '}' && --depth === 0) return i;
  }
  throw new SyntaxError(`unrollLoops: the loop at offset ${open} has no closing brace`);
}

function stripComments(code: string): string {
  return code.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, '');
}
