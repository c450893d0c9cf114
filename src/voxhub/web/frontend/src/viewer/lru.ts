/**
 * A least-recently-used map bounded by a total cost (bytes, for chunks).
 *
 * It relies on `Map` keeping insertion order: a hit deletes and re-inserts the key,
 * so the first key is always the least recently used one. Evicted values are handed
 * to `onEvict` (the renderer frees the GPU texture of an evicted chunk there), so the
 * CPU and GPU caches stay one cache with one bound.
 */
export interface LruOptions<V> {
  /** Largest total cost kept; an entry alone larger than this is still kept until the next set. */
  maxCost: number;
  /** Cost of one value (default 1: a bound on the number of entries). */
  costOf?: (value: V) => number;
  /** Called for each value that leaves the cache (eviction, delete, clear). */
  onEvict?: (key: string, value: V) => void;
}

export class LruCache<V> {
  #map = new Map<string, V>();
  #cost = 0;
  #maxCost: number;
  #costOf: (value: V) => number;
  #onEvict?: (key: string, value: V) => void;
  stats = { hits: 0, misses: 0, evictions: 0 };

  constructor(options: LruOptions<V>) {
    this.#maxCost = options.maxCost;
    this.#costOf = options.costOf ?? (() => 1);
    this.#onEvict = options.onEvict;
  }

  get size(): number {
    return this.#map.size;
  }

  get cost(): number {
    return this.#cost;
  }

  has(key: string): boolean {
    return this.#map.has(key);
  }

  /** The value, marked as most recently used; counts a hit or a miss. */
  get(key: string): V | undefined {
    const value = this.#map.get(key);
    if (value === undefined) {
      this.stats.misses++;
      return undefined;
    }
    this.stats.hits++;
    this.#map.delete(key);
    this.#map.set(key, value);
    return value;
  }

  /** The value without touching its recency or the counters. */
  peek(key: string): V | undefined {
    return this.#map.get(key);
  }

  set(key: string, value: V): void {
    const old = this.#map.get(key);
    if (old !== undefined) {
      this.#map.delete(key);
      this.#cost -= this.#costOf(old);
      if (old !== value) this.#onEvict?.(key, old);
    }
    this.#map.set(key, value);
    this.#cost += this.#costOf(value);
    this.#trim(key);
  }

  delete(key: string): boolean {
    const value = this.#map.get(key);
    if (value === undefined) return false;
    this.#map.delete(key);
    this.#cost -= this.#costOf(value);
    this.#onEvict?.(key, value);
    return true;
  }

  clear(): void {
    for (const key of [...this.#map.keys()]) this.delete(key);
  }

  keys(): IterableIterator<string> {
    return this.#map.keys();
  }

  #trim(keep: string): void {
    for (const [key, value] of this.#map) {
      if (this.#cost <= this.#maxCost) break;
      if (key === keep) continue;
      this.#map.delete(key);
      this.#cost -= this.#costOf(value);
      this.stats.evictions++;
      this.#onEvict?.(key, value);
    }
  }
}
