// Dataset fingerprint for run snapshots: SHA-256 over the normalised content of every example
// (id, tools, messages, target; keys sorted, strings NFC, undefined dropped), independent of record
// order and of metadata such as the source format or parse notes. Two imports of the same data in
// any order or file layout give the same fingerprint; any change to what the model sees changes it.
// Never includes split or inclusion choices: those are settings, not data.
import type { Example } from './example.ts';

/** JSON with sorted keys and NFC strings: one spelling per value. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : 'null';
  if (typeof value === 'string') return JSON.stringify(value.normalize('NFC'));
  if (Array.isArray(value)) return '[' + value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',') + ']';
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return '{' + entries.map(([k, v]) => JSON.stringify(k.normalize('NFC')) + ':' + canonicalJson(v)).join(',') + '}';
  }
  return 'null';
}

export function normalisedExampleContent(example: Example): string {
  return canonicalJson({ id: example.id, tools: example.tools, messages: example.messages, target: example.target });
}

async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export async function exampleHash(example: Example): Promise<string> {
  return sha256Hex(new TextEncoder().encode(normalisedExampleContent(example)));
}

/** `sha256:<hex>` of the sorted per-example hashes. */
export async function datasetFingerprint(examples: Iterable<Example>): Promise<string> {
  const hashes: string[] = [];
  for (const e of examples) hashes.push(await exampleHash(e));
  hashes.sort();
  return 'sha256:' + (await sha256Hex(new TextEncoder().encode(hashes.join('\n'))));
}
