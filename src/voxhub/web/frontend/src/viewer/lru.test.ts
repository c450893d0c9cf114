import { describe, expect, it } from "vitest";
import { LruCache } from "./lru";

describe("LruCache", () => {
  it("evicts the least recently used entries past the cost bound", () => {
    const evicted: string[] = [];
    const cache = new LruCache<number>({ maxCost: 30, costOf: (v) => v, onEvict: (k) => evicted.push(k) });
    cache.set("a", 10);
    cache.set("b", 10);
    cache.set("c", 10);
    expect(cache.get("a")).toBe(10); // a is now the most recent
    cache.set("d", 10);
    expect(evicted).toEqual(["b"]);
    expect([...cache.keys()]).toEqual(["c", "a", "d"]);
    expect(cache.cost).toBe(30);
    expect(cache.stats).toMatchObject({ hits: 1, evictions: 1 });
  });

  it("counts misses, keeps peek neutral and hands deleted values to onEvict", () => {
    const evicted: number[] = [];
    const cache = new LruCache<number>({ maxCost: 2, onEvict: (_, v) => evicted.push(v) });
    expect(cache.get("x")).toBeUndefined();
    cache.set("x", 1);
    cache.set("y", 2);
    expect(cache.peek("x")).toBe(1);
    cache.set("z", 3); // x was only peeked: it is still the oldest
    expect(evicted).toEqual([1]);
    cache.delete("y");
    cache.clear();
    expect(evicted).toEqual([1, 2, 3]);
    expect(cache.stats.misses).toBe(1);
    expect(cache.size).toBe(0);
  });
});
