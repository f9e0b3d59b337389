/**
 * A least-recently-used cache bounded by total weight (entry count by
 * default). A Map keeps insertion order, so the first key is the oldest.
 */
export class LruCache<K, V> {
  private readonly map = new Map<K, V>();
  private total = 0;

  constructor(
    private readonly capacity: number,
    private readonly weigh: (value: V) => number = () => 1,
  ) {}

  get(key: K): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): void {
    const old = this.map.get(key);
    if (old !== undefined) {
      this.total -= this.weigh(old);
      this.map.delete(key);
    }
    this.map.set(key, value);
    this.total += this.weigh(value);
    // Evict the oldest, but always keep the newest even if it alone is over capacity.
    for (const [k, v] of this.map) {
      if (this.total <= this.capacity || this.map.size === 1) break;
      this.map.delete(k);
      this.total -= this.weigh(v);
    }
  }

  clear(): void {
    this.map.clear();
    this.total = 0;
  }
}
