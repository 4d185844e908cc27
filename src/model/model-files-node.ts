// ModelFiles over a Node directory (CLI `studio inspect ./dir`, tests). Node-only.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { nodeFileSource } from './byte-source-node.ts';
import type { ModelFiles } from './model-files.ts';

export function nodeDirectoryModelFiles(dir: string): ModelFiles {
  return {
    label: dir,
    async open(name) {
      const path = join(dir, name);
      try {
        if (!(await stat(path)).isFile()) return null;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
      return nodeFileSource(path, join(dir, name));
    },
  };
}
