// Object keys that come from outside data (parameter names, argument names, roles, type names)
// read and written as own properties only. A plain `obj[key] = v` with key "__proto__" replaces
// the object's prototype instead of adding the key, and `key in table` or `table[key]` with key
// "constructor", "toString" or "hasOwnProperty" finds Object.prototype's functions. Both are legal
// JSON keys and legal parameter names, so they must be kept exactly as given.
// Never copies or clones: callers build their objects and use these at every outside key.

/** Whether `obj` has `key` as its own property (never an inherited one such as "constructor"). */
export function hasOwn(obj: object, key: string): boolean {
  return Object.hasOwn(obj, key);
}

/** `obj[key]` when it is an own property, otherwise undefined. */
export function ownValue<T>(obj: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** `obj[key] = value` that stays an own, enumerable data property even for "__proto__". */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}
