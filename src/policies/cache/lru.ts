/**
 * A small in-memory LRU map with per-entry expiry. A `Map` keeps insertion order, so
 * moving an entry to the end on every hit makes the first key the least recently used:
 * a hit costs two map operations and no allocation.
 */

interface Slot<V> {
  value: V;
  /** Clock time (ms) from which the entry is gone. */
  expiresAt: number;
}

export class LruMap<V> {
  private readonly map = new Map<string, Slot<V>>();
  /** Entries pushed out because the map was full. */
  evictions = 0;

  /**
   * @param maxEntries capacity; 0 keeps nothing.
   * @param clock milliseconds; injectable for tests.
   */
  constructor(
    readonly maxEntries: number,
    private readonly clock: () => number = Date.now,
  ) {}

  get size(): number {
    return this.map.size;
  }

  /** The live value under `key`, marking it most recently used; expired entries are dropped. */
  get(key: string): V | undefined {
    const slot = this.map.get(key);
    if (slot === undefined) return undefined;
    if (slot.expiresAt <= this.clock()) {
      this.map.delete(key);
      return undefined;
    }
    this.map.delete(key);
    this.map.set(key, slot);
    return slot.value;
  }

  /** Stores `value` for `ttlMs`, evicting the least recently used entries beyond capacity. */
  set(key: string, value: V, ttlMs: number): void {
    if (this.maxEntries <= 0 || ttlMs <= 0) return;
    this.map.delete(key);
    this.map.set(key, { value, expiresAt: this.clock() + ttlMs });
    while (this.map.size > this.maxEntries) {
      const oldest = this.map.keys().next();
      if (oldest.done) break;
      this.map.delete(oldest.value);
      this.evictions++;
    }
  }

  delete(key: string): boolean {
    return this.map.delete(key);
  }

  clear(): void {
    this.map.clear();
  }

  /** Drops expired entries; returns how many. */
  pruneExpired(): number {
    const now = this.clock();
    let dropped = 0;
    for (const [key, slot] of this.map) {
      if (slot.expiresAt <= now) {
        this.map.delete(key);
        dropped++;
      }
    }
    return dropped;
  }
}
