import type { StoredObject } from "./storage.js";

/**
 * The current objects under the cache's root: a map for lookups and a sorted key array for
 * ordered prefix scans (binary search to the first key, then walk). Keys compare as UTF-16 code
 * units, which matches byte order for the ASCII keys the API server writes.
 */
export class ObjectIndex {
  private readonly objects = new Map<string, StoredObject>();
  private keys: string[] = [];

  get size(): number {
    return this.objects.size;
  }

  get(key: string): StoredObject | undefined {
    return this.objects.get(key);
  }

  set(object: StoredObject): void {
    if (!this.objects.has(object.key)) {
      const i = this.lowerBound(object.key);
      this.keys.splice(i, 0, object.key);
    }
    this.objects.set(object.key, object);
  }

  delete(key: string): void {
    if (!this.objects.delete(key)) return;
    const i = this.lowerBound(key);
    if (this.keys[i] === key) this.keys.splice(i, 1);
  }

  /** Replaces the whole content with objects already in key order. */
  load(objects: readonly StoredObject[]): void {
    this.objects.clear();
    for (const o of objects) this.objects.set(o.key, o);
    this.keys = [...this.objects.keys()].sort();
  }

  /** Objects whose key starts with prefix and is greater than startAfter, in key order. */
  scan(
    prefix: string,
    startAfter: string | undefined,
    limit: number,
  ): { items: StoredObject[]; more: boolean } {
    const from = startAfter !== undefined && startAfter >= prefix ? `${startAfter}\0` : prefix;
    const items: StoredObject[] = [];
    for (let i = this.lowerBound(from); i < this.keys.length; i++) {
      const key = this.keys[i] as string;
      if (!key.startsWith(prefix)) break;
      if (limit > 0 && items.length === limit) return { items, more: true };
      items.push(this.objects.get(key) as StoredObject);
    }
    return { items, more: false };
  }

  private lowerBound(key: string): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.keys[mid] as string) < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
