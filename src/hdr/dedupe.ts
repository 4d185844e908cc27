// De-duplication of accepted HDR samples: two samples are the same training example when they
// answer the same hard case with the same calls and the same reasoning up to whitespace. Argument
// order inside a call does not matter (keys are sorted); call order does (it is what the model
// writes). Pure; never looks at storage.
import type { Example } from '../data/example.ts';

/** JSON with object keys sorted at every level, so equal values give equal strings. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** `hardCaseId` identifies the prompt; the rest is the sample's target. */
export function sampleKey(hardCaseId: string, example: Pick<Example, 'target'>): string {
  const reasoning = (example.target.reasoning ?? '').replace(/\s+/g, ' ').trim();
  const content = (example.target.content ?? '').replace(/\s+/g, ' ').trim();
  return `${hardCaseId}\u0000${reasoning}\u0000${canonicalJson(example.target.calls)}\u0000${content}`;
}

/** Remembers keys across rounds; `add` is false for a sample already seen. */
export class SampleDeduper {
  private readonly seen = new Set<string>();

  constructor(existing: Iterable<string> = []) {
    for (const k of existing) this.seen.add(k);
  }

  add(hardCaseId: string, example: Pick<Example, 'target'>): boolean {
    const key = sampleKey(hardCaseId, example);
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    return true;
  }

  get size(): number {
    return this.seen.size;
  }
}
