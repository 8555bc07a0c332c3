import { describe, expect, it } from "vitest";
import { createLruMap } from "./lru-map.ts";

describe("createLruMap", () => {
  it("forgets the least recently used entry past its bound", () => {
    const map = createLruMap<string, number>({ maxEntries: 2 });
    map.set("a", 1);
    map.set("b", 2);
    expect(map.get("a")).toBe(1); // a is now the most recently used
    map.set("c", 3);
    expect(map.get("b")).toBeUndefined();
    expect(map.get("a")).toBe(1);
    expect(map.get("c")).toBe(3);
    expect(map.size).toBe(2);
  });

  it("replaces a value without growing", () => {
    const map = createLruMap<string, number>({ maxEntries: 3 });
    map.set("a", 1);
    map.set("a", 2);
    expect(map.size).toBe(1);
    expect(map.get("a")).toBe(2);
    map.delete("a");
    expect(map.size).toBe(0);
  });

  it("stays within its bound whatever the number of distinct keys", () => {
    const map = createLruMap<number, number>({ maxEntries: 100 });
    for (let n = 0; n < 10_000; n++) map.set(n, n);
    expect(map.size).toBe(100);
    expect(map.get(9_999)).toBe(9_999);
    expect(map.get(0)).toBeUndefined();
  });
});
