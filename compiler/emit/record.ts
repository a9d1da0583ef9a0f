// Plain records keyed by names from a spec: a state or field named `__proto__` stays an ordinary own key.

export type DataRecord<T = unknown> = Record<string, T>;

/** Sets `record[key] = value` as an own, enumerable property, whatever the key is. */
export function setEntry<T>(record: DataRecord<T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Builds a record from entries with `setEntry`, preserving their order. */
export function recordOf<T>(entries: Iterable<readonly [string, T]>): DataRecord<T> {
  const record: DataRecord<T> = {};
  for (const [key, value] of entries) setEntry(record, key, value);
  return record;
}

/** Returns the own entry of `record` at `key`, ignoring anything inherited. */
export function ownEntry<T>(record: DataRecord<T>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
