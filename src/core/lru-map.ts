/**
 * A Map that forgets its least recently used entry past `maxEntries`. Every in-memory map keyed by what a client
 * or a feed sends goes through one of these: a visitor who sends a million distinct strings must not grow the
 * process by a million entries.
 */
export interface LruMap<K, V> {
  get(key: K): V | undefined;
  set(key: K, value: V): void;
  delete(key: K): void;
  readonly size: number;
}

export function createLruMap<K, V>(params: { maxEntries: number }): LruMap<K, V> {
  if (params.maxEntries < 1) throw new RangeError("maxEntries must be at least 1");
  // Map iteration follows insertion order: re-inserting on each hit keeps the least recently used first.
  const entries = new Map<K, V>();
  return {
    get(key) {
      const value = entries.get(key);
      if (value === undefined) return undefined;
      entries.delete(key);
      entries.set(key, value);
      return value;
    },
    set(key, value) {
      entries.delete(key);
      entries.set(key, value);
      if (entries.size > params.maxEntries) {
        const oldest = entries.keys().next();
        if (!oldest.done) entries.delete(oldest.value);
      }
    },
    delete(key) {
      entries.delete(key);
    },
    get size() {
      return entries.size;
    },
  };
}
