// The one EngineClient of the page, created on first use so tests and SSR never spawn a worker.
import { EngineClient } from '../worker/client.ts';

let client: EngineClient | null = null;

export function engineClient(): EngineClient {
  client ??= EngineClient.spawn();
  return client;
}
