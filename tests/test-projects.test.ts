// Which test files share worker processes (scripts/test-projects.mjs), on a made-up tests folder:
// a file shares only from the engine/CLI/job/worker/data folders and only if neither it nor a helper it imports
// leaves state behind; spies (restored after every test) and studioInProcess (puts back what it
// sets) do not keep a file out; the onnxruntime global transformers.js binds to does.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain .mjs helper
import { sharedProcessTests } from '../scripts/test-projects.mjs';

describe('the test files that share processes', () => {
  it('are the engine, CLI and job tests that leave nothing behind for the next file', () => {
    const root = mkdtempSync(join(tmpdir(), 'test-projects-'));
    const files: Record<string, string> = {
      'helpers/studioInProcess.ts': "process.env[k] = v;\ndelete process.env[k];",
      'helpers/mocker.ts': "vi.mock('../../src/x.ts');",
      'helpers/plain.ts': 'export const x = 1;',
      'jobs/clean.test.ts': "import { x } from '../helpers/plain.ts';",
      'jobs/spies.test.ts': "const s = vi.spyOn(a, 'b');",
      'cli/in-process.test.ts': "import { studioInProcess } from '../helpers/studioInProcess.ts';",
      'jobs/module-mock.test.ts': "vi.mock('../../src/y.ts');",
      'jobs/uses-mocker.test.ts': "import { m } from '../helpers/mocker.ts';",
      'jobs/env.test.ts': "process.env.STUDIO_CACHE = '/tmp/x';",
      'jobs/fake-timers.test.ts': 'vi.useFakeTimers();',
      'jobs/global.test.ts': 'globalThis.fetch = f;',
      'jobs/signal.test.ts': "process.on('SIGINT', h);",
      'export/ort.test.ts': "import '../../src/export/ortGlobal.ts';",
      'worker/global-idb.test.ts': "import 'fake-indexeddb/auto';",
      'worker/own-idb.test.ts': "import { indexedDB } from 'fake-indexeddb';",
      'ui/clean.test.ts': 'export {};',
      'jobs/notes.md': 'not a test',
    };
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(root, 'tests', path, '..'), { recursive: true });
      writeFileSync(join(root, 'tests', path), text);
    }
    expect(sharedProcessTests(root)).toEqual(['tests/jobs/clean.test.ts', 'tests/jobs/spies.test.ts', 'tests/cli/in-process.test.ts', 'tests/worker/own-idb.test.ts']);
  });
});
