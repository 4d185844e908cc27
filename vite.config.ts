import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';
// @ts-expect-error plain .mjs helper shared with bin/studio.mjs
import { dawnEnv } from './scripts/dawn-env.mjs';
// @ts-expect-error plain .mjs helper
import { sharedProcessTests } from './scripts/test-projects.mjs';

// Test workers are forked after this file runs, so Dawn in them sees SwiftShader.
Object.assign(process.env, dawnEnv());

const shared: string[] = sharedProcessTests(fileURLToPath(new URL('.', import.meta.url)));

export default defineConfig({
  plugins: [react()],
  worker: { format: 'es' },
  build: { target: 'es2022', sourcemap: true, chunkSizeWarningLimit: 4096 },
  server: { host: '127.0.0.1', port: 5173 },
  preview: { host: '127.0.0.1', port: 4173 },
  test: {
    globalSetup: ['tests/helpers/tempRoot.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // scripts/test-projects.mjs says which files share worker processes, and why.
    projects: [
      { extends: true, test: { name: 'shared', include: shared, isolate: false, restoreMocks: true } },
      // The page's stores and components: each file in a VM context of its own in a reused process,
      // rather than a process of its own (tests/ui: 46 → 21 s). Files that load Dawn, tokenizers or
      // transformers.js run slower that way (their packages are evaluated again in every context).
      { extends: true, test: { name: 'ui', include: ['tests/ui/**/*.test.ts'], pool: 'vmForks' } },
      { extends: true, test: { name: 'isolated', include: ['tests/**/*.test.ts'], exclude: ['tests/e2e/**', 'tests/ui/**', 'node_modules/**', ...shared] } },
    ],
  },
});
