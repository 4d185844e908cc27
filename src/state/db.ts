// The page's one connection to the studio database, for reading (the worker opens its own and does
// every write). Created on first use so unit tests and module imports never open IndexedDB by
// accident. When another tab upgrades the schema this connection closes and `outdated` tells the
// page to reload.
import { StudioDb } from '../jobs/store/schema.ts';

let db: StudioDb | null = null;
const outdatedListeners = new Set<() => void>();

export function studioDb(): StudioDb {
  db ??= new StudioDb(undefined, { onOutdated: () => outdatedListeners.forEach((cb) => cb()) });
  return db;
}

export function onDatabaseOutdated(cb: () => void): () => void {
  outdatedListeners.add(cb);
  return () => outdatedListeners.delete(cb);
}
