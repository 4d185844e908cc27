// Types of ./cli-bundle.mjs (plain JavaScript, as bin/ runs before any TypeScript can load).
export function freshBundle(cacheDir: string, entry?: string): string | null;
export function buildBundle(entry: string, cacheDir: string, tsconfig?: string): Promise<string>;
export function cliBundle(root: string): Promise<string | null>;
