// Types of fakeHubWrites.mjs for the TypeScript tests (the Chromium tests import it as it is).
export interface FakeRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Uint8Array;
}
export interface FakeResponse {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array | string;
}
export interface FakeUser {
  name: string;
  role?: 'read' | 'write';
  orgs?: string[];
}
export interface FakeRepo {
  private: boolean;
  files: Map<string, Uint8Array>;
  commits: Array<{ summary: string; description: string; paths: string[]; oid: string }>;
}
export interface FakeHubWrites {
  base: string;
  users: Record<string, FakeUser>;
  /** By `owner/name` for a model repo, `datasets/owner/name` for a dataset repo. */
  repos: Map<string, FakeRepo>;
  lfs: Map<string, Uint8Array>;
  log: string[];
  lfsErrors: Map<string, { code: number; message: string }>;
  hold: { path: string; until: Promise<void> } | null;
  failNext: Map<string, number>;
  repo(id: string): FakeRepo;
  file(id: string, path: string): Buffer;
  handle(req: FakeRequest): Promise<FakeResponse>;
}
export interface FakeHubOptions {
  users: Record<string, FakeUser>;
  multipartAbove?: number;
  chunkSize?: number;
}
export function createFakeHubWrites(opts: FakeHubOptions & { base: string }): FakeHubWrites;
export function startFakeHubWrites(opts: FakeHubOptions): Promise<{ hub: FakeHubWrites; close: () => Promise<void> }>;
