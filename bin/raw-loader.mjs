// Node module hook giving `import text from './x.wgsl?raw'` the meaning Vite gives it, so the
// engine's modules import their shaders the same way in the app, in vitest and in the CLI.
import { readFile } from 'node:fs/promises';

export async function resolve(specifier, context, next) {
  if (specifier.endsWith('?raw')) {
    const { url } = await next(specifier.slice(0, -4), context);
    return { url: `${url}?raw`, shortCircuit: true, format: 'module' };
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (url.endsWith('?raw')) {
    const text = await readFile(new URL(url.slice(0, -4)), 'utf8');
    return { format: 'module', source: `export default ${JSON.stringify(text)};`, shortCircuit: true };
  }
  return next(url, context);
}
