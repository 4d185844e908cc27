// Checks shared by the Node tests of the hostile corpus (importer, IndexedDB import): what every
// file of hostile-corpus.ts promises, and that names colliding with Object.prototype are own data.
import { expect } from 'vitest';
import type { Example } from '../../src/data/example.ts';
import type { ImportResult } from '../../src/data/import-dataset.ts';
import { checkExample } from '../../src/data/quality-check.ts';
import { formatIssue } from '../../src/data/record-error.ts';
import { recordShapeProblem } from '../../src/data/record-limits.ts';
import { rejectedCount, type HostileFile } from './hostile-corpus.ts';

/** The promises every file of the corpus must keep, checked on one import result. */
export function expectCorpusKept(r: ImportResult, files: HostileFile[]): void {
  for (const f of files) {
    const report = r.files.find((x) => x.name === f.name)!;
    expect(report, f.name).toBeDefined();
    const issues = r.issues.filter((i) => i.file === f.name);
    expect(issues.length, `${f.name}: rejected records`).toBe(rejectedCount(f));
    expect(report.rejected, f.name).toBe(rejectedCount(f));
    for (const want of f.rejected) {
      const got = issues.find((i) => i.index === want.index);
      expect(got, `${f.name} record ${want.index} must be rejected`).toBeDefined();
      expect(got!.reason, `${f.name} record ${want.index}`).toMatch(want.reason);
      expect(got!.line, `${f.name} record ${want.index} line`).toBeGreaterThan(0);
      if (want.id) expect(got!.id, `${f.name} record ${want.index} id`).toBe(want.id);
      expect(formatIssue(got!)).toContain(`${f.name}, line ${got!.line}, record ${want.index + 1}`);
    }
  }
  const ids = r.examples.map((e) => e.id);
  expect(ids).toEqual(files.flatMap((f) => f.imported));
  for (const e of r.examples) {
    // Nothing that is not JSON data (a function, Infinity) and nothing too deep reaches storage.
    expect(recordShapeProblem(e, { jsonOnly: true }), e.id).toBeUndefined();
    const flaggedRule = files.find((f) => f.imported.includes(e.id))!.flagged[e.id];
    const report = checkExample(e);
    if (flaggedRule) expect(report.failures.map((x) => x.rule), e.id).toContain(flaggedRule);
    else expect(report.failures, e.id).toEqual([]);
  }
}

/** The names that collide with Object.prototype are own data, with the values the file gave. */
export function expectPrototypeNamesKept(examples: Example[]): void {
  const byId = new Map(examples.map((e) => [e.id, e]));
  for (const id of ['o-proto-args', 'h-proto-args', 's-proto-args', 'f-proto-kwargs']) {
    const e = byId.get(id)!;
    const props = e.tools[0].parameters.properties!;
    expect(Object.keys(props), id).toEqual(['__proto__', 'constructor', 'toString', 'host']);
    expect(Object.getPrototypeOf(props)).toBe(Object.prototype);
    expect(props.constructor, id).toEqual({ type: 'string' });
    const args = e.target.calls[0].arguments;
    expect(Object.keys(args), id).toEqual(['__proto__', 'constructor', 'toString', 'host']);
    expect(Object.getOwnPropertyDescriptor(args, '__proto__')?.value, id).toEqual(id === 'f-proto-kwargs' ? { k: 1 } : { polluted: true });
    expect(args.constructor, id).toBe('c');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  }
  const xlam = byId.get('x-proto-params')!;
  expect(Object.keys(xlam.tools[0].parameters.properties!)).toEqual(['__proto__', 'constructor', 'hasOwnProperty', 'host']);
  expect(xlam.tools[0].parameters.required).toEqual(['__proto__', 'constructor', 'host']);
  expect(Object.getOwnPropertyDescriptor(xlam.target.calls[0].arguments, '__proto__')?.value).toEqual({ k: 1 });
  const bfcl = byId.get('simple_1')!;
  const answerArg = Object.getOwnPropertyDescriptor(bfcl.target.calls[0].arguments, '__proto__')?.value as Record<string, unknown>;
  expect(Object.keys(answerArg)).toEqual(['__proto__', 'depth']);
  expect(Object.getOwnPropertyDescriptor(answerArg, '__proto__')?.value).toBe('inner');
  const typed = byId.get('o-type-constructor')!.tools[0].parameters.properties!;
  expect([typed.host.type, typed.port.type, typed.tag.type]).toEqual(['constructor', 'toString', 'hasOwnProperty']);
  expect(byId.get('simple_2')!.tools[0].parameters.properties!.host.type).toBe('constructor');
}
