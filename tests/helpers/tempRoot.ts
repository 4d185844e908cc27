// Vitest global setup: every test file, and every CLI or Python process a test starts, makes its
// scratch folders under one temporary root that goes when the run ends. Tests create folders with
// mkdtemp(tmpdir()) and leave them (a failing test's folder is worth reading while it runs); left in
// /tmp they added up to gigabytes over a few hundred runs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'studio-tests-'));
  // Read by os.tmpdir() in the test workers, which are forked after this runs, and their children.
  process.env.TMPDIR = root;
  return () => rmSync(root, { recursive: true, force: true });
}
