// `node --import ./bin/register.mjs file.ts`: TypeScript through tsx, `?raw` shader imports, and the
// Dawn environment, as bin/studio.mjs sets them up (used by scripts that run engine code).
import { register } from 'node:module';
import { dawnEnv } from '../scripts/dawn-env.mjs';

Object.assign(process.env, dawnEnv());
register('./raw-loader.mjs', import.meta.url);
const { register: registerTsx } = await import('tsx/esm/api');
registerTsx();
