// Adds up the counts of every test stage (vitest JSON, browser and e2e runners) into one line.
import { existsSync, readFileSync, readdirSync } from 'node:fs';

let passed = 0;
let failed = 0;
const v = 'test-results/vitest.json';
if (existsSync(v)) {
  const j = JSON.parse(readFileSync(v, 'utf8'));
  passed += j.numPassedTests;
  failed += j.numFailedTests;
}
for (const f of readdirSync('test-results').filter((f) => f.endsWith('.counts'))) {
  const [p, fl] = readFileSync(`test-results/${f}`, 'utf8').trim().split(/\s+/).map(Number);
  passed += p;
  failed += fl;
}
console.log(`total: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
